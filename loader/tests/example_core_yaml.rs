//! The `core.yaml.example` that the project ships parses with the loader and says what its
//! comments say.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;

use loader::config::{ConfigOptions, HandlerSource, HandlersConfig};

#[test]
fn core_yaml_example_parses_to_the_documented_handlers() {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../core.yaml.example"));
    let options = ConfigOptions {
        env: Default::default(),
        plugins_dir: None,
    };
    let config = HandlersConfig::from_file(path, &options).unwrap();
    let library = |file: &str, name: &str| HandlerSource::Library {
        path: path.parent().unwrap().join(file),
        declared_name: name.to_owned(),
        sha256: None,
    };
    assert_eq!(config.endorsers.len(), 1);
    assert_eq!(
        config.endorsers["escc"],
        library("libescc_default_plugin.so", "DefaultEndorsement")
    );
    assert_eq!(config.validators.len(), 3);
    assert_eq!(
        config.validators["utxo"],
        library("libvscc_utxo_plugin.so", "UTXO")
    );
    assert_eq!(
        config.validators["majority"],
        library(
            "libvscc_majority_orgs_plugin.so",
            "SignedByMajorityPeerOrgs"
        )
    );
    assert_eq!(
        config.validators["vscc"],
        library("libvscc_default_plugin.so", "DefaultValidation")
    );
    assert_eq!(config.auth_filters.len(), 2);
    assert_eq!(config.decorators.len(), 1);
    // authFilters and decorators are reported as not yet supported.
    assert!(config.warnings.len() >= 2, "{:?}", config.warnings);
    // An empty validatorPoolSize means the number of CPUs.
    assert!(config.validator_pool_size >= 1);
}

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
    let builtin = |name: &str| HandlerSource::Builtin {
        name: name.to_owned(),
    };
    assert_eq!(config.endorsers.len(), 1);
    assert_eq!(config.endorsers["escc"], builtin("DefaultEndorsement"));
    assert_eq!(config.validators.len(), 2);
    assert_eq!(config.validators["vscc"], builtin("DefaultValidation"));
    assert_eq!(
        config.validators["majority"],
        builtin("SignedByMajorityPeerOrgs")
    );
    assert_eq!(config.auth_filters.len(), 2);
    assert_eq!(config.decorators.len(), 1);
    // authFilters and decorators are reported as not yet supported.
    assert!(config.warnings.len() >= 2, "{:?}", config.warnings);
    // An empty validatorPoolSize means the number of CPUs.
    assert!(config.validator_pool_size >= 1);
}

//! The project's builtin handlers, selected by Fabric's names from core.yaml.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use handlers_api::endorsement::{Dependencies, SigningIdentity, SigningIdentityFetcher};
use handlers_api::validation::IdentityError;
use loader::registry::LoadedFrom;
use loader::{Builtins, HandlersConfig, Registry};

fn config(yaml: &str) -> HandlersConfig {
    HandlersConfig::from_yaml(
        yaml,
        Path::new("core.yaml"),
        Path::new("."),
        &BTreeMap::new(),
    )
    .unwrap()
}

struct Signer;

impl SigningIdentity for Signer {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        Ok(b"me".to_vec())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        Ok(msg.iter().rev().copied().collect())
    }
}

impl SigningIdentityFetcher for Signer {
    fn signing_identity_for_request(
        &self,
        _: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        Ok(Box::new(Signer))
    }
}

#[test]
fn default_endorsement_and_default_validation_are_builtin_by_name() {
    let registry = Registry::load(
        &config(
            "peer:\n  handlers:\n    endorsers:\n      escc:\n        name: DefaultEndorsement\n    \
             validators:\n      vscc:\n        name: DefaultValidation\n",
        ),
        &Builtins::project(),
    )
    .unwrap();
    for record in registry.loaded() {
        assert!(
            matches!(&record.from, LoadedFrom::Builtin { name } if name == "DefaultEndorsement" || name == "DefaultValidation"),
            "{record}"
        );
    }
    assert_eq!(registry.loaded().len(), 2);
    assert!(registry.validation_factory("vscc").unwrap().new().is_ok());

    // The builtin escc is escc-default: it signs payload || endorser and returns the payload.
    let mut escc = registry.endorsement_factory("escc").unwrap().new().unwrap();
    escc.init(Dependencies {
        signing_identity_fetcher: Arc::new(Signer),
        state_fetcher: None,
    })
    .unwrap();
    let out = escc.endorse(b"prp", b"proposal").unwrap();
    assert_eq!(out.payload, b"prp");
    assert_eq!(out.endorsement.endorser, b"me");
    assert_eq!(out.endorsement.signature, b"emprp".to_vec());
}

#[test]
fn the_shipped_core_yaml_example_loads_every_handler_from_its_shared_library() {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../core.yaml.example"));
    // The test binary is target/<profile>/deps/<name>: the libraries are in target/<profile>.
    let exe = std::env::current_exe().unwrap();
    let plugins_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let config = HandlersConfig::from_file(
        path,
        &loader::ConfigOptions {
            env: BTreeMap::new(),
            plugins_dir: Some(plugins_dir.clone()),
        },
    )
    .unwrap();
    let registry = Registry::load(&config, &Builtins::project()).unwrap_or_else(|e| {
        panic!("{e}\n(build the plugin libraries first: cargo build --workspace)")
    });
    let loaded = registry.loaded();
    assert_eq!(
        loaded.len(),
        config.endorsers.len() + config.validators.len()
    );
    for handler in loaded {
        assert!(
            matches!(&handler.from, LoadedFrom::Library { path, .. } if path.starts_with(&plugins_dir)),
            "{handler}"
        );
    }
    assert!(registry.validation_factory("vscc").unwrap().new().is_ok());
    assert!(registry.endorsement_factory("escc").unwrap().new().is_ok());
}

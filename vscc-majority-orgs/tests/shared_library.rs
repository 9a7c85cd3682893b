//! The plugin built as a shared library (`libvscc_majority_orgs_plugin.so`, built by
//! `cargo build -p vscc-majority-orgs-plugin`; a missing library fails the test) loaded through
//! the loader gives the same verdicts as the builtin: plugin by plugin, and in the block
//! validator (Fabric's committer) over the scenario's ledger with its config blocks.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use block_validator::{ChaincodeOverride, ChannelValidator, ValidatorOptions};
use bytes::Bytes;
use fabric_protos::protos::TxValidationCode as Code;
use loader::config::{ConfigOptions, HandlersConfig};
use loader::registry::{Builtins, LoadedFrom, Registry};
use loader::ValidationInstances;
use support::{cdylib, consortium, ledger, Channel, CHANNEL, CMSCC};
use vscc_majority_orgs::PLUGIN_NAME;

/// A registry with the plugin twice: `majority` (the builtin) and `majority_so` (the
/// library), from a core.yaml written into a temporary plugins directory.
fn registry() -> (tempfile::TempDir, Registry) {
    let dir = tempfile::tempdir().unwrap();
    let library = cdylib("vscc_majority_orgs_plugin");
    let file = library.file_name().unwrap().to_owned();
    std::fs::copy(&library, dir.path().join(&file)).unwrap();
    let core_yaml = dir.path().join("core.yaml");
    std::fs::write(
        &core_yaml,
        format!(
            "peer:\n  handlers:\n    validators:\n      majority:\n        name: {PLUGIN_NAME}\n      \
             majority_so:\n        name: ignored\n        library: {}\n",
            file.to_string_lossy()
        ),
    )
    .unwrap();
    let options = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: None,
    };
    let config = HandlersConfig::from_file(&core_yaml, &options).unwrap();
    // The project's builtins, as the CLI registers them.
    let registry = Registry::load(&config, &Builtins::project()).unwrap();
    (dir, registry)
}

#[test]
fn the_library_exports_signed_by_majority_peer_orgs() {
    let (_dir, registry) = registry();
    let record = registry
        .loaded()
        .iter()
        .find(|r| r.key == "majority_so")
        .unwrap();
    match &record.from {
        LoadedFrom::Library { plugin_name, .. } => assert_eq!(plugin_name, PLUGIN_NAME),
        other => panic!("not a library: {other:?}"),
    }
    assert!(registry.endorsement_factory("majority_so").is_none());
    // `majority` (no `library:`) is the loader's project builtin of that name.
    let record = registry
        .loaded()
        .iter()
        .find(|r| r.key == "majority")
        .unwrap();
    match &record.from {
        LoadedFrom::Builtin { name } => assert_eq!(name, PLUGIN_NAME),
        other => panic!("not a builtin: {other:?}"),
    }
}

#[test]
fn builtin_and_library_plugins_agree_verdict_by_verdict() {
    let c = consortium();
    let (_dir, registry) = registry();
    let builtin = registry.validation_factory("majority").unwrap();
    let library = registry.validation_factory("majority_so").unwrap();
    let configs = [&c.add_orgx, &c.add_orgy];
    for parameter in ["", "ALL", "ANY", "OutOf(2)", "OutOf(9)", "Majority"] {
        let a = Channel::new(builtin.as_ref(), &c.genesis);
        let b = Channel::new(library.as_ref(), &c.genesis);
        let mut in_force = 0;
        let mut verdicts = Vec::new();
        let not_a_tx = (2, Bytes::from_static(ledger::NOT_A_TRANSACTION));
        for (config, tx) in ledger::scenario_txs().into_iter().chain([not_a_tx]) {
            while in_force < config {
                a.commit_config(configs[usize::from(in_force)]);
                b.commit_config(configs[usize::from(in_force)]);
                in_force += 1;
            }
            let from_builtin = a.verdict(&tx, parameter);
            assert_eq!(from_builtin, b.verdict(&tx, parameter), "{parameter:?}");
            verdicts.push(from_builtin.is_ok());
        }
        // The comparison is not vacuous: every parameter here yields both outcomes but two.
        match parameter {
            "OutOf(9)" | "Majority" => assert!(verdicts.iter().all(|v| !v)),
            _ => assert!(
                verdicts.contains(&true) && verdicts.contains(&false),
                "{parameter:?}"
            ),
        }
    }
}

/// The codes the block validator gives the ledger, with [`ledger::NOT_A_TRANSACTION`] appended
/// to its last block, with cmscc validated by `plugin`.
fn committer_codes(registry: &Registry, plugin: &str, parameter: &[u8]) -> Vec<Vec<u8>> {
    let instances = ValidationInstances::new(BTreeMap::from([(
        plugin.to_owned(),
        registry.validation_factory(plugin).unwrap(),
    )]));
    let options = ValidatorOptions {
        pool_size: 2,
        chaincodes: BTreeMap::from([(
            CMSCC.to_owned(),
            ChaincodeOverride {
                plugin: plugin.to_owned(),
                parameter: Some(Bytes::copy_from_slice(parameter)),
            },
        )]),
        ..ValidatorOptions::default()
    };
    let mut validator = ChannelValidator::new(CHANNEL, None, Arc::new(instances), options);
    let mut blocks = ledger::blocks();
    blocks
        .last_mut()
        .unwrap()
        .push(Bytes::from_static(ledger::NOT_A_TRANSACTION));
    blocks
        .iter()
        .enumerate()
        .map(|(number, envelopes)| {
            validator
                .validate_block(u64::try_from(number).unwrap(), envelopes)
                .unwrap()
                .codes
        })
        .collect()
}

#[test]
fn the_block_validator_gives_the_same_codes_with_builtin_and_library() {
    let (_dir, registry) = registry();
    for rule in ["MAJORITY", "ANY"] {
        let builtin = committer_codes(&registry, "majority", rule.as_bytes());
        let library = committer_codes(&registry, "majority_so", rule.as_bytes());
        let mut expected = ledger::expected_codes(rule);
        expected.last_mut().unwrap().push(Code::BadPayload as u8);
        assert_eq!(builtin, expected, "{rule}");
        assert_eq!(library, builtin, "{rule}");
    }
    // Fabric's committer rejects a chaincode definition with an empty validation parameter
    // before any plugin runs, so the plugin's "empty means MAJORITY" never applies there.
    let invalid_cc = Code::InvalidChaincode as u8;
    assert_eq!(
        committer_codes(&registry, "majority", b"")[1],
        vec![invalid_cc; 4]
    );
}

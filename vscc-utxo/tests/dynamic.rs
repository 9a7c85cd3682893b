//! The `UTXO` plugin loaded from its shared library (`libvscc_utxo_plugin.so`, built by
//! `cargo build -p vscc-utxo-plugin` or `cargo build --workspace`) through the loader: it
//! replays the coverage ledger with the predicted codes and gives exactly the builtin's
//! verdicts, reasons included. A missing library fails the test, it never skips.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use handlers_api::validation::Plugin;
use loader::registry::LoadedFrom;
use loader::{Builtins, ConfigOptions, HandlersConfig, Registry, ValidationInstances};
use utxo_workload::{scenario, TxKind};
use vscc_utxo::UtxoValidationFactory;

use support::{call, check_plugin, commit, plugin_with, validator};

/// `target/<profile>/` of this test run, found from the test executable.
fn cdylib(stem: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join(format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} is missing: build the plugin libraries first (cargo build -p vscc-utxo-plugin)",
        path.display()
    );
    path
}

fn registry(dir: &Path) -> Registry {
    let library = cdylib("vscc_utxo_plugin");
    let core_yaml = dir.join("core.yaml");
    std::fs::write(
        &core_yaml,
        format!(
            "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultValidation\n      \
             utxo:\n        name: UTXO\n        library: {}\n",
            library.display()
        ),
    )
    .unwrap();
    let options = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: None,
    };
    let config = HandlersConfig::from_file(&core_yaml, &options).unwrap();
    Registry::load(&config, &Builtins::project()).unwrap()
}

#[test]
fn the_shared_library_gives_the_builtin_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let record = registry.loaded().iter().find(|r| r.key == "utxo").unwrap();
    match &record.from {
        LoadedFrom::Library { plugin_name, .. } => assert_eq!(plugin_name, "UTXO"),
        other => panic!("utxo is not a library: {other:?}"),
    }
    let dynamic_factory = registry.validation_factory("utxo").unwrap();
    let instances = Arc::new(ValidationInstances::new(registry.validation_factories()));

    let w = scenario::coverage(b"utxo dynamic").unwrap();
    let mut v = validator(&w, instances);
    let mut plugins: Option<(Box<dyn Plugin>, Box<dyn Plugin>)> = None;
    let mut compared = 0;
    for block in w.blocks() {
        if let Some((builtin, dynamic)) = &plugins {
            // The library's verdicts are the predicted ones...
            let got = check_plugin(dynamic.as_ref(), &w, block);
            // ...and exactly the builtin's, reasons included.
            for (i, e) in block.expected.iter().enumerate() {
                if matches!(e.kind, TxKind::Config | TxKind::Definition) {
                    continue;
                }
                let builtin_says = call(
                    builtin.as_ref(),
                    block.number(),
                    block.envelopes(),
                    i,
                    w.namespace(),
                    &w.parameter(),
                );
                assert_eq!(
                    got[i].as_ref(),
                    Some(&builtin_says),
                    "block {} tx {i}",
                    block.number()
                );
                compared += 1;
            }
        }
        // The whole ledger replays with the predicted codes through the library.
        commit(&mut v, block);
        if plugins.is_none() {
            let deps = v.host().dependencies();
            plugins = Some((
                plugin_with(&UtxoValidationFactory, deps.clone()),
                plugin_with(dynamic_factory.as_ref(), deps),
            ));
        }
    }
    let utxo_txs = w
        .blocks()
        .iter()
        .flat_map(|b| &b.expected)
        .filter(|e| !matches!(e.kind, TxKind::Config | TxKind::Definition))
        .count();
    assert_eq!(compared, utxo_txs);
    assert!(compared >= 30, "only {compared} transactions compared");
}

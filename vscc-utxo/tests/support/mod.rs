//! Shared by the vscc-utxo tests: the block validator over a generated ledger, and the
//! plugin called directly with the block validator's host dependencies.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use block_validator::{BlockVerdict, ChannelValidator, ValidatorOptions};
use bytes::Bytes;
use handlers_api::validation::{
    BlockView, Context, Dependencies, Plugin, PluginFactory, SerializedPolicy, ValidationError,
};
use loader::ValidationInstances;
use utxo_workload::{TxKind, UtxoBlock, Workload};
use vscc_default::DefaultValidationFactory;
use vscc_utxo::UtxoValidationFactory;

/// `vscc` (DefaultValidation, for `_lifecycle`) and `utxo` (the builtin UTXO plugin).
pub fn builtin_instances() -> Arc<ValidationInstances> {
    let mut factories: BTreeMap<String, Arc<dyn PluginFactory>> = BTreeMap::new();
    factories.insert("vscc".into(), Arc::new(DefaultValidationFactory));
    factories.insert("utxo".into(), Arc::new(UtxoValidationFactory));
    Arc::new(ValidationInstances::new(factories))
}

/// A validator for the workload's channel with the given plugins.
pub fn validator(w: &Workload, plugins: Arc<ValidationInstances>) -> ChannelValidator {
    ChannelValidator::new(w.channel_id(), None, plugins, ValidatorOptions::default())
}

/// Validates and commits `block`, checking that every code is the expected one.
pub fn commit(v: &mut ChannelValidator, block: &UtxoBlock) -> BlockVerdict {
    let verdict = v
        .validate_block(block.number(), block.envelopes())
        .unwrap_or_else(|e| panic!("block {} halted: {e}", block.number()));
    for (i, (code, expected)) in verdict.codes.iter().zip(&block.expected).enumerate() {
        assert_eq!(
            i32::from(*code),
            expected.code as i32,
            "block {} tx {i} ({:?}, fault {:?}): {:?}",
            block.number(),
            expected.kind,
            expected.fault,
            verdict.reasons[i]
        );
    }
    assert_eq!(verdict.codes.len(), block.expected.len());
    verdict
}

/// A fresh UTXO plugin instance over `deps`.
pub fn plugin_with(factory: &dyn PluginFactory, deps: Dependencies) -> Box<dyn Plugin> {
    let mut plugin = factory.new().unwrap();
    plugin.init(deps).unwrap();
    plugin
}

/// Calls `plugin` for transaction `tx` of `envelopes` (block `number`) with `parameter`.
pub fn call(
    plugin: &dyn Plugin,
    number: u64,
    envelopes: &[Bytes],
    tx: usize,
    namespace: &str,
    parameter: &[u8],
) -> Result<(), ValidationError> {
    let refs: Vec<&[u8]> = envelopes.iter().map(AsRef::as_ref).collect();
    let block = BlockView::new(number, &refs);
    plugin.validate(
        &block,
        namespace,
        tx,
        0,
        &Context::new(SerializedPolicy(parameter)),
    )
}

/// Checks the plugin's verdict for every UTXO transaction of `block` against the expected
/// one (before the block is committed), returning the verdicts.
pub fn check_plugin(
    plugin: &dyn Plugin,
    w: &Workload,
    block: &UtxoBlock,
) -> Vec<Option<Result<(), ValidationError>>> {
    let parameter = w.parameter();
    block
        .expected
        .iter()
        .enumerate()
        .map(|(i, expected)| {
            if matches!(expected.kind, TxKind::Config | TxKind::Definition) {
                return None;
            }
            let got = call(
                plugin,
                block.number(),
                block.envelopes(),
                i,
                w.namespace(),
                &parameter,
            );
            let what = format!(
                "block {} tx {i} ({:?}, fault {:?})",
                block.number(),
                expected.kind,
                expected.fault
            );
            match (&got, expected.plugin) {
                (Ok(()), None) => {}
                (Err(ValidationError::Invalid(reason)), Some(rule)) => {
                    assert!(
                        reason.contains(&rule.marker()),
                        "{what}: expected {}, got {reason}",
                        rule.marker()
                    );
                    assert!(
                        reason.contains(&expected.txid),
                        "{what}: the reason does not name the transaction: {reason}"
                    );
                }
                (got, want) => panic!("{what}: expected {want:?}, got {got:?}"),
            }
            Some(got)
        })
        .collect()
}

//! UTXO block validation throughput, in transactions.
//!
//! Group `utxo_transfer_block`: a block of `N` valid UTXO transfers (`N` = 200), each endorsed
//! by `K` organisations' peers (`K` = 1 and 3, policy `OutOf(K, …peers)`), from
//! `utxo_workload::scenario::transfer_block`. Every iteration sets up a fresh
//! `ChannelValidator` and replays the preceding blocks (genesis, the `_lifecycle` definition,
//! the issuances) outside the timing, then times the transfer block alone, on 1 and 2
//! threads:
//!
//! * `utxo_builtin/{K}e/{T}t`: the builtin `UTXO` plugin (the loader's `name: UTXO`), as the
//!   ledger's chaincode definition names it, with the UTXO parameter;
//! * `vscc/{K}e/{T}t`: the same block with the chaincode overridden to the builtin default
//!   validation (`DefaultValidation`) under the same endorsement policy, which checks the
//!   endorsements only: the difference is the cost of the UTXO rules (state reads, output
//!   decoding, owner and balance checks).
//!
//! Run it with:
//!
//!   cargo bench -p fabric-handlers-benches --bench utxo

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use block_validator::{ChaincodeOverride, ChannelValidator, ValidatorOptions};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use handlers_api::validation::PluginFactory;
use loader::ValidationInstances;
use utxo_workload::{scenario, Workload};

/// Transactions in the timed block.
const TRANSFERS: usize = 200;

/// `vscc` (DefaultValidation, for `_lifecycle` and the comparison) and `utxo` (the builtin
/// `UTXO`), loaded through the loader from a core.yaml as a peer would.
fn factories() -> BTreeMap<String, Arc<dyn PluginFactory>> {
    let yaml = "peer:\n  handlers:\n    validators:\n      vscc:\n        name: \
                DefaultValidation\n      utxo:\n        name: UTXO\n";
    let config = loader::HandlersConfig::from_yaml(
        yaml,
        Path::new("utxo-bench.yaml"),
        Path::new("."),
        &BTreeMap::new(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    loader::Registry::load(&config, &loader::Builtins::project())
        .unwrap_or_else(|e| panic!("{e}"))
        .validation_factories()
}

/// The validator options: the ledger's own definition (`utxo`), or the chaincode overridden to
/// the default validation with the UTXO parameter's endorsement policy.
fn options(w: &Workload, default_validation: bool, threads: usize) -> ValidatorOptions {
    let chaincodes = if default_validation {
        let policy = w.network().validation_parameter().endorsement_policy;
        BTreeMap::from([(
            w.namespace().to_owned(),
            ChaincodeOverride {
                plugin: "vscc".to_owned(),
                parameter: Some(policy.into()),
            },
        )])
    } else {
        BTreeMap::new()
    };
    ValidatorOptions {
        pool_size: threads,
        check_signatures: true,
        check_mvcc: true,
        chaincodes,
    }
}

/// A fresh validator that has committed every block of `w` but the last.
fn prepared(
    w: &Workload,
    factories: &BTreeMap<String, Arc<dyn PluginFactory>>,
    options: &ValidatorOptions,
) -> ChannelValidator {
    let mut validator = ChannelValidator::new(
        w.channel_id(),
        None,
        Arc::new(ValidationInstances::new(factories.clone())),
        options.clone(),
    );
    let blocks = w.blocks();
    for block in &blocks[..blocks.len() - 1] {
        let verdict = validator
            .validate_block(block.number(), block.envelopes())
            .unwrap_or_else(|e| panic!("block {}: {e}", block.number()));
        assert_eq!(
            verdict.codes,
            block.expected_codes(),
            "block {}",
            block.number()
        );
    }
    validator
}

fn utxo_transfer_block(c: &mut Criterion) {
    let factories = factories();
    let mut group = c.benchmark_group("utxo_transfer_block");
    group
        .throughput(Throughput::Elements(TRANSFERS as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));
    for k in [1, 3] {
        let w = scenario::transfer_block(format!("utxo bench {k}").as_bytes(), k, TRANSFERS)
            .unwrap_or_else(|e| panic!("{e}"));
        let last = w
            .last_block()
            .unwrap_or_else(|| panic!("no transfer block"));
        assert_eq!(last.envelopes().len(), TRANSFERS);
        for threads in [1, 2] {
            for (name, default_validation) in [("utxo_builtin", false), ("vscc", true)] {
                let options = options(&w, default_validation, threads);
                group.bench_function(format!("{name}/{k}e/{threads}t"), |b| {
                    b.iter_batched(
                        || prepared(&w, &factories, &options),
                        |mut validator| {
                            let verdict = validator
                                .validate_block(last.number(), last.envelopes())
                                .unwrap_or_else(|e| panic!("{e}"));
                            // Every transfer must be valid, or the benchmark measures a reject.
                            assert!(verdict.codes.iter().all(|c| *c == 0), "{name}: {verdict:?}");
                            (validator, verdict)
                        },
                        BatchSize::PerIteration,
                    )
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, utxo_transfer_block);
criterion_main!(benches);

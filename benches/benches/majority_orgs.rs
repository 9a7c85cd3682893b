//! `SignedByMajorityPeerOrgs` (the consortium management chaincode's validation plugin, issue 4)
//! beside Fabric's default validation, on the SAME blocks, in transactions per second.
//!
//! Group `majority_orgs_<M>orgs`: a generated channel of M organisations
//! (`fabric_testgen::workload`, 5 blocks of 100 transactions), each transaction endorsed by the
//! `peer0` of k = ⌊M/2⌋+1 distinct organisations. The blocks are validated by the block
//! validator with chaincode `mycc` once under the builtin `vscc` (DefaultValidation, its
//! `OutOf(k, every org)` signature policy) and once under the builtin `majority`
//! (SignedByMajorityPeerOrgs, parameter `MAJORITY`), on 1 and 2 threads; both accept every
//! transaction (checked before measuring), so the two differ only in the plugin. Run:
//!
//!   cargo bench -p fabric-handlers-benches --bench majority_orgs

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fabric_handlers_benches::{project_builtin_factories, validate_all, with_plugin, Workload};

fn majority_beside_default(c: &mut Criterion) {
    let factories = project_builtin_factories();
    for orgs in [3, 5] {
        let majority = usize::try_from(orgs / 2 + 1).unwrap_or(usize::MAX);
        let mut group = c.benchmark_group(format!("majority_orgs_{orgs}orgs"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
        for threads in [1, 2] {
            let w = Workload::generate(orgs, 5, 100, majority, threads);
            let default = w.options.clone();
            let by_majority = with_plugin(&w.options, "majority", b"MAJORITY");
            for (name, options) in [("vscc", &default), ("majority", &by_majority)] {
                let valid = validate_all(&w.blocks, w.config.clone(), &factories, options);
                assert_eq!(valid, w.txs(), "{name} must accept every transaction");
            }
            group.throughput(Throughput::Elements(w.txs() as u64));
            group.bench_function(format!("vscc/{threads}t"), |b| {
                b.iter(|| validate_all(&w.blocks, w.config.clone(), &factories, &default))
            });
            group.bench_function(format!("majority/{threads}t"), |b| {
                b.iter(|| validate_all(&w.blocks, w.config.clone(), &factories, &by_majority))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, majority_beside_default);
criterion_main!(benches);

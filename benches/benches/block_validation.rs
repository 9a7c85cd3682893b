//! Block validation throughput, in transactions, beside its crypto ceiling.
//!
//! Group `bench_corpus_100tx` (and `_500tx`): the bench corpus blocks Fabric's own Go code made
//! (30 blocks of 100 txs, 6 blocks of 500), validated by the block validator with the default
//! validation plugin (builtin, or loaded from its shared library), with a warm or cold MSP
//! identity cache, on 1 and 2 threads; and in the same group `crypto_ceiling`, the same
//! signatures (the creator's and every endorsement, 3 per transaction) verified with the same
//! backend on the same pool and nothing else. The ratio of `full` to `crypto_ceiling` is the
//! share of the ceiling reached; read both from one run:
//!
//!   cargo build --release -p vscc-default-plugin
//!   cargo bench -p fabric-handlers-benches --bench block_validation
//!
//! Each benchmark here is measured alone, minutes apart from the others; on a machine whose
//! speed drifts, `target_ratios` measures the same pairs back to back and is the one to quote
//! for the targets.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use fabric_handlers_benches::{
    builtin_factories, crypto_ceiling, shared_library_factories, signatures_of, validate_all,
    BenchCorpus, Workload,
};
use fabric_ledger::RawBlock;

fn corpus_group(c: &mut Criterion, name: &str, blocks: &[RawBlock]) {
    let txs: usize = blocks.iter().map(|b| b.envelopes.len()).sum();
    let warm = BenchCorpus::config();
    let work = signatures_of(blocks, &warm);
    let builtin = builtin_factories();
    let dynamic = shared_library_factories();
    let mut group = c.benchmark_group(name);
    group
        .throughput(Throughput::Elements(txs as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    for threads in [1, 2] {
        let options = BenchCorpus::options("vscc", threads);
        group.bench_function(format!("full_builtin_warm/{threads}t"), |b| {
            b.iter(|| validate_all(blocks, warm.clone(), &builtin, &options))
        });
        group.bench_function(format!("full_shared_library_warm/{threads}t"), |b| {
            b.iter(|| validate_all(blocks, warm.clone(), &dynamic, &options))
        });
        group.bench_function(format!("full_builtin_cold/{threads}t"), |b| {
            b.iter_batched(
                BenchCorpus::config,
                |cold| validate_all(blocks, cold, &builtin, &options),
                BatchSize::PerIteration,
            )
        });
        group.bench_function(format!("crypto_ceiling/{threads}t"), |b| {
            b.iter(|| crypto_ceiling(&work, threads))
        });
    }
    group.finish();
}

fn bench_corpus(c: &mut Criterion) {
    let corpus = BenchCorpus::load();
    corpus_group(c, "bench_corpus_100tx", &corpus.blocks_100);
    corpus_group(c, "bench_corpus_500tx", &corpus.blocks_500);
}

/// Generated channels of 5 organisations: 100-tx blocks with 1, 2, 3 and 5 endorsements per
/// transaction (policy `OutOf(k, every org)`), on 1 and 2 threads, each beside its ceiling.
fn endorsements(c: &mut Criterion) {
    let builtin = builtin_factories();
    let mut group = c.benchmark_group("endorsements_100tx_blocks");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for k in [1, 2, 3, 5] {
        for threads in [1, 2] {
            let w = Workload::generate(5, 5, 100, k, threads);
            let work = signatures_of(&w.blocks, &w.config);
            group.throughput(Throughput::Elements(w.txs() as u64));
            group.bench_function(format!("full/{k}e/{threads}t"), |b| {
                b.iter(|| validate_all(&w.blocks, w.config.clone(), &builtin, &w.options))
            });
            group.bench_function(format!("crypto_ceiling/{k}e/{threads}t"), |b| {
                b.iter(|| crypto_ceiling(&work, threads))
            });
        }
    }
    group.finish();
}

/// The same 1,000 transactions (2 endorsements each, 2 threads) cut into blocks of 10, 100 and
/// 500: the cost per transaction should not depend on the block size.
fn block_size(c: &mut Criterion) {
    let builtin = builtin_factories();
    let mut group = c.benchmark_group("block_size_1000tx");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(1000));
    for (blocks, txs) in [(100, 10), (10, 100), (2, 500)] {
        let w = Workload::generate(3, blocks, txs, 2, 2);
        assert_eq!(w.txs(), 1000);
        group.bench_function(format!("{txs}tx_blocks/2t"), |b| {
            b.iter(|| validate_all(&w.blocks, w.config.clone(), &builtin, &w.options))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_corpus, endorsements, block_size);
criterion_main!(benches);

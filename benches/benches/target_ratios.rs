//! The block-validation performance targets, each measured as a ratio of two runs made back to
//! back (alternating which goes first), so that the slow drifts of a shared machine cancel out:
//! criterion's median of these ratios is the number to quote.
//!
//!   cargo build --release -p vscc-default-plugin
//!   cargo bench -p fabric-handlers-benches --bench target_ratios
//!
//! | benchmark                                   | ratio                                   | target  |
//! |---------------------------------------------|-----------------------------------------|---------|
//! | `ceiling_share/corpus_100tx/{1t,2t}`        | crypto ceiling time / full validation   | ≥ 0.90 (2t) |
//! | `ceiling_share/corpus_500tx/2t`             | the same on the 500-tx blocks           |         |
//! | `shared_library_cost/corpus_100tx/2t`       | `.so` plugin time / builtin plugin time | ≤ 1.03  |
//! | `two_threads_speedup/{full,ceiling}`        | 1-thread time / 2-thread time           | ≥ 1.8 (full) |
//! | `block_size_cost/{10,100}tx_over_500tx`     | time per tx in small / in 500-tx blocks | ≤ 1.10  |
//!
//! The values print with the unit `×`. `block_validation` measures the same runs one at a time,
//! as throughputs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use block_validator::ValidatorOptions;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, criterion_main, Bencher, Criterion, SamplingMode, Throughput};
use fabric_config::ChannelConfig;
use fabric_handlers_benches::{
    builtin_factories, crypto_ceiling, shared_library_factories, signatures_of, validate_all,
    BenchCorpus, Verification, Workload,
};
use fabric_ledger::RawBlock;
use handlers_api::validation::PluginFactory;

/// A criterion measurement whose values are ratios (dimensionless), produced with
/// `iter_custom`.
struct Ratio;

impl Measurement for Ratio {
    type Intermediate = ();
    type Value = f64;

    fn start(&self) -> Self::Intermediate {}

    fn end(&self, (): Self::Intermediate) -> Self::Value {
        0.0
    }

    fn add(&self, v1: &Self::Value, v2: &Self::Value) -> Self::Value {
        v1 + v2
    }

    fn zero(&self) -> Self::Value {
        0.0
    }

    fn to_f64(&self, value: &Self::Value) -> f64 {
        *value
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &RatioFormatter
    }
}

struct RatioFormatter;

impl ValueFormatter for RatioFormatter {
    fn format_value(&self, value: f64) -> String {
        format!("{value:.4} ×")
    }

    fn format_throughput(&self, _: &Throughput, value: f64) -> String {
        self.format_value(value)
    }

    fn scale_values(&self, _: f64, _: &mut [f64]) -> &'static str {
        "×"
    }

    fn scale_throughputs(&self, _: f64, _: &Throughput, _: &mut [f64]) -> &'static str {
        "×"
    }

    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ratio"
    }
}

fn seconds(run: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    run();
    start.elapsed().as_secs_f64()
}

/// Measures `numerator / denominator` for runs made back to back, the first of each pair
/// alternating.
fn ratio(b: &mut Bencher<'_, Ratio>, mut numerator: impl FnMut(), mut denominator: impl FnMut()) {
    b.iter_custom(|iters| {
        (0..iters)
            .map(|k| {
                if k % 2 == 0 {
                    let n = seconds(&mut numerator);
                    n / seconds(&mut denominator)
                } else {
                    let d = seconds(&mut denominator);
                    seconds(&mut numerator) / d
                }
            })
            .sum()
    });
}

/// One full validation of `blocks`, from a clone of `config`, as a benchmark run.
fn full<'a>(
    blocks: &'a [RawBlock],
    config: &'a ChannelConfig,
    factories: &'a BTreeMap<String, Arc<dyn PluginFactory>>,
    options: &'a ValidatorOptions,
) -> impl FnMut() + 'a {
    move || {
        std::hint::black_box(validate_all(blocks, config.clone(), factories, options));
    }
}

/// The crypto ceiling of `work` on `threads` threads, as a benchmark run.
fn ceiling(work: &[Verification], threads: usize) -> impl FnMut() + '_ {
    move || {
        std::hint::black_box(crypto_ceiling(work, threads));
    }
}

fn configured() -> Criterion<Ratio> {
    Criterion::default()
        .with_measurement(Ratio)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
}

fn corpus(c: &mut Criterion<Ratio>) {
    let corpus = BenchCorpus::load();
    let warm = BenchCorpus::config();
    let builtin = builtin_factories();
    let dynamic = shared_library_factories();
    let mut group = c.benchmark_group("ceiling_share");
    group.sampling_mode(SamplingMode::Flat);
    for (name, blocks, thread_counts) in [
        ("corpus_100tx", &corpus.blocks_100, &[1, 2][..]),
        ("corpus_500tx", &corpus.blocks_500, &[2][..]),
    ] {
        let work = signatures_of(blocks, &warm);
        for &threads in thread_counts {
            let options = BenchCorpus::options("vscc", threads);
            group.bench_function(format!("{name}/{threads}t"), |b| {
                ratio(
                    b,
                    ceiling(&work, threads),
                    full(blocks, &warm, &builtin, &options),
                );
            });
        }
    }
    group.finish();

    let blocks = &corpus.blocks_100;
    let one = BenchCorpus::options("vscc", 1);
    let two = BenchCorpus::options("vscc", 2);
    let mut group = c.benchmark_group("shared_library_cost");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("corpus_100tx/2t", |b| {
        ratio(
            b,
            full(blocks, &warm, &dynamic, &two),
            full(blocks, &warm, &builtin, &two),
        );
    });
    group.finish();

    let work = signatures_of(blocks, &warm);
    let mut group = c.benchmark_group("two_threads_speedup");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("full", |b| {
        ratio(
            b,
            full(blocks, &warm, &builtin, &one),
            full(blocks, &warm, &builtin, &two),
        );
    });
    group.bench_function("ceiling", |b| {
        ratio(b, ceiling(&work, 1), ceiling(&work, 2));
    });
    group.finish();
}

/// The same 1,000 transactions' worth of work (2 endorsements each, 3 orgs, 2 threads) cut
/// into blocks of 10, 100 and 500 transactions.
fn block_size(c: &mut Criterion<Ratio>) {
    let builtin = builtin_factories();
    let large = Workload::generate(3, 2, 500, 2, 2);
    let mut group = c.benchmark_group("block_size_cost");
    group.sampling_mode(SamplingMode::Flat);
    for (blocks, txs) in [(100, 10), (10, 100)] {
        let small = Workload::generate(3, blocks, txs, 2, 2);
        assert_eq!(small.txs(), large.txs());
        group.bench_function(format!("{txs}tx_over_500tx"), |b| {
            ratio(
                b,
                full(&small.blocks, &small.config, &builtin, &small.options),
                full(&large.blocks, &large.config, &builtin, &large.options),
            );
        });
    }
    group.finish();
}

criterion_group! {
    name = ratios;
    config = configured();
    targets = corpus, block_size
}
criterion_main!(ratios);

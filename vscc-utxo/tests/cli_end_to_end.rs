//! The coverage ledger end to end through the `fabric-handlers validate-ledger` binary: the
//! block stream written with the expected TRANSACTIONS_FILTER recorded, replayed with
//! `--check-recorded` under a core.yaml that loads `UTXO` from `libvscc_utxo_plugin.so`
//! (then the builtin `UTXO`, then 1 and 2 threads). The double spend within a transaction,
//! within a block (`MVCC_READ_CONFLICT`) and across blocks each show up with their code at
//! their (block, tx), and every run agrees with the recorded filters and with the others.
//!
//! Needs the binary and the plugin library next to the test executable's target dir:
//! `cargo build --workspace` first. A missing file fails the test, it never skips.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use fabric_protos::protos::TxValidationCode;
use utxo_workload::{scenario, UtxoFault, Workload};
use vscc_utxo::Rule;

use serde_json::Value;

/// `target/<profile>/` of this test run, found from the test executable.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("no target dir above {}", exe.display()))
        .to_path_buf()
}

/// The `fabric-handlers` binary of this profile.
fn binary() -> PathBuf {
    let path = profile_dir().join(format!("fabric-handlers{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run cargo build --workspace first",
        path.display()
    );
    path
}

/// `libvscc_utxo_plugin.so` of this profile.
fn utxo_library() -> PathBuf {
    let path = profile_dir().join(format!(
        "{}vscc_utxo_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} is missing: run cargo build --workspace first (or cargo build -p vscc-utxo-plugin)",
        path.display()
    );
    path
}

/// How the core.yaml gives the `utxo` key.
enum Utxo {
    Library(PathBuf),
    Builtin,
}

/// Writes `dir/<file>` with `vscc` as the builtin default validation and `utxo` as given.
fn core_yaml(dir: &Path, file: &str, utxo: &Utxo) -> PathBuf {
    let utxo = match utxo {
        Utxo::Library(path) => format!("        library: {}\n", path.display()),
        Utxo::Builtin => "        name: UTXO\n".to_owned(),
    };
    let yaml = format!(
        "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultValidation\n      \
         utxo:\n{utxo}"
    );
    let path = dir.join(file);
    std::fs::write(&path, yaml).unwrap();
    path
}

/// One run of the binary: exit status, JSON lines, stderr.
struct Run {
    status: i32,
    lines: Vec<Value>,
    stderr: String,
}

/// One transaction line of a `validate-ledger --json` run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TxLine {
    code: u64,
    recorded: Option<u64>,
    reason: Option<String>,
}

impl Run {
    fn new(args: &[&str]) -> Self {
        let out = Command::new(binary()).args(args).output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines = stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))
            })
            .collect();
        Run {
            status: out.status.code().unwrap(),
            lines,
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    /// Every transaction line, keyed by (block, tx).
    fn txs(&self) -> BTreeMap<(u64, u64), TxLine> {
        self.lines
            .iter()
            .filter(|l| l.get("code").is_some())
            .map(|l| {
                let key = (
                    l.get("block").and_then(Value::as_u64).unwrap(),
                    l.get("tx").and_then(Value::as_u64).unwrap(),
                );
                let line = TxLine {
                    code: l.get("code").and_then(Value::as_u64).unwrap(),
                    recorded: l.get("recorded").and_then(Value::as_u64),
                    reason: l.get("reason").and_then(Value::as_str).map(str::to_owned),
                };
                (key, line)
            })
            .collect()
    }

    fn codes(&self) -> BTreeMap<(u64, u64), u64> {
        self.txs().into_iter().map(|(k, l)| (k, l.code)).collect()
    }

    fn summary(&self) -> &Value {
        self.lines
            .iter()
            .rev()
            .find_map(|l| l.get("summary"))
            .unwrap_or_else(|| panic!("no summary line; stderr: {}", self.stderr))
    }
}

/// Replays `stream` under `config` with `--check-recorded` (plus `extra`), checking that it
/// exits 0, validated every transaction of `w` with its expected code and no mismatch.
fn validate(config: &Path, stream: &Path, extra: &[&str], w: &Workload) -> Run {
    let mut args = vec![
        "validate-ledger",
        "--json",
        "--check-recorded",
        "--config",
        config.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.push(stream.to_str().unwrap());
    let run = Run::new(&args);
    assert_eq!(run.status, 0, "{args:?}: {}", run.stderr);
    assert!(
        run.lines.iter().all(|l| l.get("problem").is_none()),
        "block problems: {:?}",
        run.lines
    );
    let summary = run.summary();
    assert_eq!(summary.get("mismatches").and_then(Value::as_u64), Some(0));
    assert_eq!(
        summary.get("block_problems").and_then(Value::as_u64),
        Some(0)
    );
    assert_eq!(
        summary.get("blocks").and_then(Value::as_u64),
        Some(w.blocks().len() as u64)
    );
    let txs = run.txs();
    let expected: usize = w.blocks().iter().map(|b| b.expected.len()).sum();
    assert_eq!(txs.len(), expected);
    for block in w.blocks() {
        for (i, e) in block.expected.iter().enumerate() {
            let line = &txs[&(block.number(), i as u64)];
            assert_eq!(
                line.code,
                e.code as i32 as u64,
                "block {} tx {i} ({:?}, fault {:?}): {:?}",
                block.number(),
                e.kind,
                e.fault,
                line.reason
            );
            assert_eq!(
                line.recorded,
                Some(line.code),
                "block {} tx {i}",
                block.number()
            );
        }
    }
    run
}

/// The `utxo` line of `check-plugins --json` under `config`, which must load every handler.
fn utxo_check_line(config: &Path) -> Value {
    let check = Run::new(&[
        "check-plugins",
        "--json",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    check
        .lines
        .into_iter()
        .find(|l| l.get("key").and_then(Value::as_str) == Some("utxo"))
        .unwrap_or_else(|| panic!("no utxo line; stderr: {}", check.stderr))
}

/// Where the three double spends of the coverage ledger sit, found from the workload.
struct DoubleSpends {
    /// The transaction that reads and deletes one input twice, and that input.
    within_tx: ((u64, u64), String),
    /// The second of two transactions of one block spending the same coin.
    within_block: (u64, u64),
    /// The transaction of a later block spending that coin again, and the coin.
    across_blocks: ((u64, u64), String),
}

fn double_spends(w: &Workload) -> DoubleSpends {
    let mut within_tx = None;
    let mut within_block = None;
    let mut across_blocks = None;
    let mut spent: BTreeSet<String> = BTreeSet::new();
    for block in w.blocks() {
        let n = block.number();
        let mut this_block: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, e) in block.expected.iter().enumerate() {
            let at = (n, i as u64);
            if e.fault == UtxoFault::InputTwice && e.plugin == Some(Rule::InputUnique) {
                within_tx.get_or_insert((at, e.inputs[0].clone()));
            }
            if e.plugin.is_some() {
                // Invalid to the plugin: a double spend across blocks if it names an input
                // a valid transaction of an earlier block spent.
                if e.plugin == Some(Rule::InputExists) {
                    if let Some(input) = e.inputs.iter().find(|i| spent.contains(*i)) {
                        across_blocks.get_or_insert((at, input.clone()));
                    }
                }
                continue;
            }
            // Valid to the plugin: a double spend within the block if an earlier such
            // transaction of the block spends one of its inputs.
            for input in &e.inputs {
                if this_block.contains_key(input.as_str()) {
                    within_block.get_or_insert(at);
                }
                this_block.entry(input).or_insert(i);
            }
        }
        for e in &block.expected {
            if e.code == TxValidationCode::Valid {
                for input in &e.inputs {
                    spent.insert(input.clone());
                }
            }
        }
    }
    DoubleSpends {
        within_tx: within_tx.expect("the coverage ledger spends an input twice in one tx"),
        within_block: within_block.expect("the coverage ledger double spends within a block"),
        across_blocks: across_blocks.expect("the coverage ledger double spends across blocks"),
    }
}

/// The coverage ledger written as a recorded block stream into `dir`.
fn coverage_stream(dir: &Path, seed: &[u8]) -> (Workload, PathBuf) {
    let w = scenario::coverage(seed).unwrap();
    let stream = dir.join("utxo-coverage.bin");
    w.write_block_stream(&stream, true).unwrap();
    (w, stream)
}

#[test]
fn the_shared_library_finds_the_three_double_spends_and_the_builtin_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let (w, stream) = coverage_stream(dir.path(), b"utxo cli end to end");
    let library = utxo_library();
    let dynamic_yaml = core_yaml(
        dir.path(),
        "core-library.yaml",
        &Utxo::Library(library.clone()),
    );
    let builtin_yaml = core_yaml(dir.path(), "core-builtin.yaml", &Utxo::Builtin);

    // The library config really loads `utxo` from the .so, and the builtin one does not.
    let utxo = utxo_check_line(&dynamic_yaml);
    assert_eq!(utxo.get("source").and_then(Value::as_str), Some("library"));
    assert_eq!(utxo.get("plugin").and_then(Value::as_str), Some("UTXO"));
    assert_eq!(
        utxo.get("path").and_then(Value::as_str),
        Some(library.display().to_string().as_str())
    );
    let utxo = utxo_check_line(&builtin_yaml);
    assert_eq!(utxo.get("source").and_then(Value::as_str), Some("builtin"));

    let dynamic = validate(&dynamic_yaml, &stream, &[], &w);
    let txs = dynamic.txs();
    let spends = double_spends(&w);

    // Within one transaction: the plugin rejects it, naming the key and the rule.
    let (at, key) = &spends.within_tx;
    let line = &txs[at];
    assert_eq!(line.code, TxValidationCode::EndorsementPolicyFailure as u64);
    let reason = line.reason.as_deref().unwrap();
    assert!(reason.contains(key.as_str()), "{reason}");
    assert!(reason.contains(&Rule::InputUnique.marker()), "{reason}");

    // Within one block: the first spend is valid, the second an MVCC read conflict.
    let (block, tx) = spends.within_block;
    assert_eq!(
        txs[&(block, tx)].code,
        TxValidationCode::MvccReadConflict as u64
    );
    assert_eq!(TxValidationCode::MvccReadConflict as u64, 11);
    let expected = &w.blocks()[block as usize].expected;
    let first = (0..tx)
        .find(|i| {
            expected[*i as usize]
                .inputs
                .iter()
                .any(|k| expected[tx as usize].inputs.contains(k))
        })
        .unwrap();
    assert_eq!(txs[&(block, first)].code, TxValidationCode::Valid as u64);

    // Across blocks: the coin spent in an earlier block no longer exists.
    let (at, key) = &spends.across_blocks;
    assert!(at.0 > block, "{at:?} is not in a later block than {block}");
    let line = &txs[at];
    assert_eq!(line.code, TxValidationCode::EndorsementPolicyFailure as u64);
    let reason = line.reason.as_deref().unwrap();
    assert!(reason.contains(key.as_str()), "{reason}");
    assert!(reason.contains(&Rule::InputExists.marker()), "{reason}");

    // The builtin gives the same codes, and the same reasons.
    let builtin = validate(&builtin_yaml, &stream, &[], &w);
    assert_eq!(builtin.codes(), dynamic.codes());
    assert_eq!(builtin.txs(), dynamic.txs());
    assert!(
        dynamic.codes().values().any(|c| *c == 0) && dynamic.codes().values().any(|c| *c != 0),
        "the ledger mixes valid and invalid transactions"
    );
}

#[test]
fn one_and_two_threads_give_the_same_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (w, stream) = coverage_stream(dir.path(), b"utxo cli threads");
    let config = core_yaml(dir.path(), "core.yaml", &Utxo::Library(utxo_library()));
    let one = validate(&config, &stream, &["--threads", "1"], &w);
    let two = validate(&config, &stream, &["--threads", "2"], &w);
    assert_eq!(
        one.summary().get("threads").and_then(Value::as_u64),
        Some(1)
    );
    assert_eq!(
        two.summary().get("threads").and_then(Value::as_u64),
        Some(2)
    );
    assert_eq!(one.codes(), two.codes());
    assert_eq!(one.txs(), two.txs());
    let spends = double_spends(&w);
    assert_eq!(
        two.codes()[&spends.within_block],
        TxValidationCode::MvccReadConflict as u64
    );
}

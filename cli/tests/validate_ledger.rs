//! `fabric-handlers validate-ledger` end to end: Fabric's recorded verdicts on the real
//! ledgers, Fabric's codes on the bench corpus, the generator's predictions on the shipped
//! sample ledger, the halt path with a plugin loaded from its shared library, determinism, and
//! errors for unusable input.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_fabric-handlers");

fn repo(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn shared(rel: &str) -> String {
    let path = format!("{}/../../shared/{rel}", env!("CARGO_MANIFEST_DIR"));
    assert!(Path::new(&path).exists(), "missing fixture {path}");
    path
}

struct Run {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .arg("validate-ledger")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    Run {
        code: out.status.code().unwrap(),
        lines,
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

impl Run {
    fn txs(&self) -> Vec<&Value> {
        self.lines
            .iter()
            .filter(|l| l.get("code").is_some())
            .collect()
    }

    fn codes(&self) -> BTreeMap<(u64, u64), u64> {
        self.txs()
            .iter()
            .map(|l| {
                (
                    (l["block"].as_u64().unwrap(), l["tx"].as_u64().unwrap()),
                    l["code"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    fn summary(&self) -> &Value {
        &self.lines.last().unwrap()["summary"]
    }
}

fn manifest(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The flags Fabric recorded, per (block, tx), from a real ledger's manifest.
fn recorded_flags(ledger: &str) -> BTreeMap<(u64, u64), u64> {
    let m = manifest(&shared(&format!("fabric-ledgers/{ledger}/MANIFEST.json")));
    let mut out = BTreeMap::new();
    for block in m["blocks"].as_array().unwrap() {
        let number = block["number"].as_u64().unwrap();
        for (i, flag) in block["validation_flags"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            out.insert((number, i as u64), flag.as_u64().unwrap());
        }
    }
    out
}

fn assert_agrees_with_fabric(ledger: &str, extra: &[&str]) -> Run {
    let path = shared(&format!("fabric-ledgers/{ledger}"));
    let mut args = vec!["--check-recorded"];
    args.extend_from_slice(extra);
    args.push(&path);
    let run = run(&args);
    assert_eq!(run.code, 0, "{ledger}: {}\n{:?}", run.stderr, run.lines);
    let expected = recorded_flags(ledger);
    assert_eq!(run.codes(), expected, "{ledger}");
    for tx in run.txs() {
        assert_eq!(tx["recorded"], tx["code"], "{ledger}: {tx}");
    }
    assert_eq!(run.summary()["mismatches"], 0);
    run
}

#[test]
fn real_ledgers_agree_with_fabrics_recorded_verdicts() {
    let run = assert_agrees_with_fabric("sample-prod-v2-sampleorg", &[]);
    assert_eq!(run.summary()["mvcc_checked"], true);
    assert_agrees_with_fabric("v20-marbles-pvtdata-3org", &[]);
    // Starts at block 3 (from a snapshot): the state before it is unknown, so MVCC is off.
    let run = assert_agrees_with_fabric("from-snapshot-v25-3org", &[]);
    assert_eq!(run.summary()["mvcc_checked"], false);
}

#[test]
fn synthetic_ledger_reproduces_its_mvcc_read_conflict() {
    let run = assert_agrees_with_fabric("synthetic-kvledger-v13-mvcc", &["--no-signatures"]);
    assert_eq!(
        run.codes()[&(8, 0)],
        11,
        "block 8 tx 0 is MVCC_READ_CONFLICT"
    );
    // Without MVCC the same transaction is valid: the conflict comes from the read set.
    let path = shared("fabric-ledgers/synthetic-kvledger-v13-mvcc");
    let without = crate::run(&["--no-signatures", "--no-mvcc", &path]);
    assert_eq!(without.codes()[&(8, 0)], 0);
}

#[test]
fn glued_block_is_a_block_level_problem() {
    let path = shared("fabric-ledgers/glued-together-malformed");
    let run = run(&["--check-recorded", &path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let problems: Vec<&Value> = run
        .lines
        .iter()
        .filter(|l| l.get("problem").is_some())
        .collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["block"], 8);
    assert_eq!(problems[0]["problem"], "not_well_formed");
    assert!(problems[0]["detail"]
        .as_str()
        .unwrap()
        .contains("3183 trailing bytes"));
    // Blocks 0..=7 are validated and agree with Fabric; block 8 is not validated.
    let codes = run.codes();
    assert_eq!(codes.len(), 8);
    assert!(codes.keys().all(|(b, _)| *b < 8));
    assert_eq!(run.summary()["rejected_blocks"], 1);
}

#[test]
fn tampered_block_is_a_block_level_problem() {
    // Flip one byte inside block 5's data of the sample-prod ledger: its data hash no longer
    // matches, it is rejected, and the chain checks of the blocks after it still run.
    let original = std::fs::read(shared(
        "fabric-ledgers/sample-prod-v2-sampleorg/blockfile_000000",
    ))
    .unwrap();
    let m = manifest(&shared(
        "fabric-ledgers/sample-prod-v2-sampleorg/MANIFEST.json",
    ));
    let txid = m["blocks"][5]["txs"][0]["txid"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = find(&original, txid.as_bytes()).unwrap();
    let mut tampered = original.clone();
    tampered[at] ^= 0x01;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blockfile_000000");
    std::fs::write(&file, tampered).unwrap();
    let run = run(&[file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let problems: Vec<(u64, String)> = run
        .lines
        .iter()
        .filter(|l| l.get("problem").is_some())
        .map(|l| {
            (
                l["block"].as_u64().unwrap(),
                l["problem"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        problems.contains(&(5, "data_hash_mismatch".to_owned())),
        "{problems:?}"
    );
    assert!(!run.codes().contains_key(&(5, 0)));
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn bench_args(threads: &str) -> Vec<String> {
    let msp = |org: &str| format!("{org}={}", shared(&format!("bench-corpus/msp/{org}")));
    vec![
        "--msp".into(),
        msp("Org1MSP"),
        "--msp".into(),
        msp("Org2MSP"),
        "--msp".into(),
        msp("Org3MSP"),
        "--chaincode".into(),
        "mycc=vscc:OutOf(2, 'Org1MSP.member', 'Org2MSP.member', 'Org3MSP.member')".into(),
        "--threads".into(),
        threads.into(),
        shared("bench-corpus/blocks-100tx.bin"),
        shared("bench-corpus/blocks-500tx.bin"),
    ]
}

#[test]
fn bench_corpus_codes_equal_fabrics_on_one_and_two_threads() {
    let m = manifest(&shared("bench-corpus/MANIFEST.json"));
    let mut expected = BTreeMap::new();
    for set in m["sets"].as_array().unwrap() {
        for block in set["block_list"].as_array().unwrap() {
            let number = block["number"].as_u64().unwrap();
            for (i, code) in block["codes"].as_array().unwrap().iter().enumerate() {
                expected.insert((number, i as u64), code.as_u64().unwrap());
            }
        }
    }
    assert_eq!(expected.len(), 6000);
    let mut previous = None;
    for threads in ["1", "2"] {
        let args = bench_args(threads);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let codes = run.codes();
        let wrong: Vec<_> = expected
            .iter()
            .filter(|(k, v)| codes.get(k) != Some(v))
            .take(5)
            .collect();
        assert!(
            wrong.is_empty(),
            "threads {threads}: first mismatches {wrong:?}"
        );
        assert_eq!(codes.len(), 6000);
        if let Some(previous) = previous.replace(codes.clone()) {
            assert_eq!(previous, codes, "1 and 2 threads differ");
        }
    }
}

/// The shipped sample ledger: every code equals the generator's prediction.
#[test]
fn sample_ledger_codes_equal_the_generators_predictions() {
    let run = run(&[
        "--chaincode",
        "mycc=vscc",
        &repo("fixtures/sample-2org/ledger.bin"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m = manifest(&repo("fixtures/sample-2org/MANIFEST.json"));
    let codes = run.codes();
    let mut checked = 0;
    for block in m["blocks"].as_array().unwrap() {
        let number = block["number"].as_u64().unwrap();
        for tx in block["txs"].as_array().unwrap() {
            let i = tx["index"].as_u64().unwrap();
            assert_eq!(
                codes[&(number, i)],
                tx["code"].as_u64().unwrap(),
                "block {number} tx {i} ({})",
                tx["kind"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 20);
}

fn so_path(stem: &str) -> PathBuf {
    let exe = PathBuf::from(BIN);
    let file = format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = exe.parent().unwrap().join(file);
    assert!(
        path.exists(),
        "{} is missing: build the plugin libraries first (cargo build --workspace)",
        path.display()
    );
    path
}

/// A core.yaml in a temporary folder with the builtin `vscc` and the given library handlers.
fn core_yaml(dir: &Path, libraries: &[(&str, PathBuf)]) -> PathBuf {
    let mut yaml = String::from(
        "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultValidation\n",
    );
    for (key, path) in libraries {
        yaml.push_str(&format!(
            "      {key}:\n        library: {}\n",
            path.display()
        ));
    }
    let file = dir.join("core.yaml");
    std::fs::write(&file, yaml).unwrap();
    file
}

#[test]
fn execution_failure_halts_with_status_2_and_keeps_earlier_blocks() {
    let ledger = repo("fixtures/sample-2org/ledger.bin");
    let m = manifest(&repo("fixtures/sample-2org/MANIFEST.json"));
    // A transaction of block 2 that reaches the plugin (valid per the generator).
    let block2 = &m["blocks"][2];
    assert_eq!(block2["number"], 2);
    let tx = block2["txs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "valid")
        .unwrap()["index"]
        .as_u64()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = core_yaml(dir.path(), &[("halter", so_path("fixture_exec_failure"))]);
    let chaincode = format!("mycc=halter:param:fail-at:2:{tx}");
    let run = run(&[
        "--config",
        config.to_str().unwrap(),
        "--chaincode",
        &chaincode,
        &ledger,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let codes = run.codes();
    assert!(codes.keys().any(|(b, _)| *b == 1), "block 1 committed");
    assert!(
        codes.keys().all(|(b, _)| *b < 2),
        "block 2 must not be committed: {codes:?}"
    );
    let halt = run.lines.iter().find(|l| l.get("halt").is_some()).unwrap();
    assert_eq!(halt["halt"], "execution_failure");
    assert_eq!(halt["block"], 2);
    assert_eq!(halt["tx"], tx);
    for needle in [
        "block 2".to_owned(),
        format!("tx {tx}"),
        "namespace mycc".to_owned(),
        "plugin halter".to_owned(),
        "simulated I/O error".to_owned(),
    ] {
        assert!(
            run.stderr.contains(&needle),
            "{needle:?} not in {}",
            run.stderr
        );
    }
    assert_eq!(run.summary()["blocks"], 2);
}

#[test]
fn builtin_and_shared_library_default_validation_agree() {
    let ledger = repo("fixtures/sample-2org/ledger.bin");
    let dir = tempfile::tempdir().unwrap();
    let config = core_yaml(dir.path(), &[("vsccso", so_path("vscc_default_plugin"))]);
    let builtin = run(&["--chaincode", "mycc=vscc", &ledger]);
    let dynamic = run(&[
        "--config",
        config.to_str().unwrap(),
        "--chaincode",
        "mycc=vsccso",
        &ledger,
    ]);
    assert_eq!(builtin.code, 0, "{}", builtin.stderr);
    assert_eq!(dynamic.code, 0, "{}", dynamic.stderr);
    // The run says which library it validated with; builtins get no such line.
    let loaded: Vec<&str> = dynamic
        .stderr
        .lines()
        .filter(|l| l.starts_with("fabric-handlers validate-ledger: loaded "))
        .collect();
    assert_eq!(loaded.len(), 1, "{}", dynamic.stderr);
    assert!(
        loaded[0].contains("\"vsccso\"") && loaded[0].contains("DefaultValidation"),
        "{}",
        loaded[0]
    );
    assert!(!builtin.stderr.contains(" loaded "), "{}", builtin.stderr);
    assert_eq!(builtin.codes(), dynamic.codes());
    assert!(
        builtin.codes().values().any(|c| *c == 10),
        "the ledger has policy failures"
    );
    for threads in ["1", "3"] {
        let again = run(&["--threads", threads, "--chaincode", "mycc=vscc", &ledger]);
        assert_eq!(again.codes(), builtin.codes(), "threads {threads}");
    }
}

#[test]
fn unusable_input_exits_2_naming_what_is_wrong() {
    let missing = run(&["/no/such/ledger"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("/no/such/ledger"),
        "{}",
        missing.stderr
    );

    let ledger = repo("fixtures/sample-2org/ledger.bin");
    let bad_policy = run(&[
        "--chaincode",
        "mycc=vscc:OutOf(2, 'Org1MSP.member'",
        &ledger,
    ]);
    assert_eq!(bad_policy.code, 2);
    assert!(
        bad_policy.stderr.contains("--chaincode"),
        "{}",
        bad_policy.stderr
    );

    let no_equals = run(&["--chaincode", "mycc", &ledger]);
    assert_eq!(no_equals.code, 2);
    assert!(
        no_equals.stderr.contains("NAME=PLUGIN"),
        "{}",
        no_equals.stderr
    );

    // An unknown plugin key halts at the first transaction that needs it (Fabric's
    // "plugin with name ... wasn't found").
    let unknown = run(&["--chaincode", "mycc=nosuch", &ledger]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("nosuch"), "{}", unknown.stderr);

    // Signatures without any channel configuration: the bench corpus has no config block.
    let corpus = shared("bench-corpus/blocks-100tx.bin");
    let no_config = run(&[&corpus]);
    assert_eq!(no_config.code, 2);
    assert!(no_config.stderr.contains("--msp"), "{}", no_config.stderr);
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["validate-ledger", "inspect-ledger", "check-plugins"] {
        let out = Command::new(BIN).args([sub, "--help"]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage"), "{sub}: {text}");
    }
    let out = Command::new(BIN)
        .args(["validate-ledger", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--config",
        "--channel-config",
        "--msp",
        "--chaincode",
        "--threads",
        "--check-recorded",
        "--no-signatures",
        "--json",
    ] {
        assert!(text.contains(flag), "validate-ledger --help lacks {flag}");
    }
}

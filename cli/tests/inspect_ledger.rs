//! `fabric-handlers inspect-ledger` end to end, on the shipped fixture and the real ledgers.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_fabric-handlers");

fn repo(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn shared(rel: &str) -> String {
    let path = format!("{}/../../shared/{rel}", env!("CARGO_MANIFEST_DIR"));
    assert!(
        std::path::Path::new(&path).exists(),
        "missing fixture {path}"
    );
    path
}

/// Runs the tool with `--json` and returns (exit code, JSON lines).
fn run_json(args: &[&str]) -> (i32, Vec<Value>) {
    let out = Command::new(BIN)
        .arg("inspect-ledger")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (out.status.code().unwrap(), lines)
}

fn findings<'a>(lines: &'a [Value], name: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["finding"] == name).collect()
}

#[test]
fn the_shipped_sample_ledger_shows_each_deliberate_fault_once() {
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("fixtures/sample-2org/MANIFEST.json")).unwrap(),
    )
    .unwrap();
    let (code, lines) = run_json(&[&repo("fixtures/sample-2org/ledger.bin")]);
    assert_eq!(code, 0, "{lines:?}");
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(
        summary["blocks"].as_u64(),
        Some(manifest["blocks"].as_array().unwrap().len() as u64)
    );
    assert_eq!(summary["config_blocks"], 2);
    assert_eq!(summary["block_problems"], 0);
    let kinds = &manifest["kind_counts"];
    let one = |kind: &str| kinds[kind].as_u64().unwrap_or(0);
    assert_eq!(
        findings(&lines, "endorsement_signature").len() as u64,
        one("bad_endorsement_sig") + one("high_s_endorsement_sig")
    );
    assert_eq!(
        findings(&lines, "creator_signature").len() as u64,
        one("bad_creator_sig")
    );
    assert_eq!(
        findings(&lines, "txid_mismatch").len() as u64,
        one("wrong_txid")
    );
    assert_eq!(
        findings(&lines, "proposal_hash_mismatch").len() as u64,
        one("bad_proposal_hash")
    );
    assert_eq!(
        findings(&lines, "action_count").len() as u64,
        one("two_actions")
    );
    let identity: Vec<String> = findings(&lines, "creator_identity")
        .iter()
        .map(|l| l["detail"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        identity.len() as u64,
        one("revoked_creator") + one("creator_org_not_in_channel")
    );
    assert!(
        identity.iter().any(|d| d.contains("revoked")),
        "{identity:?}"
    );
    assert!(
        identity
            .iter()
            .any(|d| d.contains("not defined on channel")),
        "{identity:?}"
    );
}

#[test]
fn the_glued_ledger_exits_1_naming_block_8() {
    let (code, lines) = run_json(&[&shared("fabric-ledgers/glued-together-malformed")]);
    assert_eq!(code, 1);
    let problems: Vec<&Value> = lines
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
    assert_eq!(lines.last().unwrap()["summary"]["signatures_failed"], 0);
}

#[test]
fn real_ledgers_verify_completely() {
    for name in [
        "sample-prod-v2-sampleorg",
        "from-snapshot-v25-3org",
        "v20-marbles-pvtdata-3org",
    ] {
        let (code, lines) = run_json(&[&shared(&format!("fabric-ledgers/{name}"))]);
        assert_eq!(code, 0, "{name}: {lines:?}");
        let summary = &lines.last().unwrap()["summary"];
        assert_eq!(summary["signatures_failed"], 0, "{name}");
        assert_eq!(summary["identities_invalid"], 0, "{name}");
        assert!(summary["signatures_ok"].as_u64().unwrap() >= 8, "{name}");
    }
}

#[test]
fn the_bench_corpus_with_msp_folders_fails_exactly_the_corrupted_signatures() {
    let msp = |id: &str| format!("{id}={}", shared(&format!("bench-corpus/msp/{id}")));
    let (code, lines) = run_json(&[
        "--msp",
        &msp("Org1MSP"),
        "--msp",
        &msp("Org2MSP"),
        "--msp",
        &msp("Org3MSP"),
        &shared("bench-corpus/blocks-100tx.bin"),
    ]);
    assert_eq!(code, 0);
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["txs"], 3000);
    // bad_endorsement_sig 142 + high_s_endorsement_sig 19 + bad_creator_sig 24 (README table).
    assert_eq!(summary["signatures_failed"], 142 + 19 + 24);
    assert_eq!(summary["identities_invalid"], 0);
}

#[test]
fn unusable_input_exits_2_with_a_message_naming_it() {
    let out = Command::new(BIN)
        .args(["inspect-ledger", "/no/such/ledger"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/no/such/ledger"), "{err}");

    let out = Command::new(BIN)
        .args([
            "inspect-ledger",
            "--msp",
            "Org1MSP",
            &repo("fixtures/sample-2org/ledger.bin"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("MSPID=DIR"));
}

//! Every block of every real ledger decodes, and what it says agrees with its MANIFEST.json:
//! block numbers, tx counts, header hashes, hash checks, txids, header types, creator and
//! endorser MSP IDs.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::{decode_tx, manifest, shared, str_or_none, BLOCKFILE_LEDGERS};
use fabric_ledger::{ChainChecker, LedgerDir, LedgerFile};

#[test]
fn blockfile_ledgers_agree_with_their_manifests() {
    for name in BLOCKFILE_LEDGERS {
        let manifest = manifest(&format!("fabric-ledgers/{name}/MANIFEST.json"));
        let dir = LedgerDir::open(shared(&format!("fabric-ledgers/{name}")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut chain = match dir.snapshot_info() {
            Some(info) => ChainChecker::after_snapshot(info),
            None => ChainChecker::new(),
        };
        let expected_blocks = manifest["blocks"].as_array().unwrap();
        let mut seen = 0;
        for file in dir.files() {
            for (block, want) in file.blocks().zip(expected_blocks.iter().skip(seen)) {
                let block = block.unwrap_or_else(|e| panic!("{name}: {e}"));
                let at = format!("{name} block {}", block.number);
                assert_eq!(block.number, want["number"].as_u64().unwrap(), "{at}");
                let report = chain.check(&block);
                assert_eq!(hex::encode(report.header_hash), want["header_hash"], "{at}");
                assert_eq!(report.data_hash_ok(), want["data_hash_ok"], "{at}");
                assert_eq!(
                    report.fabric_data_hash_ok(),
                    want["fabric_block_data_hash_ok"],
                    "{at}: {:?}",
                    report.problems
                );
                match want["previous_hash_ok"].as_bool() {
                    Some(ok) => assert_eq!(report.previous_hash_ok, Some(ok), "{at}"),
                    None => assert_eq!(report.previous_hash_ok, None, "{at}"),
                }
                let txs = want["txs"].as_array().unwrap();
                assert_eq!(block.envelopes.len(), txs.len(), "{at}: tx count");
                for (env, tx) in block.envelopes.iter().zip(txs) {
                    let at = format!("{at} tx {}", tx["index"]);
                    let facts = decode_tx(env);
                    assert_eq!(facts.txid, tx["txid"].as_str().unwrap(), "{at}");
                    assert_eq!(facts.header_type_name, tx["type"].as_str().unwrap(), "{at}");
                    assert_eq!(
                        facts.creator_msp_id,
                        str_or_none(&tx["creator_mspid"]),
                        "{at}"
                    );
                    if let Some(endorsers) = tx["endorser_mspids"].as_array() {
                        let got: Vec<Option<String>> = facts
                            .endorsements
                            .iter()
                            .map(|e| e.msp_id.clone())
                            .collect();
                        let want: Vec<Option<String>> = endorsers.iter().map(str_or_none).collect();
                        assert_eq!(got, want, "{at}: endorser MSP IDs");
                    }
                }
                seen += 1;
            }
        }
        assert_eq!(seen, expected_blocks.len(), "{name}: number of blocks");
    }
}

#[test]
fn the_glued_block_is_reported_naming_block_and_transaction() {
    let dir = LedgerDir::open(shared("fabric-ledgers/glued-together-malformed")).unwrap();
    let mut chain = ChainChecker::new();
    let mut reports = Vec::new();
    for file in dir.files() {
        for block in file.blocks() {
            reports.push(chain.check(&block.unwrap()));
        }
    }
    let bad: Vec<_> = reports.iter().filter(|r| !r.is_ok()).collect();
    assert_eq!(bad.len(), 1, "only block 8 is malformed: {bad:?}");
    assert_eq!(bad[0].number, 8);
    let text: Vec<String> = bad[0].problems.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|t| t.contains("block 8")
            && t.contains("transaction 0")
            && t.contains("3183 trailing bytes")),
        "{text:?}"
    );
}

#[test]
fn config_blocks_decode_and_agree_with_their_manifest() {
    let manifest = manifest("fabric-ledgers/config-blocks/MANIFEST.json");
    let items = manifest["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for item in items {
        let file_name = item["files"][0]["file"].as_str().unwrap();
        let file = LedgerFile::open(shared(&format!("fabric-ledgers/config-blocks/{file_name}")))
            .unwrap_or_else(|e| panic!("{file_name}: {e}"));
        let blocks = file.read_all().into_result().unwrap();
        let want_blocks = item["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), want_blocks.len(), "{file_name}");
        for (block, want) in blocks.iter().zip(want_blocks) {
            assert_eq!(
                block.number,
                want["number"].as_u64().unwrap(),
                "{file_name}"
            );
            assert_eq!(
                hex::encode(block.header_hash()),
                want["header_hash"],
                "{file_name}"
            );
            let txs = want["txs"].as_array().unwrap();
            assert_eq!(block.envelopes.len(), txs.len());
            for (env, tx) in block.envelopes.iter().zip(txs) {
                let facts = decode_tx(env);
                assert_eq!(
                    facts.header_type_name,
                    tx["type"].as_str().unwrap(),
                    "{file_name}"
                );
                assert_eq!(
                    facts.creator_msp_id,
                    str_or_none(&tx["creator_mspid"]),
                    "{file_name}"
                );
            }
        }
    }
}

//! Every real ledger of /work/shared decodes, and the checks agree with its MANIFEST.json.
// Test helpers: a panic is a test failure with its message.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::Bytes;
use common::{hex, manifest, shared, BLOCKFILE_LEDGERS, STREAMS};
use fabric_ledger::{
    check_block, detect_format, header_der, header_hash, ChainChecker, LedgerDir, LedgerFile,
    LedgerFormat, Problem, RawBlock, SnapshotInfo,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Compares one block report with a manifest block entry.
fn assert_matches_manifest(ledger: &str, report: &fabric_ledger::BlockReport, m: &Value) {
    let number = m["number"].as_u64().expect("manifest block number");
    assert_eq!(report.number, number, "{ledger}: block number");
    assert_eq!(
        hex(&report.header_hash),
        m["header_hash"].as_str().unwrap(),
        "{ledger} block {number}: header hash"
    );
    assert_eq!(
        report.tx_count,
        m["txs"].as_array().unwrap().len(),
        "{ledger} block {number}: tx count"
    );
    assert_eq!(
        report.data_hash_ok(),
        m["data_hash_ok"].as_bool().unwrap(),
        "{ledger} block {number}: data_hash_ok"
    );
    assert_eq!(
        report.fabric_data_hash_ok(),
        m["fabric_block_data_hash_ok"].as_bool().unwrap(),
        "{ledger} block {number}: fabric_block_data_hash_ok ({:?})",
        report.problems
    );
    assert_eq!(
        report.previous_hash_ok,
        m["previous_hash_ok"].as_bool(),
        "{ledger} block {number}: previous_hash_ok"
    );
    let expected_wf: Vec<&str> = m
        .get("well_formed_errors")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default();
    let found_wf: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.is_well_formedness())
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found_wf.len(),
        expected_wf.len(),
        "{ledger} block {number}: {found_wf:?}"
    );
    for (found, expected) in found_wf.iter().zip(&expected_wf) {
        assert!(
            found.ends_with(expected),
            "{ledger} block {number}: {found:?} vs {expected:?}"
        );
    }
}

fn file_sha256(file: &LedgerFile) -> String {
    hex(&Sha256::digest(file.bytes()))
}

#[test]
fn blockfile_ledgers_match_their_manifests() {
    for ledger in BLOCKFILE_LEDGERS {
        let m = manifest(&format!("fabric-ledgers/{ledger}/MANIFEST.json"));
        let dir = LedgerDir::open(shared(&format!("fabric-ledgers/{ledger}")))
            .unwrap_or_else(|e| panic!("{ledger}: {e}"));
        assert_eq!(dir.files().len(), 1, "{ledger}: one blockfile");
        let file = &dir.files()[0];
        assert_eq!(file.format(), LedgerFormat::PeerBlockfile);
        assert_eq!(
            file_sha256(file),
            m["files"][0]["sha256"].as_str().unwrap(),
            "{ledger}: sha256"
        );
        let checks = dir.check();
        assert_eq!(checks.len(), 1);
        assert!(checks[0].error.is_none(), "{ledger}: {:?}", checks[0].error);
        let blocks = m["blocks"].as_array().unwrap();
        assert_eq!(
            checks[0].reports.len(),
            blocks.len(),
            "{ledger}: block count"
        );
        for (report, mb) in checks[0].reports.iter().zip(blocks) {
            assert_matches_manifest(ledger, report, mb);
        }
    }
}

#[test]
fn config_blocks_match_their_manifest() {
    let m = manifest("fabric-ledgers/config-blocks/MANIFEST.json");
    let items = m["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for item in items {
        let name = item["files"][0]["file"].as_str().unwrap();
        let file = LedgerFile::open(shared(&format!("fabric-ledgers/config-blocks/{name}")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.format(), LedgerFormat::ProtoBlock, "{name}");
        assert_eq!(
            file_sha256(&file),
            item["files"][0]["sha256"].as_str().unwrap()
        );
        let blocks = file
            .read_all()
            .into_result()
            .unwrap_or_else(|e| panic!("{e}"));
        let mblocks = item["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), mblocks.len());
        for (b, mb) in blocks.iter().zip(mblocks) {
            let report = check_block(b);
            assert_matches_manifest(name, &report, mb);
            // A single protobuf block's record is exactly the file.
            assert_eq!(b.record.len(), file.bytes().len());
        }
    }
    // The folder reads the four files by name, each standalone.
    let dir = LedgerDir::open(shared("fabric-ledgers/config-blocks")).unwrap();
    let names: Vec<String> = dir
        .files()
        .iter()
        .map(|f| f.path().file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 4);
    for fc in dir.check() {
        assert!(fc.error.is_none());
        assert!(
            fc.reports
                .iter()
                .all(|r| r.previous_hash_ok.is_none() && r.is_ok()),
            "{fc:?}"
        );
    }
}

#[test]
fn bench_streams_match_their_manifest_and_chain_across_files() {
    let m = manifest("bench-corpus/MANIFEST.json");
    let dir = LedgerDir::open(shared("bench-corpus")).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = dir
        .files()
        .iter()
        .map(|f| f.path().file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, STREAMS);
    let checks = dir.check();
    let mut first = true;
    for (set, fc) in m["sets"].as_array().unwrap().iter().zip(&checks) {
        assert_eq!(fc.format, LedgerFormat::BlockStream);
        assert!(fc.error.is_none(), "{:?}", fc.error);
        let file = dir.files().iter().find(|f| f.path() == fc.path).unwrap();
        assert_eq!(file_sha256(file), set["sha256"].as_str().unwrap());
        assert_eq!(
            file.bytes().len() as u64,
            set["size_bytes"].as_u64().unwrap()
        );
        let list = set["block_list"].as_array().unwrap();
        assert_eq!(fc.reports.len(), list.len());
        assert_eq!(
            fc.reports[0].number,
            set["first_block_number"].as_u64().unwrap()
        );
        for (r, mb) in fc.reports.iter().zip(list) {
            assert_eq!(r.number, mb["number"].as_u64().unwrap());
            assert_eq!(
                r.tx_count,
                mb["codes"].as_array().unwrap().len(),
                "block {}",
                r.number
            );
            assert!(r.is_ok(), "block {}: {:?}", r.number, r.problems);
            // Block 1 has no predecessor; every later block, including 31 (first of the second
            // file), chains onto the one before.
            assert_eq!(
                r.previous_hash_ok,
                if first { None } else { Some(true) },
                "block {}",
                r.number
            );
            first = false;
        }
        let total: usize = fc.reports.iter().map(|r| r.tx_count).sum();
        assert_eq!(total as u64, set["tx_count"].as_u64().unwrap());
    }
    // Metadata: five slots, all empty (no TRANSACTIONS_FILTER yet).
    let blocks = dir.files()[0].read_all().into_result().unwrap();
    assert!(blocks
        .iter()
        .all(|b| b.metadata.len() == 5 && b.transactions_filter().is_none()));
}

#[test]
fn glued_ledger_block_8_is_not_well_formed() {
    let file = LedgerFile::open(shared(
        "fabric-ledgers/glued-together-malformed/blockfile_000000",
    ))
    .unwrap();
    let blocks = file.read_all().into_result().unwrap();
    let mut chain = ChainChecker::new();
    let reports: Vec<_> = blocks.iter().map(|b| chain.check(b)).collect();
    assert!(reports[..8].iter().all(fabric_ledger::BlockReport::is_ok));
    let r8 = &reports[8];
    assert_eq!(r8.number, 8);
    assert!(
        r8.data_hash_ok(),
        "plain SHA-256 over the data matches the header"
    );
    assert!(!r8.fabric_data_hash_ok());
    assert_eq!(r8.previous_hash_ok, Some(true));
    assert_eq!(
        r8.problems,
        vec![Problem::TxTrailingBytes {
            block: 8,
            tx: 0,
            count: 3183
        }]
    );
    let text = r8.problems[0].to_string();
    assert!(
        text.contains("block 8") && text.contains("transaction 0 has 3183 trailing bytes"),
        "{text}"
    );
    // The entry is block 7's envelope written twice.
    assert_eq!(
        blocks[8].envelopes[0].len(),
        2 * blocks[7].envelopes[0].len()
    );
}

#[test]
fn snapshot_ledger_chains_onto_bootstrapping_info() {
    let m = manifest("fabric-ledgers/from-snapshot-v25-3org/MANIFEST.json");
    let info = SnapshotInfo::read(shared(
        "fabric-ledgers/from-snapshot-v25-3org/bootstrappingSnapshot.info",
    ))
    .unwrap();
    let bi = &m["bootstrap_info"];
    assert_eq!(info.last_block_num, bi["last_block_num"].as_u64().unwrap());
    assert_eq!(
        hex(&info.last_block_hash),
        bi["last_block_hash"].as_str().unwrap()
    );
    assert_eq!(
        hex(&info.previous_block_hash),
        bi["previous_block_hash"].as_str().unwrap()
    );

    let file = LedgerFile::open(shared(
        "fabric-ledgers/from-snapshot-v25-3org/blockfile_000000",
    ))
    .unwrap();
    let blocks = file.read_all().into_result().unwrap();
    assert_eq!(blocks[0].number, 3);

    let r = ChainChecker::after_snapshot(&info).check(&blocks[0]);
    assert_eq!(r.previous_hash_ok, Some(true));
    assert!(r.is_ok(), "{:?}", r.problems);
    // Without the snapshot, the first block's predecessor is unknown.
    assert_eq!(ChainChecker::new().check(&blocks[0]).previous_hash_ok, None);

    // A different expected hash is reported, naming block 3.
    let mut wrong = info.last_block_hash.to_vec();
    wrong[0] ^= 1;
    let r = ChainChecker::expecting(3, Bytes::from(wrong)).check(&blocks[0]);
    assert_eq!(r.previous_hash_ok, Some(false));
    assert!(
        matches!(
            r.problems[..],
            [Problem::PreviousHashMismatch { block: 3, .. }]
        ),
        "{:?}",
        r.problems
    );
    // A snapshot that ends elsewhere gives a numbering problem.
    let r = ChainChecker::expecting(5, info.last_block_hash.clone()).check(&blocks[0]);
    assert!(r.problems.contains(&Problem::UnexpectedNumber {
        block: 3,
        expected: 5
    }));
}

#[test]
fn numbering_gaps_are_reported() {
    let file = LedgerFile::open(shared(
        "fabric-ledgers/sample-prod-v2-sampleorg/blockfile_000000",
    ))
    .unwrap();
    let blocks = file.read_all().into_result().unwrap();
    let mut chain = ChainChecker::new();
    chain.check(&blocks[0]);
    let r = chain.check(&blocks[2]);
    assert!(r.problems.contains(&Problem::UnexpectedNumber {
        block: 2,
        expected: 1
    }));
    assert_eq!(r.previous_hash_ok, Some(false));
}

#[test]
fn header_der_reproduces_manifest_header_hashes() {
    for ledger in BLOCKFILE_LEDGERS {
        let m = manifest(&format!("fabric-ledgers/{ledger}/MANIFEST.json"));
        let file =
            LedgerFile::open(shared(&format!("fabric-ledgers/{ledger}/blockfile_000000"))).unwrap();
        let blocks = file.read_all().into_result().unwrap();
        for (b, mb) in blocks.iter().zip(m["blocks"].as_array().unwrap()) {
            let der = header_der(b.number, &b.previous_hash, &b.data_hash);
            // SEQUENCE, then INTEGER number first.
            assert_eq!(der[0], 0x30);
            let hash = header_hash(b.number, &b.previous_hash, &b.data_hash);
            assert_eq!(hash, <[u8; 32]>::from(Sha256::digest(&der)));
            assert_eq!(
                hex(&hash),
                mb["header_hash"].as_str().unwrap(),
                "{ledger} block {}",
                b.number
            );
            assert_eq!(b.header_hash(), hash);
        }
        // Each block's previous hash is the DER header hash of the one before.
        for pair in blocks.windows(2) {
            assert_eq!(&pair[1].previous_hash[..], &pair[0].header_hash()[..]);
        }
    }
}

#[test]
fn formats_are_detected_from_content_and_name() {
    let mut cases: Vec<(String, LedgerFormat)> = BLOCKFILE_LEDGERS
        .iter()
        .map(|l| {
            (
                format!("fabric-ledgers/{l}/blockfile_000000"),
                LedgerFormat::PeerBlockfile,
            )
        })
        .collect();
    for name in [
        "kafka-3org-idemix-mychannel.block",
        "syschannel-orderer-tx-block3.pb",
        "etcdraft-genesis-testchannel.block",
        "smartbft-genesis-mychannel.block",
    ] {
        cases.push((
            format!("fabric-ledgers/config-blocks/{name}"),
            LedgerFormat::ProtoBlock,
        ));
    }
    for s in STREAMS {
        cases.push((format!("bench-corpus/{s}"), LedgerFormat::BlockStream));
    }
    for (rel, expected) in cases {
        let path = shared(&rel);
        let bytes = fabric_ledger::load_file(&path).unwrap();
        assert_eq!(
            detect_format(&path, &bytes).unwrap(),
            expected,
            "{rel} with its name"
        );
        // Content alone is enough.
        assert_eq!(
            detect_format(std::path::Path::new("unnamed"), &bytes).unwrap(),
            expected,
            "{rel} by content"
        );
        // A misleading name does not win over content that fits another format completely.
        let liar = match expected {
            LedgerFormat::PeerBlockfile => "x.block",
            _ => "blockfile_000000",
        };
        assert_eq!(
            detect_format(std::path::Path::new(liar), &bytes).unwrap(),
            expected,
            "{rel} as {liar}"
        );
    }
}

#[test]
fn blocks_are_zero_copy_slices_of_the_file_buffer() {
    for rel in [
        "fabric-ledgers/v20-marbles-pvtdata-3org/blockfile_000000",
        "fabric-ledgers/config-blocks/smartbft-genesis-mychannel.block",
        "bench-corpus/blocks-500tx.bin",
    ] {
        let file = LedgerFile::open(shared(rel)).unwrap();
        // Large files are mapped, not read.
        assert_eq!(
            file.is_memory_mapped(),
            file.bytes().len() as u64 >= fabric_ledger::file::MMAP_THRESHOLD,
            "{rel}"
        );
        let start = file.bytes().as_ptr() as usize;
        let range = start..start + file.bytes().len();
        let inside = |b: &Bytes| {
            b.is_empty()
                || (range.contains(&(b.as_ptr() as usize))
                    && range.contains(&(b.as_ptr() as usize + b.len() - 1)))
        };
        for block in file.blocks() {
            let block = block.unwrap();
            assert!(
                inside(&block.record) && inside(&block.data_hash) && inside(&block.previous_hash),
                "{rel}"
            );
            assert!(
                block.envelopes.iter().chain(&block.metadata).all(inside),
                "{rel} block {}",
                block.number
            );
            // The record sits at its recorded offset.
            let off = usize::try_from(block.origin.offset).unwrap();
            assert!(block.record.as_ptr() as usize >= start + off);
            assert_eq!(block.record.len() as u64, block.origin.record_len);
        }
    }
}

#[test]
fn protobuf_block_constructor_matches_file_reading() {
    let path = shared("fabric-ledgers/config-blocks/syschannel-orderer-tx-block3.pb");
    let bytes = Bytes::from(std::fs::read(&path).unwrap());
    let a = RawBlock::from_protobuf("block3.pb", bytes).unwrap();
    let b = LedgerFile::open(&path)
        .unwrap()
        .read_all()
        .into_result()
        .unwrap()
        .remove(0);
    assert_eq!(a.number, 3);
    assert_eq!(
        (a.number, &a.previous_hash, &a.data_hash),
        (b.number, &b.previous_hash, &b.data_hash)
    );
    assert_eq!(a.envelopes, b.envelopes);
    assert_eq!(a.metadata, b.metadata);
    // An ORDERER_TRANSACTION block is not exempt from the well-formedness rule, and passes it.
    let r = check_block(&a);
    assert!(!r.config_exempt && r.is_ok());
    // A genesis CONFIG block is exempt.
    let g = LedgerFile::open(shared(
        "fabric-ledgers/config-blocks/etcdraft-genesis-testchannel.block",
    ))
    .unwrap();
    assert!(check_block(&g.read_all().blocks[0]).config_exempt);
}

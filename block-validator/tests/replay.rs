//! The ledger replay (`Replay`, what `validate-ledger` drives): a generated ledger read from a
//! block stream replays block by block with the verdicts fabric-testgen records, a tampered
//! block is rejected before validation (and the chain goes on after it), and a plugin
//! execution failure stops the replay with the block error.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use block_validator::{BlockError, BlockOutcome, InitialConfig, MvccMode, Replay, ReplayError};
use bytes::Bytes;
use fabric_ledger::{ChainChecker, LedgerFile, Problem, RawBlock};
use fabric_testgen::sample::{generate, SampleSpec};
use handlers_api::validation::ValidationError;
use support::{options, plugins, Scripted};

fn raw_blocks(blocks: &[fabric_protos::common::Block]) -> Vec<RawBlock> {
    let stream = Bytes::from(fabric_testgen::files::block_stream(blocks));
    LedgerFile::from_bytes("sample.bin", stream)
        .unwrap()
        .blocks()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn replay_of_a_generated_ledger_matches_the_manifest() {
    let ledger = generate(&SampleSpec::sample_2org()).unwrap();
    let mut expected: BTreeMap<(u64, usize), u8> = BTreeMap::new();
    for record in &ledger.txs {
        expected.insert((record.block, record.index), record.code as i32 as u8);
    }
    let mut replay = Replay::new(
        plugins(&[]),
        options(2, &[("mycc", "vscc", None)]),
        InitialConfig::Ledger,
        MvccMode::FromGenesis,
        ChainChecker::new(),
    );
    let mut checked = 0;
    for block in raw_blocks(&ledger.blocks) {
        match replay.block(&block).unwrap() {
            BlockOutcome::Committed(verdict) => {
                for (i, code) in verdict.codes.iter().enumerate() {
                    if let Some(want) = expected.get(&(verdict.number, i)) {
                        assert_eq!(code, want, "block {} tx {i}", verdict.number);
                        checked += 1;
                    }
                }
            }
            BlockOutcome::Rejected(problems) => panic!("block {}: {problems:?}", block.number),
        }
    }
    assert_eq!(checked, ledger.txs.len());
    assert_eq!(replay.checks_mvcc(), Some(true));
}

#[test]
fn tampered_block_is_rejected_and_halt_stops_the_replay() {
    let ledger = generate(&SampleSpec::sample_2org()).unwrap();
    let mut blocks = ledger.blocks.clone();
    // Block 1: change one byte inside its first transaction: the data hash no longer matches.
    {
        let data = blocks[1].data.as_mut().unwrap();
        let mut tx = data.data[0].to_vec();
        let middle = tx.len() / 2;
        tx[middle] ^= 0x01;
        data.data[0] = Bytes::from(tx);
    }
    let raw = raw_blocks(&blocks);
    let failing = Scripted::new(|call| {
        if call.block == 2 && call.tx == 3 {
            Err(ValidationError::ExecutionFailure("I/O error".into()))
        } else {
            Ok(())
        }
    });
    let mut replay = Replay::new(
        plugins(&[("flaky", failing.factory())]),
        options(2, &[("mycc", "flaky", None)]),
        InitialConfig::Ledger,
        MvccMode::FromGenesis,
        ChainChecker::new(),
    );
    assert!(matches!(
        replay.block(&raw[0]).unwrap(),
        BlockOutcome::Committed(_)
    ));
    match replay.block(&raw[1]).unwrap() {
        BlockOutcome::Rejected(problems) => assert!(
            problems
                .iter()
                .any(|p| matches!(p, Problem::DataHashMismatch { .. })),
            "{problems:?}"
        ),
        BlockOutcome::Committed(v) => panic!("tampered block committed: {v:?}"),
    }
    match replay.block(&raw[2]) {
        Err(ReplayError::Block(BlockError::ExecutionFailure {
            block, tx, reason, ..
        })) => {
            assert_eq!((block, tx), (2, 3));
            assert_eq!(reason, "I/O error");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(replay.validator().unwrap().last_block(), Some(0));
}

//! The coverage ledger (every operation, every fault, the double spends) through the block
//! validator with the builtin `UTXO` plugin, and the plugin alone with the validator's host
//! dependencies: every verdict as the workload predicts, and the committed state equal to the
//! workload's unspent set.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod support;

use block_validator::ChannelValidator;
use fabric_protos::protos::TxValidationCode;
use handlers_api::validation::{Plugin, ValidationError};
use prost::Message;
use utxo_workload::{scenario, TxKind, UtxoFault, Workload};
use vscc_utxo::{Output, Rule, UtxoValidationFactory};

use support::{builtin_instances, check_plugin, commit, plugin_with, validator};

/// Replays `w`, checking the plugin alone before each block and the committer's codes.
fn replay(w: &Workload) -> (ChannelValidator, Vec<block_validator::BlockVerdict>) {
    let mut v = validator(w, builtin_instances());
    let mut plugin: Option<Box<dyn Plugin>> = None;
    let mut verdicts = Vec::new();
    for block in w.blocks() {
        if let Some(plugin) = &plugin {
            check_plugin(plugin.as_ref(), w, block);
        }
        verdicts.push(commit(&mut v, block));
        if plugin.is_none() {
            plugin = Some(plugin_with(&UtxoValidationFactory, v.host().dependencies()));
        }
    }
    (v, verdicts)
}

#[test]
fn the_coverage_ledger_gets_the_predicted_verdicts_and_state() {
    let w = scenario::coverage(b"utxo end to end").unwrap();
    let (v, verdicts) = replay(&w);

    // The committed UTXO keys are exactly the workload's unspent set.
    let state = v.host().state().read().unwrap();
    let committed: Vec<(String, Output)> = state
        .range(w.namespace(), "utxo/", "utxo0")
        .map(|(k, val)| (k.clone(), Output::decode(val.value.clone()).unwrap()))
        .collect();
    let expected: Vec<(String, Output)> = w
        .unspent()
        .values()
        .map(|c| (c.key.clone(), c.output.clone()))
        .collect();
    assert_eq!(committed, expected);
    assert!(!committed.is_empty());

    // Every fault was exercised and flagged; every valid operation kind committed.
    let all: Vec<_> = w.blocks().iter().flat_map(|b| b.expected.iter()).collect();
    for fault in [
        UtxoFault::InputTwice,
        UtxoFault::InputNotDeleted,
        UtxoFault::WrongOwner,
        UtxoFault::Unbalanced,
        UtxoFault::Overflow,
        UtxoFault::WrongOutputKey,
        UtxoFault::ExistingOutput,
        UtxoFault::MixedAssetTypes,
        UtxoFault::UnauthorisedIssuance,
        UtxoFault::ZeroAmount,
        UtxoFault::MissingEndorsement,
    ] {
        let txs: Vec<_> = all.iter().filter(|e| e.fault == fault).collect();
        assert!(!txs.is_empty(), "{fault:?} not exercised");
        for e in txs {
            assert_ne!(e.code, TxValidationCode::Valid, "{fault:?}");
            assert!(e.plugin.is_some(), "{fault:?}");
        }
    }
    for kind in [
        TxKind::Issue,
        TxKind::Transfer,
        TxKind::Split,
        TxKind::Merge,
    ] {
        assert!(
            all.iter()
                .any(|e| e.kind == kind && e.code == TxValidationCode::Valid),
            "no valid {kind:?}"
        );
    }

    // Block 4's reasons come from the plugin and name the rule.
    let block4 = &verdicts[4];
    for (i, e) in w.blocks()[4].expected.iter().enumerate() {
        if let (TxValidationCode::EndorsementPolicyFailure, Some(rule)) = (e.code, e.plugin) {
            let reason = block4.reasons[i].as_deref().unwrap();
            assert!(reason.contains(&rule.marker()), "{reason}");
        }
    }
    let existing = w.blocks()[4]
        .expected
        .iter()
        .position(|e| e.fault == UtxoFault::ExistingOutput)
        .unwrap();
    assert_eq!(
        i32::from(block4.codes[existing]),
        TxValidationCode::DuplicateTxid as i32
    );
}

#[test]
fn a_double_spend_within_a_block_is_an_mvcc_conflict_and_across_blocks_invalid() {
    let w = scenario::coverage(b"utxo double spends").unwrap();
    let (_v, verdicts) = replay(&w);
    // Block 5: both payments of one coin pass the plugin; the second is an MVCC conflict.
    let b5 = &w.blocks()[5].expected;
    assert_eq!(b5[0].inputs, b5[1].inputs);
    assert_eq!((b5[0].plugin, b5[1].plugin), (None, None));
    assert_eq!(
        verdicts[5].codes[..3],
        [
            TxValidationCode::Valid as u8,
            TxValidationCode::MvccReadConflict as u8,
            TxValidationCode::Valid as u8
        ]
    );
    // Block 6: spending it again in a later block breaks input-exists and names the key.
    let b6 = &w.blocks()[6].expected;
    assert_eq!(b6[0].inputs, b5[0].inputs);
    assert_eq!(b6[0].plugin, Some(Rule::InputExists));
    assert_eq!(
        verdicts[6].codes[0],
        TxValidationCode::EndorsementPolicyFailure as u8
    );
    let reason = verdicts[6].reasons[0].as_deref().unwrap();
    assert!(reason.contains(&b5[0].inputs[0]), "{reason}");
    assert!(reason.contains(&Rule::InputExists.marker()), "{reason}");
    assert_eq!(verdicts[6].codes[1], TxValidationCode::Valid as u8);
}

#[test]
fn the_plugin_names_the_key_of_a_double_spend_within_one_transaction() {
    let mut w = Workload::with_orgs(b"utxo input twice", 2).unwrap();
    let a = w.parties()[0];
    let issue = w.issue(&[(a, 9)], "gold", UtxoFault::None).unwrap();
    w.block(vec![issue]).unwrap();
    let coin = w.coins_of(a)[0].clone();
    let tx = w
        .transfer(
            std::slice::from_ref(&coin),
            &[(a, 9)],
            UtxoFault::InputTwice,
        )
        .unwrap();
    w.block(vec![tx]).unwrap();
    let mut v = validator(&w, builtin_instances());
    let blocks = w.blocks();
    commit(&mut v, &blocks[0]);
    commit(&mut v, &blocks[1]);
    commit(&mut v, &blocks[2]);
    let plugin = plugin_with(&UtxoValidationFactory, v.host().dependencies());
    let got = check_plugin(plugin.as_ref(), &w, &blocks[3]);
    match &got[0] {
        Some(Err(ValidationError::Invalid(reason))) => {
            assert!(reason.contains(&coin.key), "{reason}");
            assert!(reason.contains("twice"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_recorded_block_stream_replays_as_recorded() {
    use block_validator::{BlockOutcome, InitialConfig, MvccMode, Replay, ValidatorOptions};
    use fabric_ledger::{ChainChecker, LedgerFile};

    let w = scenario::coverage(b"utxo stream replay").unwrap();
    let file =
        LedgerFile::from_bytes("utxo.bin", bytes::Bytes::from(w.block_stream(true))).unwrap();
    let mut replay = Replay::new(
        builtin_instances(),
        ValidatorOptions::default(),
        InitialConfig::Ledger,
        MvccMode::FromGenesis,
        ChainChecker::new(),
    );
    let mut blocks = 0;
    for raw in file.read_all().into_result().unwrap() {
        match replay.block(&raw).unwrap() {
            BlockOutcome::Committed(verdict) => {
                assert_eq!(
                    Some(verdict.codes.as_slice()),
                    block_validator::replay::recorded_filter(&raw),
                    "block {}",
                    raw.number
                );
            }
            BlockOutcome::Rejected(problems) => panic!("block {}: {problems:?}", raw.number),
        }
        blocks += 1;
    }
    assert_eq!(blocks, w.blocks().len());
}

#[test]
fn the_benchmark_block_of_transfers_validates() {
    let w = scenario::transfer_block(b"utxo bench shape", 3, 24).unwrap();
    let mut v = validator(&w, builtin_instances());
    for block in w.blocks() {
        commit(&mut v, block);
    }
    let last = w.last_block().unwrap();
    assert_eq!(last.expected.len(), 24);
    assert!(last
        .expected
        .iter()
        .all(|e| e.code == TxValidationCode::Valid));
}

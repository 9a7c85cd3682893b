//! Spec 9.6: key-level (state-based) endorsement, v20 policy selection and the intra-block
//! dependency protocol (deterministic variant, spec 11.4).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use handlers_api::validation::{CollectionInfoError, PolicyError, StateError};
use support::*;

const H1: &[u8] = b"key";
const H2: &[u8] = b"\x01\x02hash2";

fn coll(name: &'static str) -> Coll {
    Coll {
        name,
        ..Default::default()
    }
}

fn hw(c: Coll, k: &[u8]) -> Coll {
    let mut c = c;
    c.writes.push(k.to_vec());
    c
}

fn hmw(c: Coll, k: &[u8]) -> Coll {
    let mut c = c;
    c.meta_writes.push(k.to_vec());
    c
}

fn hr(c: Coll, k: &[u8]) -> Coll {
    let mut c = c;
    c.reads.push(k.to_vec());
    c
}

#[test]
fn sb_1_key_level_parameter_is_evaluated_for_every_kind_of_write() {
    let cases: Vec<(&str, Ns)> = vec![
        ("public write", Ns::new("cc").write("k")),
        ("public metadata write", Ns::new("cc").meta("k")),
        ("private write", Ns::new("cc").coll(hw(coll("c"), H1))),
        (
            "private metadata write",
            Ns::new("cc").coll(hmw(coll("c"), H1)),
        ),
    ];
    for (what, ns) in cases {
        for pass in [true, false] {
            let h = Harness::new();
            h.ledger.set_public_vp("cc", "k", vp(1));
            h.ledger.set_private_vp("cc", "c", H1, vp(1));
            h.evaluator.set(&vp_policy(1), pass);
            h.evaluator.set(CC_EP, true);
            let res = h.validate_one(tx(std::slice::from_ref(&ns)), "cc");
            assert_eq!(res.is_ok(), pass, "{what}: {res:?}");
            assert_eq!(h.evaluator.evaluated(), vec![vp_policy(1)], "{what}");
            if !pass {
                assert!(invalid(res).contains("validation of key"), "{what}");
            }
        }
    }
}

#[test]
fn sb_2_generic_parameter_read_error_is_execution_failure() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    *h.ledger.meta_error.lock().unwrap() = Some(StateError::Provider("boom".into()));
    let msg = exec_failure(h.validate_one(tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]), "cc"));
    assert_eq!(
        msg,
        "could not retrieve metadata for cc:c:6b6579: state provider failed: boom"
    );
    assert!(h.evaluator.evaluated().is_empty());
}

#[test]
fn sb_3_coll_config_errors_fall_back_other_errors_halt() {
    for e in [
        StateError::CollConfigNotDefined {
            namespace: "cc".into(),
        },
        StateError::InvalidCollName {
            namespace: "cc".into(),
            collection: "c".into(),
        },
    ] {
        let h = Harness::new();
        h.evaluator.set(CC_EP, true);
        *h.ledger.meta_error.lock().unwrap() = Some(e.clone());
        assert_eq!(
            h.validate_one(tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]), "cc"),
            Ok(()),
            "{e}"
        );
        assert_eq!(h.evaluator.evaluated(), vec![CC_EP.to_vec()]);
    }
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    *h.ledger.meta_error.lock().unwrap() = Some(StateError::Ledger("io".into()));
    exec_failure(h.validate_one(tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]), "cc"));
}

#[test]
fn sb_4_chaincode_policy_when_no_key_level_parameter() {
    let txs = [
        Ns::new("cc").write("k"),
        Ns::new("cc").read("k"),
        Ns::new("cc").coll(hr(coll("c"), H1)),
    ];
    for ns in txs {
        for pass in [true, false] {
            let h = Harness::new();
            h.evaluator.set(CC_EP, pass);
            let res = h.validate_one(tx(std::slice::from_ref(&ns)), "cc");
            assert_eq!(res.is_ok(), pass);
            assert_eq!(h.evaluator.evaluated(), vec![CC_EP.to_vec()]);
        }
    }
}

#[test]
fn sb_5_covered_writes_skip_the_chaincode_policy() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, false);
    h.ledger.set_public_vp("cc", "a", vp(1));
    h.ledger.set_public_vp("cc", "b", vp(2));
    h.evaluator.set(&vp_policy(1), true);
    h.evaluator.set(&vp_policy(2), true);
    let t = tx(&[Ns::new("cc").read("r").write("a").write("b")]);
    assert_eq!(h.validate_one(t, "cc"), Ok(()));
    assert_eq!(h.evaluator.evaluated(), vec![vp_policy(1), vp_policy(2)]);
}

#[test]
fn sb_6_earlier_valid_update_invalidates_later_writer() {
    // tx0 changes k's metadata and is valid (chaincode policy); tx1 writes k.
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    h.ledger.set_public_vp("cc", "k", vp(1));
    h.evaluator.set(&vp_policy(1), true);
    let txs = [
        tx(&[Ns::new("cc").meta("k")]),
        tx(&[Ns::new("cc").write("k")]),
    ];
    assert_eq!(h.validate_in(1, &txs, "cc", 0), Ok(()));
    let msg = invalid(h.validate_in(1, &txs, "cc", 1));
    assert_eq!(msg, "validation parameters for key [k] in namespace [cc:] have been changed in transaction 1 of block 1");
}

#[test]
fn sb_6_earlier_invalid_update_leaves_committed_parameter() {
    let h = Harness::new();
    h.ledger.set_public_vp("cc", "k", vp(1));
    h.ledger.set_public_vp("cc", "other", vp(2));
    h.evaluator.set(&vp_policy(1), true);
    h.evaluator.set(&vp_policy(2), false);
    // tx0 fails on "other" before its metadata write of k counts.
    let txs = [
        tx(&[Ns::new("cc").write("other").meta("k")]),
        tx(&[Ns::new("cc").write("k")]),
    ];
    invalid(h.validate_in(1, &txs, "cc", 0));
    assert_eq!(h.validate_in(1, &txs, "cc", 1), Ok(()));
}

#[test]
fn sb_7_v20_policy_selection() {
    // No writes => CCEP.
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    h.validate_one(tx(&[Ns::new("cc")]), "cc").unwrap();
    assert_eq!(h.evaluator.evaluated(), vec![CC_EP.to_vec()]);
    // One and two public writes => CCEP once.
    for ns in [
        Ns::new("cc").write("a"),
        Ns::new("cc").write("a").write("b"),
        Ns::new("cc").meta("a"),
    ] {
        let h = Harness::new();
        h.evaluator.set(CC_EP, true);
        h.validate_one(tx(&[ns]), "cc").unwrap();
        assert_eq!(h.evaluator.evaluated(), vec![CC_EP.to_vec()]);
    }
    // Collection without EP or key-level parameter => CCEP (collection resources asked once).
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    h.validate_one(tx(&[Ns::new("cc").coll(hw(hw(coll("c"), H1), H2))]), "cc")
        .unwrap();
    assert_eq!(h.evaluator.evaluated(), vec![CC_EP.to_vec()]);
    assert_eq!(
        *h.collections.calls.lock().unwrap(),
        vec![
            ("cc".to_owned(), "c".to_owned()),
            ("cc".to_owned(), "c".to_owned())
        ]
    );
    // Collection with EP => collection EP, once for several keys, CCEP not needed.
    let h = Harness::new();
    h.evaluator.set(CC_EP, false);
    h.evaluator.set(COLL_EP, true);
    h.collections.set("cc", "c", Ok(COLL_EP.to_vec()));
    h.validate_one(tx(&[Ns::new("cc").coll(hw(hw(coll("c"), H1), H2))]), "cc")
        .unwrap();
    assert_eq!(h.evaluator.evaluated(), vec![COLL_EP.to_vec()]);
    assert_eq!(h.collections.calls.lock().unwrap().len(), 1);
    // Collection write with key-level parameter => key-level parameter only.
    let h = Harness::new();
    h.evaluator.set(CC_EP, false);
    h.evaluator.set(COLL_EP, false);
    h.collections.set("cc", "c", Ok(COLL_EP.to_vec()));
    h.ledger.set_private_vp("cc", "c", H1, vp(3));
    h.evaluator.set(&vp_policy(3), true);
    h.validate_one(tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]), "cc")
        .unwrap();
    assert_eq!(h.evaluator.evaluated(), vec![vp_policy(3)]);
    // Collection EP failure text.
    let h = Harness::new();
    h.evaluator.set(COLL_EP, false);
    h.collections.set("cc", "c", Ok(COLL_EP.to_vec()));
    let msg = invalid(h.validate_one(tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]), "cc"));
    assert_eq!(msg, "validation of endorsement policy for collection c chaincode cc in tx 1:0 failed: coll-ep rejects");
    // Other namespaces of the rwset are not looked at.
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    h.ledger.set_public_vp("other", "k", vp(9));
    h.validate_one(
        tx(&[Ns::new("other").write("k"), Ns::new("cc").write("a")]),
        "cc",
    )
    .unwrap();
    assert_eq!(h.evaluator.evaluated(), vec![CC_EP.to_vec()]);
}

#[test]
fn sb_8_collection_policy_lookup_failures() {
    let t = || tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]);
    // FetchState fails for the collection lookup (the key-level lookup before it succeeded).
    let h = Harness::new();
    *h.ledger.fetch_fail_from.lock().unwrap() = Some(1);
    let msg = exec_failure(h.validate_one(t(), "cc"));
    assert_eq!(
        msg,
        "could not retrieve ledger: ledger query failed: ledger closed"
    );
    // Unexpected error => execution failure.
    let h = Harness::new();
    h.collections.set(
        "cc",
        "c",
        Err(CollectionInfoError::Unexpected(
            "no org found in channel with MSPID 'X'".into(),
        )),
    );
    assert_eq!(
        exec_failure(h.validate_one(t(), "cc")),
        "no org found in channel with MSPID 'X'"
    );
    assert_eq!(h.ledger.open_views(), 0);
    // Validation error => invalid.
    let h = Harness::new();
    h.collections.set(
        "cc",
        "c",
        Err(CollectionInfoError::Validation(
            "no such collection 'c'".into(),
        )),
    );
    assert_eq!(invalid(h.validate_one(t(), "cc")), "no such collection 'c'");
    assert!(h.evaluator.evaluated().is_empty());
}

#[test]
fn sb_9_updated_is_policy_error_coll_config_not_defined_lets_ccep_decide() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let txs = [
        tx(&[Ns::new("cc").coll(hmw(coll("c"), H1))]),
        tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]),
    ];
    h.validate_in(1, &txs, "cc", 0).unwrap();
    let msg = invalid(h.validate_in(1, &txs, "cc", 1));
    assert_eq!(msg, "validation parameters for key [6b6579] in namespace [cc:c] have been changed in transaction 1 of block 1");

    for pass in [true, false] {
        let h = Harness::new();
        h.evaluator.set(CC_EP, pass);
        *h.ledger.meta_error.lock().unwrap() = Some(StateError::CollConfigNotDefined {
            namespace: "cc".into(),
        });
        assert_eq!(
            h.validate_one(tx(&[Ns::new("cc").coll(hw(coll("c"), H1))]), "cc")
                .is_ok(),
            pass
        );
    }
}

#[test]
fn sb_10_parameter_is_translated_and_state_released() {
    let h = Harness::new();
    h.ledger.set_public_vp("cc", "k", vp(4));
    h.evaluator.set(&vp_policy(4), true);
    h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc")
        .unwrap();
    assert_eq!(h.evaluator.evaluated(), vec![vp_policy(4)]);
    assert_eq!(*h.ledger.fetched.lock().unwrap(), 1);
    assert_eq!(h.ledger.open_views(), 0);
}

#[test]
fn sb_11_translation_failure_texts() {
    let h = Harness::new();
    h.ledger.set_public_vp("cc", "key", b"barf".to_vec());
    let msg = exec_failure(h.validate_one(tx(&[Ns::new("cc").write("key")]), "cc"));
    assert!(
        msg.starts_with(
            "could not translate policy for cc:key: could not unmarshal signature policy envelope"
        ),
        "{msg}"
    );
    let h = Harness::new();
    h.ledger
        .set_private_vp("cc", "coll", b"key", b"barf".to_vec());
    let msg =
        exec_failure(h.validate_one(tx(&[Ns::new("cc").coll(hw(coll("coll"), b"key"))]), "cc"));
    assert!(
        msg.starts_with("could not translate policy for cc:coll:6b6579: could not unmarshal"),
        "{msg}"
    );
}

/// Block 1: `updaters` (each valid or not) change k's metadata, the last tx writes k.
fn dependency_block(updater_valid: &[bool], private: bool) -> (Harness, Vec<Vec<u8>>) {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    h.ledger.set_public_vp("cc", "k", vp(1));
    h.ledger.set_private_vp("cc", "c", H1, vp(1));
    h.evaluator.set(&vp_policy(1), true);
    h.ledger.set_public_vp("cc", "bad", vp(2));
    h.evaluator.set(&vp_policy(2), false);
    let mut txs: Vec<Vec<u8>> = updater_valid
        .iter()
        .map(|valid| {
            let mut ns = Ns::new("cc");
            if !valid {
                ns = ns.write("bad");
            }
            ns = if private {
                ns.coll(hmw(coll("c"), H1))
            } else {
                ns.meta("k")
            };
            tx(&[ns])
        })
        .collect();
    txs.push(tx(&[if private {
        Ns::new("cc").coll(hw(coll("c"), H1))
    } else {
        Ns::new("cc").write("k")
    }]));
    (h, txs)
}

#[test]
fn sb_12_dependency_resolution() {
    for private in [false, true] {
        for (updaters, ok) in [
            (vec![false], true),
            (vec![true], false),
            (vec![false, false], true),
            (vec![true, false], false),
            (vec![false, true], false),
        ] {
            // Host validates in ascending order.
            let (h, txs) = dependency_block(&updaters, private);
            for (i, valid) in updaters.iter().enumerate() {
                assert_eq!(h.validate_in(1, &txs, "cc", i).is_ok(), *valid);
            }
            let last = txs.len() - 1;
            let res = h.validate_in(1, &txs, "cc", last);
            assert_eq!(res.is_ok(), ok, "private={private} {updaters:?}: {res:?}");
            if !ok {
                assert!(invalid(res).contains("have been changed in transaction"));
            }
        }
    }
}

/// Which updaters of [`dependency_block`] end up valid: an updater's own metadata write of k
/// is checked too, so an earlier valid updater invalidates every later one.
fn effective(updaters: &[bool]) -> Vec<bool> {
    let mut seen_valid = false;
    updaters
        .iter()
        .map(|v| {
            let ok = *v && !seen_valid;
            seen_valid |= ok;
            ok
        })
        .collect()
}

#[test]
fn sb_12_dependency_outcome_is_independent_of_call_order_and_of_skipped_calls() {
    for updaters in [
        vec![true],
        vec![false],
        vec![false, true],
        vec![true, true, false],
    ] {
        let eff = effective(&updaters);
        let expected_last = !eff.iter().any(|v| *v);
        // Only the last transaction reaches the plugin: earlier results are computed on demand.
        let (h, txs) = dependency_block(&updaters, false);
        let last = txs.len() - 1;
        assert_eq!(
            h.validate_in(1, &txs, "cc", last).is_ok(),
            expected_last,
            "{updaters:?}"
        );
        // The host's later calls for the earlier transactions get the same (memoised) results.
        for (i, valid) in eff.iter().enumerate() {
            assert_eq!(
                h.validate_in(1, &txs, "cc", i).is_ok(),
                *valid,
                "{updaters:?} tx {i}"
            );
        }
        // Descending order on a fresh instance.
        let (h, txs) = dependency_block(&updaters, false);
        for i in (0..txs.len()).rev() {
            let res = h.validate_in(1, &txs, "cc", i);
            let want = if i == last { expected_last } else { eff[i] };
            assert_eq!(res.is_ok(), want, "{updaters:?} tx {i}");
        }
    }
}

#[test]
fn sb_12_parallel_validation_is_deterministic() {
    let updaters = [false, true, false, true];
    let (h, mut txs) = dependency_block(&updaters, false);
    // After the updaters and the first writer of k: pairs (writer of k, unrelated writer).
    for _ in 0..6 {
        txs.push(tx(&[Ns::new("cc").write("k")]));
        txs.push(tx(&[Ns::new("cc").write("unrelated")]));
    }
    let mut want = effective(&updaters);
    want.push(false);
    for _ in 0..6 {
        want.push(false);
        want.push(true);
    }
    let h = Arc::new(h);
    for round in 0..20u64 {
        let number = round + 1;
        let handles: Vec<_> = (0..txs.len())
            .map(|j| {
                // Start order varies per round (reverse on odd rounds).
                let i = if round % 2 == 1 { txs.len() - 1 - j } else { j };
                let h = Arc::clone(&h);
                let txs = txs.clone();
                std::thread::spawn(move || (i, h.validate_in(number, &txs, "cc", i).is_ok()))
            })
            .collect();
        let mut got: Vec<(usize, bool)> = handles.into_iter().map(|t| t.join().unwrap()).collect();
        got.sort();
        let got: Vec<bool> = got.into_iter().map(|(_, ok)| ok).collect();
        assert_eq!(got, want, "round {round}");
    }
}

#[test]
fn sb_13_older_block_after_newer_is_execution_failure() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let txs = [tx(&[Ns::new("cc").write("k")])];
    h.validate_in(6, &txs, "cc", 0).unwrap();
    let msg = exec_failure(h.validate_in(5, &txs, "cc", 0));
    assert_eq!(
        msg,
        "programming error: block with number 5 validated after block with number 6"
    );
    // A newer block resets the state.
    assert_eq!(h.validate_in(7, &txs, "cc", 0), Ok(()));
}

#[test]
fn sb_14_ledger_errors_release_the_state() {
    // FetchState error.
    let h = Harness::new();
    *h.ledger.fetch_error.lock().unwrap() = Some(StateError::Ledger("down".into()));
    exec_failure(h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"));
    // Metadata errors, public and private: the view is released.
    for ns in [
        Ns::new("cc").write("k"),
        Ns::new("cc").coll(hw(coll("c"), H1)),
    ] {
        let h = Harness::new();
        *h.ledger.meta_error.lock().unwrap() = Some(StateError::Ledger("down".into()));
        exec_failure(h.validate_one(tx(&[ns]), "cc"));
        assert_eq!(*h.ledger.fetched.lock().unwrap(), 1);
        assert_eq!(h.ledger.open_views(), 0);
    }
}

#[test]
fn sb_14_execution_failures_are_not_memoised() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let txs = [tx(&[Ns::new("cc").write("k")])];
    *h.ledger.fetch_error.lock().unwrap() = Some(StateError::Ledger("down".into()));
    exec_failure(h.validate_in(1, &txs, "cc", 0));
    *h.ledger.fetch_error.lock().unwrap() = None;
    assert_eq!(h.validate_in(1, &txs, "cc", 0), Ok(()));
}

#[test]
fn sb_15_unparsable_earlier_tx_introduces_no_dependency() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let txs = [
        envelope_with_results(bytes::Bytes::from_static(&[0x12, 0x09])),
        vec![0xff, 0x00],
        tx(&[Ns::new("cc").write("k")]),
    ];
    assert_eq!(h.validate_in(1, &txs, "cc", 2), Ok(()));
}

#[test]
fn sb_16_metadata_updates_in_another_namespace_do_not_count() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let txs = [
        tx(&[Ns::new("a").meta("k")]),
        tx(&[Ns::new("b").write("k")]),
    ];
    assert_eq!(h.validate_in(1, &txs, "a", 0), Ok(()));
    assert_eq!(h.validate_in(1, &txs, "b", 1), Ok(()));
}

#[test]
fn sb_17_several_keys_only_the_updated_one_fails() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    h.ledger.set_public_vp("cc", "k1", vp(1));
    h.evaluator.set(&vp_policy(1), true);
    let txs = [
        tx(&[Ns::new("cc").meta("k2")]),
        tx(&[Ns::new("cc").write("k1").write("k2")]),
    ];
    let msg = invalid(h.validate_in(1, &txs, "cc", 1));
    assert!(msg.contains("key [k2]"), "{msg}");
    // k1 was checked (and passed) before k2 failed.
    assert!(h.evaluator.evaluated().contains(&vp_policy(1)));
}

#[test]
fn evaluator_provider_failure_is_execution_failure() {
    let h = Harness::new();
    h.evaluator
        .set_err(CC_EP, PolicyError::Provider("host panicked".into()));
    let msg = exec_failure(h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"));
    assert!(msg.contains("host panicked"), "{msg}");
}

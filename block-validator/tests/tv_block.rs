//! Block-level behaviours of the committer (spec 9.7 TV-1 .. TV-4, TV-7, TV-8): all-valid
//! blocks of many sizes, duplicate tx IDs inside a block and against the ledger, the empty
//! block, and configuration blocks that change the verdicts of the blocks after them.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use fabric_testgen::channel_config::ConfigChange;
use support::{byte, bytes_of, commit, net, ns, options, plugins, started, tx, Code, Scripted};

fn accept_all(pool_size: usize) -> block_validator::ChannelValidator {
    let accept = Scripted::accept();
    started(
        plugins(&[("accept", accept.factory())]),
        options(pool_size, &[("mycc", "accept", None)]),
    )
}

/// TV-1: blocks of 1, 128 and 4096 transactions (more than workers) under a plugin that
/// accepts everything: every flag VALID, every tx ID recorded, every write committed.
#[test]
fn tv1_all_valid_blocks_of_every_size() {
    let net = net();
    let accept = Scripted::accept();
    let mut validator = started(
        plugins(&[("accept", accept.factory())]),
        options(4, &[("mycc", "accept", None)]),
    );
    for (number, size) in [(1u64, 1usize), (2, 128), (3, 4096)] {
        let built: Vec<_> = (0..size)
            .map(|i| {
                tx("mycc", net.client(1 + i % 2))
                    .rw(&[ns("mycc").write(&format!("b{number}-k{i}"), b"v")])
                    .build()
            })
            .collect();
        let envelopes: Vec<_> = built.iter().map(|b| b.envelope.clone()).collect();
        let verdict = commit(&mut validator, number, &envelopes);
        assert_eq!(verdict.number, number);
        assert_eq!(verdict.codes.len(), size);
        assert!(
            verdict.codes.iter().all(|c| *c == byte(Code::Valid)),
            "block of {size}: {:?}",
            verdict.codes.iter().filter(|c| **c != 0).count()
        );
        assert_eq!(
            verdict.txids,
            built.iter().map(|b| b.txid.clone()).collect::<Vec<_>>()
        );
        assert!(verdict.reasons.iter().all(Option::is_none));
        assert!(!verdict.config_updated);
        assert_eq!(
            support::version_of(&validator, "mycc", &format!("b{number}-k{}", size - 1)),
            Some((number, size as u64 - 1))
        );
        assert!(support::has_txid(&validator, &built[size / 2].txid));
        // The plugin saw each transaction exactly once.
        let calls = accept.calls();
        let in_block: Vec<usize> = calls
            .iter()
            .filter(|c| c.block == number)
            .map(|c| c.tx)
            .collect();
        assert_eq!(in_block, (0..size).collect::<Vec<_>>());
    }
    assert_eq!(validator.last_block(), Some(3));
}

/// TV-2: two byte-identical valid transactions in one block ⇒ [VALID, DUPLICATE_TXID]; the
/// write is applied once (at the first one's height).
#[test]
fn tv2_identical_transactions_in_one_block() {
    let net = net();
    let mut validator = accept_all(2);
    let built = tx("mycc", net.client(1))
        .rw(&[ns("mycc").write("dup", b"1")])
        .build();
    let verdict = commit(
        &mut validator,
        1,
        &[built.envelope.clone(), built.envelope.clone()],
    );
    assert_eq!(verdict.codes, bytes_of(&[Code::Valid, Code::DuplicateTxid]));
    assert_eq!(verdict.txids, vec![built.txid.clone(), built.txid.clone()]);
    assert!(verdict.reasons[1].is_some());
    assert_eq!(support::version_of(&validator, "mycc", "dup"), Some((1, 0)));
}

/// TV-2 variant: an invalid first occurrence does not consume the tx ID; the later valid
/// occurrence stays VALID.
#[test]
fn tv2_invalid_occurrence_does_not_consume_the_txid() {
    let net = net();
    let rejecting = Scripted::new(|call| {
        if call.tx == 0 {
            Err(handlers_api::validation::ValidationError::Invalid(
                "first one is refused".into(),
            ))
        } else {
            Ok(())
        }
    });
    let mut validator = started(
        plugins(&[("script", rejecting.factory())]),
        options(2, &[("mycc", "script", None)]),
    );
    let built = tx("mycc", net.client(1)).build();
    let verdict = commit(
        &mut validator,
        1,
        &[
            built.envelope.clone(),
            built.envelope.clone(),
            built.envelope,
        ],
    );
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::EndorsementPolicyFailure,
            Code::Valid,
            Code::DuplicateTxid
        ])
    );
}

/// TV-3: duplicate marking over tx IDs ["", "1", "2", "3", "", "2", ""] marks only index 5;
/// empty IDs are never duplicates. Signatures are off so that the tx IDs can be chosen.
#[test]
fn tv3_duplicate_marking_ignores_empty_ids() {
    let net = net();
    let accept = Scripted::accept();
    let mut opts = options(3, &[("mycc", "accept", None)]);
    opts.check_signatures = false;
    let mut validator = started(plugins(&[("accept", accept.factory())]), opts);
    let ids = ["", "1", "2", "3", "", "2", ""];
    let envelopes: Vec<_> = ids
        .iter()
        .map(|id| {
            let mut t = tx("mycc", net.client(1));
            t.txid = Some((*id).to_owned());
            t.envelope()
        })
        .collect();
    let verdict = commit(&mut validator, 1, &envelopes);
    let mut expected = vec![byte(Code::Valid); 7];
    expected[5] = byte(Code::DuplicateTxid);
    assert_eq!(verdict.codes, expected, "reasons: {:?}", verdict.reasons);
    assert_eq!(
        verdict.txids,
        ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()
    );

    // No duplicates: nothing changes.
    let envelopes: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|id| {
            let mut t = tx("mycc", net.client(2));
            t.txid = Some((*id).to_owned());
            t.envelope()
        })
        .collect();
    let verdict = commit(&mut validator, 2, &envelopes);
    assert_eq!(verdict.codes, vec![0, 0, 0]);
}

/// TV-4: a tx ID already in the ledger (committed in an earlier block) ⇒ DUPLICATE_TXID, no
/// block error, and the block's other transactions commit.
#[test]
fn tv4_txid_already_in_the_ledger() {
    let net = net();
    let mut validator = accept_all(2);
    let first = tx("mycc", net.client(1))
        .rw(&[ns("mycc").write("once", b"1")])
        .build();
    assert_eq!(
        commit(&mut validator, 1, std::slice::from_ref(&first.envelope)).codes,
        vec![0]
    );
    let other = tx("mycc", net.client(2))
        .rw(&[ns("mycc").write("other", b"2")])
        .build();
    let verdict = commit(&mut validator, 2, &[first.envelope.clone(), other.envelope]);
    assert_eq!(verdict.codes, bytes_of(&[Code::DuplicateTxid, Code::Valid]));
    assert!(verdict.reasons[0]
        .as_deref()
        .is_some_and(|r| r.contains("ledger")));
    // The replayed write was not applied again.
    assert_eq!(
        support::version_of(&validator, "mycc", "once"),
        Some((1, 0))
    );
    assert_eq!(
        support::version_of(&validator, "mycc", "other"),
        Some((2, 1))
    );
}

/// TV-7: a block with zero transactions validates, commits, and the chain goes on.
#[test]
fn tv7_empty_block() {
    let net = net();
    let mut validator = accept_all(2);
    let verdict = commit(&mut validator, 1, &[]);
    assert!(verdict.codes.is_empty());
    assert!(verdict.txids.is_empty());
    assert!(!verdict.config_updated);
    assert_eq!(validator.last_block(), Some(1));
    let next = tx("mycc", net.client(1)).envelope();
    assert_eq!(commit(&mut validator, 2, &[next]).codes, vec![0]);
}

/// Blocks come in order: a block number at or below the last committed one is refused.
#[test]
fn blocks_must_come_in_order() {
    let net = net();
    let mut validator = accept_all(1);
    commit(&mut validator, 1, &[tx("mycc", net.client(1)).envelope()]);
    let err = support::halt(&mut validator, 1, &[tx("mycc", net.client(1)).envelope()]);
    assert!(
        matches!(
            err,
            block_validator::BlockError::OutOfOrder {
                block: 1,
                previous: 1
            }
        ),
        "{err:?}"
    );
}

/// TV-8: the configuration in force is re-read for every block: adding an organisation makes
/// its clients valid creators and changes the MAJORITY endorsement policy; removing one makes
/// its members unknown again.
#[test]
fn tv8_config_blocks_change_the_verdicts_of_later_blocks() {
    let net = net();
    let mut validator = started(plugins(&[]), options(2, &[("mycc", "vscc", None)]));
    let write = |key: &str| [ns("mycc").write(key, b"v")];
    let (p1, p2, p3) = (net.peer(1), net.peer(2), net.peer(3));

    // Channel {Org1, Org2}: MAJORITY Endorsement needs both.
    let block1 = [
        tx("mycc", net.client(3))
            .endorsed_by(&[p1, p2])
            .rw(&write("a"))
            .envelope(),
        tx("mycc", net.client(1))
            .endorsed_by(&[p1, p2])
            .rw(&write("b"))
            .envelope(),
        tx("mycc", net.client(1))
            .endorsed_by(&[p1])
            .rw(&write("c"))
            .envelope(),
        tx("mycc", net.client(1))
            .endorsed_by(&[p1, p3])
            .rw(&write("d"))
            .envelope(),
    ];
    let verdict = commit(&mut validator, 1, &block1);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::BadCreatorSignature,
            Code::Valid,
            Code::EndorsementPolicyFailure,
            Code::EndorsementPolicyFailure,
        ]),
        "{:?}",
        verdict.reasons
    );

    // Add Org3.
    let (with_org3, envelope) = net.config_change(&net.genesis, ConfigChange::AddOrg(net.org(3)));
    let verdict = commit(&mut validator, 2, &[envelope]);
    assert_eq!(verdict.codes, vec![0]);
    assert!(verdict.config_updated);
    assert_eq!(
        validator.host().config().unwrap().application_msp_ids(),
        vec!["Org1MSP", "Org2MSP", "Org3MSP"]
    );

    // Channel {Org1, Org2, Org3}: 2 of 3 organisations.
    let block3 = [
        tx("mycc", net.client(3))
            .endorsed_by(&[p1, p3])
            .rw(&write("e"))
            .envelope(),
        tx("mycc", net.client(1))
            .endorsed_by(&[p1])
            .rw(&write("f"))
            .envelope(),
        tx("mycc", net.client(1))
            .endorsed_by(&[p3, p2])
            .rw(&write("g"))
            .envelope(),
    ];
    let verdict = commit(&mut validator, 3, &block3);
    assert_eq!(
        verdict.codes,
        bytes_of(&[Code::Valid, Code::EndorsementPolicyFailure, Code::Valid]),
        "{:?}",
        verdict.reasons
    );

    // Remove Org2.
    let (_, envelope) = net.config_change(&with_org3, ConfigChange::RemoveOrg("Org2MSP"));
    assert!(commit(&mut validator, 4, &[envelope]).config_updated);

    // Channel {Org1, Org3}: Org2's client is unknown, Org2's endorsement no longer counts.
    let block5 = [
        tx("mycc", net.client(2))
            .endorsed_by(&[p1, p3])
            .rw(&write("h"))
            .envelope(),
        tx("mycc", net.client(1))
            .endorsed_by(&[p1, p2])
            .rw(&write("i"))
            .envelope(),
        tx("mycc", net.client(1))
            .endorsed_by(&[p1, p3])
            .rw(&write("j"))
            .envelope(),
    ];
    let verdict = commit(&mut validator, 5, &block5);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::BadCreatorSignature,
            Code::EndorsementPolicyFailure,
            Code::Valid
        ]),
        "{:?}",
        verdict.reasons
    );
}

/// A config transaction naming another channel: its creator is checked by the MSP manager of
/// the channel it names, which does not exist here (Fabric: BAD_CREATOR_SIGNATURE, "MSP error:
/// channel doesn't exist"), so it is flagged and the configuration in force stays.
#[test]
fn config_block_of_another_channel_is_flagged_and_not_applied() {
    let net = net();
    let mut validator = accept_all(1);
    let mut other = net.genesis.clone();
    other.sequence = 1;
    let envelope = fabric_testgen::channel_config::config_envelope(
        &fabric_testgen::channel_config::EnvelopeHeader {
            channel_id: "otherchannel",
            timestamp: support::timestamp(),
            nonce: &support::nonce(),
        },
        &other,
        None,
        net.orderer.identity("orderer").unwrap(),
    );
    let bytes = bytes::Bytes::from(prost::Message::encode_to_vec(&envelope));
    let before = validator.host().config().unwrap();
    let verdict = validator.validate_block(1, &[bytes]).unwrap();
    assert_eq!(verdict.codes, vec![4]);
    assert!(
        verdict.reasons[0]
            .as_deref()
            .is_some_and(|r| r.contains("channel doesn't exist: otherchannel")),
        "{verdict:?}"
    );
    assert!(!verdict.config_updated);
    assert!(Arc::ptr_eq(&before, &validator.host().config().unwrap()));
    assert_eq!(validator.last_block(), Some(1));
}

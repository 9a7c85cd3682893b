//! Which endorsements count, with real certificates and signatures: foreign and orderer
//! organisations, two endorsements of one organisation, broken signatures, a revoked
//! certificate, the role required with NodeOUs on and off; and transactions whose endorsements
//! cannot be read.
#![allow(clippy::unwrap_used)]

mod support;

use bytes::Bytes;
use fabric_testgen::tx::Fault;
use handlers_api::validation::{BlockView, Context, SerializedPolicy};
use support::{consortium, invalid, Channel, Consortium, CMSCC};
use vscc_majority_orgs::{SignedByMajorityPeerOrgs, SignedByMajorityPeerOrgsFactory};

/// A channel of Org1 and Org2 (M=2).
fn genesis_channel() -> Channel {
    Channel::new(&SignedByMajorityPeerOrgsFactory, &consortium().genesis)
}

#[test]
fn organisations_outside_the_channel_do_not_count() {
    let c = consortium();
    let channel = genesis_channel();
    let org1 = Consortium::peer(&c.org1);
    // OrgZ's MSP is not in the channel: its identity does not even deserialize.
    let reason =
        invalid(channel.verdict(&c.tx(&[org1, Consortium::peer(&c.orgz)], Fault::None), ""));
    assert!(
        reason.contains("endorsement 1 (OrgZMSP): identity does not deserialize"),
        "{reason}"
    );
    // The orderer organisation's MSP is in the channel, but it is not an application org.
    let orderer = Consortium::id(&c.orderer_org, "orderer");
    let reason = invalid(channel.verdict(&c.tx(&[orderer, org1], Fault::None), "ANY,"));
    assert!(reason.contains("\"ANY,\" is not a rule"), "{reason}");
    let reason = invalid(channel.verdict(&c.tx(&[orderer, org1], Fault::None), ""));
    assert!(
        reason
            .contains("endorsement 0 (OrdererMSP): not an application organisation of the channel"),
        "{reason}"
    );
    assert!(reason.contains("counted: [Org1MSP]"), "{reason}");
    // With ANY, Org1 alone is enough and the orderer's endorsement is irrelevant.
    channel
        .verdict(&c.tx(&[orderer, org1], Fault::None), "ANY")
        .unwrap();
}

#[test]
fn an_organisation_counts_once_however_many_peers_endorse() {
    let c = consortium();
    let channel = genesis_channel();
    let org1 = Consortium::peer(&c.org1);
    let org2 = Consortium::peer(&c.org2);
    for tx in [
        c.tx_with_extra(&[org1], &[&c.org1_peer1]),
        c.tx(&[org1], Fault::SameEndorserTwice),
    ] {
        let reason = invalid(channel.verdict(&tx, ""));
        assert!(reason.contains("1 of the 2"), "{reason}");
        assert!(
            reason.contains("endorsement 1 (Org1MSP): organisation already counted"),
            "{reason}"
        );
    }
    // peer1 is a genuine Org1 peer: with Org2 it makes a majority on its own.
    channel
        .verdict(&c.tx_with_extra(&[org2], &[&c.org1_peer1]), "")
        .unwrap();
}

#[test]
fn broken_signatures_do_not_count() {
    let c = consortium();
    let channel = genesis_channel();
    let org1 = Consortium::peer(&c.org1);
    let org2 = Consortium::peer(&c.org2);
    for fault in [
        Fault::BadEndorsementSignature,
        Fault::HighSEndorsementSignature,
    ] {
        // The fault hits the first endorsement (Org2's).
        let reason = invalid(channel.verdict(&c.tx(&[org2, org1], fault), ""));
        assert!(
            reason.contains("endorsement 0 (Org2MSP): signature does not verify"),
            "{fault:?}: {reason}"
        );
        assert!(
            !reason.contains("verification failed"),
            "{fault:?}: {reason}"
        );
        assert!(reason.contains("counted: [Org1MSP]"), "{fault:?}: {reason}");
        // Without the fault the same endorsers are a majority.
        channel
            .verdict(&c.tx(&[org2, org1], Fault::None), "")
            .unwrap();
    }
    // An organisation whose first endorsement is bad still counts through a good one.
    let tx = c.tx(&[org1], Fault::BadEndorsementSignature);
    let tx = support::append_endorsements(&tx, Consortium::id(&c.org1, "client"), &[&c.org1_peer1]);
    channel.verdict(&tx, "ANY").unwrap();
    // No endorsement at all.
    let reason = invalid(channel.verdict(&c.tx(&[org1], Fault::NoEndorsements), "ANY"));
    assert!(
        reason.contains("valid endorsements from 0 of the 1"),
        "{reason}"
    );
}

#[test]
fn a_revoked_certificate_does_not_count() {
    let c = consortium();
    let channel = genesis_channel();
    let org1 = Consortium::peer(&c.org1);
    // Org2 has NodeOUs off, so any valid member counts: client2 does, client3 is revoked.
    assert!(Consortium::id(&c.org2, "client3").is_revoked());
    channel
        .verdict(
            &c.tx(&[org1, Consortium::id(&c.org2, "client2")], Fault::None),
            "",
        )
        .unwrap();
    let reason = invalid(channel.verdict(
        &c.tx(&[org1, Consortium::id(&c.org2, "client3")], Fault::None),
        "",
    ));
    assert!(
        reason.contains("endorsement 1 (Org2MSP): identity is not valid"),
        "{reason}"
    );
    assert!(reason.to_lowercase().contains("revoked"), "{reason}");
    // Each layer adds what it knows, not the same words again.
    assert_eq!(reason.matches("is not valid").count(), 1, "{reason}");
}

#[test]
fn the_required_role_depends_on_node_ous() {
    let c = consortium();
    let channel = genesis_channel();
    let org2 = Consortium::peer(&c.org2);
    // Org1 has NodeOUs on: its client and admin are not peers.
    for name in ["client", "admin"] {
        let reason = invalid(channel.verdict(
            &c.tx(&[Consortium::id(&c.org1, name), org2], Fault::None),
            "",
        ));
        assert!(
            reason.contains("endorsement 0 (Org1MSP): not a peer of Org1MSP"),
            "{name}: {reason}"
        );
    }
    // Org2 has NodeOUs off: its client and admin are members, which is all that is asked.
    for name in ["client", "admin"] {
        channel
            .verdict(
                &c.tx(
                    &[Consortium::peer(&c.org1), Consortium::id(&c.org2, name)],
                    Fault::None,
                ),
                "",
            )
            .unwrap();
    }
    // OrgX (NodeOUs on, intermediate CA) after it joins: peer yes, client no.
    channel.commit_config(&c.add_orgx);
    channel
        .verdict(&c.tx(&[Consortium::peer(&c.orgx), org2], Fault::None), "")
        .unwrap();
    let reason = invalid(channel.verdict(
        &c.tx(&[Consortium::id(&c.orgx, "client"), org2], Fault::None),
        "",
    ));
    assert!(reason.contains("not a peer of OrgXMSP"), "{reason}");
}

#[test]
fn unreadable_transactions_are_invalid() {
    let c = consortium();
    let channel = genesis_channel();
    let good = c.tx(
        &[Consortium::peer(&c.org1), Consortium::peer(&c.org2)],
        Fault::None,
    );

    let reason = invalid(channel.verdict(&Bytes::from_static(b"\x0a\x05junk"), ""));
    assert!(
        reason.starts_with("tx at position 0: could not decode the "),
        "{reason}"
    );
    // A config transaction is not an endorser transaction.
    let reason = invalid(channel.verdict(&c.genesis, ""));
    assert!(reason.contains("header type is 1, expected 3"), "{reason}");

    // Empty block, position past the end, action other than 0.
    let reason = invalid(channel.verdict_in(&[], 0, b""));
    assert_eq!(reason, "empty block");
    let reason = invalid(channel.verdict_in(std::slice::from_ref(&good), 1, b""));
    assert_eq!(
        reason,
        "block has only 1 transactions, but requested tx at position 1"
    );
    let mut plugin = SignedByMajorityPeerOrgs::default();
    handlers_api::validation::Plugin::init(&mut plugin, channel.host.dependencies()).unwrap();
    let refs: [&[u8]; 2] = [b"not this one", &good];
    let block = BlockView::new(9, &refs);
    let ctx = Context::new(SerializedPolicy(b""));
    plugin.check(&block, CMSCC, 1, 0, &ctx).unwrap();
    let err = plugin.check(&block, CMSCC, 1, 1, &ctx).unwrap_err();
    assert!(err.is_invalid());
    assert_eq!(
        err.to_string(),
        "tx at position 1: requested action at position 1, but only action 0 is validated"
    );
    assert!(plugin
        .check(&block, CMSCC, 0, 0, &ctx)
        .unwrap_err()
        .is_invalid());
}

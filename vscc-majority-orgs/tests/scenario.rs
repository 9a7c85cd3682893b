//! The scenario with real config blocks and signatures: a channel of Org1 and Org2
//! (M=2, 2 needed), then OrgX joins (M=3, 2 needed), then OrgY (M=4, 3 needed), then Org2
//! leaves (M=3). The plugin instance lives across the configuration changes, as on a peer.
#![allow(clippy::unwrap_used)]

mod support;

use fabric_testgen::tx::Fault;
use support::{consortium, invalid, Channel, Consortium};
use vscc_majority_orgs::SignedByMajorityPeerOrgsFactory;

#[test]
fn majority_follows_the_configuration_in_force() {
    let c = consortium();
    let (org1, org2, orgx, orgy) = (
        Consortium::peer(&c.org1),
        Consortium::peer(&c.org2),
        Consortium::peer(&c.orgx),
        Consortium::peer(&c.orgy),
    );
    let channel = Channel::new(&SignedByMajorityPeerOrgsFactory, &c.genesis);

    // M=2: both are needed.
    let reason = invalid(channel.verdict(&c.tx(&[org1], Fault::None), ""));
    assert!(
        reason.contains("valid endorsements from 1 of the 2 distinct application organisations"),
        "{reason}"
    );
    assert!(
        reason.contains("MAJORITY of 2 (Org1MSP, Org2MSP)"),
        "{reason}"
    );
    assert!(reason.contains("counted: [Org1MSP]"), "{reason}");
    channel
        .verdict(&c.tx(&[org1, org2], Fault::None), "")
        .unwrap();

    // OrgX joins: M=3, still 2 needed, and OrgX counts at once.
    channel.commit_config(&c.add_orgx);
    channel
        .verdict(&c.tx(&[org1, orgx], Fault::None), "")
        .unwrap();
    let reason = invalid(channel.verdict(&c.tx(&[orgx], Fault::None), ""));
    assert!(reason.contains("1 of the 2"), "{reason}");
    assert!(reason.contains("MAJORITY of 3"), "{reason}");
    let reason = invalid(channel.verdict(&c.tx(&[org2, orgy], Fault::None), ""));
    assert!(
        reason.contains("endorsement 1 (OrgYMSP): identity does not deserialize"),
        "{reason}"
    );
    assert!(reason.contains("counted: [Org2MSP]"), "{reason}");
    // Two peers of Org1.
    let reason = invalid(channel.verdict(&c.tx_with_extra(&[org1], &[&c.org1_peer1]), ""));
    assert!(
        reason.contains("endorsement 1 (Org1MSP): organisation already counted"),
        "{reason}"
    );
    // The same peer twice.
    let reason = invalid(channel.verdict(&c.tx(&[org1], Fault::SameEndorserTwice), ""));
    assert!(reason.contains("counted: [Org1MSP]"), "{reason}");

    // OrgY joins: M=4, 3 needed.
    channel.commit_config(&c.add_orgy);
    let reason = invalid(channel.verdict(&c.tx(&[org1, org2], Fault::None), ""));
    assert!(reason.contains("2 of the 3"), "{reason}");
    assert!(
        reason.contains("MAJORITY of 4 (Org1MSP, Org2MSP, OrgXMSP, OrgYMSP)"),
        "{reason}"
    );
    channel
        .verdict(&c.tx(&[org1, org2, orgy], Fault::None), "")
        .unwrap();
    channel
        .verdict(&c.tx(&[orgy, orgx, org2], Fault::None), "MAJORITY")
        .unwrap();

    // Org2 leaves: M=3, 2 needed, and Org2's endorsements no longer count.
    channel.commit_config(&c.remove_org2);
    channel
        .verdict(&c.tx(&[orgx, orgy], Fault::None), "")
        .unwrap();
    let reason = invalid(channel.verdict(&c.tx(&[org2, orgy], Fault::None), ""));
    assert!(
        reason.contains("MAJORITY of 3 (Org1MSP, OrgXMSP, OrgYMSP)"),
        "{reason}"
    );
    assert!(reason.contains("endorsement 0"), "{reason}");
}

#[test]
fn the_same_transaction_changes_verdict_with_the_configuration() {
    let c = consortium();
    let tx = c.tx(
        &[Consortium::peer(&c.org1), Consortium::peer(&c.org2)],
        Fault::None,
    );
    let channel = Channel::new(&SignedByMajorityPeerOrgsFactory, &c.genesis);
    channel.verdict(&tx, "").unwrap();
    channel.commit_config(&c.add_orgx);
    channel.verdict(&tx, "").unwrap();
    channel.commit_config(&c.add_orgy);
    invalid(channel.verdict(&tx, ""));
    // ALL over {Org1, Org2} was satisfied by the very same endorsements at genesis.
    let genesis = Channel::new(&SignedByMajorityPeerOrgsFactory, &c.genesis);
    genesis.verdict(&tx, "ALL").unwrap();
}

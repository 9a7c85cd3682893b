//! Builders with Fabric's byte layouts (spec 6.7).

use fabric_policies::policydsl::*;
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::{MspRole, SignaturePolicyEnvelope};
use prost::Message;

fn hex(envelope: &SignaturePolicyEnvelope) -> String {
    envelope
        .encode_to_vec()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn signed_by_msp_member_bytes() {
    // rule n_out_of(1, [signed_by 0]); one ROLE principal MSPRole{"A", MEMBER}; version 0.
    assert_eq!(
        hex(&signed_by_msp_member("A")),
        "120812060801120208001a0512030a0141"
    );
}

#[test]
fn signed_by_msp_roles_bytes() {
    // MSPRole{"A", role} = 0a 01 41 10 <role>, wrapped in a ROLE principal.
    for (envelope, role) in [
        (signed_by_msp_admin("A"), 1),
        (signed_by_msp_client("A"), 2),
        (signed_by_msp_peer("A"), 3),
    ] {
        assert_eq!(
            hex(&envelope),
            format!("120812060801120208001a0712050a014110{role:02x}")
        );
    }
}

#[test]
fn accept_and_reject_all_bytes() {
    assert_eq!(hex(&accept_all_policy()), "12021200");
    assert_eq!(hex(&reject_all_policy()), "120412020801");
}

#[test]
fn n_out_of_given_role_sorts_ids() {
    let envelope =
        signed_by_n_out_of_given_role(2, MspRoleType::Peer, &["Org3MSP", "Org1MSP", "Org2MSP"]);
    let ids: Vec<String> = envelope
        .identities
        .iter()
        .map(|p| {
            let role = MspRole::decode(p.principal.as_ref()).unwrap();
            assert_eq!(role.role, MspRoleType::Peer as i32);
            role.msp_identifier
        })
        .collect();
    assert_eq!(ids, ["Org1MSP", "Org2MSP", "Org3MSP"]);
    assert_eq!(
        envelope.rule,
        Some(n_out_of(2, vec![signed_by(0), signed_by(1), signed_by(2)]))
    );
    assert_eq!(envelope.version, 0);
    // Byte order, like Go's sort.Strings: upper case before lower case.
    let envelope = signed_by_any_member(&["b", "B", "a"]);
    let first = MspRole::decode(envelope.identities[0].principal.as_ref()).unwrap();
    assert_eq!(first.msp_identifier, "B");
    assert_eq!(
        envelope.rule,
        Some(n_out_of(1, vec![signed_by(0), signed_by(1), signed_by(2)]))
    );
}

#[test]
fn any_of_role_helpers_use_their_role() {
    for (envelope, role) in [
        (signed_by_any_member(&["A"]), MspRoleType::Member),
        (signed_by_any_client(&["A"]), MspRoleType::Client),
        (signed_by_any_peer(&["A"]), MspRoleType::Peer),
        (signed_by_any_admin(&["A"]), MspRoleType::Admin),
    ] {
        let decoded = MspRole::decode(envelope.identities[0].principal.as_ref()).unwrap();
        assert_eq!(decoded.role, role as i32);
    }
}

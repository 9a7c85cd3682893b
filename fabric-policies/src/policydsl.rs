//! Builders for signature policies with Fabric's exact layouts (spec 6.7, Fabric's
//! `common/policydsl/policydsl_builder.go`). Policies are compared byte-wise in places, so the
//! shapes here (version 0, `n_out_of(1, [signed_by 0])`, sorted MSP ids) matter.

use bytes::Bytes;
use fabric_protos::common::{
    msp_principal, msp_role, signature_policy, MspPrincipal, MspRole, SignaturePolicy,
    SignaturePolicyEnvelope,
};
use prost::Message;

/// The leaf `signed_by(index)`.
pub fn signed_by(index: i32) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(signature_policy::Type::SignedBy(index)),
    }
}

/// The gate `n_out_of(n, rules)`.
pub fn n_out_of(n: i32, rules: Vec<SignaturePolicy>) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(signature_policy::Type::NOutOf(signature_policy::NOutOf {
            n,
            rules,
        })),
    }
}

/// `n_out_of(2, [lhs, rhs])`.
pub fn and(lhs: SignaturePolicy, rhs: SignaturePolicy) -> SignaturePolicy {
    n_out_of(2, vec![lhs, rhs])
}

/// `n_out_of(1, [lhs, rhs])`.
pub fn or(lhs: SignaturePolicy, rhs: SignaturePolicy) -> SignaturePolicy {
    n_out_of(1, vec![lhs, rhs])
}

/// A version-0 envelope whose principals are IDENTITY principals holding the given
/// serialized identities (Fabric's `Envelope`).
pub fn envelope(rule: SignaturePolicy, identities: &[Bytes]) -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(rule),
        identities: identities
            .iter()
            .map(|identity| MspPrincipal {
                principal_classification: msp_principal::Classification::Identity as i32,
                principal: identity.clone(),
            })
            .collect(),
    }
}

/// A ROLE principal: `MSPRole{msp_identifier, role}` serialized.
pub fn role_principal(msp_id: &str, role: msp_role::MspRoleType) -> MspPrincipal {
    let role = MspRole {
        msp_identifier: msp_id.to_owned(),
        role: role as i32,
    };
    MspPrincipal {
        principal_classification: msp_principal::Classification::Role as i32,
        principal: Bytes::from(role.encode_to_vec()),
    }
}

fn signed_by_role(msp_id: &str, role: msp_role::MspRoleType) -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(1, vec![signed_by(0)])),
        identities: vec![role_principal(msp_id, role)],
    }
}

/// Any member of `msp_id`: one ROLE MEMBER principal, rule `n_out_of(1, [signed_by 0])`.
pub fn signed_by_msp_member(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, msp_role::MspRoleType::Member)
}

/// Any client of `msp_id` (ROLE CLIENT), same layout as [`signed_by_msp_member`].
pub fn signed_by_msp_client(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, msp_role::MspRoleType::Client)
}

/// Any peer of `msp_id` (ROLE PEER), same layout as [`signed_by_msp_member`].
pub fn signed_by_msp_peer(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, msp_role::MspRoleType::Peer)
}

/// Any admin of `msp_id` (ROLE ADMIN), same layout as [`signed_by_msp_member`].
pub fn signed_by_msp_admin(msp_id: &str) -> SignaturePolicyEnvelope {
    signed_by_role(msp_id, msp_role::MspRoleType::Admin)
}

/// `n` of the given MSPs with `role`: the ids are sorted (byte order, like Go's
/// `sort.Strings`), one ROLE principal each, rule `n_out_of(n, [signed_by 0 .. k-1])`.
pub fn signed_by_n_out_of_given_role(
    n: i32,
    role: msp_role::MspRoleType,
    msp_ids: &[&str],
) -> SignaturePolicyEnvelope {
    let mut sorted: Vec<&str> = msp_ids.to_vec();
    sorted.sort_unstable();
    let identities: Vec<MspPrincipal> = sorted.iter().map(|id| role_principal(id, role)).collect();
    // The principal count fits in i32 for any envelope that could be encoded; saturate
    // rather than wrap if it somehow does not.
    let rules = (0..identities.len())
        .map(|i| signed_by(i32::try_from(i).unwrap_or(i32::MAX)))
        .collect();
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(n, rules)),
        identities,
    }
}

/// One member of any of the given MSPs (`n = 1`, ROLE MEMBER, ids sorted).
pub fn signed_by_any_member(msp_ids: &[&str]) -> SignaturePolicyEnvelope {
    signed_by_n_out_of_given_role(1, msp_role::MspRoleType::Member, msp_ids)
}

/// One client of any of the given MSPs.
pub fn signed_by_any_client(msp_ids: &[&str]) -> SignaturePolicyEnvelope {
    signed_by_n_out_of_given_role(1, msp_role::MspRoleType::Client, msp_ids)
}

/// One peer of any of the given MSPs.
pub fn signed_by_any_peer(msp_ids: &[&str]) -> SignaturePolicyEnvelope {
    signed_by_n_out_of_given_role(1, msp_role::MspRoleType::Peer, msp_ids)
}

/// One admin of any of the given MSPs.
pub fn signed_by_any_admin(msp_ids: &[&str]) -> SignaturePolicyEnvelope {
    signed_by_n_out_of_given_role(1, msp_role::MspRoleType::Admin, msp_ids)
}

/// Satisfied by anything: `n_out_of(0, [])`, no principals.
pub fn accept_all_policy() -> SignaturePolicyEnvelope {
    envelope(n_out_of(0, Vec::new()), &[])
}

/// Satisfied by nothing: `n_out_of(1, [])`, no principals.
pub fn reject_all_policy() -> SignaturePolicyEnvelope {
    envelope(n_out_of(1, Vec::new()), &[])
}

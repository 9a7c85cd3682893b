//! Policy encodings as Fabric's `policydsl` and configtxgen make them (spec 6.7, 8.6).

use bytes::Bytes;
use fabric_protos::common::{
    implicit_meta_policy, msp_principal, msp_role, policy, signature_policy, ImplicitMetaPolicy,
    MspPrincipal, MspRole, Policy, SignaturePolicy, SignaturePolicyEnvelope,
};
use prost::Message;

/// An MSP role principal (`'<msp_id>.<role>'` in policy language).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `member`.
    Member,
    /// `admin`.
    Admin,
    /// `client`.
    Client,
    /// `peer`.
    Peer,
    /// `orderer`.
    Orderer,
}

impl Role {
    fn proto(self) -> msp_role::MspRoleType {
        match self {
            Role::Member => msp_role::MspRoleType::Member,
            Role::Admin => msp_role::MspRoleType::Admin,
            Role::Client => msp_role::MspRoleType::Client,
            Role::Peer => msp_role::MspRoleType::Peer,
            Role::Orderer => msp_role::MspRoleType::Orderer,
        }
    }
}

/// `MSPPrincipal{ROLE, MSPRole{msp_id, role}}`.
#[must_use]
pub fn role_principal(msp_id: &str, role: Role) -> MspPrincipal {
    MspPrincipal {
        principal_classification: msp_principal::Classification::Role as i32,
        principal: Bytes::from(
            MspRole {
                msp_identifier: msp_id.to_owned(),
                role: role.proto() as i32,
            }
            .encode_to_vec(),
        ),
    }
}

/// `signed_by(index)`.
#[must_use]
pub fn signed_by(index: i32) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(signature_policy::Type::SignedBy(index)),
    }
}

/// `n_out_of(n, rules)`.
#[must_use]
pub fn n_out_of(n: i32, rules: Vec<SignaturePolicy>) -> SignaturePolicy {
    SignaturePolicy {
        r#type: Some(signature_policy::Type::NOutOf(signature_policy::NOutOf {
            n,
            rules,
        })),
    }
}

/// `OutOf(n, 'a.role', 'b.role', ...)` as policydsl compiles it: one principal per listed
/// (msp, role) in order of appearance (duplicates collapse to the first index), rule
/// `n_out_of(n, [signed_by i...])`, version 0. `OR(...)` is `n = 1`, `AND(...)` is `n = len`.
#[must_use]
pub fn out_of(n: i32, principals: &[(&str, Role)]) -> SignaturePolicyEnvelope {
    let mut identities: Vec<(String, Role)> = Vec::new();
    let mut rules = Vec::with_capacity(principals.len());
    for &(msp, role) in principals {
        let index = match identities.iter().position(|(m, r)| m == msp && *r == role) {
            Some(i) => i,
            None => {
                identities.push((msp.to_owned(), role));
                identities.len() - 1
            }
        };
        // Principal lists are a handful of entries long.
        rules.push(signed_by(i32::try_from(index).unwrap_or(i32::MAX)));
    }
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(n_out_of(n, rules)),
        identities: identities
            .iter()
            .map(|(m, r)| role_principal(m, *r))
            .collect(),
    }
}

/// `OR(...)`.
#[must_use]
pub fn any_of(principals: &[(&str, Role)]) -> SignaturePolicyEnvelope {
    out_of(1, principals)
}

/// `Policy{type SIGNATURE, value = envelope}`.
#[must_use]
pub fn signature_policy(envelope: &SignaturePolicyEnvelope) -> Policy {
    Policy {
        r#type: policy::PolicyType::Signature as i32,
        value: Bytes::from(envelope.encode_to_vec()),
    }
}

/// Rule of an implicit meta policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetaRule {
    /// At least one sub-policy.
    Any,
    /// Every sub-policy.
    All,
    /// More than half of the sub-policies.
    Majority,
}

/// `Policy{type IMPLICIT_META, value = ImplicitMetaPolicy{sub_policy, rule}}`
/// (configtxgen's `"MAJORITY Endorsement"` etc.).
#[must_use]
pub fn implicit_meta(rule: MetaRule, sub_policy: &str) -> Policy {
    let rule = match rule {
        MetaRule::Any => implicit_meta_policy::Rule::Any,
        MetaRule::All => implicit_meta_policy::Rule::All,
        MetaRule::Majority => implicit_meta_policy::Rule::Majority,
    };
    Policy {
        r#type: policy::PolicyType::ImplicitMeta as i32,
        value: Bytes::from(
            ImplicitMetaPolicy {
                sub_policy: sub_policy.to_owned(),
                rule: rule as i32,
            }
            .encode_to_vec(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_of_three_roles_has_three_principals_and_one_of_three() {
        let env = any_of(&[
            ("Org1MSP", Role::Admin),
            ("Org1MSP", Role::Peer),
            ("Org1MSP", Role::Client),
        ]);
        assert_eq!(env.version, 0);
        assert_eq!(env.identities.len(), 3);
        let Some(signature_policy::Type::NOutOf(rule)) = env.rule.and_then(|r| r.r#type) else {
            panic!("rule is not n_out_of");
        };
        assert_eq!(rule.n, 1);
        let indices: Vec<_> = rule.rules.iter().map(|r| r.r#type.clone()).collect();
        assert_eq!(
            indices,
            vec![
                Some(signature_policy::Type::SignedBy(0)),
                Some(signature_policy::Type::SignedBy(1)),
                Some(signature_policy::Type::SignedBy(2)),
            ]
        );
        let role = MspRole::decode(env.identities[1].principal.clone()).expect("MSPRole");
        assert_eq!(role.msp_identifier, "Org1MSP");
        assert_eq!(role.role, msp_role::MspRoleType::Peer as i32);
    }

    #[test]
    fn repeated_principals_share_an_index() {
        let env = out_of(2, &[("A", Role::Member), ("A", Role::Member)]);
        assert_eq!(env.identities.len(), 1);
    }

    #[test]
    fn implicit_meta_encodes_rule_and_name() {
        let p = implicit_meta(MetaRule::Majority, "Endorsement");
        assert_eq!(p.r#type, 3);
        let meta = ImplicitMetaPolicy::decode(p.value).expect("ImplicitMetaPolicy");
        assert_eq!(meta.sub_policy, "Endorsement");
        assert_eq!(meta.rule, 2);
    }
}

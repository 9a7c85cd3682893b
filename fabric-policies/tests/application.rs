//! ApplicationPolicy evaluation (spec 6.6, POL-10).

mod common;

use bytes::Bytes;
use common::{signed, FakeMsp, Sig};
use fabric_policies::policydsl::{
    and, envelope, signed_by, signed_by_any_member, signed_by_msp_peer,
};
use fabric_policies::{
    evaluate_application_policy, ParsedApplicationPolicy, PolicyError, PolicyManager,
};
use fabric_protos::common::{
    application_policy, implicit_meta_policy::Rule, policy::PolicyType, ApplicationPolicy,
    ConfigGroup, ConfigPolicy, ImplicitMetaPolicy, Policy, SignaturePolicyEnvelope,
};
use prost::Message;

fn signature_policy(envelope: SignaturePolicyEnvelope) -> Vec<u8> {
    ApplicationPolicy {
        r#type: Some(application_policy::Type::SignaturePolicy(envelope)),
    }
    .encode_to_vec()
}

fn reference(path: &str) -> Vec<u8> {
    ApplicationPolicy {
        r#type: Some(application_policy::Type::ChannelConfigPolicyReference(
            path.to_owned(),
        )),
    }
    .encode_to_vec()
}

/// Two orgs; `/Channel/Application/Endorsement` = MAJORITY Endorsement (so both must sign).
fn manager() -> PolicyManager {
    let mut application = ConfigGroup::default();
    for (org, msp) in [("Org1", "Org1MSP"), ("Org2", "Org2MSP")] {
        let mut group = ConfigGroup::default();
        group.policies.insert(
            "Endorsement".into(),
            ConfigPolicy {
                policy: Some(Policy {
                    r#type: PolicyType::Signature as i32,
                    value: Bytes::from(signed_by_msp_peer(msp).encode_to_vec()),
                }),
                ..Default::default()
            },
        );
        application.groups.insert(org.into(), group);
    }
    let meta = ImplicitMetaPolicy {
        sub_policy: "Endorsement".into(),
        rule: Rule::Majority as i32,
    };
    application.policies.insert(
        "Endorsement".into(),
        ConfigPolicy {
            policy: Some(Policy {
                r#type: PolicyType::ImplicitMeta as i32,
                value: Bytes::from(meta.encode_to_vec()),
            }),
            ..Default::default()
        },
    );
    let mut channel = ConfigGroup::default();
    channel.groups.insert("Application".into(), application);
    PolicyManager::from_channel_group(&channel).expect("test channel compiles")
}

fn msp() -> FakeMsp {
    FakeMsp::new(&["Org1MSP", "Org2MSP"])
}

fn both() -> Vec<Sig> {
    vec![
        Sig::good("Org1MSP|p1|peer", b"prp"),
        Sig::good("Org2MSP|p2|peer", b"prp"),
    ]
}

fn only_org1() -> Vec<Sig> {
    vec![Sig::good("Org1MSP|p1|peer", b"prp")]
}

fn eval(policy: &[u8], set: &[Sig]) -> Result<(), PolicyError> {
    let manager = manager();
    evaluate_application_policy("mychannel", Some(&manager), policy, &signed(set), &msp())
}

#[test]
fn pol10_undecodable_bytes() {
    let err = eval(&[0x0a, 0x05, 0x01], &both()).unwrap_err();
    assert!(
        matches!(err, PolicyError::DecodeApplicationPolicy(_)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("failed to unmarshal ApplicationPolicy bytes: "),
        "{err}"
    );
}

#[test]
fn pol10_no_oneof_is_unsupported() {
    assert_eq!(
        eval(&[], &both()),
        Err(PolicyError::UnsupportedApplicationPolicyType)
    );
    assert_eq!(
        eval(&[], &both()).unwrap_err().to_string(),
        "unsupported policy type <nil>"
    );
}

#[test]
fn pol10_signature_policy_good_and_bad() {
    let policy = signature_policy(signed_by_any_member(&["Org2MSP", "Org1MSP"]));
    assert!(eval(&policy, &only_org1()).is_ok());
    let policy = signature_policy(signed_by_msp_peer("Org2MSP"));
    assert!(eval(&policy, &both()).is_ok());
    assert_eq!(
        eval(&policy, &only_org1()),
        Err(PolicyError::SignaturePolicyNotSatisfied)
    );
}

#[test]
fn pol10_signature_policy_version_is_not_checked() {
    let mut envelope = signed_by_msp_peer("Org1MSP");
    envelope.version = 3;
    assert!(eval(&signature_policy(envelope), &only_org1()).is_ok());
}

#[test]
fn pol10_signature_policy_that_does_not_compile() {
    let bad = envelope(and(signed_by(0), signed_by(5)), &[Bytes::from_static(b"x")]);
    assert_eq!(
        eval(&signature_policy(bad), &both()).unwrap_err().to_string(),
        "could not create evaluator for signature policy: identity index out of range, requested 5, but identities \
         length is 1"
    );
}

#[test]
fn pol10_channel_reference_good_and_bad() {
    let policy = reference("/Channel/Application/Endorsement");
    assert!(eval(&policy, &both()).is_ok());
    assert_eq!(
        eval(&policy, &only_org1()).unwrap_err().to_string(),
        "implicit policy evaluation failed - 1 sub-policies were satisfied, but this policy requires 2 of the \
         'Endorsement' sub-policies to be satisfied"
    );
    // Relative references work as well.
    assert!(eval(&reference("Application/Org1/Endorsement"), &only_org1()).is_ok());
}

#[test]
fn pol10_missing_policy_manager() {
    for policy in [
        reference("/Channel/Application/Endorsement"),
        signature_policy(signed_by_msp_peer("Org1MSP")),
    ] {
        let err = evaluate_application_policy("mychannel", None, &policy, &signed(&both()), &msp())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to retrieve policy manager for channel mychannel"
        );
    }
}

#[test]
fn pol10_unknown_reference() {
    let msp = msp();
    let manager = manager();
    let policy = reference("/Channel/Application/Nope");
    let err =
        evaluate_application_policy("mychannel", Some(&manager), &policy, &signed(&both()), &msp)
            .unwrap_err();
    assert_eq!(
        err,
        PolicyError::PolicyReferenceNotFound("/Channel/Application/Nope".into())
    );
    assert!(
        err.to_string()
            .contains("failed to retrieve policy for reference /Channel/Application/Nope"),
        "{err}"
    );
    assert_eq!(
        msp.verifications(),
        0,
        "nothing is verified for a missing reference"
    );
}

#[test]
fn reference_is_resolved_against_the_manager_of_each_call() {
    let parsed =
        ParsedApplicationPolicy::from_bytes(&reference("Application/Org2/Endorsement")).unwrap();
    let msp = msp();
    assert!(parsed
        .evaluate_signed_data(&signed(&both()), &msp, &manager())
        .is_ok());
    let empty = PolicyManager::from_channel_group(&ConfigGroup::default()).unwrap();
    assert!(matches!(
        parsed.evaluate_signed_data(&signed(&both()), &msp, &empty),
        Err(PolicyError::PolicyReferenceNotFound(_))
    ));
}

//! Channel-config policies: the config provider (POL-5), accept/reject and lookups (POL-6),
//! implicit-meta thresholds (POL-7..9), policy paths (spec 6.5) and manager construction.

mod common;

use bytes::Bytes;
use common::{signed, FakeMsp, Sig};
use fabric_policies::policydsl::{accept_all_policy, reject_all_policy, signed_by_msp_member};
use fabric_policies::{
    implicit_meta_from_str, CompiledSignaturePolicy, PolicyError, PolicyManager,
};
use fabric_protos::common::{
    implicit_meta_policy::Rule, policy::PolicyType, ConfigGroup, ConfigPolicy, ImplicitMetaPolicy,
    Policy, SignaturePolicyEnvelope,
};
use prost::Message;

fn config_policy(policy_type: PolicyType, value: Vec<u8>) -> ConfigPolicy {
    ConfigPolicy {
        policy: Some(Policy {
            r#type: policy_type as i32,
            value: Bytes::from(value),
        }),
        ..Default::default()
    }
}

fn signature(envelope: &SignaturePolicyEnvelope) -> ConfigPolicy {
    config_policy(PolicyType::Signature, envelope.encode_to_vec())
}

fn implicit(rule: i32, sub_policy: &str) -> ConfigPolicy {
    let meta = ImplicitMetaPolicy {
        sub_policy: sub_policy.to_owned(),
        rule,
    };
    config_policy(PolicyType::ImplicitMeta, meta.encode_to_vec())
}

fn org_name(i: usize) -> String {
    format!("Org{i:02}")
}

fn msp_name(i: usize) -> String {
    format!("Org{i:02}MSP")
}

/// `Channel/Application` with `orgs` org groups; orgs listed in `missing` have no
/// `Endorsement` policy. Application has `Endorsement = <rule> Endorsement`.
fn channel(orgs: usize, missing: &[usize], rule: i32) -> ConfigGroup {
    let mut application = ConfigGroup::default();
    for i in 0..orgs {
        let mut org = ConfigGroup::default();
        if !missing.contains(&i) {
            org.policies.insert(
                "Endorsement".into(),
                signature(&signed_by_msp_member(&msp_name(i))),
            );
        }
        org.policies.insert(
            "Readers".into(),
            signature(&signed_by_msp_member(&msp_name(i))),
        );
        application.groups.insert(org_name(i), org);
    }
    application
        .policies
        .insert("Endorsement".into(), implicit(rule, "Endorsement"));
    let mut channel = ConfigGroup::default();
    channel.groups.insert("Application".into(), application);
    channel
}

fn msp(orgs: usize) -> FakeMsp {
    let names: Vec<String> = (0..orgs).map(msp_name).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    FakeMsp::new(&refs)
}

/// One member signature from each org in `signing`.
fn signatures(signing: &[usize]) -> Vec<Sig> {
    signing
        .iter()
        .map(|&i| {
            Sig::good(
                &format!("{}|member{i}|member", msp_name(i)),
                b"proposal response",
            )
        })
        .collect()
}

/// Evaluates `/Channel/Application/Endorsement` with `satisfied` of `orgs` orgs signing.
fn evaluate(rule: Rule, orgs: usize, satisfied: usize) -> Result<(), PolicyError> {
    let manager = PolicyManager::from_channel_group(&channel(orgs, &[], rule as i32))
        .expect("test channel compiles");
    let set = signatures(&(0..satisfied).collect::<Vec<_>>());
    manager
        .get_policy("/Channel/Application/Endorsement")
        .evaluate_signed_data(&signed(&set), &msp(orgs))
}

fn requires(satisfied: usize, threshold: usize) -> Result<(), PolicyError> {
    Err(PolicyError::ImplicitMetaNotSatisfied {
        satisfied,
        threshold,
        sub_policy: "Endorsement".into(),
    })
}

#[test]
fn pol5_undecodable_bytes() {
    let err = CompiledSignaturePolicy::from_config_bytes(&[0x0a, 0xff, 0xff]).unwrap_err();
    assert!(
        matches!(err, PolicyError::DecodeSignaturePolicy(_)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("Error unmarshalling to SignaturePolicy: "),
        "{err}"
    );
}

#[test]
fn pol5_version_must_be_zero() {
    let mut envelope = signed_by_msp_member("Org1MSP");
    envelope.version = -1;
    let err = CompiledSignaturePolicy::from_config_bytes(&envelope.encode_to_vec()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "This evaluator only understands messages of version 0, but version was -1"
    );
    // The envelope path (ApplicationPolicy) does not look at the version.
    assert!(CompiledSignaturePolicy::compile(&envelope).is_ok());
}

#[test]
fn pol5_empty_bytes_are_an_empty_policy_element() {
    let err = CompiledSignaturePolicy::from_config_bytes(&[]).unwrap_err();
    assert_eq!(err.to_string(), "Empty policy element");
}

#[test]
fn pol5_evaluating_an_absent_policy_says_no_such_policy() {
    let manager = PolicyManager::from_channel_group(&channel(1, &[], Rule::Any as i32)).unwrap();
    let lookup = manager.get_policy("Application/Absent");
    assert!(!lookup.is_found());
    let err = lookup.evaluate_signed_data(&[], &msp(1)).unwrap_err();
    assert_eq!(err.to_string(), "no such policy: 'Application/Absent'");
}

#[test]
fn pol6_accept_all_reject_all_and_unknown_ids() {
    let mut group = ConfigGroup::default();
    group
        .policies
        .insert("Accept".into(), signature(&accept_all_policy()));
    group
        .policies
        .insert("Reject".into(), signature(&reject_all_policy()));
    let manager = PolicyManager::from_channel_group(&group).unwrap();
    let msp = msp(1);
    let set = signatures(&[0]);

    assert!(manager
        .get_policy("Accept")
        .evaluate_signed_data(&[], &msp)
        .is_ok());
    assert!(manager
        .get_policy("/Channel/Accept")
        .evaluate_signed_data(&signed(&set), &msp)
        .is_ok());
    assert_eq!(
        manager
            .get_policy("Reject")
            .evaluate_signed_data(&signed(&set), &msp),
        Err(PolicyError::SignaturePolicyNotSatisfied)
    );
    let unknown = manager.get_policy("Unknown");
    assert!(!unknown.is_found());
    assert!(unknown.policy().is_none());
    assert_eq!(
        unknown.evaluate_signed_data(&signed(&set), &msp),
        Err(PolicyError::NoSuchPolicy("Unknown".into()))
    );
}

#[test]
fn pol7_implicit_meta_any() {
    assert!(evaluate(Rule::Any, 1, 1).is_ok());
    assert!(evaluate(Rule::Any, 10, 1).is_ok());
    assert!(evaluate(Rule::Any, 10, 8).is_ok());
    assert!(evaluate(Rule::Any, 0, 0).is_ok());
    assert_eq!(evaluate(Rule::Any, 10, 0), requires(0, 1));
    assert_eq!(
        evaluate(Rule::Any, 10, 0).unwrap_err().to_string(),
        "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the \
         'Endorsement' sub-policies to be satisfied"
    );
}

#[test]
fn pol8_implicit_meta_all() {
    assert!(evaluate(Rule::All, 1, 1).is_ok());
    assert!(evaluate(Rule::All, 10, 10).is_ok());
    assert!(evaluate(Rule::All, 0, 0).is_ok());
    assert_eq!(evaluate(Rule::All, 10, 1), requires(1, 10));
    assert_eq!(evaluate(Rule::All, 10, 0), requires(0, 10));
}

#[test]
fn pol9_implicit_meta_majority() {
    assert!(evaluate(Rule::Majority, 1, 1).is_ok());
    assert!(evaluate(Rule::Majority, 10, 6).is_ok());
    assert!(evaluate(Rule::Majority, 3, 2).is_ok());
    assert!(evaluate(Rule::Majority, 0, 0).is_ok());
    assert_eq!(evaluate(Rule::Majority, 10, 5), requires(5, 6));
    assert_eq!(evaluate(Rule::Majority, 10, 0), requires(0, 6));
    assert_eq!(
        evaluate(Rule::Majority, 10, 5).unwrap_err().to_string(),
        "implicit policy evaluation failed - 5 sub-policies were satisfied, but this policy requires 6 of the \
         'Endorsement' sub-policies to be satisfied"
    );
}

#[test]
fn orgs_without_the_sub_policy_count_but_never_satisfy() {
    let msp = msp(3);
    let all_sign = signatures(&[0, 1, 2]);
    // ALL over 3 orgs, Org01 lacks Endorsement: 3 required, at most 2 can be satisfied.
    let manager = PolicyManager::from_channel_group(&channel(3, &[1], Rule::All as i32)).unwrap();
    let endorsement = manager.get_policy("Application/Endorsement");
    assert_eq!(
        endorsement.evaluate_signed_data(&signed(&all_sign), &msp),
        requires(2, 3)
    );
    // MAJORITY over the same orgs needs 2: the two orgs that have the policy.
    let manager =
        PolicyManager::from_channel_group(&channel(3, &[1], Rule::Majority as i32)).unwrap();
    let endorsement = manager.get_policy("Application/Endorsement");
    assert!(endorsement
        .evaluate_signed_data(&signed(&signatures(&[0, 2])), &msp)
        .is_ok());
    assert_eq!(
        endorsement.evaluate_signed_data(&signed(&signatures(&[0, 1])), &msp),
        requires(1, 2)
    );
}

#[test]
fn unknown_implicit_meta_rule_counts_down_from_zero_like_fabric() {
    // Fabric computes no threshold for a rule outside ANY/ALL/MAJORITY, leaving 0, and counts
    // down from it: the policy holds only while no sub-policy is satisfied.
    let msp = msp(4);
    let manager = PolicyManager::from_channel_group(&channel(4, &[], 7)).unwrap();
    let endorsement = manager.get_policy("Application/Endorsement");
    assert!(endorsement.evaluate_signed_data(&[], &msp).is_ok());
    assert_eq!(
        endorsement.evaluate_signed_data(&signed(&signatures(&[0])), &msp),
        requires(1, 0)
    );
    assert_eq!(
        endorsement.evaluate_signed_data(&signed(&signatures(&[0, 1, 2])), &msp),
        requires(3, 0)
    );
}

#[test]
fn implicit_meta_verifies_each_signature_once() {
    let msp = msp(10);
    let manager = PolicyManager::from_channel_group(&channel(10, &[], Rule::All as i32)).unwrap();
    let set = signatures(&(0..10).collect::<Vec<_>>());
    assert!(manager
        .get_policy("/Channel/Application/Endorsement")
        .evaluate_signed_data(&signed(&set), &msp)
        .is_ok());
    assert_eq!(msp.verifications(), 10);
}

#[test]
fn nested_implicit_meta_policies() {
    // /Channel/Readers = ANY Readers over Application (itself ANY Readers over orgs).
    let mut group = channel(2, &[], Rule::Any as i32);
    let application = group.groups.get_mut("Application").unwrap();
    application
        .policies
        .insert("Readers".into(), implicit(Rule::Any as i32, "Readers"));
    group
        .policies
        .insert("Readers".into(), implicit(Rule::Any as i32, "Readers"));
    let manager = PolicyManager::from_channel_group(&group).unwrap();
    let msp = msp(2);
    assert!(manager
        .get_policy("Readers")
        .evaluate_signed_data(&signed(&signatures(&[1])), &msp)
        .is_ok());
    assert_eq!(
        manager
            .get_policy("Readers")
            .evaluate_signed_data(&[], &msp),
        Err(PolicyError::ImplicitMetaNotSatisfied {
            satisfied: 0,
            threshold: 1,
            sub_policy: "Readers".into()
        })
    );
}

#[test]
fn policy_paths_resolve_like_fabric() {
    let manager =
        PolicyManager::from_channel_group(&channel(2, &[], Rule::Majority as i32)).unwrap();
    for found in [
        "/Channel/Application/Endorsement",
        "Application/Endorsement",
        "/Channel/Application/Org01/Endorsement",
        "Application/Org00/Readers",
        // Fabric cuts "/Channel" plus one byte without checking that the byte is a '/'.
        "/ChannelXApplication/Endorsement",
    ] {
        assert!(
            manager.get_policy(found).is_found(),
            "{found} should resolve"
        );
    }
    for not_found in [
        "",
        "/Channel",
        "/Channel/",
        "/Application/Endorsement",
        "/Other/Application/Endorsement",
        "Application/Org02/Endorsement",
        "Endorsement",
        "application/endorsement",
    ] {
        assert!(
            !manager.get_policy(not_found).is_found(),
            "{not_found:?} should not resolve"
        );
    }
    match manager.get_policy("Application/Endorsement") {
        fabric_policies::PolicyRef::Found { name, .. } => {
            assert_eq!(name, "/Channel/Application/Endorsement")
        }
        other => panic!("unexpected {other:?}"),
    }
    let application = manager.manager(&["Application"]).unwrap();
    assert_eq!(application.path(), "Channel/Application");
    assert!(application.get_policy("Org00/Endorsement").is_found());
    assert!(application
        .get_policy("/Channel/Application/Org00/Endorsement")
        .is_found());
    assert!(!application.get_policy("/Channel/Endorsement").is_found());
    assert_eq!(
        manager.manager(&["Application", "Org01"]).unwrap().path(),
        "Channel/Application/Org01"
    );
    assert!(manager.manager(&["Orderer"]).is_none());
    assert!(manager
        .policy_names()
        .any(|n| n == "Application/Org01/Readers"));
}

#[test]
fn manager_construction_errors_name_the_policy_and_path() {
    let mut group = channel(1, &[], Rule::Any as i32);
    let org = group
        .groups
        .get_mut("Application")
        .unwrap()
        .groups
        .get_mut("Org00")
        .unwrap();
    org.policies.insert(
        "Broken".into(),
        config_policy(PolicyType::Signature, vec![0x12, 0x05, 0x01]),
    );
    let err = PolicyManager::from_channel_group(&group).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("policy Broken at path Channel/Application/Org00 did not compile: Error unmarshalling to SignaturePolicy"),
        "{err}"
    );

    let mut group = channel(1, &[], Rule::Any as i32);
    group
        .policies
        .insert("Msp".into(), config_policy(PolicyType::Msp, Vec::new()));
    assert_eq!(
        PolicyManager::from_channel_group(&group)
            .unwrap_err()
            .to_string(),
        "policy Msp at path Channel has unknown policy type: 2"
    );

    let mut group = channel(1, &[], Rule::Any as i32);
    group.policies.insert("Nil".into(), ConfigPolicy::default());
    assert_eq!(
        PolicyManager::from_channel_group(&group)
            .unwrap_err()
            .to_string(),
        "policy Nil at path Channel was nil"
    );

    let mut group = channel(1, &[], Rule::Any as i32);
    let mut v1 = signed_by_msp_member("Org00MSP");
    v1.version = 1;
    group.policies.insert("V1".into(), signature(&v1));
    assert_eq!(
        PolicyManager::from_channel_group(&group).unwrap_err().to_string(),
        "policy V1 at path Channel did not compile: This evaluator only understands messages of version 0, but version was 1"
    );

    let mut group = channel(1, &[], Rule::Any as i32);
    group.policies.insert(
        "Meta".into(),
        config_policy(PolicyType::ImplicitMeta, vec![0x0a, 0x09]),
    );
    let err = PolicyManager::from_channel_group(&group)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("implicit policy Meta at path Channel did not compile: Error unmarshalling to ImplicitMetaPolicy"),
        "{err}"
    );
}

#[test]
fn implicit_meta_text_form() {
    let parsed = implicit_meta_from_str("MAJORITY Endorsement").unwrap();
    assert_eq!(parsed.rule, Rule::Majority as i32);
    assert_eq!(parsed.sub_policy, "Endorsement");
    assert_eq!(
        implicit_meta_from_str("ANY Readers").unwrap().rule,
        Rule::Any as i32
    );
    assert_eq!(
        implicit_meta_from_str("MAJORITY  Endorsement")
            .unwrap_err()
            .to_string(),
        "expected two space separated tokens, but got 3"
    );
    assert_eq!(
        implicit_meta_from_str("majority Endorsement")
            .unwrap_err()
            .to_string(),
        "unknown rule type 'majority', expected ALL, ANY, or MAJORITY"
    );
}

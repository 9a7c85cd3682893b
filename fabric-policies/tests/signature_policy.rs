//! Compiled signature policies (spec 6.1) and signature sets (6.2): POL-1..POL-4, greedy
//! matching, de-duplication before verification.

mod common;

use bytes::Bytes;
use common::{signed, FakeIdentity, FakeMsp, Sig};
use fabric_policies::policydsl::{and, envelope, n_out_of, or, role_principal, signed_by};
use fabric_policies::{signature_set_to_valid_identities, CompiledSignaturePolicy, PolicyError};
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::{SignaturePolicy, SignaturePolicyEnvelope};

fn signers() -> [Bytes; 2] {
    [
        Bytes::from_static(b"Mock|signer0|"),
        Bytes::from_static(b"Mock|signer1|"),
    ]
}

fn ids(names: &[&str]) -> Vec<FakeIdentity> {
    names
        .iter()
        .map(|n| FakeIdentity::new(&format!("Mock|{n}|")))
        .collect()
}

fn compile(rule: SignaturePolicy) -> CompiledSignaturePolicy {
    CompiledSignaturePolicy::compile(&envelope(rule, &signers())).expect("policy compiles")
}

#[test]
fn pol1_signed_by_zero_accepts_signer0_only() {
    let policy = compile(signed_by(0));
    assert!(policy.evaluate_identities(&ids(&["signer0"])).is_ok());
    assert_eq!(
        policy.evaluate_identities(&ids(&["signer1"])),
        Err(PolicyError::SignaturePolicyNotSatisfied)
    );
    assert_eq!(
        policy
            .evaluate_identities(&ids(&["signer1"]))
            .unwrap_err()
            .to_string(),
        "signature set did not satisfy policy"
    );
}

#[test]
fn pol2_and_needs_two_distinct_identities() {
    let policy = compile(and(signed_by(0), signed_by(1)));
    assert!(policy.is_satisfied_by(&ids(&["signer0", "signer1"])));
    assert!(policy.is_satisfied_by(&ids(&["signer1", "signer0"])));
    assert!(!policy.is_satisfied_by(&ids(&["signer0", "signer0"])));
    assert!(!policy.is_satisfied_by(&ids(&["signer1"])));
}

#[test]
fn pol3_nested_policy_uses_each_identity_once() {
    // AND(OR(AND(0, 1), AND(0, 0)), 0)
    let policy = compile(and(
        or(
            and(signed_by(0), signed_by(1)),
            and(signed_by(0), signed_by(0)),
        ),
        signed_by(0),
    ));
    assert!(policy.is_satisfied_by(&ids(&["signer0", "signer1", "signer0"])));
    assert!(policy.is_satisfied_by(&ids(&["signer0", "signer0", "signer0"])));
    assert!(!policy.is_satisfied_by(&ids(&["signer0", "signer1"])));
    assert!(!policy.is_satisfied_by(&ids(&["signer0", "signer1", "signer1"])));
}

#[test]
fn pol4_rule_without_type_does_not_compile() {
    let untyped = SignaturePolicy { r#type: None };
    let err = CompiledSignaturePolicy::compile(&envelope(untyped.clone(), &signers())).unwrap_err();
    assert_eq!(err, PolicyError::UnknownRuleType);
    // Also when nested below a gate.
    let err = CompiledSignaturePolicy::compile(&envelope(
        n_out_of(1, vec![signed_by(0), untyped]),
        &signers(),
    ))
    .unwrap_err();
    assert_eq!(err, PolicyError::UnknownRuleType);
}

#[test]
fn pol4_envelope_without_rule_does_not_compile() {
    let err = CompiledSignaturePolicy::compile(&SignaturePolicyEnvelope::default()).unwrap_err();
    assert_eq!(err, PolicyError::EmptyPolicyElement);
    assert_eq!(err.to_string(), "Empty policy element");
}

#[test]
fn pol4_out_of_range_index_has_fabric_text() {
    let err =
        CompiledSignaturePolicy::compile(&envelope(and(signed_by(-1), signed_by(-2)), &signers()))
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "identity index out of range, requested -1, but identities length is 2"
    );
    let err =
        CompiledSignaturePolicy::compile(&envelope(or(signed_by(0), signed_by(2)), &signers()))
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "identity index out of range, requested 2, but identities length is 2"
    );
}

/// Principals P0 = Org1 member, P1 = Org1 peer. `peer` satisfies both, `client` only P0.
fn org1(names: &[&str]) -> Vec<FakeIdentity> {
    names
        .iter()
        .map(|n| FakeIdentity::new(&format!("Org1MSP|{n}|{n}")))
        .collect()
}

fn member_peer_policy(rule: SignaturePolicy) -> CompiledSignaturePolicy {
    CompiledSignaturePolicy::compile(&SignaturePolicyEnvelope {
        version: 0,
        rule: Some(rule),
        identities: vec![
            role_principal("Org1MSP", MspRoleType::Member),
            role_principal("Org1MSP", MspRoleType::Peer),
        ],
    })
    .expect("test policy compiles")
}

#[test]
fn greedy_matching_depends_on_sub_rule_order() {
    let signers = org1(&["peer", "client"]);
    // member first: the peer is taken for "member", nobody is left for "peer".
    assert!(!member_peer_policy(and(signed_by(0), signed_by(1))).is_satisfied_by(&signers));
    // peer first: peer -> P1, client -> P0.
    assert!(member_peer_policy(and(signed_by(1), signed_by(0))).is_satisfied_by(&signers));
}

#[test]
fn greedy_matching_depends_on_identity_order() {
    let policy = member_peer_policy(and(signed_by(0), signed_by(1)));
    assert!(!policy.is_satisfied_by(&org1(&["peer", "client"])));
    assert!(policy.is_satisfied_by(&org1(&["client", "peer"])));
}

#[test]
fn gates_do_not_short_circuit() {
    // OR(P0, P1) keeps evaluating after P0 succeeded and also consumes an identity for P1,
    // so nothing is left for the outer P1 although a matching exists (p1 -> P0, p2 -> P1).
    let peers = |n: usize| -> Vec<FakeIdentity> {
        (0..n)
            .map(|i| FakeIdentity::new(&format!("Org1MSP|p{i}|peer")))
            .collect()
    };
    let policy = member_peer_policy(and(or(signed_by(0), signed_by(1)), signed_by(1)));
    assert!(!policy.is_satisfied_by(&peers(2)));
    assert!(policy.is_satisfied_by(&peers(3)));
}

#[test]
fn failed_sub_rules_consume_nothing() {
    // OR(AND(P0, P1), P0) with a single client: AND marks the client for P0 then fails on
    // P1; its scratch is discarded so the second P0 can still use the client.
    let policy = member_peer_policy(or(and(signed_by(0), signed_by(1)), signed_by(0)));
    assert!(policy.is_satisfied_by(&org1(&["client"])));
    // Whereas a successful sub-rule commits: AND(OR(P0), P0) with one client fails.
    let policy = member_peer_policy(and(n_out_of(1, vec![signed_by(0)]), signed_by(0)));
    assert!(!policy.is_satisfied_by(&org1(&["client"])));
}

#[test]
fn non_positive_thresholds_always_hold() {
    let none: Vec<FakeIdentity> = Vec::new();
    assert!(member_peer_policy(n_out_of(0, vec![signed_by(0)])).is_satisfied_by(&none));
    assert!(member_peer_policy(n_out_of(-3, vec![signed_by(1)])).is_satisfied_by(&none));
    assert!(!member_peer_policy(n_out_of(1, vec![signed_by(0)])).is_satisfied_by(&none));
    // A threshold above the rule count never holds.
    assert!(
        !member_peer_policy(n_out_of(3, vec![signed_by(0), signed_by(0)]))
            .is_satisfied_by(&org1(&["peer", "client", "admin"]))
    );
}

#[test]
fn compiled_leaves_hold_their_principal() {
    let policy = member_peer_policy(and(signed_by(1), signed_by(0)));
    let fabric_policies::CompiledRule::NOutOf { n, rules } = policy.rule() else {
        panic!("expected a gate");
    };
    assert_eq!(*n, 2);
    assert_eq!(
        rules[0],
        fabric_policies::CompiledRule::SignedBy {
            index: 1,
            principal: role_principal("Org1MSP", MspRoleType::Peer)
        }
    );
}

#[test]
fn duplicates_are_dropped_before_verification() {
    let msp = FakeMsp::new(&["Org1MSP"]);
    let peer = "Org1MSP|peer0|peer";
    let set = vec![Sig::good(peer, b"tx"); 50];
    let identities = signature_set_to_valid_identities(&signed(&set), &msp);
    assert_eq!(identities.len(), 1);
    assert_eq!(
        msp.verifications(),
        1,
        "each repeat must be dropped before verifying"
    );
}

#[test]
fn a_failed_signature_does_not_block_a_later_good_one() {
    // The key is remembered only once accepted, so a forged entry first does not hide the
    // genuine one after it.
    let msp = FakeMsp::new(&["Org1MSP"]);
    let peer = "Org1MSP|peer0|peer";
    let set = [
        Sig::bad(peer, b"tx"),
        Sig::good(peer, b"tx"),
        Sig::good(peer, b"tx"),
    ];
    let identities = signature_set_to_valid_identities(&signed(&set), &msp);
    assert_eq!(identities.len(), 1);
    assert_eq!(msp.verifications(), 2);
}

#[test]
fn invalid_entries_are_dropped_silently_and_order_is_kept() {
    let msp = FakeMsp::new(&["Org1MSP", "Org2MSP"]);
    let set = [
        Sig::good("Org2MSP|b|peer", b"tx"),
        Sig::bad("Org1MSP|forger|peer", b"tx"),
        Sig::good("Org9MSP|stranger|peer", b"tx"),
        Sig {
            data: b"tx".to_vec(),
            identity: b"not an identity".to_vec(),
            signature: b"x".to_vec(),
        },
        Sig::good("Org1MSP|a|peer", b"tx"),
    ];
    let identities = signature_set_to_valid_identities(&signed(&set), &msp);
    let names: Vec<String> = identities.iter().map(|i| i.id_name()).collect();
    assert_eq!(names, ["b", "a"]);

    // And the policy over the set: the forger does not count, no error is raised for it.
    let policy = CompiledSignaturePolicy::compile(
        &fabric_policies::policydsl::signed_by_n_out_of_given_role(
            2,
            MspRoleType::Peer,
            &["Org1MSP", "Org2MSP"],
        ),
    )
    .unwrap();
    assert!(policy.evaluate_signed_data(&signed(&set), &msp).is_ok());
    let without_a = &set[..4];
    assert_eq!(
        policy.evaluate_signed_data(&signed(without_a), &msp),
        Err(PolicyError::SignaturePolicyNotSatisfied)
    );
}

#[test]
fn signatures_are_checked_over_the_given_bytes() {
    let msp = FakeMsp::new(&["Org1MSP"]);
    let mut sig = Sig::good("Org1MSP|a|peer", b"payload");
    sig.data = b"payload tampered".to_vec();
    assert!(signature_set_to_valid_identities(&signed(&[sig]), &msp).is_empty());
}

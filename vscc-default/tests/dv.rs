//! Spec 9.4: the DefaultValidation wrapper.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use handlers_api::validation::{
    ApplicationCapabilities, BlockView, Context, Dependencies, InitError, PluginFactory,
    SerializedPolicy, StateError, ValidationError,
};
use support::*;
use vscc_default::DefaultValidationFactory;

#[test]
fn dv_1_init_requires_capabilities_and_collection_resources() {
    let h = Harness::new();
    let base = || {
        Dependencies::new(
            Arc::new(NoIdentities),
            h.evaluator.clone(),
            Arc::new(LedgerFetcher(Arc::clone(&h.ledger))),
        )
    };
    let mut p = DefaultValidationFactory.new().unwrap();
    let err = p
        .init(base().with_collection_resources(h.collections.clone()))
        .unwrap_err();
    assert_eq!(err, InitError::MissingDependency("capabilities".into()));
    assert!(
        err.to_string().contains("capabilities not passed in init"),
        "{err}"
    );

    let err = p
        .init(base().with_capabilities(h.caps.clone()))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("collection resources not passed in init"),
        "{err}"
    );

    // With all of them it succeeds (and validates).
    let mut p = DefaultValidationFactory.new().unwrap();
    p.init(
        base()
            .with_capabilities(h.caps.clone())
            .with_collection_resources(h.collections.clone()),
    )
    .unwrap();
    h.evaluator.set(CC_EP, true);
    let env = tx(&[Ns::new("cc").write("k")]);
    let envs = [env.as_slice()];
    p.validate(
        &BlockView::new(1, &envs),
        "cc",
        0,
        0,
        &Context::new(SerializedPolicy(CC_EP)),
    )
    .unwrap();
}

#[test]
fn dv_1_validate_before_init_is_an_execution_failure() {
    let p = DefaultValidationFactory.new().unwrap();
    let env = tx(&[Ns::new("cc").write("k")]);
    let envs = [env.as_slice()];
    let res = p.validate(
        &BlockView::new(1, &envs),
        "cc",
        0,
        0,
        &Context::new(SerializedPolicy(CC_EP)),
    );
    assert!(exec_failure(res).contains("before init"));
}

#[test]
fn dv_3_policy_error_is_returned_with_its_message() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, false);
    let msg = invalid(h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"));
    assert_eq!(
        msg,
        "validation of endorsement policy for chaincode cc in tx 1:0 failed: cc-ep rejects"
    );
}

#[test]
fn dv_4_execution_failure_keeps_the_reason() {
    let h = Harness::new();
    *h.ledger.fetch_error.lock().unwrap() = Some(StateError::Ledger("bar".into()));
    let msg = exec_failure(h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"));
    assert_eq!(msg, "could not retrieve ledger: ledger query failed: bar");
}

#[test]
fn dv_5_valid_is_ok() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    assert_eq!(
        h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"),
        Ok(())
    );
}

#[test]
fn dv_6_empty_block() {
    let h = Harness::new();
    assert_eq!(invalid(h.validate_in(1, &[], "cc", 0)), "empty block");
}

#[test]
fn dv_7_tx_position_out_of_range() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let msg = invalid(h.validate_in(1, &[tx(&[Ns::new("cc").write("k")])], "cc", 1));
    assert_eq!(
        msg,
        "block has only 1 transactions, but requested tx at position 1"
    );
}

#[test]
fn dv_10_capability_dispatch() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let env = || tx(&[Ns::new("cc").write("k")]);
    assert_eq!(h.validate_one(env(), "cc"), Ok(()));
    assert_eq!(h.evaluator.count(CC_EP), 1);

    // V1_3 without V2_0: v13 semantics, not implemented => execution failure, no evaluation.
    let mut v13 = ApplicationCapabilities::default();
    v13.v1_3_validation = true;
    v13.v1_2_validation = true;
    *h.caps.0.lock().unwrap() = v13;
    assert!(exec_failure(h.validate_in(2, &[env()], "cc", 0))
        .contains("v13 validation is not implemented"));
    let mut v12 = ApplicationCapabilities::default();
    v12.v1_2_validation = true;
    *h.caps.0.lock().unwrap() = v12;
    assert!(exec_failure(h.validate_in(3, &[env()], "cc", 0))
        .contains("v12 validation is not implemented"));
    assert_eq!(h.evaluator.count(CC_EP), 1);

    // Capabilities are re-read on every call.
    *h.caps.0.lock().unwrap() = ApplicationCapabilities::v2_0();
    assert_eq!(h.validate_in(4, &[env()], "cc", 0), Ok(()));
}

#[test]
fn dv_4_execution_failure_is_a_validation_error_variant_not_invalid() {
    // The classification is by type: a policy failure never becomes an execution failure.
    let h = Harness::new();
    h.evaluator.set(CC_EP, false);
    assert!(matches!(
        h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"),
        Err(ValidationError::Invalid(_))
    ));
}

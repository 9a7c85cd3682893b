//! StatusGuard's rule, used directly and through its own root module (the in-process view of
//! what the cdylib exports: the same FFI adapters, the same panic guard).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::Arc;

use example_endorsement_plugin::{
    check_payload, handlers_api_library, GuardError, StatusGuardFactory, PLUGIN_NAME,
};
use fabric_crypto::{verify_signature, SigningKey};
use fabric_protos::protos::{ChaincodeAction, ProposalResponsePayload, Response};
use handlers_api::endorsement::identities::IdentityError;
use handlers_api::endorsement::{
    Dependencies, EndorsementError, Plugin, PluginFactory, SigningIdentity, SigningIdentityFetcher,
};
use prost::Message;

const ENDORSER: &[u8] = b"serialized endorser identity";

struct Signer(SigningKey);

impl SigningIdentity for Signer {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        Ok(ENDORSER.to_vec())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        Ok(self.0.sign(msg))
    }
}

struct Fetcher(SigningKey);

impl SigningIdentityFetcher for Fetcher {
    fn signing_identity_for_request(
        &self,
        _signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        Ok(Box::new(Signer(self.0.clone())))
    }
}

/// A `ProposalResponsePayload` whose chaincode response has `status`.
fn payload(status: i32, message: &str) -> Vec<u8> {
    let action = ChaincodeAction {
        response: Some(Response {
            status,
            message: message.into(),
            payload: b"result".to_vec().into(),
        }),
        ..Default::default()
    };
    ProposalResponsePayload {
        proposal_hash: vec![7u8; 32].into(),
        extension: action.encode_to_vec().into(),
    }
    .encode_to_vec()
}

fn plugin(factory: &dyn PluginFactory, key: &SigningKey) -> Box<dyn Plugin> {
    let mut p = factory.new().unwrap();
    p.init(Dependencies {
        signing_identity_fetcher: Arc::new(Fetcher(key.clone())),
        state_fetcher: None,
    })
    .unwrap();
    p
}

fn failed(res: Result<handlers_api::endorsement::EndorseOutput, EndorsementError>) -> String {
    match res {
        Err(EndorsementError::Failed(text)) => text,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Both the direct factory and the one that crosses the FFI behave the same.
fn factories() -> Vec<(&'static str, Box<dyn PluginFactory>)> {
    let lib = handlers_api_library();
    assert_eq!(lib.plugin_name().as_str(), PLUGIN_NAME);
    vec![
        ("direct", Box::new(StatusGuardFactory::default())),
        ("ffi", lib.endorsement_factory().unwrap()),
    ]
}

#[test]
fn a_successful_response_is_signed_over_payload_and_endorser() {
    let key = SigningKey::from_seed(b"status guard accepts");
    for (how, factory) in factories() {
        let p = plugin(factory.as_ref(), &key);
        let prp = payload(200, "OK");
        let out = p.endorse(&prp, b"signed proposal").unwrap();
        assert_eq!(out.payload, prp, "{how}: the payload comes back unchanged");
        assert_eq!(out.endorsement.endorser, ENDORSER, "{how}");
        let signed = [prp.as_slice(), ENDORSER].concat();
        verify_signature(
            fabric_crypto::default_backend(),
            &key.public_key(),
            &signed,
            &out.endorsement.signature,
        )
        .unwrap();
    }
}

#[test]
fn an_error_status_is_refused_with_status_and_message() {
    let key = SigningKey::from_seed(b"status guard refuses");
    for (how, factory) in factories() {
        let p = plugin(factory.as_ref(), &key);
        let text = failed(p.endorse(&payload(500, "asset not found"), b"sp"));
        assert_eq!(
            text,
            "StatusGuard refuses to endorse: chaincode response status 500 (>= 400): \
             \"asset not found\"",
            "{how}"
        );
        // 399 is below Fabric's error threshold.
        p.endorse(&payload(399, "odd but fine"), b"sp").unwrap();
    }
}

#[test]
fn oversized_and_undecodable_payloads_are_refused() {
    let key = SigningKey::from_seed(b"status guard limits");
    let small = StatusGuardFactory {
        max_payload_bytes: 64,
    };
    let p = plugin(&small, &key);
    let big = payload(200, &"x".repeat(100));
    let text = failed(p.endorse(&big, b"sp"));
    assert_eq!(
        text,
        format!(
            "StatusGuard refuses to endorse: payload of {} bytes exceeds the limit of 64 bytes",
            big.len()
        )
    );
    let text = failed(p.endorse(b"\xff\xff", b"sp"));
    assert!(
        text.starts_with(
            "StatusGuard refuses to endorse: cannot decode the proposal response payload:"
        ),
        "{text}"
    );
}

#[test]
fn endorse_before_init_names_the_missing_dependency() {
    let p = StatusGuardFactory::default().new().unwrap();
    let err = p.endorse(&payload(200, ""), b"sp").unwrap_err();
    assert_eq!(
        err,
        EndorsementError::MissingDependency("SigningIdentityFetcher (init not called)".into())
    );
}

#[test]
fn the_rule_alone() {
    assert_eq!(check_payload(&payload(200, ""), 1 << 20), Ok(()));
    assert_eq!(
        check_payload(&payload(404, "nope"), 1 << 20),
        Err(GuardError::ErrorStatus {
            status: 404,
            message: "nope".into()
        })
    );
    // A payload without a response (a bare ChaincodeAction) has nothing to refuse.
    let bare = ProposalResponsePayload {
        proposal_hash: vec![1u8; 32].into(),
        extension: ChaincodeAction::default().encode_to_vec().into(),
    }
    .encode_to_vec();
    assert_eq!(check_payload(&bare, 1 << 20), Ok(()));
}

//! Spec 9.5: the v20 validation logic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bytes::Bytes;
use fabric_protos::common::{
    application_policy, ApplicationPolicy, HeaderType, SignaturePolicyEnvelope,
};
use handlers_api::validation::StateError;
use prost::Message;
use support::*;
use vscc_default::translate_vp;

#[test]
fn v20_1_key_level_policy_error_is_invalid() {
    let h = Harness::new();
    h.ledger.set_public_vp("cc", "k", vp(1));
    h.evaluator.set(&vp_policy(1), false);
    let msg = invalid(h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"));
    assert!(
        msg.starts_with("validation of key k (coll'':ns'cc') in tx 1:0 failed: "),
        "{msg}"
    );
}

#[test]
fn v20_2_key_level_execution_failure_is_execution_failure() {
    let h = Harness::new();
    *h.ledger.meta_error.lock().unwrap() = Some(StateError::Ledger("disk".into()));
    let msg = exec_failure(h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"));
    assert_eq!(
        msg,
        "could not retrieve metadata for cc:k: ledger query failed: disk"
    );
}

#[test]
fn v20_3_key_level_nil_is_valid() {
    let h = Harness::new();
    h.ledger.set_public_vp("cc", "k", vp(1));
    h.evaluator.set(&vp_policy(1), true);
    assert_eq!(
        h.validate_one(tx(&[Ns::new("cc").write("k")]), "cc"),
        Ok(())
    );
    assert_eq!(h.evaluator.evaluated(), vec![vp_policy(1)]);
}

#[test]
fn v20_4_malformed_transactions_are_invalid() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    // Not an envelope.
    let msg = invalid(h.validate_one(vec![0xff, 0xff, 0xff], "cc"));
    assert!(msg.starts_with("error unmarshalling Envelope"), "{msg}");
    // Envelope whose payload is garbage.
    let env = fabric_protos::common::Envelope {
        payload: Bytes::from_static(&[0x0a, 0x05, 1]),
        signature: Bytes::new(),
    };
    let msg = invalid(h.validate_in(2, &[env.encode_to_vec()], "cc", 0));
    assert!(msg.starts_with("error unmarshalling Payload"), "{msg}");
    // Payload whose channel header is garbage.
    let payload = fabric_protos::common::Payload {
        header: Some(fabric_protos::common::Header {
            channel_header: Bytes::from_static(&[0x08]),
            signature_header: Bytes::new(),
        }),
        data: Bytes::new(),
    };
    let env = fabric_protos::common::Envelope {
        payload: payload.encode_to_vec().into(),
        signature: Bytes::new(),
    };
    let msg = invalid(h.validate_in(3, &[env.encode_to_vec()], "cc", 0));
    assert!(
        msg.starts_with("error unmarshalling ChannelHeader"),
        "{msg}"
    );
    // ORDERER_TRANSACTION.
    let env = envelope_with_prp(
        prp(&rwset(&[Ns::new("cc").write("k")])),
        HeaderType::OrdererTransaction as i32,
    );
    let msg = invalid(h.validate_in(4, &[env], "cc", 0));
    assert_eq!(
        msg,
        "Only Endorser Transactions are supported, provided type 4"
    );
    // Missing extension, garbage rwset.
    let empty_ext = fabric_protos::protos::ProposalResponsePayload {
        proposal_hash: Bytes::from_static(b"h"),
        extension: Bytes::new(),
    };
    let env = envelope_with_prp(
        empty_ext.encode_to_vec().into(),
        HeaderType::EndorserTransaction as i32,
    );
    assert_eq!(
        invalid(h.validate_in(5, &[env], "cc", 0)),
        "nil pRespPayload.Extension"
    );
    let msg = invalid(h.validate_in(
        6,
        &[envelope_with_results(Bytes::from_static(&[0x12, 0x09]))],
        "cc",
        0,
    ));
    assert!(
        msg.starts_with("txRWSet.FromProtoBytes failed on tx (6,0)"),
        "{msg}"
    );
    // None of these reached the evaluator.
    assert!(h.evaluator.evaluated().is_empty());
}

#[test]
fn v20_4_signature_set_is_prp_then_endorser_per_endorsement() {
    let h = Harness::new();
    h.evaluator.set(CC_EP, true);
    let results = rwset(&[Ns::new("cc").write("k")]);
    h.validate_one(envelope_with_results(results.clone()), "cc")
        .unwrap();
    let calls = h.evaluator.calls.lock().unwrap().clone();
    let prp = prp(&results);
    let expected: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = endorsements()
        .iter()
        .map(|e| {
            (
                [prp.as_ref(), e.endorser.as_ref()].concat(),
                e.endorser.to_vec(),
                e.signature.to_vec(),
            )
        })
        .collect();
    assert_eq!(calls, vec![(CC_EP.to_vec(), expected)]);
}

#[test]
fn v20_6_translator() {
    assert_eq!(translate_vp(&[]).unwrap(), Vec::<u8>::new());
    let err = translate_vp(b"barf").unwrap_err();
    assert!(
        err.to_string()
            .contains("could not unmarshal signature policy envelope"),
        "{err}"
    );
    let env = fabric_policies::policydsl::signed_by_msp_member("Org1MSP");
    let expected = ApplicationPolicy {
        r#type: Some(application_policy::Type::SignaturePolicy(env.clone())),
    }
    .encode_to_vec();
    assert_eq!(translate_vp(&env.encode_to_vec()).unwrap(), expected);
    let _: SignaturePolicyEnvelope = env;
}

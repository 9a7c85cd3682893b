//! Shared helpers of the conformance tests: where the shared corpus is, its manifests, and a
//! small decoder of the transaction facts the manifests list.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use bytes::Bytes;
use fabric_tx::EnvelopeView;
use serde_json::Value;

/// `../shared` beside the checkout. Panics with the path when it is missing: these tests
/// must never pass silently without their fixtures.
pub fn shared(rel: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")).join(rel);
    assert!(
        path.exists(),
        "missing fixture {} (CI keeps ../shared beside the checkout)",
        path.display()
    );
    path
}

/// The real ledgers that are blockfiles, by folder name.
pub const BLOCKFILE_LEDGERS: [&str; 5] = [
    "sample-prod-v2-sampleorg",
    "glued-together-malformed",
    "from-snapshot-v25-3org",
    "synthetic-kvledger-v13-mvcc",
    "v20-marbles-pvtdata-3org",
];

pub fn manifest(rel: &str) -> Value {
    let path = shared(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One endorsement as carried in the transaction.
#[derive(Debug, Clone)]
pub struct EndorsementFacts {
    pub endorser: Bytes,
    pub msp_id: Option<String>,
    pub signature: Bytes,
}

/// What a transaction says about itself, decoded from the original bytes (nothing re-encoded).
#[derive(Debug, Clone)]
pub struct TxFacts {
    pub header_type: i32,
    pub header_type_name: &'static str,
    pub channel_id: String,
    pub txid: String,
    pub creator: Bytes,
    pub creator_msp_id: Option<String>,
    pub nonce: Bytes,
    pub payload: Bytes,
    pub signature: Bytes,
    /// The endorsed proposal response payload (endorser transactions only).
    pub proposal_response_payload: Option<Bytes>,
    pub endorsements: Vec<EndorsementFacts>,
}

/// Decodes one envelope with `fabric-tx` into the facts the manifests list.
pub fn decode_tx(envelope: &Bytes) -> TxFacts {
    let view = EnvelopeView::decode(envelope.clone()).unwrap();
    let header_type_name = view.header_type().map_or("UNKNOWN", |t| t.as_str_name());
    let endorser = view.endorser_transaction().ok();
    let endorsements = endorser
        .as_ref()
        .map(|tx| {
            tx.endorsements
                .iter()
                .zip(tx.endorser_msp_ids())
                .map(|(e, msp_id)| EndorsementFacts {
                    endorser: e.endorser.clone(),
                    msp_id,
                    signature: e.signature.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    TxFacts {
        header_type: view.channel_header.r#type,
        header_type_name,
        channel_id: view.channel_header.channel_id.clone(),
        txid: view.tx_id().to_owned(),
        creator_msp_id: view.creator_msp_id(),
        creator: view.creator().clone(),
        nonce: view.signature_header.nonce.clone(),
        payload: view.payload.clone(),
        signature: view.signature.clone(),
        proposal_response_payload: endorser.map(|tx| tx.proposal_response_payload),
        endorsements,
    }
}

/// `prp ‖ endorser`: the bytes an endorsement signs, from the original slices.
pub fn endorsement_message(prp: &[u8], endorser: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(prp.len() + endorser.len());
    message.extend_from_slice(prp);
    message.extend_from_slice(endorser);
    message
}

pub fn str_or_none(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::sync::OnceLock;

use fabric_protos::common::{Block, ChannelHeader, Envelope, Payload, SignatureHeader};
use fabric_protos::Message;
use fabric_testgen::msp::{Identity, OrgMaterial};
use fabric_testgen::sample::{generate, SampleLedger, SampleSpec, TxRecord};

/// The sample-2org ledger, generated once per test binary.
pub fn sample() -> &'static SampleLedger {
    static LEDGER: OnceLock<SampleLedger> = OnceLock::new();
    LEDGER.get_or_init(|| generate(&SampleSpec::sample_2org()).expect("sample-2org generates"))
}

/// Every identity of the ledger's organisations (application and orderer).
pub fn all_orgs(ledger: &SampleLedger) -> Vec<&OrgMaterial> {
    ledger
        .app_orgs
        .iter()
        .chain(std::iter::once(&ledger.orderer_org))
        .collect()
}

/// The identity whose serialized form is `serialized`.
pub fn identity_by_bytes<'a>(ledger: &'a SampleLedger, serialized: &[u8]) -> &'a Identity {
    all_orgs(ledger)
        .into_iter()
        .flat_map(|o| o.identities())
        .find(|i| i.serialized().as_ref() == serialized)
        .expect("serialized identity belongs to a generated organisation")
}

/// A decoded envelope with its raw parts.
pub struct DecodedEnvelope {
    pub envelope: Envelope,
    pub payload: Payload,
    pub channel_header: ChannelHeader,
    pub signature_header: SignatureHeader,
}

pub fn decode_envelope(bytes: &[u8]) -> DecodedEnvelope {
    let envelope = Envelope::decode(bytes).expect("Envelope");
    let payload = Payload::decode(envelope.payload.clone()).expect("Payload");
    let header = payload.header.clone().expect("Payload.header");
    let channel_header =
        ChannelHeader::decode(header.channel_header.clone()).expect("ChannelHeader");
    let signature_header =
        SignatureHeader::decode(header.signature_header.clone()).expect("SignatureHeader");
    DecodedEnvelope {
        envelope,
        payload,
        channel_header,
        signature_header,
    }
}

/// The manifest record of block `block`, tx `index`.
pub fn record(ledger: &SampleLedger, block: u64, index: usize) -> &TxRecord {
    ledger
        .txs
        .iter()
        .find(|t| t.block == block && t.index == index)
        .expect("every endorser tx has a record")
}

pub fn envelopes(block: &Block) -> &[fabric_protos::Bytes] {
    &block.data.as_ref().expect("BlockData").data
}

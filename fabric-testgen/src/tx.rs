//! Endorser transactions built exactly as Fabric's protoutil builds them (bench-corpus README
//! steps 1–5, spec 3 and 5.5), with knobs for deliberate faults.
//!
//! 1. creator = `SerializedIdentity{mspid, PEM}`; txid = hex(SHA-256(nonce ‖ creator));
//! 2. `ChannelHeader{type 3, channel_id, tx_id, timestamp, epoch 0, extension =
//!    ChaincodeHeaderExtension{chaincode_id{name}}}`, `SignatureHeader{creator, nonce}`,
//!    `ChaincodeProposalPayload{input = ChaincodeInvocationSpec}` without transient map;
//! 3. simulation results = a [`RwSet`];
//! 4. `ProposalResponsePayload{proposal_hash = SHA-256(channel_header ‖ signature_header ‖
//!    proposal payload), extension = ChaincodeAction{results, response, chaincode_id}}`, each
//!    endorsement = sign(prp ‖ endorser);
//! 5. `Envelope{Payload{header, Transaction{[TransactionAction{signature_header,
//!    ChaincodeActionPayload{proposal payload, ChaincodeEndorsedAction{prp, endorsements}}}]}},
//!    creator's signature over the payload bytes}`.
//!
//! Every signed or hashed byte string is kept exactly as it was signed; nothing is re-encoded.

use bytes::Bytes;
use fabric_crypto::EcdsaSignature;
use fabric_protos::common::{self as cpb, HeaderType};
use fabric_protos::protos as ppb;
use prost::Message;
use prost_types::Timestamp;

use crate::msp::Identity;
use crate::rwset::RwSet;

/// Errors from building a transaction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TxError {
    /// The fault needs at least one endorser but none was given.
    #[error("fault {fault:?} needs at least one endorser, none given")]
    NoEndorser {
        /// The requested fault.
        fault: Fault,
    },
    /// A signature we just made did not parse back (cannot happen with fabric-crypto's signer).
    #[error("re-parsing our own {which} signature failed: {reason}")]
    OwnSignature {
        /// "endorsement" or "creator".
        which: &'static str,
        /// The parser's message.
        reason: String,
    },
}

/// A deliberate defect, and the validation code Fabric's v20 committer gives it when the rest
/// of the transaction is fine (spec 5.4–5.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// None: a well-formed transaction.
    None,
    /// First endorsement's S replaced by S+1 (well-formed DER, no longer verifies).
    BadEndorsementSignature,
    /// First endorsement's S replaced by n−S (mathematically valid, but high-S).
    HighSEndorsementSignature,
    /// Envelope signature's S replaced by S+1 → BAD_CREATOR_SIGNATURE (4).
    BadCreatorSignature,
    /// `ChannelHeader.tx_id` is not hex(SHA-256(nonce ‖ creator)) → BAD_PROPOSAL_TXID (8).
    WrongTxid,
    /// Only the first endorser signs.
    SingleEndorsement,
    /// No endorsement at all.
    NoEndorsements,
    /// The first endorser's endorsement appears twice (Fabric de-duplicates identities).
    SameEndorserTwice,
    /// The transaction carries the action twice → INVALID_ENDORSER_TRANSACTION (5).
    TwoActions,
    /// `ChaincodeAction.results` is not a TxReadWriteSet → BAD_RWSET (22).
    GarbageRwset,
    /// `ProposalResponsePayload.proposal_hash` does not match the proposal →
    /// INVALID_ENDORSER_TRANSACTION (5).
    BadProposalHash,
}

impl Fault {
    /// Whether the fault lowers the set of valid endorsements (the code then depends on the
    /// endorsement policy).
    #[must_use]
    pub fn affects_endorsements(self) -> bool {
        matches!(
            self,
            Fault::BadEndorsementSignature
                | Fault::HighSEndorsementSignature
                | Fault::SingleEndorsement
                | Fault::NoEndorsements
                | Fault::SameEndorserTwice
        )
    }
}

/// Chaincode name and definition version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chaincode {
    /// Name (`mycc`).
    pub name: String,
    /// Version written into `ChaincodeAction.chaincode_id` (`1.0`).
    pub version: String,
}

/// Everything one transaction is made from.
#[derive(Clone, Debug)]
pub struct TxRequest<'a> {
    /// Channel name.
    pub channel_id: &'a str,
    /// The invoked chaincode.
    pub chaincode: &'a Chaincode,
    /// Transaction creator (signs the proposal and the envelope).
    pub creator: &'a Identity,
    /// Endorsers, in endorsement order.
    pub endorsers: Vec<&'a Identity>,
    /// Chaincode arguments (`ChaincodeInput.args`).
    pub args: Vec<Vec<u8>>,
    /// Simulation results.
    pub rwset: RwSet,
    /// `Response.payload` (status is always 200).
    pub response_payload: Vec<u8>,
    /// `ChannelHeader.timestamp`.
    pub timestamp: Timestamp,
    /// `SignatureHeader.nonce` (24 bytes in Fabric).
    pub nonce: Vec<u8>,
    /// Deliberate defect.
    pub fault: Fault,
}

/// A built transaction: the envelope bytes and the facts a test wants to check against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltTx {
    /// The serialized `common.Envelope` (one `BlockData.data` entry).
    pub envelope: Bytes,
    /// `ChannelHeader.tx_id` as written (wrong on purpose with [`Fault::WrongTxid`]).
    pub txid: String,
    /// hex(SHA-256(nonce ‖ creator)), the txid Fabric expects.
    pub expected_txid: String,
    /// `SignatureHeader.nonce`.
    pub nonce: Bytes,
    /// `SignatureHeader.creator` (serialized identity).
    pub creator: Bytes,
    /// `Header.channel_header` bytes.
    pub channel_header: Bytes,
    /// `Header.signature_header` bytes (also `TransactionAction.header`).
    pub signature_header: Bytes,
    /// `ChaincodeProposalPayload` bytes without transient map.
    pub proposal_payload: Bytes,
    /// SHA-256(channel_header ‖ signature_header ‖ proposal_payload).
    pub proposal_hash: [u8; 32],
    /// `ProposalResponsePayload` bytes every endorser signed.
    pub proposal_response_payload: Bytes,
    /// The endorsements as placed in the transaction.
    pub endorsements: Vec<ppb::Endorsement>,
    /// `Proposal` bytes (header + payload), as sent to endorsers.
    pub proposal: Bytes,
    /// `SignedProposal` bytes (creator's signature over the proposal bytes).
    pub signed_proposal: Bytes,
    /// `Envelope.payload` bytes (what the creator signed).
    pub payload: Bytes,
    /// The fault applied.
    pub fault: Fault,
}

/// Adds one to a 32-byte big-endian number (wrapping; inputs here are below n/2 + 1).
fn plus_one(mut s: [u8; 32]) -> [u8; 32] {
    for byte in s.iter_mut().rev() {
        let (v, carry) = byte.overflowing_add(1);
        *byte = v;
        if !carry {
            break;
        }
    }
    s
}

fn tamper(der: &[u8], which: &'static str, high_s: bool) -> Result<Vec<u8>, TxError> {
    let sig = EcdsaSignature::from_der(der).map_err(|e| TxError::OwnSignature {
        which,
        reason: e.to_string(),
    })?;
    let changed = if high_s {
        sig.to_high_s_twin()
    } else {
        EcdsaSignature::from_scalars(*sig.r(), plus_one(*sig.s())).map_err(|e| {
            TxError::OwnSignature {
                which,
                reason: e.to_string(),
            }
        })?
    };
    Ok(changed.to_der())
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// Builds one endorser transaction.
///
/// # Errors
/// [`TxError::NoEndorser`] when an endorsement fault is requested without endorsers;
/// [`TxError::OwnSignature`] only if fabric-crypto produced an unparsable signature.
pub fn build_endorser_tx(req: &TxRequest<'_>) -> Result<BuiltTx, TxError> {
    let creator = req.creator.serialized().clone();
    let nonce = Bytes::from(req.nonce.clone());
    let expected_txid = hex::encode(fabric_crypto::sha256(&concat(&[&nonce, &creator])));
    let txid = if req.fault == Fault::WrongTxid {
        hex::encode(fabric_crypto::sha256(&concat(&[
            b"not the txid",
            expected_txid.as_bytes(),
        ])))
    } else {
        expected_txid.clone()
    };

    // Step 2: the proposal.
    let chaincode_id = ppb::ChaincodeId {
        name: req.chaincode.name.clone(),
        ..Default::default()
    };
    let extension = ppb::ChaincodeHeaderExtension {
        chaincode_id: Some(chaincode_id.clone()),
    }
    .encode_to_vec();
    let channel_header = Bytes::from(
        cpb::ChannelHeader {
            r#type: HeaderType::EndorserTransaction as i32,
            version: 0,
            timestamp: Some(req.timestamp),
            channel_id: req.channel_id.to_owned(),
            tx_id: txid.clone(),
            epoch: 0,
            extension: Bytes::from(extension),
            tls_cert_hash: Bytes::new(),
        }
        .encode_to_vec(),
    );
    let signature_header = Bytes::from(
        cpb::SignatureHeader {
            creator: creator.clone(),
            nonce: nonce.clone(),
        }
        .encode_to_vec(),
    );
    let invocation = ppb::ChaincodeInvocationSpec {
        chaincode_spec: Some(ppb::ChaincodeSpec {
            r#type: ppb::chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(chaincode_id),
            input: Some(ppb::ChaincodeInput {
                args: req.args.iter().map(|a| Bytes::from(a.clone())).collect(),
                ..Default::default()
            }),
            timeout: 0,
        }),
    };
    let proposal_payload = Bytes::from(
        ppb::ChaincodeProposalPayload {
            input: Bytes::from(invocation.encode_to_vec()),
            transient_map: Default::default(),
        }
        .encode_to_vec(),
    );
    let header = cpb::Header {
        channel_header: channel_header.clone(),
        signature_header: signature_header.clone(),
    };
    let proposal = Bytes::from(
        ppb::Proposal {
            header: Bytes::from(header.encode_to_vec()),
            payload: proposal_payload.clone(),
            extension: Bytes::new(),
        }
        .encode_to_vec(),
    );
    let signed_proposal = Bytes::from(
        ppb::SignedProposal {
            signature: Bytes::from(req.creator.sign(&proposal)),
            proposal_bytes: proposal.clone(),
        }
        .encode_to_vec(),
    );
    let proposal_hash = fabric_crypto::sha256(&concat(&[
        &channel_header,
        &signature_header,
        &proposal_payload,
    ]));

    // Steps 3–4: simulation results and the proposal response payload.
    let results = if req.fault == Fault::GarbageRwset {
        // Field 1 with wire type 7, which no protobuf decoder accepts.
        Bytes::from_static(&[0x0f, 0xff, 0xff, 0xff])
    } else {
        req.rwset.encode()
    };
    let action = ppb::ChaincodeAction {
        results,
        events: Bytes::new(),
        response: Some(ppb::Response {
            status: 200,
            message: String::new(),
            payload: Bytes::from(req.response_payload.clone()),
        }),
        chaincode_id: Some(ppb::ChaincodeId {
            name: req.chaincode.name.clone(),
            version: req.chaincode.version.clone(),
            path: String::new(),
        }),
    };
    let mut hash_in_prp = proposal_hash;
    if req.fault == Fault::BadProposalHash {
        hash_in_prp[31] ^= 0x01;
    }
    let proposal_response_payload = Bytes::from(
        ppb::ProposalResponsePayload {
            proposal_hash: Bytes::copy_from_slice(&hash_in_prp),
            extension: Bytes::from(action.encode_to_vec()),
        }
        .encode_to_vec(),
    );
    let endorsers: Vec<&Identity> = match req.fault {
        Fault::NoEndorsements => Vec::new(),
        Fault::SingleEndorsement => req.endorsers.iter().take(1).copied().collect(),
        Fault::SameEndorserTwice => match req.endorsers.first() {
            Some(first) => vec![*first, *first],
            None => Vec::new(),
        },
        _ => req.endorsers.clone(),
    };
    if endorsers.is_empty()
        && req.fault.affects_endorsements()
        && req.fault != Fault::NoEndorsements
    {
        return Err(TxError::NoEndorser { fault: req.fault });
    }
    let mut endorsements = Vec::with_capacity(endorsers.len());
    for (i, endorser) in endorsers.iter().enumerate() {
        let endorser_bytes = endorser.serialized().clone();
        let mut signature = endorser.sign(&concat(&[&proposal_response_payload, &endorser_bytes]));
        if i == 0 {
            match req.fault {
                Fault::BadEndorsementSignature => {
                    signature = tamper(&signature, "endorsement", false)?
                }
                Fault::HighSEndorsementSignature => {
                    signature = tamper(&signature, "endorsement", true)?
                }
                _ => {}
            }
        }
        endorsements.push(ppb::Endorsement {
            endorser: endorser_bytes,
            signature: Bytes::from(signature),
        });
    }

    // Step 5: the transaction and the envelope.
    let action_payload = ppb::ChaincodeActionPayload {
        chaincode_proposal_payload: proposal_payload.clone(),
        action: Some(ppb::ChaincodeEndorsedAction {
            proposal_response_payload: proposal_response_payload.clone(),
            endorsements: endorsements.clone(),
        }),
    }
    .encode_to_vec();
    let tx_action = ppb::TransactionAction {
        header: signature_header.clone(),
        payload: Bytes::from(action_payload),
    };
    let actions = if req.fault == Fault::TwoActions {
        vec![tx_action.clone(), tx_action]
    } else {
        vec![tx_action]
    };
    let payload = Bytes::from(
        cpb::Payload {
            header: Some(header),
            data: Bytes::from(ppb::Transaction { actions }.encode_to_vec()),
        }
        .encode_to_vec(),
    );
    let mut signature = req.creator.sign(&payload);
    if req.fault == Fault::BadCreatorSignature {
        signature = tamper(&signature, "creator", false)?;
    }
    let envelope = Bytes::from(
        cpb::Envelope {
            payload: payload.clone(),
            signature: Bytes::from(signature),
        }
        .encode_to_vec(),
    );
    Ok(BuiltTx {
        envelope,
        txid,
        expected_txid,
        nonce,
        creator,
        channel_header,
        signature_header,
        proposal_payload,
        proposal_hash,
        proposal_response_payload,
        endorsements,
        proposal,
        signed_proposal,
        payload,
        fault: req.fault,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_one_carries() {
        let mut s = [0u8; 32];
        s[31] = 0xff;
        s[30] = 0x01;
        let t = plus_one(s);
        assert_eq!(t[31], 0x00);
        assert_eq!(t[30], 0x02);
    }
}

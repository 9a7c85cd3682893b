//! The checks Fabric's committer makes on a transaction before any plugin runs: envelope and
//! headers (spec 5.5, `ValidateTransaction`), then the structure dispatch needs (spec 5.6 steps
//! 1-10). Each layer is decoded once, from the original bytes; signatures and hashes are
//! checked over those bytes.

use bytes::Bytes;
use fabric_config::ChannelConfig;
use fabric_msp::{Identity as _, IdentityDeserializer as _};
use fabric_protos::common::{ChannelHeader, Envelope, HeaderType, Payload, SignatureHeader};
use fabric_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEvent, ChaincodeHeaderExtension,
    ProposalResponsePayload, Transaction, TxValidationCode as Code,
};
use prost::Message;

use crate::rwset::RwSet;

/// Why a transaction is flagged before (or instead of) reaching a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The validation code Fabric assigns.
    pub code: Code,
    /// What was wrong, for reports.
    pub reason: String,
}

fn reject(code: Code, reason: impl Into<String>) -> Rejection {
    Rejection {
        code,
        reason: reason.into(),
    }
}

/// A transaction that passed the envelope checks.
#[derive(Debug, Clone)]
pub enum Checked {
    /// An endorser transaction, decoded down to its first action.
    Endorser(Box<EndorserEnvelope>),
    /// A config transaction; its content is applied by the validator.
    Config {
        /// The channel header's tx ID (usually empty for config).
        txid: String,
    },
}

/// The parts of an endorser transaction dispatch needs.
#[derive(Debug, Clone)]
pub struct EndorserEnvelope {
    /// The tx ID (checked against nonce and creator).
    pub txid: String,
    /// The decoded channel header (its extension names the invoked chaincode).
    pub channel_header: ChannelHeader,
    /// The decoded proposal response payload of the only action.
    pub response: ProposalResponsePayload,
}

/// What the envelope checks need from the channel.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeContext<'a> {
    /// The configuration in force (its MSP manager checks the creator).
    pub config: Option<&'a ChannelConfig>,
    /// Whether to check what binds the transaction to its creator: the creator's identity
    /// and signature, and the tx ID derived from nonce and creator (off for synthetic ledgers
    /// whose signatures and IDs are fake).
    pub check_signatures: bool,
}

/// Spec 5.4 step 1 and 5.5: parse the envelope and check headers, creator signature, tx ID and
/// the endorser transaction's structure and proposal hash.
///
/// # Errors
/// The [`Rejection`] with Fabric's code for the first check that fails.
pub fn check_envelope(raw: &Bytes, ctx: EnvelopeContext<'_>) -> Result<Checked, Rejection> {
    let envelope = Envelope::decode(raw.clone())
        .map_err(|e| reject(Code::InvalidOtherReason, format!("Envelope: {e}")))?;
    let payload = Payload::decode(envelope.payload.clone())
        .map_err(|e| reject(Code::BadPayload, format!("Payload: {e}")))?;
    let header = payload
        .header
        .ok_or_else(|| reject(Code::BadCommonHeader, "payload header is missing"))?;
    let channel_header = ChannelHeader::decode(header.channel_header.clone())
        .map_err(|e| reject(Code::BadCommonHeader, format!("ChannelHeader: {e}")))?;
    let signature_header = SignatureHeader::decode(header.signature_header.clone())
        .map_err(|e| reject(Code::BadCommonHeader, format!("SignatureHeader: {e}")))?;
    let header_type = HeaderType::try_from(channel_header.r#type).ok();
    if !matches!(
        header_type,
        Some(HeaderType::EndorserTransaction | HeaderType::ConfigUpdate | HeaderType::Config)
    ) {
        return Err(reject(
            Code::BadCommonHeader,
            format!("invalid header type {}", channel_header.r#type),
        ));
    }
    if channel_header.epoch != 0 {
        return Err(reject(
            Code::BadCommonHeader,
            format!("epoch is {}, must be 0", channel_header.epoch),
        ));
    }
    if signature_header.nonce.is_empty() {
        return Err(reject(Code::BadCommonHeader, "nonce is empty"));
    }
    if signature_header.creator.is_empty() {
        return Err(reject(Code::BadCommonHeader, "creator is empty"));
    }
    if ctx.check_signatures {
        check_creator(
            &envelope,
            &signature_header.creator,
            &channel_header,
            ctx.config,
        )?;
    }
    match header_type {
        Some(HeaderType::EndorserTransaction) => {
            let expected = compute_txid(&signature_header.nonce, &signature_header.creator);
            if ctx.check_signatures && channel_header.tx_id != expected {
                return Err(reject(
                    Code::BadProposalTxid,
                    format!(
                        "tx ID {} is not hex(SHA-256(nonce ‖ creator)) = {expected}",
                        channel_header.tx_id
                    ),
                ));
            }
            let response = check_endorser_transaction(&header.channel_header, &payload.data)?;
            Ok(Checked::Endorser(Box::new(EndorserEnvelope {
                txid: channel_header.tx_id.clone(),
                channel_header,
                response,
            })))
        }
        Some(HeaderType::Config) => {
            if payload.data.is_empty() {
                return Err(reject(
                    Code::InvalidConfigTransaction,
                    "config transaction has no data",
                ));
            }
            Ok(Checked::Config {
                txid: channel_header.tx_id,
            })
        }
        _ => Err(reject(
            Code::UnsupportedTxPayload,
            format!(
                "unsupported transaction payload type {}",
                channel_header.r#type
            ),
        )),
    }
}

/// The channel header of an envelope, when envelope, payload, header and channel header all
/// decode (for reporting a transaction that failed its checks, and for telling its channel).
#[must_use]
pub fn channel_header_of(raw: &Bytes) -> Option<ChannelHeader> {
    let envelope = Envelope::decode(raw.clone()).ok()?;
    let header = Payload::decode(envelope.payload).ok()?.header?;
    ChannelHeader::decode(header.channel_header).ok()
}

/// Fabric's tx ID: lowercase hex of SHA-256(nonce ‖ creator).
#[must_use]
pub fn compute_txid(nonce: &[u8], creator: &[u8]) -> String {
    let mut input = Vec::with_capacity(nonce.len() + creator.len());
    input.extend_from_slice(nonce);
    input.extend_from_slice(creator);
    hex::encode(fabric_crypto::sha256(&input))
}

fn check_creator(
    envelope: &Envelope,
    creator: &[u8],
    channel_header: &ChannelHeader,
    config: Option<&ChannelConfig>,
) -> Result<(), Rejection> {
    let bad = |reason: String| reject(Code::BadCreatorSignature, reason);
    if envelope.signature.is_empty() || envelope.payload.is_empty() {
        return Err(bad("envelope signature or payload is missing".into()));
    }
    // Fabric asks the MSP manager of the channel the header names; this validator knows one
    // channel, so any other name is a channel that does not exist here.
    let config = config
        .filter(|c| c.channel_id() == channel_header.channel_id)
        .ok_or_else(|| {
            bad(format!(
                "MSP error: channel doesn't exist: {}",
                channel_header.channel_id
            ))
        })?;
    let identity = config
        .msp_manager()
        .deserialize_identity(creator)
        .map_err(|e| bad(format!("MSP error: could not deserialize creator: {e}")))?;
    identity
        .validate()
        .map_err(|e| bad(format!("creator certificate is not valid: {e}")))?;
    identity
        .verify(&envelope.payload, &envelope.signature)
        .map_err(|e| bad(format!("creator signature: {e}")))
}

fn check_endorser_transaction(
    channel_header_raw: &Bytes,
    data: &Bytes,
) -> Result<ProposalResponsePayload, Rejection> {
    let bad = |reason: String| reject(Code::InvalidEndorserTransaction, reason);
    if data.is_empty() {
        return Err(bad("payload data is missing".into()));
    }
    let transaction =
        Transaction::decode(data.clone()).map_err(|e| bad(format!("Transaction: {e}")))?;
    if transaction.actions.len() != 1 {
        return Err(bad(format!(
            "transaction has {} actions, exactly one is allowed",
            transaction.actions.len()
        )));
    }
    let action = &transaction.actions[0];
    let action_header = SignatureHeader::decode(action.header.clone())
        .map_err(|e| bad(format!("action SignatureHeader: {e}")))?;
    if action_header.nonce.is_empty() || action_header.creator.is_empty() {
        return Err(bad("action header has an empty nonce or creator".into()));
    }
    let action_payload = ChaincodeActionPayload::decode(action.payload.clone())
        .map_err(|e| bad(format!("ChaincodeActionPayload: {e}")))?;
    // Spec 11.3: Fabric would dereference a missing endorsed action; it is a malformed
    // transaction like its neighbours.
    let endorsed = action_payload
        .action
        .ok_or_else(|| bad("ChaincodeActionPayload has no endorsed action".into()))?;
    let response = ProposalResponsePayload::decode(endorsed.proposal_response_payload.clone())
        .map_err(|e| bad(format!("ProposalResponsePayload: {e}")))?;
    let mut hashed = Vec::with_capacity(
        channel_header_raw.len()
            + action.header.len()
            + action_payload.chaincode_proposal_payload.len(),
    );
    hashed.extend_from_slice(channel_header_raw);
    hashed.extend_from_slice(&action.header);
    hashed.extend_from_slice(&action_payload.chaincode_proposal_payload);
    if fabric_crypto::sha256(&hashed).as_slice() != response.proposal_hash.as_ref() {
        return Err(bad(
            "proposal hash does not match the channel header, action header and proposal payload"
                .into(),
        ));
    }
    Ok(response)
}

/// What dispatch will validate: the invoked chaincode, the namespaces in validation order and
/// the decoded read-write set.
#[derive(Debug, Clone)]
pub struct DispatchPlan {
    /// The invoked chaincode (from the header extension).
    pub chaincode: String,
    /// The namespaces to validate: the invoked chaincode first, then every other namespace
    /// that writes, in byte order of its name (spec 11.1: Fabric iterates a Go map).
    pub namespaces: Vec<String>,
    /// The decoded read-write set.
    pub rwset: RwSet,
}

/// Spec 5.6 steps 1-10: the structure checks of Fabric's dispatcher.
///
/// # Errors
/// The [`Rejection`] with Fabric's code for the first check that fails.
pub fn plan_dispatch(tx: &EndorserEnvelope) -> Result<DispatchPlan, Rejection> {
    let extension =
        ChaincodeHeaderExtension::decode(tx.channel_header.extension.clone()).map_err(|e| {
            reject(
                Code::BadHeaderExtension,
                format!("ChaincodeHeaderExtension: {e}"),
            )
        })?;
    if tx.response.extension.is_empty() {
        return Err(reject(
            Code::BadResponsePayload,
            "proposal response payload has no extension",
        ));
    }
    let action = ChaincodeAction::decode(tx.response.extension.clone())
        .map_err(|e| reject(Code::BadResponsePayload, format!("ChaincodeAction: {e}")))?;
    let rwset =
        RwSet::decode(&action.results).map_err(|e| reject(Code::BadRwset, e.to_string()))?;
    let header_id = extension.chaincode_id.ok_or_else(|| {
        reject(
            Code::InvalidOtherReason,
            "header extension has no chaincode ID",
        )
    })?;
    let action_id = action.chaincode_id.ok_or_else(|| {
        reject(
            Code::InvalidOtherReason,
            "chaincode action has no chaincode ID",
        )
    })?;
    let chaincode = header_id.name;
    if chaincode.is_empty() {
        return Err(reject(
            Code::InvalidChaincode,
            "invoked chaincode name is empty",
        ));
    }
    if chaincode != action_id.name {
        return Err(reject(
            Code::InvalidChaincode,
            format!(
                "chaincode {} in the header does not match {} in the action",
                chaincode, action_id.name
            ),
        ));
    }
    if action_id.version.is_empty() {
        return Err(reject(
            Code::InvalidChaincode,
            format!("chaincode {chaincode} action has no version"),
        ));
    }
    if !action.events.is_empty() {
        let event = ChaincodeEvent::decode(action.events.clone()).map_err(|e| {
            reject(
                Code::InvalidOtherReason,
                format!("chaincode event does not decode: {e}"),
            )
        })?;
        if event.chaincode_id != chaincode {
            return Err(reject(
                Code::InvalidOtherReason,
                format!(
                    "chaincode event names chaincode {}, the transaction invokes {chaincode}",
                    event.chaincode_id
                ),
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for ns in &rwset.namespaces {
        if !seen.insert(ns.namespace.as_str()) {
            return Err(reject(
                Code::IllegalWriteset,
                format!(
                    "namespace {} appears twice in the read-write set",
                    ns.namespace
                ),
            ));
        }
    }
    let mut others: Vec<String> = rwset
        .namespaces
        .iter()
        .filter(|ns| ns.namespace != chaincode && ns.writes())
        .map(|ns| ns.namespace.clone())
        .collect();
    others.sort_unstable();
    let mut namespaces = Vec::with_capacity(others.len() + 1);
    namespaces.push(chaincode.clone());
    namespaces.extend(others);
    Ok(DispatchPlan {
        chaincode,
        namespaces,
        rwset,
    })
}

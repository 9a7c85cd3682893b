//! Extraction of the validation artifacts of one transaction action (spec 4.2 step 2), with
//! Fabric's error texts, and the lenient variant used for intra-block dependencies (4.5).
//!
//! Every nested message is decoded from the original bytes (zero-copy slices of one buffer);
//! the proposal response payload is kept as its original bytes because endorsements sign it.

use bytes::Bytes;
use fabric_protos::common::{ChannelHeader, Envelope, HeaderType, Payload};
use fabric_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, Endorsement, ProposalResponsePayload, Transaction,
};
use prost::Message;

use crate::rwset::{self, NamespaceWrites, RwsetError};

/// Why the artifacts of a transaction action could not be extracted. Every variant is a
/// policy error (invalid transaction, code 10).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// A message on the path did not decode (`what` names it, as in Fabric's protoutil).
    #[error("error unmarshalling {what}: {reason}")]
    Unmarshal {
        /// The message type.
        what: &'static str,
        /// The decoder's reason.
        reason: String,
    },
    /// The payload has no header (Fabric would dereference nil here).
    #[error("missing header in the payload of tx at position {tx_position}")]
    MissingHeader {
        /// The transaction's position in the block.
        tx_position: usize,
    },
    /// Not an endorser transaction.
    #[error("Only Endorser Transactions are supported, provided type {0}")]
    WrongType(i32),
    /// The transaction has no action at the requested position (Fabric would index out of
    /// range here).
    #[error("transaction has {actions} actions, but requested action at position {position}")]
    NoSuchAction {
        /// How many actions the transaction has.
        actions: usize,
        /// The requested position.
        position: usize,
    },
    /// The chaincode action payload has no endorsed action (Fabric would dereference nil).
    #[error("missing endorsed action in ChaincodeActionPayload")]
    MissingEndorsedAction,
    /// The proposal response payload does not decode.
    #[error("GetProposalResponsePayload error {0}")]
    ProposalResponsePayload(String),
    /// The proposal response payload has no extension.
    #[error("nil pRespPayload.Extension")]
    NilExtension,
    /// The chaincode action does not decode.
    #[error("GetChaincodeAction error {0}")]
    ChaincodeAction(String),
}

/// What the v20 validator needs from one transaction action.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// `ChaincodeAction.results`: the serialized `TxReadWriteSet`.
    pub rwset: Bytes,
    /// The original bytes of the `ProposalResponsePayload` (what endorsers signed).
    pub prp: Bytes,
    /// The endorsements, in transaction order (duplicates kept).
    pub endorsements: Vec<Endorsement>,
}

/// One transaction action decoded once: its artifacts and its written keys (or why the
/// read-write set does not parse, which the validator reports only after the artifacts).
#[derive(Debug, Clone)]
pub struct DecodedAction {
    /// The artifacts.
    pub artifacts: Artifacts,
    /// The written keys of `artifacts.rwset`, per namespace.
    pub writes: Result<Vec<NamespaceWrites>, RwsetError>,
}

impl DecodedAction {
    /// [`extract`]s the artifacts of action `action_position` and parses their read-write set.
    ///
    /// # Errors
    ///
    /// As [`extract`]; a read-write set that does not parse is kept in `writes`.
    pub fn decode(
        envelope: &[u8],
        tx_position: usize,
        action_position: usize,
    ) -> Result<Self, ArtifactError> {
        let artifacts = extract(envelope, tx_position, action_position)?;
        let writes = rwset::parse(artifacts.rwset.clone());
        Ok(DecodedAction { artifacts, writes })
    }
}

fn unmarshal<M: Message + Default>(what: &'static str, bytes: Bytes) -> Result<M, ArtifactError> {
    M::decode(bytes).map_err(|e| ArtifactError::Unmarshal {
        what,
        reason: e.to_string(),
    })
}

/// Extracts the artifacts of action `action_position` of the transaction whose envelope bytes
/// are `envelope`, in Fabric's order of checks (4.2 a-i).
///
/// # Errors
///
/// The first [`ArtifactError`] met on the way.
pub fn extract(
    envelope: &[u8],
    tx_position: usize,
    action_position: usize,
) -> Result<Artifacts, ArtifactError> {
    let env: Envelope = unmarshal("Envelope", Bytes::copy_from_slice(envelope))?;
    let payload: Payload = unmarshal("Payload", env.payload)?;
    let header = payload
        .header
        .ok_or(ArtifactError::MissingHeader { tx_position })?;
    let chdr: ChannelHeader = unmarshal("ChannelHeader", header.channel_header)?;
    if chdr.r#type != HeaderType::EndorserTransaction as i32 {
        return Err(ArtifactError::WrongType(chdr.r#type));
    }
    let tx: Transaction = unmarshal("Transaction", payload.data)?;
    endorsed_action_artifacts(tx, action_position)
}

fn endorsed_action_artifacts(
    tx: Transaction,
    action_position: usize,
) -> Result<Artifacts, ArtifactError> {
    let actions = tx.actions.len();
    let action =
        tx.actions
            .into_iter()
            .nth(action_position)
            .ok_or(ArtifactError::NoSuchAction {
                actions,
                position: action_position,
            })?;
    let cap: ChaincodeActionPayload = unmarshal("ChaincodeActionPayload", action.payload)?;
    let endorsed = cap.action.ok_or(ArtifactError::MissingEndorsedAction)?;
    let prp = endorsed.proposal_response_payload;
    let prp_msg = ProposalResponsePayload::decode(prp.clone())
        .map_err(|e| ArtifactError::ProposalResponsePayload(e.to_string()))?;
    if prp_msg.extension.is_empty() {
        return Err(ArtifactError::NilExtension);
    }
    let cc_action = ChaincodeAction::decode(prp_msg.extension)
        .map_err(|e| ArtifactError::ChaincodeAction(e.to_string()))?;
    Ok(Artifacts {
        rwset: cc_action.results,
        prp,
        endorsements: endorsed.endorsements,
    })
}

/// The rwset bytes of `actions[0]` as Fabric's dependency extraction reads them (envelope →
/// payload → transaction → first action → ... → results; no header-type check). `None` when
/// anything on the way does not parse: such a transaction introduces no dependency (spec 11.4).
pub fn dependency_rwset(envelope: &[u8]) -> Option<Bytes> {
    let env: Envelope = unmarshal("Envelope", Bytes::copy_from_slice(envelope)).ok()?;
    let payload: Payload = unmarshal("Payload", env.payload).ok()?;
    let tx: Transaction = unmarshal("Transaction", payload.data).ok()?;
    endorsed_action_artifacts(tx, 0).ok().map(|a| a.rwset)
}

//! What the plugin needs from one transaction envelope, decoded once, every signed part kept
//! as the original bytes.

use bytes::Bytes;
use fabric_protos::kvrwset::KvrwSet;
use fabric_protos::protos::{ChaincodeAction, Endorsement};
use fabric_protos::rwset::TxReadWriteSet;
use fabric_tx::EnvelopeView;
use prost::Message;

use crate::error::{Rule, UtxoError};

/// The parts of one endorser transaction the UTXO rules look at.
#[derive(Debug, Clone)]
pub struct TxArtifacts {
    /// `ChannelHeader.tx_id` (the committer has checked it is `hex(SHA-256(nonce ‖ creator))`).
    pub txid: String,
    /// `SignatureHeader.creator`: the creator's serialized identity, as carried.
    pub creator: Bytes,
    /// `Envelope.payload`, as carried (what the creator signed).
    pub payload: Bytes,
    /// `Envelope.signature`: the creator's signature over `payload`.
    pub signature: Bytes,
    /// `ChaincodeEndorsedAction.proposal_response_payload`, as carried.
    pub prp: Bytes,
    /// The endorsements, in transaction order.
    pub endorsements: Vec<Endorsement>,
    /// The guarded namespace's `KVRWSet`, `None` when the transaction has no entry for it.
    pub kv: Option<KvrwSet>,
    /// Whether the namespace's entry carries private (hashed) collection data.
    pub has_private_data: bool,
}

fn malformed(where_: &str, what: impl std::fmt::Display) -> UtxoError {
    UtxoError::invalid(Rule::Transaction, format!("{where_}: {what}"))
}

/// Decodes the envelope of transaction `tx_label` (`block:position`, for messages) down to the
/// read-write set of `namespace`.
///
/// # Errors
///
/// [`Rule::Transaction`] when a layer does not decode or an action other than 0 is asked for
/// (the committer accepts only single-action transactions).
pub fn extract(
    envelope: &[u8],
    tx_label: &str,
    action_position: usize,
    namespace: &str,
) -> Result<TxArtifacts, UtxoError> {
    if action_position != 0 {
        return Err(malformed(
            &format!("tx {tx_label}"),
            format!("only action 0 is validated, action {action_position} was asked for"),
        ));
    }
    let view = EnvelopeView::decode(Bytes::copy_from_slice(envelope))
        .map_err(|e| malformed(&format!("tx {tx_label}"), e))?;
    let txid = view.tx_id().to_owned();
    let at = format!("tx {tx_label} ({txid})");
    let endorser_tx = view.endorser_transaction().map_err(|e| malformed(&at, e))?;
    if endorser_tx.response.extension.is_empty() {
        return Err(malformed(
            &at,
            "the proposal response payload has no extension",
        ));
    }
    let action = ChaincodeAction::decode(endorser_tx.response.extension.clone())
        .map_err(|e| malformed(&at, format!("ChaincodeAction does not decode: {e}")))?;
    let rwset = TxReadWriteSet::decode(action.results)
        .map_err(|e| malformed(&at, format!("TxReadWriteSet does not decode: {e}")))?;
    let mut kv = None;
    let mut has_private_data = false;
    for ns in rwset
        .ns_rwset
        .into_iter()
        .filter(|n| n.namespace == namespace)
    {
        if kv.is_some() {
            return Err(malformed(
                &at,
                format!("the read-write set has namespace {namespace} twice"),
            ));
        }
        has_private_data = !ns.collection_hashed_rwset.is_empty();
        kv = Some(KvrwSet::decode(ns.rwset).map_err(|e| {
            malformed(
                &at,
                format!("KVRWSet of namespace {namespace} does not decode: {e}"),
            )
        })?);
    }
    Ok(TxArtifacts {
        txid,
        creator: view.creator().clone(),
        payload: view.payload,
        signature: view.signature,
        prp: endorser_tx.proposal_response_payload,
        endorsements: endorser_tx.endorsements,
        kv,
        has_private_data,
    })
}

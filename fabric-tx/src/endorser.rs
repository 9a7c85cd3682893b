//! The endorser transaction inside an envelope.

use bytes::Bytes;
use fabric_protos::common::SignatureHeader;
use fabric_protos::protos::{
    ChaincodeActionPayload, Endorsement, ProposalResponsePayload, Transaction,
};

use crate::envelope::msp_id_of;
use crate::error::{decode, TxError};

/// The first (and, in a valid transaction, only) action of an endorser transaction, decoded
/// down to its endorsements, with the signed byte slices kept as carried.
#[derive(Debug, Clone)]
pub struct EndorserTransaction {
    /// How many actions the transaction has (Fabric accepts exactly one).
    pub action_count: usize,
    /// `TransactionAction.header` of the first action, as carried.
    pub action_header_raw: Bytes,
    /// The decoded action header.
    pub action_header: SignatureHeader,
    /// `ChaincodeActionPayload.chaincode_proposal_payload`, as carried (hashed into the
    /// proposal hash).
    pub chaincode_proposal_payload: Bytes,
    /// `ChaincodeEndorsedAction.proposal_response_payload`, as carried: the bytes every
    /// endorsement signs (followed by the endorser's identity).
    pub proposal_response_payload: Bytes,
    /// The decoded proposal response payload.
    pub response: ProposalResponsePayload,
    /// The endorsements, in transaction order.
    pub endorsements: Vec<Endorsement>,
}

impl EndorserTransaction {
    /// Decodes a `Transaction` down to the first action's endorsements.
    ///
    /// # Errors
    /// [`TxError::Decode`] naming the layer, [`TxError::NoActions`], or [`TxError::Missing`]
    /// when the endorsed action is absent.
    pub fn decode(data: &Bytes) -> Result<Self, TxError> {
        let transaction: Transaction = decode(data, "Transaction")?;
        let action_count = transaction.actions.len();
        let action = transaction
            .actions
            .into_iter()
            .next()
            .ok_or(TxError::NoActions)?;
        let action_header = decode(&action.header, "SignatureHeader of action 0")?;
        let payload: ChaincodeActionPayload =
            decode(&action.payload, "ChaincodeActionPayload of action 0")?;
        let endorsed = payload.action.ok_or(TxError::Missing(
            "endorsed action (ChaincodeActionPayload.action)",
        ))?;
        let response = decode(
            &endorsed.proposal_response_payload,
            "ProposalResponsePayload",
        )?;
        Ok(Self {
            action_count,
            action_header_raw: action.header,
            action_header,
            chaincode_proposal_payload: payload.chaincode_proposal_payload,
            proposal_response_payload: endorsed.proposal_response_payload,
            response,
            endorsements: endorsed.endorsements,
        })
    }

    /// What endorsement `index` signs: `proposal_response_payload ‖ endorser`, from the
    /// original slices. `None` when there is no such endorsement.
    #[must_use]
    pub fn endorsement_message(&self, index: usize) -> Option<Vec<u8>> {
        let endorser = &self.endorsements.get(index)?.endorser;
        let mut message = Vec::with_capacity(self.proposal_response_payload.len() + endorser.len());
        message.extend_from_slice(&self.proposal_response_payload);
        message.extend_from_slice(endorser);
        Some(message)
    }

    /// The MSP ID of each endorser (`None` where the endorser does not decode).
    #[must_use]
    pub fn endorser_msp_ids(&self) -> Vec<Option<String>> {
        self.endorsements
            .iter()
            .map(|e| msp_id_of(&e.endorser))
            .collect()
    }
}

//! The endorsements of a transaction's action and what each one signs.

use bytes::Bytes;
use fabric_protos::protos::Endorsement;
use fabric_tx::{EnvelopeView, TxError};

/// The endorsed action of a transaction: the proposal response payload exactly as carried and
/// the endorsements in transaction order (duplicates kept).
#[derive(Debug, Clone)]
pub struct EndorsedAction {
    prp: Bytes,
    endorsements: Vec<Endorsement>,
}

/// Why a transaction's endorsements could not be read. Every case makes the transaction
/// invalid.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The envelope or an inner message does not decode, or is not an endorser transaction.
    #[error("{0}")]
    Decode(#[from] TxError),
    /// Only the first action can be validated (Fabric accepts exactly one per transaction and
    /// the committer always asks for action 0).
    #[error("requested action at position {position}, but only action 0 is validated")]
    ActionPosition {
        /// The requested position.
        position: usize,
    },
}

impl EndorsedAction {
    /// Reads action `action_position` (which must be 0) of the endorser transaction whose
    /// envelope bytes are `envelope`.
    ///
    /// # Errors
    ///
    /// [`ActionError::ActionPosition`] for any other position, [`ActionError::Decode`] when the
    /// envelope is not a decodable endorser transaction with an endorsed action.
    pub fn from_envelope(envelope: &[u8], action_position: usize) -> Result<Self, ActionError> {
        if action_position != 0 {
            return Err(ActionError::ActionPosition {
                position: action_position,
            });
        }
        // One copy of the envelope; every slice below shares it.
        let view = EnvelopeView::decode(Bytes::copy_from_slice(envelope))?;
        let tx = view.endorser_transaction()?;
        Ok(EndorsedAction {
            prp: tx.proposal_response_payload,
            endorsements: tx.endorsements,
        })
    }

    /// How many endorsements the action carries.
    pub fn len(&self) -> usize {
        self.endorsements.len()
    }

    /// Whether the action carries no endorsement.
    pub fn is_empty(&self) -> bool {
        self.endorsements.is_empty()
    }

    /// The endorsements in transaction order: for each, the endorser's serialized identity,
    /// its signature, and the message it signs.
    pub fn iter(&self) -> impl Iterator<Item = SignedEndorsement<'_>> {
        self.endorsements.iter().map(|e| SignedEndorsement {
            prp: &self.prp,
            endorser: &e.endorser,
            signature: &e.signature,
        })
    }
}

/// One endorsement with the bytes it signs.
#[derive(Debug, Clone, Copy)]
pub struct SignedEndorsement<'a> {
    prp: &'a [u8],
    /// The endorser's serialized identity, as carried.
    pub endorser: &'a [u8],
    /// The signature, as carried.
    pub signature: &'a [u8],
}

impl SignedEndorsement<'_> {
    /// What the endorser signed: `proposal_response_payload ‖ endorser`, from the original
    /// slices.
    pub fn message(&self) -> Vec<u8> {
        let mut message = Vec::with_capacity(self.prp.len() + self.endorser.len());
        message.extend_from_slice(self.prp);
        message.extend_from_slice(self.endorser);
        message
    }
}

//! Decodes the part of an endorser transaction the rule needs: the endorsed action's
//! proposal response payload (exact bytes, as signed) and its endorsements.

use fabric_protos::common::{ChannelHeader, Envelope, HeaderType, Payload};
use fabric_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, Endorsement, ProposalResponsePayload, Transaction,
};
use prost::bytes::Bytes;
use prost::Message;

/// Why the transaction could not be decoded (always an invalid transaction).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A protobuf message did not decode.
    #[error("cannot decode the {what}: {reason}")]
    Proto {
        /// Which message.
        what: &'static str,
        /// prost's message.
        reason: String,
    },
    /// A required field is absent.
    #[error("the {what} has no {field}")]
    Missing {
        /// Which message.
        what: &'static str,
        /// Which field.
        field: &'static str,
    },
    /// The envelope is not an endorser transaction.
    #[error("header type {found} is not ENDORSER_TRANSACTION (3)")]
    NotEndorserTransaction {
        /// The channel header's type.
        found: i32,
    },
    /// The transaction has no action at the requested position.
    #[error("the transaction has {count} actions, none at position {position}")]
    NoSuchAction {
        /// How many actions there are.
        count: usize,
        /// The position asked for.
        position: usize,
    },
}

/// The endorsed action of one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndorsedAction {
    /// The chaincode named in the action (`ChaincodeAction.chaincode_id.name`).
    pub chaincode: String,
    /// The `ProposalResponsePayload` bytes exactly as carried (what every endorser signed,
    /// followed by its identity).
    pub proposal_response_payload: Bytes,
    /// The endorsements, in transaction order.
    pub endorsements: Vec<Endorsement>,
}

fn proto<M: Message + Default>(what: &'static str, bytes: &[u8]) -> Result<M, DecodeError> {
    M::decode(bytes).map_err(|e| DecodeError::Proto {
        what,
        reason: e.to_string(),
    })
}

/// Decodes action `action_position` of the endorser transaction in `envelope`.
///
/// # Errors
///
/// [`DecodeError`] naming the message or field that is wrong.
pub fn endorsed_action(
    envelope: &[u8],
    action_position: usize,
) -> Result<EndorsedAction, DecodeError> {
    let envelope: Envelope = proto("envelope", envelope)?;
    let payload: Payload = proto("payload", &envelope.payload)?;
    let header = payload.header.ok_or(DecodeError::Missing {
        what: "payload",
        field: "header",
    })?;
    let channel_header: ChannelHeader = proto("channel header", &header.channel_header)?;
    if channel_header.r#type != HeaderType::EndorserTransaction as i32 {
        return Err(DecodeError::NotEndorserTransaction {
            found: channel_header.r#type,
        });
    }
    let tx: Transaction = proto("transaction", &payload.data)?;
    let count = tx.actions.len();
    let action = tx
        .actions
        .into_iter()
        .nth(action_position)
        .ok_or(DecodeError::NoSuchAction {
            count,
            position: action_position,
        })?;
    let cap: ChaincodeActionPayload = proto("chaincode action payload", &action.payload)?;
    let endorsed = cap.action.ok_or(DecodeError::Missing {
        what: "chaincode action payload",
        field: "action",
    })?;
    let prp: ProposalResponsePayload = proto(
        "proposal response payload",
        &endorsed.proposal_response_payload,
    )?;
    let cc_action: ChaincodeAction = proto("chaincode action", &prp.extension)?;
    let chaincode = cc_action
        .chaincode_id
        .map(|id| id.name)
        .ok_or(DecodeError::Missing {
            what: "chaincode action",
            field: "chaincode_id",
        })?;
    Ok(EndorsedAction {
        chaincode,
        proposal_response_payload: endorsed.proposal_response_payload,
        endorsements: endorsed.endorsements,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a panic is the failure report
mod tests {
    use super::*;

    #[test]
    fn garbage_and_wrong_header_types_are_named() {
        let err = endorsed_action(b"\xff\xff\xff", 0).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::Proto {
                    what: "envelope",
                    ..
                }
            ),
            "{err}"
        );

        let config_tx = Envelope {
            payload: Payload {
                header: Some(fabric_protos::common::Header {
                    channel_header: ChannelHeader {
                        r#type: HeaderType::Config as i32,
                        ..Default::default()
                    }
                    .encode_to_vec()
                    .into(),
                    signature_header: Bytes::new(),
                }),
                data: Bytes::new(),
            }
            .encode_to_vec()
            .into(),
            signature: Bytes::new(),
        };
        let err = endorsed_action(&config_tx.encode_to_vec(), 0).unwrap_err();
        assert_eq!(err, DecodeError::NotEndorserTransaction { found: 1 });
        assert_eq!(
            err.to_string(),
            "header type 1 is not ENDORSER_TRANSACTION (3)"
        );
    }
}

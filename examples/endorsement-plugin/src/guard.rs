//! The rule: which payloads this plugin refuses to endorse.

use fabric_protos::protos::{ChaincodeAction, ProposalResponsePayload};
use prost::Message;

/// The payload limit of the exported factory: 1 MiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// The first status Fabric treats as an error (`shim.ERRORTHRESHOLD`).
pub const ERROR_THRESHOLD: i32 = 400;

/// Why a payload is refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// The payload is larger than the limit.
    #[error("payload of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The payload's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The payload (or its extension) does not decode.
    #[error("cannot decode the {what}: {reason}")]
    Decode {
        /// Which message.
        what: &'static str,
        /// prost's message.
        reason: String,
    },
    /// The chaincode response reports an error.
    #[error("chaincode response status {status} (>= {ERROR_THRESHOLD}): {message:?}")]
    ErrorStatus {
        /// `Response.status`.
        status: i32,
        /// `Response.message`.
        message: String,
    },
}

/// Checks `payload` (a serialized `ProposalResponsePayload`) against the rule.
///
/// # Errors
///
/// [`GuardError`] saying why the payload must not be endorsed.
pub fn check_payload(payload: &[u8], max_payload_bytes: usize) -> Result<(), GuardError> {
    if payload.len() > max_payload_bytes {
        return Err(GuardError::TooLarge {
            size: payload.len(),
            limit: max_payload_bytes,
        });
    }
    let prp = ProposalResponsePayload::decode(payload).map_err(|e| GuardError::Decode {
        what: "proposal response payload",
        reason: e.to_string(),
    })?;
    let action =
        ChaincodeAction::decode(prp.extension.as_ref()).map_err(|e| GuardError::Decode {
            what: "chaincode action (proposal response payload extension)",
            reason: e.to_string(),
        })?;
    match action.response {
        Some(r) if r.status >= ERROR_THRESHOLD => Err(GuardError::ErrorStatus {
            status: r.status,
            message: r.message,
        }),
        _ => Ok(()),
    }
}

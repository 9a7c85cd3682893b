//! Decoding errors, one per layer.

/// Which layer of a transaction failed to decode, and the decoder's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxError {
    /// A message did not decode.
    #[error("could not decode the {layer}: {reason}")]
    Decode {
        /// The layer, e.g. "Payload" or "ChaincodeActionPayload of action 0".
        layer: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// A required part is absent.
    #[error("the {0} is missing")]
    Missing(&'static str),
    /// The transaction is not of the header type the caller asked for.
    #[error("header type is {found}, expected {expected}")]
    WrongHeaderType {
        /// The header type found.
        found: i32,
        /// The header type expected.
        expected: i32,
    },
    /// The transaction has no action.
    #[error("the transaction has no actions")]
    NoActions,
}

pub(crate) fn decode<M: prost::Message + Default>(
    bytes: &bytes::Bytes,
    layer: &'static str,
) -> Result<M, TxError> {
    M::decode(bytes.clone()).map_err(|e| TxError::Decode {
        layer,
        reason: e.to_string(),
    })
}

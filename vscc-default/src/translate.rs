//! Key-level validation parameters are stored as `SignaturePolicyEnvelope` bytes; the v20
//! evaluator wants `ApplicationPolicy` bytes (spec 4.4, V20-6).

use fabric_protos::common::SignaturePolicyEnvelope;
use prost::Message;

/// Why a stored validation parameter could not be translated.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    /// The bytes are not a `SignaturePolicyEnvelope`.
    #[error("could not unmarshal signature policy envelope: {0}")]
    NotAnEnvelope(String),
}

/// Translates a stored `VALIDATION_PARAMETER` (a serialized `SignaturePolicyEnvelope`) into a
/// serialized `ApplicationPolicy{signature_policy = envelope}`. Empty stays empty.
///
/// The envelope's original bytes are embedded as field 1 without being re-encoded; for any
/// envelope Go would marshal canonically this equals Fabric's
/// `Marshal(ApplicationPolicy{SignaturePolicy: unmarshaled envelope})` byte for byte (Go also
/// keeps unknown fields when re-marshalling).
///
/// # Errors
///
/// [`TranslateError::NotAnEnvelope`] when `stored` does not parse.
pub fn translate_vp(stored: &[u8]) -> Result<Vec<u8>, TranslateError> {
    if stored.is_empty() {
        return Ok(Vec::new());
    }
    SignaturePolicyEnvelope::decode(stored)
        .map_err(|e| TranslateError::NotAnEnvelope(e.to_string()))?;
    let mut out = Vec::with_capacity(stored.len() + 11);
    // ApplicationPolicy field 1 (signature_policy), wire type 2.
    out.push(0x0a);
    prost::encoding::encode_varint(stored.len() as u64, &mut out);
    out.extend_from_slice(stored);
    Ok(out)
}

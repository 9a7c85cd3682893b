//! ECDSA P-256 signatures the way Fabric checks and makes them.
//!
//! * [`EcdsaSignature`] parses ASN.1 DER signatures with Go `encoding/asn1` rules (spec 7.5):
//!   minimal encodings, bytes after the SEQUENCE ignored, `r > 0`, `s > 0`.
//! * [`VerifyBackend`] is the one small trait behind which verification sits. Two backends:
//!   [`RingBackend`] (native, the default: about five times faster here) and [`P256Backend`]
//!   (pure Rust). Every test of this crate runs against both ([`backends`]).
//! * [`verify_signature`] is Fabric's `Identity.Verify` for an ECDSA P-256 key: parse, reject
//!   high-S ("Invalid S. Must be smaller than half the order"), then verify over SHA-256 of the
//!   message. The message is always the original bytes as they were signed; nothing here
//!   re-encodes anything.
//! * [`SigningKey`] signs as Fabric's software signer does, with deterministic (RFC 6979) nonces
//!   so that fixtures are reproducible, and always normalises to low-S (spec 7.6).
//!
//! Only P-256 with SHA-256 is supported: every certificate and signature in the real Fabric
//! ledgers this project is checked against uses it. Other curves are reported as unsupported.

mod backend;
mod der;
mod error;
mod key;
mod scalar;
mod signing;

pub use backend::{backends, default_backend, P256Backend, RingBackend, VerifyBackend};
pub use der::EcdsaSignature;
pub use error::{KeyError, SignatureError, VerifyError};
pub use key::P256PublicKey;
pub use signing::SigningKey;

/// SHA-256 of `data`.
#[must_use]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// Fabric's `Identity.Verify` for an ECDSA P-256 key (spec 7.5).
///
/// Parses `der_signature` with Go's rules, rejects a high-S signature before any curve
/// arithmetic, then asks `backend` to verify it over SHA-256(`message`).
///
/// # Errors
/// [`VerifyError::Malformed`] when the DER does not parse, [`VerifyError::HighS`] when `s` is
/// above half the curve order, [`VerifyError::Invalid`] when the signature does not verify.
pub fn verify_signature(
    backend: &dyn VerifyBackend,
    key: &P256PublicKey,
    message: &[u8],
    der_signature: &[u8],
) -> Result<(), VerifyError> {
    let signature = EcdsaSignature::from_der(der_signature).map_err(VerifyError::Malformed)?;
    if !signature.is_low_s() {
        return Err(VerifyError::HighS);
    }
    if backend.verify_p256_sha256(key, message, &signature) {
        Ok(())
    } else {
        Err(VerifyError::Invalid)
    }
}

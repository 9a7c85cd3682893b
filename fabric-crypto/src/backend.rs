//! Verification backends: one small trait, two implementations.

use crate::{EcdsaSignature, P256PublicKey};

/// A way to verify ECDSA P-256 / SHA-256 signatures.
///
/// Implementations do plain ECDSA verification only: Fabric's extra rules (DER parsing, low-S)
/// live in [`crate::verify_signature`] so that every backend applies them identically.
pub trait VerifyBackend: Send + Sync + std::fmt::Debug {
    /// A short name for logs and benchmark labels, e.g. `ring`.
    fn name(&self) -> &'static str;

    /// Whether `signature` is a valid ECDSA signature over SHA-256(`message`) under `key`.
    fn verify_p256_sha256(
        &self,
        key: &P256PublicKey,
        message: &[u8],
        signature: &EcdsaSignature,
    ) -> bool;
}

/// The native backend, built on `ring`: the default, because it is the fastest here.
#[derive(Debug, Clone, Copy, Default)]
pub struct RingBackend;

impl VerifyBackend for RingBackend {
    fn name(&self) -> &'static str {
        "ring"
    }

    fn verify_p256_sha256(
        &self,
        key: &P256PublicKey,
        message: &[u8],
        signature: &EcdsaSignature,
    ) -> bool {
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            key.as_sec1(),
        )
        .verify(message, &signature.to_fixed())
        .is_ok()
    }
}

/// The pure-Rust backend, built on the `p256` crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct P256Backend;

impl VerifyBackend for P256Backend {
    fn name(&self) -> &'static str {
        "p256"
    }

    fn verify_p256_sha256(
        &self,
        key: &P256PublicKey,
        message: &[u8],
        signature: &EcdsaSignature,
    ) -> bool {
        use p256::ecdsa::signature::Verifier;
        let Ok(verifying_key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(key.as_sec1()) else {
            return false;
        };
        let Ok(sig) = p256::ecdsa::Signature::from_scalars(*signature.r(), *signature.s()) else {
            return false;
        };
        verifying_key.verify(message, &sig).is_ok()
    }
}

static RING: RingBackend = RingBackend;
static P256: P256Backend = P256Backend;

/// The default backend: [`RingBackend`]. The `signature_backends` criterion benchmark in
/// `benches/` measures both; ring verifies several times faster than p256 on this hardware.
#[must_use]
pub fn default_backend() -> &'static dyn VerifyBackend {
    &RING
}

/// Every backend, so that tests can run each check against all of them.
#[must_use]
pub fn backends() -> [&'static dyn VerifyBackend; 2] {
    [&RING, &P256]
}

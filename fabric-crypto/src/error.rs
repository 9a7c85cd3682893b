//! Error types of this crate.

/// Why a DER-encoded ECDSA signature was rejected before any verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The DER structure is wrong; the text says what and at which byte offset.
    #[error("malformed ECDSA signature DER: {0}")]
    Der(String),
    /// `r` is zero or negative.
    #[error("invalid signature: R must be larger than zero")]
    RNotPositive,
    /// `s` is zero or negative.
    #[error("invalid signature: S must be larger than zero")]
    SNotPositive,
    /// `r` or `s` is not below the curve order.
    #[error("invalid signature: {0} is not below the P-256 curve order")]
    OutOfRange(&'static str),
}

/// Why a public or private key was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are not a P-256 point (or not on the curve).
    #[error("not a P-256 public key: {0}")]
    PublicKey(String),
    /// The private key could not be decoded.
    #[error("not a P-256 private key: {0}")]
    PrivateKey(String),
}

/// Why [`crate::verify_signature`] refused a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature bytes are not a well-formed ECDSA signature.
    #[error("failed unmarshalling signature: {0}")]
    Malformed(SignatureError),
    /// `s` is above half the curve order (Fabric accepts only low-S signatures).
    #[error("Invalid S. Must be smaller than half the order")]
    HighS,
    /// The signature is well formed but does not verify under the key.
    #[error("the signature is invalid")]
    Invalid,
}

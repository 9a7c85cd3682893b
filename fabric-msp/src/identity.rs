//! The identity contract: what policies and validators need from an MSP.

use fabric_protos::common::MspPrincipal;

/// A deserialized identity of some MSP (Fabric's `msp.Identity`, spec 7).
pub trait Identity: Send + Sync {
    /// The MSP ID the identity belongs to, for example `Org1MSP`.
    fn msp_id(&self) -> &str;

    /// The identity identifier: lowercase hex of the hash (SHA-256 by default) of the sanitised
    /// certificate DER (spec 7.4). Together with [`Identity::msp_id`] it de-duplicates signers.
    fn id(&self) -> &str;

    /// Validates the identity against its MSP: certificate chain, revocation, OU rules (spec 7.3).
    ///
    /// # Errors
    /// [`MspError`] naming the rule that failed.
    fn validate(&self) -> Result<(), MspError>;

    /// Verifies `signature` (ASN.1 DER ECDSA, low-S) over `message` with the identity's key.
    /// `message` must be the original bytes as carried on the wire, never re-encoded.
    ///
    /// # Errors
    /// [`MspError::Signature`] when the signature is malformed, high-S or does not verify.
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError>;

    /// Checks the identity against an `MSPPrincipal` (spec 6.3), validating it where the
    /// principal kind requires.
    ///
    /// # Errors
    /// [`MspError`] saying why the principal is not satisfied.
    fn satisfies_principal(&self, principal: &MspPrincipal) -> Result<(), MspError>;
}

/// Turns serialized `msp.SerializedIdentity` bytes into an [`Identity`] (Fabric's channel MSP
/// manager, spec 7.1).
pub trait IdentityDeserializer: Send + Sync {
    /// The identity type this deserializer produces.
    type Identity: Identity;

    /// Deserializes `serialized` (the bytes of a `msp.SerializedIdentity`).
    ///
    /// # Errors
    /// [`MspError`] when the bytes do not parse, the MSP is not known, or the certificate is
    /// unusable.
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Self::Identity, MspError>;
}

/// Everything that can go wrong in the MSP. Each variant's message names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MspError {
    /// The bytes are not a `SerializedIdentity`.
    #[error("could not deserialize a SerializedIdentity: {0}")]
    Deserialize(String),
    /// The identity names an MSP that is not part of the channel.
    #[error("MSP {0} is not defined on channel")]
    UnknownMsp(String),
    /// A single MSP was asked to deserialize an identity of another MSP.
    #[error("expected MSP ID {expected}, received {received}")]
    WrongMsp {
        /// The MSP that was asked.
        expected: String,
        /// The MSP ID carried by the serialized identity.
        received: String,
    },
    /// The certificate could not be decoded or parsed.
    #[error("invalid certificate: {0}")]
    Certificate(String),
    /// The identity failed validation against its MSP.
    #[error("identity is not valid: {0}")]
    Invalid(String),
    /// The identity does not satisfy a principal.
    #[error("principal not satisfied: {0}")]
    PrincipalNotSatisfied(String),
    /// A signature did not verify.
    #[error("signature verification failed: {0}")]
    Signature(String),
    /// The MSP configuration itself is unusable.
    #[error("bad MSP configuration: {0}")]
    Config(String),
}

//! Identities as validation plugins see them (Fabric's `validation/api/identities`).

/// Why an identity operation failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The serialized identity could not be turned into an identity (bad bytes, unknown MSP).
    #[error("could not deserialize identity: {0}")]
    Deserialize(String),
    /// The identity is not valid for its MSP (expired, revoked, bad chain, ...).
    #[error("identity is not valid: {0}")]
    Invalid(String),
    /// The identity does not satisfy the given `MSPPrincipal`.
    #[error("identity does not satisfy the principal: {0}")]
    PrincipalNotSatisfied(String),
    /// The signature does not verify under the identity's key.
    #[error("signature verification failed: {0}")]
    Verify(String),
    /// Signing failed (endorsement side).
    #[error("signing failed: {0}")]
    Sign(String),
    /// The provider of the identity failed for another reason (including a panic in the host).
    #[error("identity provider failed: {0}")]
    Provider(String),
}

/// Fabric's `IdentityIdentifier`: the MSP id and the identity's id within it
/// (`hex(SHA-256(certificate DER))` for X.509 MSPs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityIdentifier {
    /// The MSP the identity belongs to.
    pub mspid: String,
    /// The identity's id within its MSP.
    pub id: String,
}

/// A deserialised identity of the channel.
pub trait Identity: Send + Sync {
    /// Checks the identity against its MSP (chain, revocation, expiry, OUs).
    ///
    /// # Errors
    ///
    /// [`IdentityError::Invalid`] when it is not valid.
    fn validate(&self) -> Result<(), IdentityError>;

    /// Checks the identity against a serialized `common.MSPPrincipal`.
    ///
    /// # Errors
    ///
    /// [`IdentityError::PrincipalNotSatisfied`] when the principal is not satisfied.
    fn satisfies_principal(&self, principal: &[u8]) -> Result<(), IdentityError>;

    /// Verifies `signature` over the original bytes `msg`.
    ///
    /// # Errors
    ///
    /// [`IdentityError::Verify`] when the signature does not verify.
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), IdentityError>;

    /// The MSP id of the identity.
    fn msp_id(&self) -> String;

    /// The identity's identifier (`{mspid, id}`).
    fn identifier(&self) -> IdentityIdentifier;

    /// When the identity expires, in seconds since the Unix epoch (`None`: never).
    fn expires_at(&self) -> Option<u64>;
}

/// Turns serialized `msp.SerializedIdentity` bytes into an [`Identity`] with the channel's MSPs.
pub trait IdentityDeserializer: Send + Sync {
    /// Deserialises `serialized` (the exact bytes from the transaction).
    ///
    /// # Errors
    ///
    /// [`IdentityError::Deserialize`] when the bytes or the MSP are not acceptable.
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Box<dyn Identity>, IdentityError>;
}

//! Signing identities as endorsement plugins see them (Fabric's `endorsement/api/identities`).

pub use crate::validation::identities::IdentityError;

/// The identity that signs endorsements.
pub trait SigningIdentity: Send + Sync {
    /// The serialized `msp.SerializedIdentity` of the signer.
    ///
    /// # Errors
    ///
    /// [`IdentityError`] when it cannot be serialized.
    fn serialize(&self) -> Result<Vec<u8>, IdentityError>;

    /// Signs `msg` (hashing is the identity's business).
    ///
    /// # Errors
    ///
    /// [`IdentityError::Sign`] when signing fails.
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError>;
}

/// Gives the signing identity to use for a proposal.
pub trait SigningIdentityFetcher: Send + Sync {
    /// The signing identity for `signed_proposal` (the serialized `SignedProposal`).
    ///
    /// # Errors
    ///
    /// [`IdentityError`] when no identity is available.
    fn signing_identity_for_request(
        &self,
        signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError>;
}

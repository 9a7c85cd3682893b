//! A compiled channel-config policy: a signature policy or an implicit-meta policy.

use fabric_msp::{Identity, IdentityDeserializer};

use crate::error::PolicyError;
use crate::implicit_meta::ImplicitMeta;
use crate::signature_policy::CompiledSignaturePolicy;
use crate::signed_data::{signature_set_to_valid_identities, SignedData};

/// A policy of the channel configuration tree, compiled.
///
/// # Signatures are verified once
/// Fabric evaluates an implicit-meta policy by calling `EvaluateSignedData` on every
/// sub-policy, and each signature policy turns the signature set into valid identities again,
/// so a signature is verified up to N times. [`Policy::evaluate_signed_data`] instead verifies
/// the set once and evaluates the whole tree with [`Policy::evaluate_identities`]. The result
/// is the same: turning a signature set into valid identities (spec 6.2) depends only on the
/// set and the deserializer, which are the same for every sub-policy of a channel, so every
/// sub-policy sees the identical identity list it would have computed itself, and each
/// signature-policy evaluation starts from a fresh `used[]` array in both designs.
#[derive(Debug, Clone)]
pub enum Policy {
    /// `Policy.type = SIGNATURE` (1).
    Signature(CompiledSignaturePolicy),
    /// `Policy.type = IMPLICIT_META` (3).
    ImplicitMeta(ImplicitMeta),
}

impl Policy {
    /// Evaluates the policy over identities whose signatures were already verified.
    ///
    /// # Errors
    /// [`PolicyError::SignaturePolicyNotSatisfied`] or
    /// [`PolicyError::ImplicitMetaNotSatisfied`] (of the top-level policy).
    pub fn evaluate_identities<I: Identity>(&self, identities: &[I]) -> Result<(), PolicyError> {
        match self {
            Self::Signature(policy) => policy.evaluate_identities(identities),
            Self::ImplicitMeta(policy) => policy.evaluate_identities(identities),
        }
    }

    /// Verifies the signature set once (spec 6.2) and evaluates the policy over the valid
    /// identities; see the type documentation for why this matches Fabric.
    ///
    /// # Errors
    /// As [`Policy::evaluate_identities`].
    pub fn evaluate_signed_data<D>(
        &self,
        signed_data: &[SignedData<'_>],
        deserializer: &D,
    ) -> Result<(), PolicyError>
    where
        D: IdentityDeserializer + ?Sized,
    {
        let identities = signature_set_to_valid_identities(signed_data, deserializer);
        self.evaluate_identities(&identities)
    }
}

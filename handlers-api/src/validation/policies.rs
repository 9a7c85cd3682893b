//! Policy evaluation as validation plugins see it (Fabric's `validation/api/policies`).

/// Why a policy evaluation did not succeed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The signature set does not satisfy the policy (or the policy bytes are unusable).
    #[error("policy not satisfied: {0}")]
    NotSatisfied(String),
    /// The evaluator itself failed (including a panic in the host).
    #[error("policy evaluator failed: {0}")]
    Provider(String),
}

/// One signature of a signature set: the signed bytes, the serialized identity that signed and
/// the signature, all as the original bytes from the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedData<'a> {
    /// The bytes that were signed.
    pub data: &'a [u8],
    /// The signer's serialized `msp.SerializedIdentity`.
    pub identity: &'a [u8],
    /// The signature over `data`.
    pub signature: &'a [u8],
}

/// Evaluates a policy against a signature set (Fabric's `PolicyEvaluator`).
pub trait PolicyEvaluator: Send + Sync {
    /// Evaluates `policy` (a serialized `ApplicationPolicy` on v20 channels) against
    /// `signature_set`.
    ///
    /// # Errors
    ///
    /// [`PolicyError::NotSatisfied`] when the policy is not satisfied.
    fn evaluate(&self, policy: &[u8], signature_set: &[SignedData<'_>]) -> Result<(), PolicyError>;
}

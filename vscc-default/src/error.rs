//! The v20 outcome classes (spec 1.3, 4.6) and their mapping to handlers-api's
//! [`ValidationError`].

use handlers_api::validation::ValidationError;

/// Why the v20 validator did not accept a transaction action.
///
/// Fabric's internal `VSCCEndorsementPolicyError` / `VSCCExecutionFailureError` pair. The
/// enum is closed on purpose: Fabric's wrapper panics on a third error type (DV-2); here a third
/// kind cannot exist.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V20Error {
    /// The transaction is invalid (ENDORSEMENT_POLICY_FAILURE at the committer).
    #[error("{0}")]
    Policy(String),
    /// Validity could not be determined: the block must not be committed.
    #[error("{0}")]
    Execution(String),
}

impl From<V20Error> for ValidationError {
    /// A policy error keeps its message (DV-3); an execution failure becomes
    /// `ExecutionFailure { reason = message }` (DV-4).
    fn from(err: V20Error) -> Self {
        match err {
            V20Error::Policy(m) => ValidationError::Invalid(m),
            V20Error::Execution(m) => ValidationError::ExecutionFailure(m),
        }
    }
}

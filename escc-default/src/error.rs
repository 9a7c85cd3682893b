//! Why the default endorsement plugin could not endorse.

use handlers_api::endorsement::identities::IdentityError;
use handlers_api::endorsement::EndorsementError;

/// Why [`DefaultEndorsement`](crate::DefaultEndorsement) could not endorse; the messages are
/// Fabric's, each followed by the underlying identity error.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefaultEndorsementError {
    /// The instance has no `SigningIdentityFetcher` (it was not initialised).
    #[error("could not find SigningIdentityFetcher in dependencies")]
    MissingSigningIdentityFetcher,
    /// `SigningIdentityForRequest` failed.
    #[error("failed fetching signing identity: {0}")]
    FetchSigningIdentity(IdentityError),
    /// The signing identity could not be serialized.
    #[error("could not serialize the signing identity: {0}")]
    SerializeIdentity(IdentityError),
    /// Signing `payload ‖ endorser` failed.
    #[error("could not sign the proposal response payload: {0}")]
    Sign(IdentityError),
}

impl From<DefaultEndorsementError> for EndorsementError {
    fn from(err: DefaultEndorsementError) -> Self {
        match err {
            // Displays as "could not find SigningIdentityFetcher in dependencies", Fabric's text.
            DefaultEndorsementError::MissingSigningIdentityFetcher => {
                EndorsementError::MissingDependency(SIGNING_IDENTITY_FETCHER.to_owned())
            }
            other => EndorsementError::Failed(other.to_string()),
        }
    }
}

/// The dependency's name as Fabric spells it in its error text.
const SIGNING_IDENTITY_FETCHER: &str = "SigningIdentityFetcher";

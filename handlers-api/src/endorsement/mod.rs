//! The endorsement (ESCC) plugin API in plain Rust (Fabric's `core/handlers/endorsement/api`).

pub mod identities;
pub mod state;

use std::sync::Arc;

pub use identities::{SigningIdentity, SigningIdentityFetcher};
pub use state::{State, StateFetcher};

/// Why an endorsement plugin could not be created, initialised or could not endorse.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndorsementError {
    /// A dependency the plugin needs was not provided.
    #[error("could not find {0} in dependencies")]
    MissingDependency(String),
    /// The plugin failed with the given reason.
    #[error("{0}")]
    Failed(String),
    /// The plugin panicked; the text names the plugin, the operation and the panic payload.
    #[error("{0}")]
    Panicked(String),
}

/// The endorsement a plugin produces: Fabric's `protos.Endorsement` as its two byte fields
/// (not the serialized message), so the host builds the `ProposalResponse` itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    /// The endorser's serialized `msp.SerializedIdentity`.
    pub endorser: Vec<u8>,
    /// The signature over `payload ‖ endorser`.
    pub signature: Vec<u8>,
}

/// What [`Plugin::endorse`] returns: the endorsement and the payload to put into the
/// `ProposalResponse` (the default plugin returns the input payload unchanged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndorseOutput {
    /// The endorsement.
    pub endorsement: Endorsement,
    /// The serialized `ProposalResponsePayload` for the response.
    pub payload: Vec<u8>,
}

/// The dependencies a host passes to [`Plugin::init`].
#[derive(Clone)]
pub struct Dependencies {
    /// Gives the signing identity for a proposal.
    pub signing_identity_fetcher: Arc<dyn SigningIdentityFetcher>,
    /// Opens views of channel state; `None` for an instance not bound to a channel.
    pub state_fetcher: Option<Arc<dyn StateFetcher>>,
}

impl std::fmt::Debug for Dependencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dependencies")
            .field("state_fetcher", &self.state_fetcher.is_some())
            .finish_non_exhaustive()
    }
}

/// An endorsement plugin instance, one per (plugin name, channel), shared by concurrent
/// proposals.
pub trait Plugin: Send + Sync {
    /// Receives the dependencies once, before the first [`Plugin::endorse`].
    ///
    /// # Errors
    ///
    /// [`EndorsementError`] when a dependency is missing or unusable.
    fn init(&mut self, deps: Dependencies) -> Result<(), EndorsementError>;

    /// Endorses `payload` (the serialized `ProposalResponsePayload`, exactly as built by the
    /// peer) for `signed_proposal` (the serialized `SignedProposal`).
    ///
    /// # Errors
    ///
    /// [`EndorsementError`] when no endorsement can be produced.
    fn endorse(
        &self,
        payload: &[u8],
        signed_proposal: &[u8],
    ) -> Result<EndorseOutput, EndorsementError>;
}

/// Creates endorsement plugin instances (Fabric's `PluginFactory.New`).
pub trait PluginFactory: Send + Sync {
    /// A fresh, uninitialised plugin instance.
    ///
    /// # Errors
    ///
    /// [`EndorsementError`] when no instance can be created (for a plugin loaded through the
    /// FFI, also when the factory panicked).
    #[allow(clippy::new_ret_no_self, clippy::wrong_self_convention)] // Fabric's name for the factory method.
    fn new(&self) -> Result<Box<dyn Plugin>, EndorsementError>;
}

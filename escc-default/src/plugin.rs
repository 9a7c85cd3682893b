//! The plugin instance and its factory.

use std::sync::Arc;

use handlers_api::endorsement::{
    Dependencies, EndorseOutput, Endorsement, EndorsementError, Plugin, PluginFactory,
    SigningIdentityFetcher,
};

use crate::error::DefaultEndorsementError;

/// The builtin name under which the peer knows this plugin (core.yaml `name:`).
pub const PLUGIN_NAME: &str = "DefaultEndorsement";

/// Fabric's `DefaultEndorsementFactory`: every [`PluginFactory::new`] gives a fresh,
/// uninitialised [`DefaultEndorsement`].
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultEndorsementFactory;

impl PluginFactory for DefaultEndorsementFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, EndorsementError> {
        Ok(Box::new(DefaultEndorsement::new()))
    }
}

/// Fabric's `DefaultEndorsement`: signs `payload ‖ serialized identity` with the signing
/// identity the fetcher gives for the proposal (see the crate docs for the exact bytes).
#[derive(Default)]
pub struct DefaultEndorsement {
    signing_identity_fetcher: Option<Arc<dyn SigningIdentityFetcher>>,
}

impl std::fmt::Debug for DefaultEndorsement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefaultEndorsement")
            .field("initialised", &self.signing_identity_fetcher.is_some())
            .finish()
    }
}

impl DefaultEndorsement {
    /// An uninitialised instance (endorsing fails until [`Plugin::init`]).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The endorsement of `payload` for `signed_proposal`, with the typed error.
    ///
    /// # Errors
    ///
    /// [`DefaultEndorsementError::MissingSigningIdentityFetcher`] before `init`;
    /// otherwise the fetch, serialize or sign failure, in that order.
    pub fn endorse_payload(
        &self,
        payload: &[u8],
        signed_proposal: &[u8],
    ) -> Result<EndorseOutput, DefaultEndorsementError> {
        let fetcher = self
            .signing_identity_fetcher
            .as_ref()
            .ok_or(DefaultEndorsementError::MissingSigningIdentityFetcher)?;
        let signer = fetcher
            .signing_identity_for_request(signed_proposal)
            .map_err(DefaultEndorsementError::FetchSigningIdentity)?;
        let endorser = signer
            .serialize()
            .map_err(DefaultEndorsementError::SerializeIdentity)?;
        let mut signed_bytes = Vec::with_capacity(payload.len() + endorser.len());
        signed_bytes.extend_from_slice(payload);
        signed_bytes.extend_from_slice(&endorser);
        let signature = signer
            .sign(&signed_bytes)
            .map_err(DefaultEndorsementError::Sign)?;
        Ok(EndorseOutput {
            endorsement: Endorsement {
                endorser,
                signature,
            },
            payload: payload.to_vec(),
        })
    }
}

impl Plugin for DefaultEndorsement {
    /// Keeps the signing identity fetcher (replacing one from an earlier `init`, as Fabric
    /// does); the state fetcher and any later dependency are ignored. Never fails: the typed
    /// dependencies always carry a fetcher.
    fn init(&mut self, deps: Dependencies) -> Result<(), EndorsementError> {
        self.signing_identity_fetcher = Some(deps.signing_identity_fetcher);
        Ok(())
    }

    fn endorse(
        &self,
        payload: &[u8],
        signed_proposal: &[u8],
    ) -> Result<EndorseOutput, EndorsementError> {
        self.endorse_payload(payload, signed_proposal)
            .map_err(Into::into)
    }
}

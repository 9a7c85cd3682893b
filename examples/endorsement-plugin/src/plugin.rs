//! The plugin and its factory: what a plugin author writes (plain
//! `handlers_api::endorsement` traits, no abi_stable type anywhere).

use std::sync::Arc;

use handlers_api::endorsement::{
    Dependencies, EndorseOutput, Endorsement, EndorsementError, Plugin, PluginFactory,
    SigningIdentityFetcher,
};

use crate::guard::{check_payload, DEFAULT_MAX_PAYLOAD_BYTES};

/// Creates [`StatusGuard`] instances with a payload limit.
#[derive(Debug, Clone, Copy)]
pub struct StatusGuardFactory {
    /// Payloads larger than this are refused.
    pub max_payload_bytes: usize,
}

impl Default for StatusGuardFactory {
    fn default() -> Self {
        StatusGuardFactory {
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
        }
    }
}

impl PluginFactory for StatusGuardFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, EndorsementError> {
        Ok(Box::new(StatusGuard {
            max_payload_bytes: self.max_payload_bytes,
            signer: None,
        }))
    }
}

/// The plugin (see the crate documentation).
pub struct StatusGuard {
    max_payload_bytes: usize,
    signer: Option<Arc<dyn SigningIdentityFetcher>>,
}

impl std::fmt::Debug for StatusGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusGuard")
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("initialised", &self.signer.is_some())
            .finish()
    }
}

impl Plugin for StatusGuard {
    fn init(&mut self, deps: Dependencies) -> Result<(), EndorsementError> {
        self.signer = Some(deps.signing_identity_fetcher);
        Ok(())
    }

    fn endorse(
        &self,
        payload: &[u8],
        signed_proposal: &[u8],
    ) -> Result<EndorseOutput, EndorsementError> {
        let fetcher = self.signer.as_ref().ok_or_else(|| {
            EndorsementError::MissingDependency("SigningIdentityFetcher (init not called)".into())
        })?;
        check_payload(payload, self.max_payload_bytes).map_err(|e| {
            EndorsementError::Failed(format!("StatusGuard refuses to endorse: {e}"))
        })?;
        let identity = fetcher
            .signing_identity_for_request(signed_proposal)
            .map_err(|e| {
                EndorsementError::Failed(format!("failed fetching signing identity: {e}"))
            })?;
        let endorser = identity.serialize().map_err(|e| {
            EndorsementError::Failed(format!("could not serialize the signing identity: {e}"))
        })?;
        let signed = [payload, endorser.as_slice()].concat();
        let signature = identity.sign(&signed).map_err(|e| {
            EndorsementError::Failed(format!("could not sign the proposal response payload: {e}"))
        })?;
        Ok(EndorseOutput {
            endorsement: Endorsement {
                endorser,
                signature,
            },
            payload: payload.to_vec(),
        })
    }
}

//! `SignedEnvelopes`: a validation plugin built in its own cargo workspace. It decodes the
//! envelope with prost 0.13 (the peer uses 0.14) and rejects an envelope without a signature.

use handlers_api::validation::{
    BlockView, Context, Dependencies, InitError, Plugin, PluginFactory, ValidationError,
};
use prost::Message;

/// Fabric's `common.Envelope`, declared here with this crate's own prost.
#[derive(Clone, PartialEq, Message)]
struct Envelope {
    #[prost(bytes = "vec", tag = "1")]
    payload: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    signature: Vec<u8>,
}

/// Rejects envelopes that carry no signature.
#[derive(Default)]
pub struct SignedEnvelopes;

impl Plugin for SignedEnvelopes {
    fn init(&mut self, _deps: Dependencies) -> Result<(), InitError> {
        Ok(())
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        _namespace: &str,
        tx_position: usize,
        _action_position: usize,
        _context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let raw = block.envelope(tx_position).ok_or_else(|| {
            ValidationError::ExecutionFailure(format!("no transaction at {tx_position}"))
        })?;
        let envelope = Envelope::decode(raw)
            .map_err(|e| ValidationError::Invalid(format!("not an Envelope: {e}")))?;
        if envelope.signature.is_empty() {
            return Err(ValidationError::Invalid("the envelope has no signature".into()));
        }
        Ok(())
    }
}

/// Creates [`SignedEnvelopes`] instances.
#[derive(Default)]
pub struct SignedEnvelopesFactory;

impl PluginFactory for SignedEnvelopesFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(SignedEnvelopes))
    }
}

handlers_api::export_validation_plugin!("SignedEnvelopes", SignedEnvelopesFactory::default);

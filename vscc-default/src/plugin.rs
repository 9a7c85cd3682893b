//! Fabric's `DefaultValidation` wrapper (spec 4.1) as a handlers-api validation plugin.

use std::sync::Arc;

use handlers_api::validation::{
    BlockView, Capabilities, Context, Dependencies, InitError, Plugin, PluginFactory,
    ValidationError,
};

use crate::validator::{V20Dependencies, V20Validator};

/// The name the peer knows this plugin by (core.yaml `validators: vscc: name: DefaultValidation`).
pub const PLUGIN_NAME: &str = "DefaultValidation";

/// Fabric's `DefaultValidation`: checks the call, then dispatches on the channel's current
/// capabilities to the v20 validator. Channels without `V2_0Validation` (v12/v13 semantics)
/// are out of scope and yield an execution failure.
#[derive(Default)]
pub struct DefaultValidation {
    initialized: Option<Initialized>,
}

struct Initialized {
    capabilities: Arc<dyn Capabilities>,
    v20: V20Validator,
}

impl std::fmt::Debug for DefaultValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefaultValidation")
            .field("initialized", &self.initialized.is_some())
            .finish()
    }
}

impl Plugin for DefaultValidation {
    /// Requires every dependency Fabric requires, reporting the first missing one in Fabric's
    /// order (state fetcher, identity deserializer, capabilities, policy evaluator, collection
    /// resources); the first three are always present in handlers-api's typed struct.
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        let capabilities = deps
            .capabilities
            .ok_or_else(|| InitError::MissingDependency("capabilities".into()))?;
        let collection_resources = deps
            .collection_resources
            .ok_or_else(|| InitError::MissingDependency("collection resources".into()))?;
        self.initialized = Some(Initialized {
            capabilities,
            v20: V20Validator::new(V20Dependencies {
                policy_evaluator: deps.policy_evaluator,
                state_fetcher: deps.state_fetcher,
                collection_resources,
            }),
        });
        Ok(())
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let Some(init) = &self.initialized else {
            return Err(ValidationError::ExecutionFailure(format!(
                "{PLUGIN_NAME} used before init"
            )));
        };
        // Fabric 4.1 steps 1-2 (no / foreign context datum => panic) cannot happen: the typed
        // `Context` always carries the `SerializedPolicy`.
        if block.is_empty() {
            return Err(ValidationError::Invalid("empty block".into()));
        }
        block.envelope_or_invalid(tx_position)?;
        // Step 5 ("no block header") is the host's: a `BlockView` always has a number.
        let caps = init.capabilities.application();
        if !caps.v2_0_validation {
            let which = if caps.v1_3_validation { "v13" } else { "v12" };
            return Err(ValidationError::ExecutionFailure(format!(
                "{PLUGIN_NAME}: the channel lacks the V2_0 application capability and {which} \
                 validation is not implemented"
            )));
        }
        init.v20
            .validate(
                block,
                namespace,
                tx_position,
                action_position,
                context.serialized_policy.bytes(),
            )
            .map_err(Into::into)
    }
}

/// Creates [`DefaultValidation`] instances.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultValidationFactory;

impl PluginFactory for DefaultValidationFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(DefaultValidation::default()))
    }
}

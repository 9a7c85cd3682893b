//! The `UTXO` validation plugin: the call checks, then [`crate::validator`].

use handlers_api::validation::{
    BlockView, Context, Dependencies, InitError, Plugin, PluginFactory, ValidationError,
};

use crate::validator::UtxoValidator;

/// The builtin name of this plugin (core.yaml `validators: <key>: name: UTXO`).
pub const PLUGIN_NAME: &str = "UTXO";

/// The `UTXO` validation plugin. Holds nothing but its dependencies: transactions are
/// validated concurrently without any lock.
#[derive(Default)]
pub struct UtxoValidation {
    validator: Option<UtxoValidator>,
}

impl std::fmt::Debug for UtxoValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UtxoValidation")
            .field("initialized", &self.validator.is_some())
            .finish()
    }
}

impl Plugin for UtxoValidation {
    /// Needs the policy evaluator and the state fetcher (always present); capabilities and
    /// collection resources are not used.
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        self.validator = Some(UtxoValidator::new(
            deps.policy_evaluator,
            deps.state_fetcher,
        ));
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
        let Some(validator) = &self.validator else {
            return Err(ValidationError::ExecutionFailure(format!(
                "{PLUGIN_NAME} used before init"
            )));
        };
        let envelope = block.envelope_or_invalid(tx_position)?;
        let tx_label = format!("{}:{tx_position}", block.number());
        validator
            .validate(
                envelope,
                &tx_label,
                namespace,
                action_position,
                context.serialized_policy.bytes(),
            )
            .map_err(Into::into)
    }
}

/// Creates [`UtxoValidation`] instances.
#[derive(Debug, Default, Clone, Copy)]
pub struct UtxoValidationFactory;

impl PluginFactory for UtxoValidationFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(UtxoValidation::default()))
    }
}

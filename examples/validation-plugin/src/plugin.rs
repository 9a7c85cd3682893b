//! The plugin and its factory: what a plugin author writes (plain `handlers_api::validation`
//! traits, no abi_stable type anywhere).

use std::collections::BTreeMap;
use std::sync::Arc;

use handlers_api::validation::{
    BlockView, Context, Dependencies, IdentityDeserializer, IdentityError, InitError, Plugin,
    PluginFactory, ValidationError,
};

use crate::decode::endorsed_action;
use crate::parameter::MinOrgs;

/// Creates [`DistinctOrgs`] instances (one per channel, made by the host).
#[derive(Debug, Default, Clone, Copy)]
pub struct DistinctOrgsFactory;

impl PluginFactory for DistinctOrgsFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(DistinctOrgs::default()))
    }
}

/// The plugin: at least N verified endorsements, each from a different MSP (see the crate
/// documentation).
#[derive(Default)]
pub struct DistinctOrgs {
    identities: Option<Arc<dyn IdentityDeserializer>>,
}

impl std::fmt::Debug for DistinctOrgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DistinctOrgs")
            .field("initialised", &self.identities.is_some())
            .finish()
    }
}

/// An identity failure of endorsement `index`: the provider failing is an execution failure,
/// anything about the identity or its signature makes the transaction invalid.
fn identity_failure(index: usize, msp: &str, what: &str, err: IdentityError) -> ValidationError {
    match err {
        IdentityError::Provider(reason) => ValidationError::ExecutionFailure(format!(
            "endorsement {index} (MSP {msp}): identity provider failed while {what}: {reason}"
        )),
        other => ValidationError::Invalid(format!("endorsement {index} (MSP {msp}): {other}")),
    }
}

impl Plugin for DistinctOrgs {
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        self.identities = Some(deps.identity_deserializer);
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
        let identities = self.identities.as_ref().ok_or_else(|| {
            ValidationError::ExecutionFailure("DistinctOrgs used before init".into())
        })?;
        let envelope = block.envelope(tx_position).ok_or_else(|| {
            ValidationError::ExecutionFailure(format!(
                "block {} has {} transactions, none at position {tx_position}",
                block.number(),
                block.len()
            ))
        })?;
        let min = MinOrgs::parse(context.serialized_policy.bytes())
            .map_err(|e| ValidationError::Invalid(format!("chaincode {namespace}: {e}")))?;
        let action = endorsed_action(envelope, action_position).map_err(|e| {
            ValidationError::Invalid(format!("block {} tx {tx_position}: {e}", block.number()))
        })?;
        if action.chaincode != namespace {
            return Err(ValidationError::Invalid(format!(
                "the action is for chaincode {:?}, validated as {namespace:?}",
                action.chaincode
            )));
        }

        // MSP id -> index of the endorsement that came from it.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (index, e) in action.endorsements.iter().enumerate() {
            let identity = identities
                .deserialize_identity(&e.endorser)
                .map_err(|err| identity_failure(index, "unknown", "deserializing", err))?;
            let msp = identity.msp_id();
            identity
                .validate()
                .map_err(|err| identity_failure(index, &msp, "validating", err))?;
            // The signed bytes are the carried payload followed by the carried endorser.
            let signed = [action.proposal_response_payload.as_ref(), &e.endorser].concat();
            identity
                .verify(&signed, &e.signature)
                .map_err(|err| identity_failure(index, &msp, "verifying", err))?;
            if let Some(first) = seen.insert(msp.clone(), index) {
                return Err(ValidationError::Invalid(format!(
                    "endorsements {first} and {index} both come from MSP {msp}; each \
                     endorsement must come from a distinct MSP"
                )));
            }
        }
        let distinct = u32::try_from(seen.len()).unwrap_or(u32::MAX);
        if distinct < min.get() {
            let msps: Vec<&str> = seen.keys().map(String::as_str).collect();
            return Err(ValidationError::Invalid(format!(
                "{distinct} distinct MSPs endorsed ([{}]), chaincode {namespace} requires at \
                 least {min}",
                msps.join(", ")
            )));
        }
        Ok(())
    }
}

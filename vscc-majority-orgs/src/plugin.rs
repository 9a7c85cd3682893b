//! `SignedByMajorityPeerOrgs` as a handlers-api validation plugin, and its factory.

use std::sync::Arc;

use handlers_api::validation::{
    BlockView, ChannelOrganizations, Context, Dependencies, IdentityDeserializer, InitError,
    Plugin, PluginFactory, ValidationError,
};

use crate::endorsements::EndorsedAction;
use crate::error::MajorityError;
use crate::orgs::ChannelOrgs;
use crate::rule::Rule;
use crate::tally;

/// The name the peer knows this plugin by (core.yaml `validators: <key>: name:
/// SignedByMajorityPeerOrgs`).
pub const PLUGIN_NAME: &str = "SignedByMajorityPeerOrgs";

/// The plugin: valid when valid endorsements come from as many distinct application
/// organisations of the configuration in force as the rule of the validation parameter
/// requires (see the crate documentation).
#[derive(Default)]
pub struct SignedByMajorityPeerOrgs {
    ready: Option<Ready>,
}

struct Ready {
    identities: Arc<dyn IdentityDeserializer>,
    organizations: Arc<dyn ChannelOrganizations>,
}

impl std::fmt::Debug for SignedByMajorityPeerOrgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedByMajorityPeerOrgs")
            .field("initialized", &self.ready.is_some())
            .finish()
    }
}

impl SignedByMajorityPeerOrgs {
    /// The decision for one action, with the typed error.
    ///
    /// # Errors
    ///
    /// [`MajorityError`]; [`MajorityError::is_invalid`] tells an invalid transaction from an
    /// execution failure.
    pub fn check(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), MajorityError> {
        let ready = self.ready.as_ref().ok_or(MajorityError::NotInitialized)?;
        if block.is_empty() {
            return Err(MajorityError::EmptyBlock);
        }
        let envelope = block.envelope(tx_position).ok_or(MajorityError::NoSuchTx {
            len: block.len(),
            tx_position,
        })?;
        let rule = Rule::parse(context.serialized_policy.bytes()).map_err(|source| {
            MajorityError::Rule {
                namespace: namespace.to_owned(),
                source,
            }
        })?;
        let action =
            EndorsedAction::from_envelope(envelope, action_position).map_err(|source| {
                MajorityError::Action {
                    tx_position,
                    source,
                }
            })?;
        let orgs = ChannelOrgs::new(
            &ready
                .organizations
                .application_orgs()
                .map_err(MajorityError::Organizations)?,
        );
        let required = rule
            .required(orgs.len())
            .map_err(|source| MajorityError::Requirement {
                namespace: namespace.to_owned(),
                rule,
                source,
            })?;
        let tally = tally::count(&action, &orgs, ready.identities.as_ref(), required).map_err(
            |source| MajorityError::IdentityProvider {
                tx_position,
                source,
            },
        )?;
        if tally.counted.len() >= required {
            return Ok(());
        }
        Err(MajorityError::NotSatisfied {
            namespace: namespace.to_owned(),
            tx_position,
            rule,
            required,
            channel: orgs.msp_ids().map(str::to_owned).collect(),
            counted: tally.counted.into_iter().collect(),
            rejected: tally.rejected,
        })
    }
}

impl Plugin for SignedByMajorityPeerOrgs {
    /// Needs the identity deserializer and the appended `channel_organizations` dependency
    /// (`MissingDependency("channel organizations")` without it).
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        let organizations = deps
            .channel_organizations
            .ok_or_else(|| InitError::MissingDependency("channel organizations".into()))?;
        self.ready = Some(Ready {
            identities: deps.identity_deserializer,
            organizations,
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
        self.check(block, namespace, tx_position, action_position, context)
            .map_err(Into::into)
    }
}

/// Creates [`SignedByMajorityPeerOrgs`] instances.
#[derive(Debug, Default, Clone, Copy)]
pub struct SignedByMajorityPeerOrgsFactory;

impl PluginFactory for SignedByMajorityPeerOrgsFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(SignedByMajorityPeerOrgs::default()))
    }
}

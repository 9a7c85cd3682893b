//! The host side of every validation dependency (handlers-api `validation::Dependencies`), over
//! one channel's configuration in force and its world state.
//!
//! A [`ChannelHost`] is shared by the block validator and every plugin instance of the channel.
//! Plugin instances live as long as the channel, so the adapters read the configuration at call
//! time: when a config block commits, [`ChannelHost::set_config`] switches every dependency at
//! once (between blocks; a config transaction is alone in its block).

use std::sync::{Arc, PoisonError, RwLock};

use fabric_config::ChannelConfig;
use fabric_msp::IdentityDeserializer as _;
use fabric_msp::{Identity as _, MspError};
use fabric_policies::ApplicationPolicyCache;
use fabric_protos::common::MspPrincipal;
use handlers_api::validation::organizations::{
    ApplicationOrg, ChannelOrganizations, OrganizationsError,
};
use handlers_api::validation::{
    self, ApplicationCapabilities, CollectionInfoError, CollectionResources, Dependencies,
    IdentityError, IdentityIdentifier, PolicyError, StateError, StateFetcher,
};
use prost::Message;

use crate::lifecycle;
use crate::state::WorldState;

/// One channel's configuration in force and committed state, shared with the plugins.
#[derive(Clone)]
pub struct ChannelHost {
    shared: Arc<Shared>,
}

struct Shared {
    channel_id: String,
    config: RwLock<Option<Arc<ChannelConfig>>>,
    state: Arc<RwLock<WorldState>>,
    /// Policies the plugins evaluated, parsed once (valid across configurations).
    policies: ApplicationPolicyCache,
}

impl std::fmt::Debug for ChannelHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelHost")
            .field("channel_id", &self.shared.channel_id)
            .finish_non_exhaustive()
    }
}

impl ChannelHost {
    /// A host for `channel_id` with the configuration in force (if known yet) and the state.
    #[must_use]
    pub fn new(
        channel_id: &str,
        config: Option<ChannelConfig>,
        state: Arc<RwLock<WorldState>>,
    ) -> Self {
        ChannelHost {
            shared: Arc::new(Shared {
                channel_id: channel_id.to_owned(),
                config: RwLock::new(config.map(Arc::new)),
                state,
                policies: ApplicationPolicyCache::default(),
            }),
        }
    }

    /// The channel name.
    #[must_use]
    pub fn channel_id(&self) -> &str {
        &self.shared.channel_id
    }

    /// The configuration in force, if one is known.
    #[must_use]
    pub fn config(&self) -> Option<Arc<ChannelConfig>> {
        self.shared.config()
    }

    /// Switches every dependency to `config` (a committed config block).
    pub fn set_config(&self, config: ChannelConfig) {
        *self
            .shared
            .config
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(config));
    }

    /// The committed state.
    #[must_use]
    pub fn state(&self) -> &Arc<RwLock<WorldState>> {
        &self.shared.state
    }

    /// Every dependency a validation plugin can ask for, bound to this channel.
    #[must_use]
    pub fn dependencies(&self) -> Dependencies {
        let shared = Arc::clone(&self.shared);
        Dependencies::new(
            Arc::new(HostIdentities(Arc::clone(&shared))),
            Arc::new(HostPolicies(Arc::clone(&shared))),
            Arc::new(HostState(Arc::clone(&shared))),
        )
        .with_capabilities(Arc::new(HostCapabilities(Arc::clone(&shared))))
        .with_collection_resources(Arc::new(HostCollections(Arc::clone(&shared))))
        .with_channel_organizations(Arc::new(HostOrganizations(shared)))
    }
}

impl Shared {
    fn config(&self) -> Option<Arc<ChannelConfig>> {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn require_config(&self) -> Result<Arc<ChannelConfig>, String> {
        self.config()
            .ok_or_else(|| format!("channel {} has no configuration yet", self.channel_id))
    }
}

/// The application capabilities that the named application capability enables (cumulative, as
/// in Fabric's `ApplicationProvider`).
#[must_use]
pub fn application_capabilities(config: &ChannelConfig) -> ApplicationCapabilities {
    let names = &config.capabilities().application;
    let has = |n: &str| names.contains(n);
    let v2_5 = has("V2_5");
    let v2_0 = v2_5 || has("V2_0");
    let v1_4_2 = v2_0 || has("V1_4_2");
    let v1_3 = v1_4_2 || has("V1_3");
    let v1_2 = v1_3 || has("V1_2");
    let v1_1 = v1_2 || has("V1_1");
    let mut caps = ApplicationCapabilities::default();
    caps.forbid_duplicate_txid_in_block = v1_1;
    caps.v1_1_validation = v1_1;
    caps.acls = v1_2;
    caps.private_channel_data = v1_2;
    caps.collection_upgrade = v1_2;
    caps.v1_2_validation = v1_2;
    caps.v1_3_validation = v1_3;
    caps.key_level_endorsement = v1_3;
    caps.store_pvt_data_of_invalid_tx = v1_4_2;
    caps.v2_0_validation = v2_0;
    caps
}

struct HostIdentities(Arc<Shared>);

impl validation::IdentityDeserializer for HostIdentities {
    fn deserialize_identity(
        &self,
        serialized: &[u8],
    ) -> Result<Box<dyn validation::Identity>, IdentityError> {
        let config = self.0.require_config().map_err(IdentityError::Provider)?;
        let identity = config
            .msp_manager()
            .deserialize_identity(serialized)
            .map_err(|e| IdentityError::Deserialize(e.to_string()))?;
        Ok(Box::new(HostIdentity(identity)))
    }
}

/// A channel MSP identity as a handlers-api identity.
struct HostIdentity(fabric_msp::MspIdentity);

impl validation::Identity for HostIdentity {
    fn validate(&self) -> Result<(), IdentityError> {
        self.0.validate().map_err(|e| match e {
            // The handlers-api error says "identity is not valid" itself.
            MspError::Invalid(detail) => IdentityError::Invalid(detail),
            other => IdentityError::Invalid(other.to_string()),
        })
    }

    fn satisfies_principal(&self, principal: &[u8]) -> Result<(), IdentityError> {
        let principal = MspPrincipal::decode(principal).map_err(|e| {
            IdentityError::PrincipalNotSatisfied(format!("principal does not decode: {e}"))
        })?;
        self.0.satisfies_principal(&principal).map_err(|e| match e {
            MspError::PrincipalNotSatisfied(detail) => IdentityError::PrincipalNotSatisfied(detail),
            other => IdentityError::PrincipalNotSatisfied(other.to_string()),
        })
    }

    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        self.0.verify(msg, signature).map_err(|e| match e {
            MspError::Signature(detail) => IdentityError::Verify(detail),
            other => IdentityError::Verify(other.to_string()),
        })
    }

    fn msp_id(&self) -> String {
        self.0.msp_id().to_owned()
    }

    fn identifier(&self) -> IdentityIdentifier {
        IdentityIdentifier {
            mspid: self.0.msp_id().to_owned(),
            id: self.0.id().to_owned(),
        }
    }

    fn expires_at(&self) -> Option<u64> {
        u64::try_from(self.0.certificate().not_after()).ok()
    }
}

struct HostPolicies(Arc<Shared>);

impl validation::PolicyEvaluator for HostPolicies {
    fn evaluate(
        &self,
        policy: &[u8],
        signature_set: &[validation::SignedData<'_>],
    ) -> Result<(), PolicyError> {
        let config = self.0.require_config().map_err(PolicyError::Provider)?;
        let signed: Vec<fabric_policies::SignedData<'_>> = signature_set
            .iter()
            .map(|sd| fabric_policies::SignedData {
                data: sd.data,
                identity: sd.identity,
                signature: sd.signature,
            })
            .collect();
        self.0
            .policies
            .parsed(policy)
            .and_then(|parsed| {
                parsed.evaluate_signed_data(
                    &signed,
                    config.msp_manager().as_ref(),
                    config.policies(),
                )
            })
            .map_err(|e| PolicyError::NotSatisfied(e.to_string()))
    }
}

struct HostCapabilities(Arc<Shared>);

impl validation::Capabilities for HostCapabilities {
    fn supported(&self) -> Result<(), String> {
        self.0.require_config().map(|_| ())
    }

    fn application(&self) -> ApplicationCapabilities {
        self.0
            .config()
            .map(|c| application_capabilities(&c))
            .unwrap_or_default()
    }
}

struct HostCollections(Arc<Shared>);

impl CollectionResources for HostCollections {
    fn collection_validation_info(
        &self,
        chaincode: &str,
        collection: &str,
        state: &mut dyn validation::State,
    ) -> Result<Vec<u8>, CollectionInfoError> {
        let config = self
            .0
            .require_config()
            .map_err(CollectionInfoError::Unexpected)?;
        let mut reader = lifecycle::LentState(state);
        lifecycle::collection_validation_info(&config, chaincode, collection, &mut reader)
    }
}

struct HostOrganizations(Arc<Shared>);

impl ChannelOrganizations for HostOrganizations {
    fn application_orgs(&self) -> Result<Vec<ApplicationOrg>, OrganizationsError> {
        let config = self
            .0
            .require_config()
            .map_err(OrganizationsError::Provider)?;
        let mut orgs: Vec<ApplicationOrg> = config
            .application_orgs()
            .iter()
            .map(|o| ApplicationOrg::new(o.name.clone(), o.msp_id.clone(), o.node_ous_enabled()))
            .collect();
        orgs.sort_by(|a, b| a.msp_id.cmp(&b.msp_id));
        Ok(orgs)
    }
}

struct HostState(Arc<Shared>);

impl StateFetcher for HostState {
    fn fetch_state(&self) -> Result<Box<dyn validation::State>, StateError> {
        Ok(Box::new(StateView(Arc::clone(&self.0.state))))
    }
}

/// A plugin's view of the committed state (reads take the lock per query; the validator never
/// writes while a block is being validated).
struct StateView(Arc<RwLock<WorldState>>);

impl StateView {
    fn read<T>(&self, f: impl FnOnce(&WorldState) -> T) -> T {
        f(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl validation::State for StateView {
    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        Ok(self.read(|s| {
            keys.iter()
                .map(|k| s.get(namespace, k).map(|v| v.value.to_vec()))
                .collect()
        }))
    }

    fn get_state_range_scan_iterator(
        &self,
        namespace: &str,
        start: &str,
        end: &str,
    ) -> Result<validation::KvIterator, StateError> {
        let items: Vec<Result<validation::Kv, StateError>> = self.read(|s| {
            s.range(namespace, start, end)
                .map(|(key, v)| {
                    Ok(validation::Kv {
                        namespace: namespace.to_owned(),
                        key: key.clone(),
                        value: v.value.to_vec(),
                    })
                })
                .collect()
        });
        Ok(Box::new(items.into_iter()))
    }

    fn get_state_metadata(
        &self,
        namespace: &str,
        key: &str,
    ) -> Result<crate::state::Metadata, StateError> {
        Ok(self.read(|s| {
            s.get(namespace, key)
                .map(|v| v.metadata.clone())
                .unwrap_or_default()
        }))
    }

    fn get_private_data_metadata_by_hash(
        &self,
        namespace: &str,
        collection: &str,
        key_hash: &[u8],
    ) -> Result<crate::state::Metadata, StateError> {
        Ok(self.read(|s| {
            s.get_hashed(namespace, collection, key_hash)
                .map(|v| v.metadata.clone())
                .unwrap_or_default()
        }))
    }

    fn done(&self) {}
}

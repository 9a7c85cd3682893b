//! [`ChannelConfig`]: everything validation needs from one channel configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use fabric_msp::{ManagerOptions, Msp, MspManager};
use fabric_policies::PolicyManager;
use fabric_protos::common::{
    BlockDataHashingStructure, Capabilities as CapabilitiesValue, Config, ConfigGroup,
    HashingAlgorithm, OrdererAddresses,
};
use prost::Message;

use crate::capabilities::Capabilities;
use crate::error::ConfigError;
use crate::extract::config_envelope_from_envelope;
use crate::keys;
use crate::organization::{MspKind, Organization};

/// One configuration of a channel: organisations, capabilities, policies and MSPs.
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    channel_id: String,
    sequence: u64,
    capabilities: Capabilities,
    application_orgs: Vec<Organization>,
    orderer_orgs: Vec<Organization>,
    consortium_orgs: Vec<Organization>,
    hashing_algorithm: Option<String>,
    block_data_hashing_width: Option<u32>,
    orderer_addresses: Vec<String>,
    policies: Arc<PolicyManager>,
    msp_manager: Arc<MspManager>,
    config: Arc<Config>,
}

impl ChannelConfig {
    /// Reads the configuration carried by a config transaction envelope (the single data
    /// entry of a config block; `ORDERER_TRANSACTION` wrappers are unwrapped).
    ///
    /// # Errors
    /// Any [`ConfigError`]: the envelope is not a config transaction, a message or value does
    /// not decode, a policy does not compile, or an MSP cannot be set up.
    pub fn from_config_block_envelope(envelope: Bytes) -> Result<Self, ConfigError> {
        let tx = config_envelope_from_envelope(envelope)?;
        let config = tx
            .config_envelope
            .config
            .ok_or_else(|| ConfigError::Missing("config in the ConfigEnvelope".into()))?;
        Self::from_config(&tx.channel_id, config)
    }

    /// Builds the channel configuration from a `Config` message.
    ///
    /// # Errors
    /// As [`ChannelConfig::from_config_block_envelope`].
    pub fn from_config(channel_id: &str, config: Config) -> Result<Self, ConfigError> {
        Self::from_config_with_options(channel_id, config, ManagerOptions::default())
    }

    /// As [`ChannelConfig::from_config`], with the MSP manager's verification backend and
    /// cache capacity chosen by the caller.
    ///
    /// # Errors
    /// As [`ChannelConfig::from_config_block_envelope`].
    pub fn from_config_with_options(
        channel_id: &str,
        config: Config,
        msp_options: ManagerOptions,
    ) -> Result<Self, ConfigError> {
        let root = config
            .channel_group
            .as_ref()
            .ok_or_else(|| ConfigError::Missing("channel_group in Config".into()))?;
        let root_path = keys::CHANNEL_GROUP;

        let mut capabilities = Capabilities {
            channel: capability_names(root, root_path)?,
            ..Capabilities::default()
        };
        let application_orgs = match root.groups.get(keys::APPLICATION_GROUP) {
            Some(app) => {
                let path = format!("{root_path}/{}", keys::APPLICATION_GROUP);
                capabilities.application = capability_names(app, &path)?;
                organizations(app, &path)?
            }
            None => Vec::new(),
        };
        let orderer_orgs = match root.groups.get(keys::ORDERER_GROUP) {
            Some(orderer) => {
                let path = format!("{root_path}/{}", keys::ORDERER_GROUP);
                capabilities.orderer = capability_names(orderer, &path)?;
                organizations(orderer, &path)?
            }
            None => Vec::new(),
        };
        let mut consortium_orgs = Vec::new();
        if let Some(consortiums) = root.groups.get(keys::CONSORTIUMS_GROUP) {
            for (name, consortium) in &consortiums.groups {
                let path = format!("{root_path}/{}/{name}", keys::CONSORTIUMS_GROUP);
                consortium_orgs.extend(organizations(consortium, &path)?);
            }
        }

        let hashing_algorithm =
            decode_value::<HashingAlgorithm>(root, root_path, keys::HASHING_ALGORITHM_VALUE)?
                .map(|v| v.name);
        let block_data_hashing_width = decode_value::<BlockDataHashingStructure>(
            root,
            root_path,
            keys::BLOCK_DATA_HASHING_STRUCTURE_VALUE,
        )?
        .map(|v| v.width);
        let orderer_addresses =
            decode_value::<OrdererAddresses>(root, root_path, keys::ORDERER_ADDRESSES_VALUE)?
                .map(|v| v.addresses)
                .unwrap_or_default();

        let policies = PolicyManager::from_channel_group(root)?;
        let msp_manager = build_msp_manager(
            application_orgs
                .iter()
                .chain(&orderer_orgs)
                .chain(&consortium_orgs),
            &capabilities,
            msp_options,
        )?;

        Ok(Self {
            channel_id: channel_id.to_owned(),
            sequence: config.sequence,
            capabilities,
            application_orgs,
            orderer_orgs,
            consortium_orgs,
            hashing_algorithm,
            block_data_hashing_width,
            orderer_addresses,
            policies: Arc::new(policies),
            msp_manager: Arc::new(msp_manager),
            config: Arc::new(config),
        })
    }

    /// The channel ID from the config transaction's channel header.
    #[must_use]
    pub fn channel_id(&self) -> &str {
        &self.channel_id
    }

    /// The config sequence number (`Config.sequence`).
    #[must_use]
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// Channel, orderer and application capabilities.
    #[must_use]
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// Application organisations, in config (name) order.
    #[must_use]
    pub fn application_orgs(&self) -> &[Organization] {
        &self.application_orgs
    }

    /// Orderer organisations, in config (name) order.
    #[must_use]
    pub fn orderer_orgs(&self) -> &[Organization] {
        &self.orderer_orgs
    }

    /// Organisations of the consortiums of a v1.x system channel.
    #[must_use]
    pub fn consortium_orgs(&self) -> &[Organization] {
        &self.consortium_orgs
    }

    /// The MSP IDs of the application organisations, sorted.
    #[must_use]
    pub fn application_msp_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .application_orgs
            .iter()
            .map(|o| o.msp_id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The organisation (application, orderer or consortium) with this MSP ID.
    #[must_use]
    pub fn organization_by_msp_id(&self, msp_id: &str) -> Option<&Organization> {
        self.application_orgs
            .iter()
            .chain(&self.orderer_orgs)
            .chain(&self.consortium_orgs)
            .find(|o| o.msp_id == msp_id)
    }

    /// `Channel/HashingAlgorithm`, when present (`SHA256` on every Fabric channel).
    #[must_use]
    pub fn hashing_algorithm(&self) -> Option<&str> {
        self.hashing_algorithm.as_deref()
    }

    /// `Channel/BlockDataHashingStructure.width`, when present.
    #[must_use]
    pub fn block_data_hashing_width(&self) -> Option<u32> {
        self.block_data_hashing_width
    }

    /// `Channel/OrdererAddresses`.
    #[must_use]
    pub fn orderer_addresses(&self) -> &[String] {
        &self.orderer_addresses
    }

    /// The compiled policy tree, rooted at `Channel`.
    #[must_use]
    pub fn policies(&self) -> &Arc<PolicyManager> {
        &self.policies
    }

    /// The channel's MSP manager: deserializes, validates and caches identities of every X.509
    /// organisation of this configuration.
    #[must_use]
    pub fn msp_manager(&self) -> &Arc<MspManager> {
        &self.msp_manager
    }

    /// The `Config` message this was built from.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }
}

fn organizations(group: &ConfigGroup, path: &str) -> Result<Vec<Organization>, ConfigError> {
    group
        .groups
        .iter()
        .map(|(name, org)| Organization::from_group(name, &format!("{path}/{name}"), org))
        .collect()
}

fn capability_names(
    group: &ConfigGroup,
    path: &str,
) -> Result<std::collections::BTreeSet<String>, ConfigError> {
    Ok(
        decode_value::<CapabilitiesValue>(group, path, keys::CAPABILITIES_VALUE)?
            .map(|c| c.capabilities.into_keys().collect())
            .unwrap_or_default(),
    )
}

fn decode_value<M: Message + Default>(
    group: &ConfigGroup,
    path: &str,
    key: &str,
) -> Result<Option<M>, ConfigError> {
    group
        .values
        .get(key)
        .map(|value| {
            M::decode(value.value.clone()).map_err(|e| ConfigError::BadValue {
                path: path.to_owned(),
                key: key.to_owned(),
                reason: e.to_string(),
            })
        })
        .transpose()
}

/// Sets up one X.509 MSP per organisation (Idemix and unknown MSP types are left out: their
/// identities fail to deserialize) and puts them in one manager.
fn build_msp_manager<'a>(
    orgs: impl Iterator<Item = &'a Organization>,
    capabilities: &Capabilities,
    options: ManagerOptions,
) -> Result<MspManager, ConfigError> {
    let version = capabilities.msp_version();
    let mut by_id: BTreeMap<&str, &Organization> = BTreeMap::new();
    let mut msps = Vec::new();
    for org in orgs {
        let MspKind::Fabric(fabric) = &org.msp else {
            continue;
        };
        if let Some(first) = by_id.get(org.msp_id.as_str()) {
            // The same org may appear in the orderer and the application group with the same
            // MSP definition (Fabric's SampleOrg does); only a different definition clashes.
            if first.msp == org.msp {
                continue;
            }
            return Err(ConfigError::DuplicateMspId {
                msp_id: org.msp_id.clone(),
                first: first.path.clone(),
                second: org.path.clone(),
            });
        }
        by_id.insert(&org.msp_id, org);
        let msp = Msp::with_backend(fabric, version, options.backend).map_err(|source| {
            ConfigError::Msp {
                org: org.path.clone(),
                source,
            }
        })?;
        msps.push(msp);
    }
    MspManager::new(msps, options.cache_capacity).map_err(|source| ConfigError::Msp {
        org: "Channel".to_owned(),
        source,
    })
}

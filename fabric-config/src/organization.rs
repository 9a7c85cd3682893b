//! Organisations of a channel and their MSP configuration.

use fabric_protos::common::ConfigGroup;
use fabric_protos::msp::{FabricMspConfig, MspConfig};
use prost::Message;

use crate::error::ConfigError;
use crate::keys;

/// Which kind of MSP an organisation uses (`MSPConfig.type`).
#[derive(Debug, Clone, PartialEq)]
pub enum MspKind {
    /// The X.509 MSP (type 0) with its decoded configuration.
    Fabric(Box<FabricMspConfig>),
    /// An Idemix MSP (type 1). Identity mixer is out of scope: its identities never
    /// deserialize, so they never satisfy a policy.
    Idemix,
    /// Any other MSP type number.
    Other(i32),
}

/// One organisation of the application or orderer group.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// The org group's name in the config, e.g. `Org1` or `SampleOrg`.
    pub name: String,
    /// Its path, e.g. `Channel/Application/Org1`.
    pub path: String,
    /// The MSP ID (`FabricMSPConfig.name`; for non-X.509 MSPs, the group name).
    pub msp_id: String,
    /// The MSP configuration.
    pub msp: MspKind,
    /// Names of the org's own policies (`Readers`, `Writers`, `Admins`, `Endorsement`, ...).
    pub policy_names: Vec<String>,
}

impl Organization {
    /// Reads an organisation from its config group.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] when the group has no `MSP` value, [`ConfigError::BadValue`] when
    /// the value does not decode.
    pub fn from_group(name: &str, path: &str, group: &ConfigGroup) -> Result<Self, ConfigError> {
        let value = group
            .values
            .get(keys::MSP_VALUE)
            .ok_or_else(|| ConfigError::Missing(format!("value {path}/{}", keys::MSP_VALUE)))?;
        let bad = |reason: String| ConfigError::BadValue {
            path: path.to_owned(),
            key: keys::MSP_VALUE.to_owned(),
            reason,
        };
        let msp_config = MspConfig::decode(value.value.clone())
            .map_err(|e| bad(format!("not an MSPConfig: {e}")))?;
        let (msp_id, msp) = match msp_config.r#type {
            0 => {
                let fabric = FabricMspConfig::decode(msp_config.config)
                    .map_err(|e| bad(format!("not a FabricMSPConfig: {e}")))?;
                if fabric.name.is_empty() {
                    return Err(bad("FabricMSPConfig has an empty name (MSP ID)".into()));
                }
                (fabric.name.clone(), MspKind::Fabric(Box::new(fabric)))
            }
            1 => (
                idemix_msp_id(&msp_config.config).unwrap_or_else(|| name.to_owned()),
                MspKind::Idemix,
            ),
            other => (name.to_owned(), MspKind::Other(other)),
        };
        Ok(Self {
            name: name.to_owned(),
            path: path.to_owned(),
            msp_id,
            msp,
            policy_names: group.policies.keys().cloned().collect(),
        })
    }

    /// The X.509 MSP configuration, when the organisation has one.
    #[must_use]
    pub fn fabric_msp(&self) -> Option<&FabricMspConfig> {
        match &self.msp {
            MspKind::Fabric(config) => Some(config),
            _ => None,
        }
    }

    /// Whether NodeOU classification is on for this organisation's MSP (the `enable` flag).
    #[must_use]
    pub fn node_ous_enabled(&self) -> bool {
        self.fabric_msp()
            .and_then(|c| c.fabric_node_ous.as_ref())
            .is_some_and(|n| n.enable)
    }
}

/// The MSP ID of an Idemix MSP config (`IdemixMSPConfig.name`, field 1), if it decodes.
fn idemix_msp_id(config: &[u8]) -> Option<String> {
    fabric_protos::msp::IdemixMspConfig::decode(config)
        .ok()
        .map(|c| c.name)
        .filter(|n| !n.is_empty())
}

//! A channel configuration built from MSP folders, for ledgers that carry no config block.
//!
//! The folders are turned into the `Config` message that `configtxgen` would write for a
//! channel of those organisations (with the sample profiles' policies), and that message then
//! takes exactly the path a config block takes ([`ChannelConfig::from_config`]).

use std::path::PathBuf;

use fabric_policies::policydsl;
use fabric_protos::common::{
    implicit_meta_policy::Rule, policy::PolicyType, Capabilities as CapabilitiesValue, Capability,
    Config, ConfigGroup, ConfigPolicy, ConfigValue, HashingAlgorithm, ImplicitMetaPolicy, Policy,
    SignaturePolicyEnvelope,
};
use fabric_protos::msp::MspConfig;
use prost::Message;

use crate::channel::ChannelConfig;
use crate::error::ConfigError;
use crate::keys;

/// One organisation given as an MSP folder in Fabric's layout (`cacerts/`,
/// `intermediatecerts/`, `admincerts/`, `crls/`, `config.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MspFolder {
    /// The MSP ID, e.g. `Org1MSP`. It also names the organisation's config group.
    pub msp_id: String,
    /// The folder.
    pub path: PathBuf,
}

impl MspFolder {
    /// Parses the command-line form `MSPID=DIR`.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] when there is no `=` or either side is empty.
    pub fn parse(spec: &str) -> Result<Self, ConfigError> {
        match spec.split_once('=') {
            Some((id, dir)) if !id.is_empty() && !dir.is_empty() => Ok(Self {
                msp_id: id.to_owned(),
                path: PathBuf::from(dir),
            }),
            _ => Err(ConfigError::Missing(format!(
                "MSPID=DIR in {spec:?} (for example Org1MSP=msp/Org1MSP)"
            ))),
        }
    }
}

/// The channel-level choices that a folder has no place for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderChannelOptions {
    /// The channel ID.
    pub channel_id: String,
    /// Channel-level capability (selects the MSP version), e.g. `V2_0`.
    pub channel_capability: String,
    /// Application capability (selects the validation path), e.g. `V2_5`.
    pub application_capability: String,
}

impl FolderChannelOptions {
    /// Fabric 2.5 defaults: channel capability `V2_0` (MSP v1.4.3), application `V2_5`.
    #[must_use]
    pub fn new(channel_id: &str) -> Self {
        Self {
            channel_id: channel_id.to_owned(),
            channel_capability: "V2_0".to_owned(),
            application_capability: "V2_5".to_owned(),
        }
    }
}

impl ChannelConfig {
    /// Builds a channel configuration whose application organisations are the given MSP
    /// folders, with `configtxgen`'s sample policies: per organisation `Readers`, `Writers` and
    /// `Endorsement` = `OR('<MSPID>.member')` and `Admins` = `OR('<MSPID>.admin')`; on the
    /// application group `Readers`/`Writers` = `ANY`, `Admins` = `MAJORITY Admins`,
    /// `Endorsement` and `LifecycleEndorsement` = `MAJORITY Endorsement`.
    ///
    /// # Errors
    /// [`ConfigError::MspFolder`] naming the file when a folder cannot be read, or any error of
    /// [`ChannelConfig::from_config`] (an MSP that cannot be set up, a policy that does not
    /// compile).
    pub fn from_msp_folders(
        folders: &[MspFolder],
        options: &FolderChannelOptions,
    ) -> Result<Self, ConfigError> {
        let mut application = ConfigGroup {
            values: [capabilities_value(&options.application_capability)].into(),
            policies: [
                implicit_meta("Readers", Rule::Any, "Readers"),
                implicit_meta("Writers", Rule::Any, "Writers"),
                implicit_meta("Admins", Rule::Majority, "Admins"),
                implicit_meta("Endorsement", Rule::Majority, "Endorsement"),
                implicit_meta("LifecycleEndorsement", Rule::Majority, "Endorsement"),
            ]
            .into(),
            mod_policy: "Admins".to_owned(),
            ..ConfigGroup::default()
        };
        for folder in folders {
            let fabric = fabric_msp::load_msp_folder(&folder.path, &folder.msp_id)
                .map_err(|e| ConfigError::MspFolder(e.to_string()))?;
            let msp_value = MspConfig {
                r#type: 0,
                config: fabric.encode_to_vec().into(),
            };
            let org = ConfigGroup {
                values: [(
                    keys::MSP_VALUE.to_owned(),
                    ConfigValue {
                        value: msp_value.encode_to_vec().into(),
                        mod_policy: "Admins".to_owned(),
                        ..ConfigValue::default()
                    },
                )]
                .into(),
                policies: [
                    signature("Readers", policydsl::signed_by_msp_member(&folder.msp_id)),
                    signature("Writers", policydsl::signed_by_msp_member(&folder.msp_id)),
                    signature(
                        "Endorsement",
                        policydsl::signed_by_msp_member(&folder.msp_id),
                    ),
                    signature("Admins", policydsl::signed_by_msp_admin(&folder.msp_id)),
                ]
                .into(),
                mod_policy: "Admins".to_owned(),
                ..ConfigGroup::default()
            };
            application.groups.insert(folder.msp_id.clone(), org);
        }
        let channel = ConfigGroup {
            groups: [(keys::APPLICATION_GROUP.to_owned(), application)].into(),
            values: [
                capabilities_value(&options.channel_capability),
                (
                    keys::HASHING_ALGORITHM_VALUE.to_owned(),
                    ConfigValue {
                        value: HashingAlgorithm {
                            name: "SHA256".to_owned(),
                        }
                        .encode_to_vec()
                        .into(),
                        ..ConfigValue::default()
                    },
                ),
            ]
            .into(),
            mod_policy: "Admins".to_owned(),
            ..ConfigGroup::default()
        };
        let config = Config {
            sequence: 0,
            channel_group: Some(channel),
        };
        Self::from_config(&options.channel_id, config)
    }
}

fn capabilities_value(name: &str) -> (String, ConfigValue) {
    let value = CapabilitiesValue {
        capabilities: [(name.to_owned(), Capability {})].into(),
    };
    (
        keys::CAPABILITIES_VALUE.to_owned(),
        ConfigValue {
            value: value.encode_to_vec().into(),
            mod_policy: "Admins".to_owned(),
            ..ConfigValue::default()
        },
    )
}

fn implicit_meta(name: &str, rule: Rule, sub_policy: &str) -> (String, ConfigPolicy) {
    let value = ImplicitMetaPolicy {
        sub_policy: sub_policy.to_owned(),
        rule: rule as i32,
    };
    config_policy(name, PolicyType::ImplicitMeta, value.encode_to_vec())
}

fn signature(name: &str, envelope: SignaturePolicyEnvelope) -> (String, ConfigPolicy) {
    config_policy(name, PolicyType::Signature, envelope.encode_to_vec())
}

fn config_policy(name: &str, kind: PolicyType, value: Vec<u8>) -> (String, ConfigPolicy) {
    (
        name.to_owned(),
        ConfigPolicy {
            policy: Some(Policy {
                r#type: kind as i32,
                value: value.into(),
            }),
            mod_policy: "Admins".to_owned(),
            ..ConfigPolicy::default()
        },
    )
}

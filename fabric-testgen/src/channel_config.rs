//! Channel configuration as configtxgen lays it out (spec 6.7, 8.8), the CONFIG envelope that
//! carries it, and config updates that add or remove an application organisation.

use std::collections::BTreeMap;

use bytes::Bytes;
use fabric_protos::common::{
    self as pb, Capabilities, Capability, ConfigEnvelope, ConfigGroup, ConfigPolicy,
    ConfigSignature, ConfigUpdate, ConfigUpdateEnvelope, ConfigValue, Envelope, HeaderType, Policy,
};
use prost::Message;
use prost_types::Timestamp;

use crate::msp::{Identity, OrgKind, OrgMaterial};
use crate::policy::{any_of, implicit_meta, signature_policy, MetaRule, Role};

/// Errors from building config updates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The current config lacks a group on the path being changed.
    #[error("config has no group {path}")]
    MissingGroup {
        /// Path of the missing group, e.g. `Channel/Application`.
        path: String,
    },
    /// Adding an organisation whose group name is already present.
    #[error("application group already has an organisation {name}")]
    OrgExists {
        /// The group name (the MSP ID).
        name: String,
    },
    /// Removing an organisation that is not there.
    #[error("application group has no organisation {name} (present: {present:?})")]
    OrgMissing {
        /// The requested group name.
        name: String,
        /// The organisations present.
        present: Vec<String>,
    },
    /// An orderer organisation cannot be added to the Application group.
    #[error("{msp_id} is an orderer organisation; only application organisations can be added")]
    NotApplicationOrg {
        /// The MSP ID.
        msp_id: String,
    },
}

/// Name of the channel-level `Application` group.
pub const APPLICATION: &str = "Application";
/// Name of the channel-level `Orderer` group.
pub const ORDERER: &str = "Orderer";
/// Name of the orderer organisation's group.
pub const ORDERER_ORG: &str = "OrdererOrg";
/// Every `mod_policy` configtxgen sets on groups, values and policies.
pub const ADMINS: &str = "Admins";

/// Channel-wide settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelSpec {
    /// Channel name.
    pub channel_id: String,
    /// Channel capability (`V2_0`).
    pub channel_capability: String,
    /// Application capability (`V2_0` or `V2_5`).
    pub application_capability: String,
    /// Orderer capability (`V2_0`).
    pub orderer_capability: String,
    /// Orderer endpoints (`host:port`).
    pub orderer_addresses: Vec<String>,
}

impl ChannelSpec {
    /// `channel_id` with V2_0 channel/orderer capabilities, the given application capability
    /// and one orderer at `orderer.example.com:7050`.
    #[must_use]
    pub fn new(channel_id: &str, application_capability: &str) -> Self {
        Self {
            channel_id: channel_id.to_owned(),
            channel_capability: "V2_0".to_owned(),
            application_capability: application_capability.to_owned(),
            orderer_capability: "V2_0".to_owned(),
            orderer_addresses: vec!["orderer.example.com:7050".to_owned()],
        }
    }
}

fn value(message: &impl Message, mod_policy: &str) -> ConfigValue {
    ConfigValue {
        version: 0,
        value: Bytes::from(message.encode_to_vec()),
        mod_policy: mod_policy.to_owned(),
    }
}

fn config_policy(policy: Policy) -> ConfigPolicy {
    ConfigPolicy {
        version: 0,
        policy: Some(policy),
        mod_policy: ADMINS.to_owned(),
    }
}

fn capabilities(name: &str) -> Capabilities {
    Capabilities {
        capabilities: BTreeMap::from([(name.to_owned(), Capability {})]),
    }
}

/// The standard group-level policies: Readers/Writers ANY, Admins MAJORITY.
fn meta_policies() -> BTreeMap<String, ConfigPolicy> {
    BTreeMap::from([
        (
            "Readers".to_owned(),
            config_policy(implicit_meta(MetaRule::Any, "Readers")),
        ),
        (
            "Writers".to_owned(),
            config_policy(implicit_meta(MetaRule::Any, "Writers")),
        ),
        (
            "Admins".to_owned(),
            config_policy(implicit_meta(MetaRule::Majority, "Admins")),
        ),
    ])
}

/// An organisation's group: value `MSP` and signature policies as configtxgen's sample
/// `configtx.yaml` writes them. With NodeOUs: Readers `OR(admin, peer, client)`, Writers
/// `OR(admin, client)`, Admins `OR(admin)`, Endorsement `OR(peer)`; without: `OR(member)`
/// everywhere except Admins `OR(admin)`. Orderer organisations: Readers and Writers
/// `OR(member)`, Admins `OR(admin)`, plus the `Endpoints` value.
#[must_use]
pub fn org_group(org: &OrgMaterial, orderer_addresses: &[String]) -> ConfigGroup {
    let id = org.msp_id();
    let sig = |principals: &[(&str, Role)]| config_policy(signature_policy(&any_of(principals)));
    let mut values = BTreeMap::from([(
        "MSP".to_owned(),
        ConfigValue {
            version: 0,
            value: org.msp_config_bytes(),
            mod_policy: ADMINS.to_owned(),
        },
    )]);
    let policies = match (org.spec().kind, org.spec().node_ous) {
        (OrgKind::Orderer, _) => {
            values.insert(
                "Endpoints".to_owned(),
                value(
                    &pb::OrdererAddresses {
                        addresses: orderer_addresses.to_vec(),
                    },
                    ADMINS,
                ),
            );
            BTreeMap::from([
                ("Readers".to_owned(), sig(&[(id, Role::Member)])),
                ("Writers".to_owned(), sig(&[(id, Role::Member)])),
                ("Admins".to_owned(), sig(&[(id, Role::Admin)])),
            ])
        }
        (OrgKind::Application, true) => BTreeMap::from([
            (
                "Readers".to_owned(),
                sig(&[(id, Role::Admin), (id, Role::Peer), (id, Role::Client)]),
            ),
            (
                "Writers".to_owned(),
                sig(&[(id, Role::Admin), (id, Role::Client)]),
            ),
            ("Admins".to_owned(), sig(&[(id, Role::Admin)])),
            ("Endorsement".to_owned(), sig(&[(id, Role::Peer)])),
        ]),
        (OrgKind::Application, false) => BTreeMap::from([
            ("Readers".to_owned(), sig(&[(id, Role::Member)])),
            ("Writers".to_owned(), sig(&[(id, Role::Member)])),
            ("Admins".to_owned(), sig(&[(id, Role::Admin)])),
            ("Endorsement".to_owned(), sig(&[(id, Role::Member)])),
        ]),
    };
    ConfigGroup {
        version: 0,
        groups: BTreeMap::new(),
        values,
        policies,
        mod_policy: ADMINS.to_owned(),
    }
}

/// The genesis `Config` (sequence 0): the `Channel` group with values HashingAlgorithm
/// (SHA256), BlockDataHashingStructure (4294967295), OrdererAddresses and Capabilities;
/// groups `Application` (one group per organisation named by its MSP ID; Capabilities;
/// Readers/Writers ANY, Admins MAJORITY, Endorsement and LifecycleEndorsement MAJORITY
/// Endorsement) and `Orderer` (group `OrdererOrg`; Capabilities; Readers/Writers ANY, Admins
/// MAJORITY, BlockValidation ANY Writers). Orderer consensus values (ConsensusType,
/// BatchSize...) are left out.
#[must_use]
pub fn genesis_config(
    spec: &ChannelSpec,
    application_orgs: &[&OrgMaterial],
    orderer_org: &OrgMaterial,
) -> pb::Config {
    let mut app_policies = meta_policies();
    app_policies.insert(
        "Endorsement".to_owned(),
        config_policy(implicit_meta(MetaRule::Majority, "Endorsement")),
    );
    app_policies.insert(
        "LifecycleEndorsement".to_owned(),
        config_policy(implicit_meta(MetaRule::Majority, "Endorsement")),
    );
    let application = ConfigGroup {
        version: 0,
        groups: application_orgs
            .iter()
            .map(|org| (org.msp_id().to_owned(), org_group(org, &[])))
            .collect(),
        values: BTreeMap::from([(
            "Capabilities".to_owned(),
            value(&capabilities(&spec.application_capability), ADMINS),
        )]),
        policies: app_policies,
        mod_policy: ADMINS.to_owned(),
    };
    let mut orderer_policies = meta_policies();
    orderer_policies.insert(
        "BlockValidation".to_owned(),
        config_policy(implicit_meta(MetaRule::Any, "Writers")),
    );
    let orderer = ConfigGroup {
        version: 0,
        groups: BTreeMap::from([(
            ORDERER_ORG.to_owned(),
            org_group(orderer_org, &spec.orderer_addresses),
        )]),
        values: BTreeMap::from([(
            "Capabilities".to_owned(),
            value(&capabilities(&spec.orderer_capability), ADMINS),
        )]),
        policies: orderer_policies,
        mod_policy: ADMINS.to_owned(),
    };
    let channel = ConfigGroup {
        version: 0,
        groups: BTreeMap::from([
            (APPLICATION.to_owned(), application),
            (ORDERER.to_owned(), orderer),
        ]),
        values: BTreeMap::from([
            (
                "HashingAlgorithm".to_owned(),
                value(
                    &pb::HashingAlgorithm {
                        name: "SHA256".to_owned(),
                    },
                    ADMINS,
                ),
            ),
            (
                "BlockDataHashingStructure".to_owned(),
                value(&pb::BlockDataHashingStructure { width: u32::MAX }, ADMINS),
            ),
            (
                "OrdererAddresses".to_owned(),
                value(
                    &pb::OrdererAddresses {
                        addresses: spec.orderer_addresses.clone(),
                    },
                    "/Channel/Orderer/Admins",
                ),
            ),
            (
                "Capabilities".to_owned(),
                value(&capabilities(&spec.channel_capability), ADMINS),
            ),
        ]),
        policies: meta_policies(),
        mod_policy: ADMINS.to_owned(),
    };
    pb::Config {
        sequence: 0,
        channel_group: Some(channel),
    }
}

/// A change to the set of application organisations.
#[derive(Clone, Copy, Debug)]
pub enum ConfigChange<'a> {
    /// Add this organisation's group to `Channel/Application`.
    AddOrg(&'a OrgMaterial),
    /// Remove the group with this MSP ID.
    RemoveOrg(&'a str),
}

/// Who signs what in a config update, and with which nonces.
#[derive(Debug)]
pub struct UpdateSigners<'a> {
    /// Signs the CONFIG_UPDATE envelope (its creator).
    pub submitter: &'a Identity,
    /// Each adds a `ConfigSignature` to the `ConfigUpdateEnvelope` (typically the admins of a
    /// majority of the current organisations, to satisfy `/Channel/Application/Admins`).
    pub signers: Vec<&'a Identity>,
}

/// A computed config update: the new full config and the signed CONFIG_UPDATE envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigUpdateTx {
    /// The resulting config (sequence + 1, Application group version + 1).
    pub config: pb::Config,
    /// The CONFIG_UPDATE envelope (`ConfigEnvelope.last_update`).
    pub update_envelope: Envelope,
}

fn version_only(group: &ConfigGroup) -> ConfigGroup {
    ConfigGroup {
        version: group.version,
        ..Default::default()
    }
}

/// The Application group with every member reduced to its version, as configtxlator puts
/// unchanged elements into read and write sets.
fn application_skeleton(app: &ConfigGroup) -> ConfigGroup {
    ConfigGroup {
        version: app.version,
        groups: app
            .groups
            .iter()
            .map(|(k, g)| (k.clone(), version_only(g)))
            .collect(),
        values: app
            .values
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    ConfigValue {
                        version: v.version,
                        ..Default::default()
                    },
                )
            })
            .collect(),
        policies: app
            .policies
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    ConfigPolicy {
                        version: p.version,
                        ..Default::default()
                    },
                )
            })
            .collect(),
        mod_policy: String::new(),
    }
}

fn channel_wrapper(channel: &ConfigGroup, application: ConfigGroup) -> ConfigGroup {
    ConfigGroup {
        version: channel.version,
        groups: BTreeMap::from([(APPLICATION.to_owned(), application)]),
        ..Default::default()
    }
}

/// Signed header fields shared by CONFIG and CONFIG_UPDATE envelopes.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvelopeHeader<'a> {
    /// Channel name.
    pub channel_id: &'a str,
    /// `ChannelHeader.timestamp`.
    pub timestamp: Timestamp,
    /// `SignatureHeader.nonce` (Fabric uses 24 random bytes).
    pub nonce: &'a [u8],
}

/// `Envelope{Payload{Header{ChannelHeader{type, channel_id, timestamp, epoch 0, no tx_id},
/// SignatureHeader{creator, nonce}}, data}, signature = creator's over the payload bytes}`, the
/// shape of `protoutil.CreateSignedEnvelope`.
#[must_use]
pub fn signed_envelope(
    header_type: HeaderType,
    header: &EnvelopeHeader<'_>,
    creator: &Identity,
    data: Bytes,
) -> Envelope {
    let channel_header = pb::ChannelHeader {
        r#type: header_type as i32,
        channel_id: header.channel_id.to_owned(),
        timestamp: Some(header.timestamp),
        ..Default::default()
    };
    let signature_header = pb::SignatureHeader {
        creator: creator.serialized().clone(),
        nonce: Bytes::copy_from_slice(header.nonce),
    };
    let payload = pb::Payload {
        header: Some(pb::Header {
            channel_header: Bytes::from(channel_header.encode_to_vec()),
            signature_header: Bytes::from(signature_header.encode_to_vec()),
        }),
        data,
    }
    .encode_to_vec();
    let signature = creator.sign(&payload);
    Envelope {
        payload: Bytes::from(payload),
        signature: Bytes::from(signature),
    }
}

/// The CONFIG envelope of a config block: `ConfigEnvelope{config, last_update}` signed by
/// `orderer` (the creator).
#[must_use]
pub fn config_envelope(
    header: &EnvelopeHeader<'_>,
    config: &pb::Config,
    last_update: Option<Envelope>,
    orderer: &Identity,
) -> Envelope {
    let data = ConfigEnvelope {
        config: Some(config.clone()),
        last_update,
    }
    .encode_to_vec();
    signed_envelope(HeaderType::Config, header, orderer, Bytes::from(data))
}

/// Computes a config update of `current` and signs it.
///
/// The write set bumps the Application group's version and lists every organisation (the
/// unchanged ones version-only, an added one in full); the read set pins the current
/// versions. Each signer contributes `ConfigSignature{signature_header, signature over
/// signature_header ‖ config_update}`; `signer_nonces[i]` is signer `i`'s nonce (missing
/// entries reuse the envelope nonce).
///
/// # Errors
/// [`ConfigError`] when the config lacks the Application group, when an added organisation is
/// already present or is an orderer organisation, or when a removed one is absent.
pub fn config_update(
    current: &pb::Config,
    change: ConfigChange<'_>,
    header: &EnvelopeHeader<'_>,
    signers: &UpdateSigners<'_>,
    signer_nonces: &[Vec<u8>],
) -> Result<ConfigUpdateTx, ConfigError> {
    let channel = current
        .channel_group
        .as_ref()
        .ok_or_else(|| ConfigError::MissingGroup {
            path: "Channel".to_owned(),
        })?;
    let app = channel
        .groups
        .get(APPLICATION)
        .ok_or_else(|| ConfigError::MissingGroup {
            path: format!("Channel/{APPLICATION}"),
        })?;

    let mut new_app = app.clone();
    new_app.version += 1;
    let mut write_app = application_skeleton(app);
    write_app.version = new_app.version;
    write_app.mod_policy = app.mod_policy.clone();
    match change {
        ConfigChange::AddOrg(org) => {
            if org.spec().kind != OrgKind::Application {
                return Err(ConfigError::NotApplicationOrg {
                    msp_id: org.msp_id().to_owned(),
                });
            }
            let name = org.msp_id().to_owned();
            if app.groups.contains_key(&name) {
                return Err(ConfigError::OrgExists { name });
            }
            let group = org_group(org, &[]);
            new_app.groups.insert(name.clone(), group.clone());
            write_app.groups.insert(name, group);
        }
        ConfigChange::RemoveOrg(name) => {
            if new_app.groups.remove(name).is_none() {
                return Err(ConfigError::OrgMissing {
                    name: name.to_owned(),
                    present: app.groups.keys().cloned().collect(),
                });
            }
            write_app.groups.remove(name);
        }
    }
    let update = ConfigUpdate {
        channel_id: header.channel_id.to_owned(),
        read_set: Some(channel_wrapper(channel, application_skeleton(app))),
        write_set: Some(channel_wrapper(channel, write_app)),
        isolated_data: BTreeMap::new(),
    }
    .encode_to_vec();
    let signatures = signers
        .signers
        .iter()
        .enumerate()
        .map(|(i, signer)| {
            let nonce = signer_nonces.get(i).map_or(header.nonce, Vec::as_slice);
            let signature_header = pb::SignatureHeader {
                creator: signer.serialized().clone(),
                nonce: Bytes::copy_from_slice(nonce),
            }
            .encode_to_vec();
            let mut signed = signature_header.clone();
            signed.extend_from_slice(&update);
            ConfigSignature {
                signature: Bytes::from(signer.sign(&signed)),
                signature_header: Bytes::from(signature_header),
            }
        })
        .collect();
    let update_envelope = signed_envelope(
        HeaderType::ConfigUpdate,
        header,
        signers.submitter,
        Bytes::from(
            ConfigUpdateEnvelope {
                config_update: Bytes::from(update),
                signatures,
            }
            .encode_to_vec(),
        ),
    );

    let mut new_channel = channel.clone();
    new_channel.groups.insert(APPLICATION.to_owned(), new_app);
    Ok(ConfigUpdateTx {
        config: pb::Config {
            sequence: current.sequence + 1,
            channel_group: Some(new_channel),
        },
        update_envelope,
    })
}

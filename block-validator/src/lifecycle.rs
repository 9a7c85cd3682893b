//! Where a namespace's validation plugin and parameter come from (spec 5.9 and 10.2): the
//! chaincode definitions `_lifecycle` committed to the world state, with Fabric's fallback to
//! the legacy LSCC data, the hard-wired rule for `_lifecycle` itself, and the endorsement
//! policy of private-data collections (explicit and implicit org collections).

use bytes::Bytes;
use fabric_config::ChannelConfig;
use fabric_policies::policydsl;
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::SignaturePolicyEnvelope;
use fabric_protos::lifecycle::{state_data, ChaincodeValidationInfo, StateData, StateMetadata};
use fabric_protos::protos::{
    application_policy, collection_config, ApplicationPolicy, ChaincodeData,
    CollectionConfigPackage,
};
use handlers_api::validation::{self, CollectionInfoError};
use prost::Message;

use crate::state::WorldState;

/// The namespace of the new chaincode lifecycle.
pub const LIFECYCLE_NAMESPACE: &str = "_lifecycle";
/// The namespace of the legacy lifecycle system chaincode.
pub const LSCC_NAMESPACE: &str = "lscc";
/// Fabric's default validation plugin name.
pub const DEFAULT_VALIDATION_PLUGIN: &str = "vscc";
/// The prefix of implicit per-org collection names.
pub const IMPLICIT_COLLECTION_PREFIX: &str = "_implicit_org_";
/// The channel policy that endorses `_lifecycle` transactions, when the channel defines it.
pub const LIFECYCLE_ENDORSEMENT_POLICY: &str = "/Channel/Application/LifecycleEndorsement";
/// The channel policy a chaincode definition refers to by default.
pub const DEFAULT_ENDORSEMENT_POLICY: &str = "/Channel/Application/Endorsement";

/// A validation plugin name and the parameter handed to it as `SerializedPolicy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationInfo {
    /// The handler key (core.yaml `validators:`), e.g. `vscc`.
    pub plugin: String,
    /// The validation parameter (for the default plugin, an `ApplicationPolicy`).
    pub parameter: Bytes,
}

/// What a validation-info lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The namespace's plugin and parameter.
    Found(ValidationInfo),
    /// The namespace cannot be validated (Fabric's INVALID_CHAINCODE): the reason.
    Invalid(String),
}

/// A lookup that could not be made (Fabric's `VSCCInfoLookupFailureError`: the block halts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not retrieve validation info for namespace {namespace}: {reason}")]
pub struct LookupFailure {
    /// The namespace being looked up.
    pub namespace: String,
    /// What went wrong.
    pub reason: String,
}

/// Reads public state (committed state, or a plugin's lent state).
pub trait StateReader {
    /// The value of `key` in `namespace`, `None` when absent.
    ///
    /// # Errors
    /// The read failed (a ledger problem, not an absent key).
    fn read(&mut self, namespace: &str, key: &str) -> Result<Option<Bytes>, String>;
}

impl StateReader for &WorldState {
    fn read(&mut self, namespace: &str, key: &str) -> Result<Option<Bytes>, String> {
        Ok(self.get(namespace, key).map(|v| v.value.clone()))
    }
}

/// A plugin's lent state as a [`StateReader`] (collection lookups read through it, as Fabric's
/// do).
pub struct LentState<'a>(pub &'a mut dyn validation::State);

impl StateReader for LentState<'_> {
    fn read(&mut self, namespace: &str, key: &str) -> Result<Option<Bytes>, String> {
        let mut values = self
            .0
            .get_state_multiple_keys(namespace, &[key])
            .map_err(|e| e.to_string())?;
        Ok(values.pop().flatten().map(Bytes::from))
    }
}

/// The parts of a committed `_lifecycle` chaincode definition validation needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChaincodeDefinition {
    /// The definition's sequence.
    pub sequence: i64,
    /// The validation plugin and its parameter.
    pub validation: ChaincodeValidationInfo,
    /// The private-data collections, if any.
    pub collections: CollectionConfigPackage,
}

/// Reads chaincode `name`'s definition from `_lifecycle`'s public state; `None` when the
/// chaincode is not defined there.
///
/// # Errors
/// A read failure, a metadata entry that is not a `ChaincodeDefinition`, or a field that does
/// not decode.
pub fn read_definition(
    reader: &mut dyn StateReader,
    name: &str,
) -> Result<Option<ChaincodeDefinition>, String> {
    let key = format!("namespaces/metadata/{name}");
    let Some(metadata) = reader.read(LIFECYCLE_NAMESPACE, &key)? else {
        return Ok(None);
    };
    let metadata = StateMetadata::decode(metadata)
        .map_err(|e| format!("{LIFECYCLE_NAMESPACE} key {key} does not decode: {e}"))?;
    if metadata.datatype != "ChaincodeDefinition" {
        return Err(format!(
            "{LIFECYCLE_NAMESPACE} key {key} holds a {}, not a ChaincodeDefinition",
            metadata.datatype
        ));
    }
    let mut field = |field: &str| -> Result<Option<state_data::Type>, String> {
        let key = format!("namespaces/fields/{name}/{field}");
        match reader.read(LIFECYCLE_NAMESPACE, &key)? {
            None => Ok(None),
            Some(bytes) => StateData::decode(bytes)
                .map(|d| d.r#type)
                .map_err(|e| format!("{LIFECYCLE_NAMESPACE} key {key} does not decode: {e}")),
        }
    };
    let sequence = match field("Sequence")? {
        Some(state_data::Type::Int64(n)) => n,
        _ => 0,
    };
    let validation = decode_bytes_field::<ChaincodeValidationInfo>(field("ValidationInfo")?)
        .map_err(|e| format!("chaincode {name} ValidationInfo: {e}"))?;
    let collections = decode_bytes_field::<CollectionConfigPackage>(field("Collections")?)
        .map_err(|e| format!("chaincode {name} Collections: {e}"))?;
    Ok(Some(ChaincodeDefinition {
        sequence,
        validation,
        collections,
    }))
}

fn decode_bytes_field<M: Message + Default>(
    field: Option<state_data::Type>,
) -> Result<M, prost::DecodeError> {
    match field {
        Some(state_data::Type::Bytes(bytes)) => M::decode(bytes),
        // A missing field (or one of another type) decodes to the zero value, as in Fabric.
        _ => Ok(M::default()),
    }
}

/// The `ApplicationPolicy` bytes that endorse `_lifecycle` transactions on this channel
/// (spec 6.7): the `LifecycleEndorsement` channel policy when it exists, otherwise a majority
/// of the application orgs' members.
#[must_use]
pub fn lifecycle_endorsement_policy(config: &ChannelConfig) -> Vec<u8> {
    let policy = if config
        .policies()
        .get_policy(LIFECYCLE_ENDORSEMENT_POLICY)
        .is_found()
    {
        application_policy::Type::ChannelConfigPolicyReference(
            LIFECYCLE_ENDORSEMENT_POLICY.to_owned(),
        )
    } else {
        let msp_ids = config.application_msp_ids();
        let majority = i32::try_from(msp_ids.len() / 2 + 1).unwrap_or(i32::MAX);
        application_policy::Type::SignaturePolicy(policydsl::signed_by_n_out_of_given_role(
            majority,
            MspRoleType::Member,
            &msp_ids,
        ))
    };
    ApplicationPolicy {
        r#type: Some(policy),
    }
    .encode_to_vec()
}

/// The validation plugin and parameter for namespace `namespace` (Fabric's
/// `ValidationInfoRetrieveShim`: the new lifecycle first, then the legacy LSCC data).
///
/// # Errors
/// [`LookupFailure`] when the state cannot be read or a definition does not decode.
pub fn validation_info(
    config: &ChannelConfig,
    namespace: &str,
    reader: &mut dyn StateReader,
) -> Result<Lookup, LookupFailure> {
    let failure = |reason: String| LookupFailure {
        namespace: namespace.to_owned(),
        reason,
    };
    if namespace == LIFECYCLE_NAMESPACE {
        return Ok(Lookup::Found(ValidationInfo {
            plugin: DEFAULT_VALIDATION_PLUGIN.to_owned(),
            parameter: lifecycle_endorsement_policy(config).into(),
        }));
    }
    if let Some(definition) = read_definition(reader, namespace).map_err(failure)? {
        return Ok(Lookup::Found(ValidationInfo {
            plugin: definition.validation.validation_plugin,
            parameter: definition.validation.validation_parameter,
        }));
    }
    let Some(data) = reader.read(LSCC_NAMESPACE, namespace).map_err(failure)? else {
        return Ok(Lookup::Invalid(format!("chaincode {namespace} not found")));
    };
    let data = ChaincodeData::decode(data)
        .map_err(|e| failure(format!("{LSCC_NAMESPACE} entry does not decode: {e}")))?;
    let mut parameter = data.policy.clone();
    if data.vscc == DEFAULT_VALIDATION_PLUGIN && !data.policy.is_empty() {
        if let Ok(envelope) = SignaturePolicyEnvelope::decode(data.policy.clone()) {
            parameter = ApplicationPolicy {
                r#type: Some(application_policy::Type::SignaturePolicy(envelope)),
            }
            .encode_to_vec()
            .into();
        }
    }
    Ok(Lookup::Found(ValidationInfo {
        plugin: data.vscc,
        parameter,
    }))
}

/// The endorsement policy (`ApplicationPolicy` bytes) of collection `collection` of chaincode
/// `chaincode` (Fabric's `CollectionValidationInfo`); empty when the chaincode is not defined in
/// `_lifecycle` (the chaincode's policy then applies).
///
/// # Errors
/// [`CollectionInfoError::Unexpected`] for read or decode failures and an implicit collection of
/// an MSP ID no application org has; [`CollectionInfoError::Validation`] for an unknown
/// collection.
pub fn collection_validation_info(
    config: &ChannelConfig,
    chaincode: &str,
    collection: &str,
    reader: &mut dyn StateReader,
) -> Result<Vec<u8>, CollectionInfoError> {
    // `_lifecycle` is always defined, with empty validation info (Fabric's
    // `ChaincodeDefinitionIfDefined`): its implicit org collections are endorsed by their org.
    let definition = if chaincode == LIFECYCLE_NAMESPACE {
        Some(ChaincodeDefinition::default())
    } else {
        read_definition(reader, chaincode).map_err(CollectionInfoError::Unexpected)?
    };
    let Some(definition) = definition else {
        return Ok(Vec::new());
    };
    if let Some(msp_id) = collection.strip_prefix(IMPLICIT_COLLECTION_PREFIX) {
        let org = config
            .application_orgs()
            .iter()
            .find(|o| o.msp_id == msp_id)
            .ok_or_else(|| {
                CollectionInfoError::Unexpected(format!(
                    "no org found in channel with MSPID '{msp_id}'"
                ))
            })?;
        let path = format!("/Channel/Application/{}/Endorsement", org.name);
        let policy = if config.policies().get_policy(&path).is_found() {
            application_policy::Type::ChannelConfigPolicyReference(path)
        } else {
            application_policy::Type::SignaturePolicy(policydsl::signed_by_any_member(&[msp_id]))
        };
        return Ok(ApplicationPolicy {
            r#type: Some(policy),
        }
        .encode_to_vec());
    }
    let found = definition
        .collections
        .config
        .iter()
        .find_map(|c| match &c.payload {
            Some(collection_config::Payload::StaticCollectionConfig(s)) if s.name == collection => {
                Some(s)
            }
            _ => None,
        });
    match found {
        Some(static_config) => Ok(match &static_config.endorsement_policy {
            Some(policy) => policy.encode_to_vec(),
            None => definition.validation.validation_parameter.to_vec(),
        }),
        None => Err(CollectionInfoError::Validation(format!(
            "no such collection '{collection}'"
        ))),
    }
}

/// Fabric's default validation parameter of a chaincode definition: the channel's
/// `/Channel/Application/Endorsement` policy, by reference.
#[must_use]
pub fn default_endorsement_parameter() -> Vec<u8> {
    ApplicationPolicy {
        r#type: Some(application_policy::Type::ChannelConfigPolicyReference(
            DEFAULT_ENDORSEMENT_POLICY.to_owned(),
        )),
    }
    .encode_to_vec()
}

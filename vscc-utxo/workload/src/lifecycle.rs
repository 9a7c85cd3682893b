//! The `_lifecycle` state a committed chaincode definition leaves, so that the block
//! validator finds the UTXO chaincode's plugin and parameter in the ledger itself.

use fabric_protos::lifecycle::{
    state_data, ChaincodeEndorsementInfo, ChaincodeValidationInfo, StateData, StateMetadata,
};
use fabric_protos::protos::CollectionConfigPackage;
use fabric_testgen::rwset::{NamespaceRwSet, RwSet, Write};
use prost::Message;

/// The namespace of the chaincode lifecycle.
pub const LIFECYCLE_NAMESPACE: &str = "_lifecycle";

fn bytes_field(message: &impl Message) -> Vec<u8> {
    StateData {
        r#type: Some(state_data::Type::Bytes(message.encode_to_vec().into())),
    }
    .encode_to_vec()
}

/// The writes of Fabric's `CommitChaincodeDefinition` for chaincode `name` at sequence 1 with
/// validation plugin `plugin` and `parameter`: `namespaces/metadata/<name>` (a
/// `ChaincodeDefinition` `StateMetadata`) and `namespaces/fields/<name>/{Collections,
/// EndorsementInfo, Sequence, ValidationInfo}`, sorted by key as a peer writes them.
#[must_use]
pub fn definition_rwset(name: &str, version: &str, plugin: &str, parameter: &[u8]) -> RwSet {
    let fields = [
        "EndorsementInfo",
        "ValidationInfo",
        "Collections",
        "Sequence",
    ];
    let metadata = StateMetadata {
        datatype: "ChaincodeDefinition".to_owned(),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
    };
    let mut writes = vec![
        (
            format!("namespaces/metadata/{name}"),
            metadata.encode_to_vec(),
        ),
        (
            format!("namespaces/fields/{name}/EndorsementInfo"),
            bytes_field(&ChaincodeEndorsementInfo {
                version: version.to_owned(),
                init_required: false,
                endorsement_plugin: "escc".to_owned(),
            }),
        ),
        (
            format!("namespaces/fields/{name}/ValidationInfo"),
            bytes_field(&ChaincodeValidationInfo {
                validation_plugin: plugin.to_owned(),
                validation_parameter: parameter.to_vec().into(),
            }),
        ),
        (
            format!("namespaces/fields/{name}/Collections"),
            bytes_field(&CollectionConfigPackage::default()),
        ),
        (
            format!("namespaces/fields/{name}/Sequence"),
            StateData {
                r#type: Some(state_data::Type::Int64(1)),
            }
            .encode_to_vec(),
        ),
    ];
    writes.sort();
    RwSet {
        namespaces: vec![NamespaceRwSet {
            namespace: LIFECYCLE_NAMESPACE.to_owned(),
            writes: writes
                .into_iter()
                .map(|(key, value)| Write {
                    key,
                    value,
                    is_delete: false,
                })
                .collect(),
            ..Default::default()
        }],
    }
}

//! Shared helpers of the conformance tests: where the shared corpus is, its manifests, and a
//! small decoder of the transaction facts the manifests list.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use bytes::Bytes;
use fabric_tx::EnvelopeView;
use serde_json::Value;

/// `../shared` beside the checkout. Panics with the path when it is missing: these tests
/// must never pass silently without their fixtures.
pub fn shared(rel: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")).join(rel);
    assert!(
        path.exists(),
        "missing fixture {} (CI keeps ../shared beside the checkout)",
        path.display()
    );
    path
}

/// The real ledgers that are blockfiles, by folder name.
pub const BLOCKFILE_LEDGERS: [&str; 5] = [
    "sample-prod-v2-sampleorg",
    "glued-together-malformed",
    "from-snapshot-v25-3org",
    "synthetic-kvledger-v13-mvcc",
    "v20-marbles-pvtdata-3org",
];

pub fn manifest(rel: &str) -> Value {
    let path = shared(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One endorsement as carried in the transaction.
#[derive(Debug, Clone)]
pub struct EndorsementFacts {
    pub endorser: Bytes,
    pub msp_id: Option<String>,
    pub signature: Bytes,
}

/// What a transaction says about itself, decoded from the original bytes (nothing re-encoded).
#[derive(Debug, Clone)]
pub struct TxFacts {
    pub header_type: i32,
    pub header_type_name: &'static str,
    pub channel_id: String,
    pub txid: String,
    pub creator: Bytes,
    pub creator_msp_id: Option<String>,
    pub nonce: Bytes,
    pub payload: Bytes,
    pub signature: Bytes,
    /// The endorsed proposal response payload (endorser transactions only).
    pub proposal_response_payload: Option<Bytes>,
    pub endorsements: Vec<EndorsementFacts>,
}

/// Decodes one envelope with `fabric-tx` into the facts the manifests list.
pub fn decode_tx(envelope: &Bytes) -> TxFacts {
    let view = EnvelopeView::decode(envelope.clone()).unwrap();
    let header_type_name = view.header_type().map_or("UNKNOWN", |t| t.as_str_name());
    let endorser = view.endorser_transaction().ok();
    let endorsements = endorser
        .as_ref()
        .map(|tx| {
            tx.endorsements
                .iter()
                .zip(tx.endorser_msp_ids())
                .map(|(e, msp_id)| EndorsementFacts {
                    endorser: e.endorser.clone(),
                    msp_id,
                    signature: e.signature.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    TxFacts {
        header_type: view.channel_header.r#type,
        header_type_name,
        channel_id: view.channel_header.channel_id.clone(),
        txid: view.tx_id().to_owned(),
        creator_msp_id: view.creator_msp_id(),
        creator: view.creator().clone(),
        nonce: view.signature_header.nonce.clone(),
        payload: view.payload.clone(),
        signature: view.signature.clone(),
        proposal_response_payload: endorser.map(|tx| tx.proposal_response_payload),
        endorsements,
    }
}

/// `prp ‖ endorser`: the bytes an endorsement signs, from the original slices.
pub fn endorsement_message(prp: &[u8], endorser: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(prp.len() + endorser.len());
    message.extend_from_slice(prp);
    message.extend_from_slice(endorser);
    message
}

pub fn str_or_none(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// An independent reading of a channel config, in the shape of a manifest's `last_config`.
// Used where the manifests carry no config facts (the v1.x system-channel block wraps its
// CONFIG in an ORDERER_TRANSACTION, which the manifest generator does not open). It walks the
// `Config` with prost only, mirroring the manifest generator (`fabric_blocks.py`), so that it
// can be checked against every manifest that does carry the facts.
// ---------------------------------------------------------------------------------------------

/// The `Config` carried by a config transaction envelope, unwrapping one ORDERER_TRANSACTION:
/// (outer header type, innermost channel id, config).
pub fn inner_config(envelope: &Bytes) -> (i32, String, fabric_protos::common::Config) {
    use fabric_protos::common::{ChannelHeader, ConfigEnvelope, Envelope, HeaderType, Payload};
    use prost::Message;
    let mut env = Envelope::decode(envelope.clone()).unwrap();
    let mut outer_type = None;
    loop {
        let payload = Payload::decode(env.payload.clone()).unwrap();
        let header = payload.header.unwrap();
        let ch = ChannelHeader::decode(header.channel_header).unwrap();
        let outer = *outer_type.get_or_insert(ch.r#type);
        if ch.r#type == HeaderType::OrdererTransaction as i32 {
            env = Envelope::decode(payload.data).unwrap();
            continue;
        }
        assert_eq!(
            ch.r#type,
            HeaderType::Config as i32,
            "not a config transaction"
        );
        let config = ConfigEnvelope::decode(payload.data)
            .unwrap()
            .config
            .unwrap();
        return (outer, ch.channel_id, config);
    }
}

fn role_name(role: i32) -> String {
    match role {
        0 => "member".into(),
        1 => "admin".into(),
        2 => "client".into(),
        3 => "peer".into(),
        4 => "orderer".into(),
        other => other.to_string(),
    }
}

fn oracle_rule(
    rule: &fabric_protos::common::SignaturePolicy,
    principals: &[fabric_protos::common::MspPrincipal],
) -> String {
    use fabric_protos::common::{signature_policy::Type, MspRole};
    use prost::Message;
    match &rule.r#type {
        Some(Type::SignedBy(i)) => match usize::try_from(*i).ok().and_then(|i| principals.get(i)) {
            Some(p) if p.principal_classification == 0 => {
                let role = MspRole::decode(p.principal.clone()).unwrap();
                format!("'{}.{}'", role.msp_identifier, role_name(role.role))
            }
            Some(p) => format!("class{}(?)", p.principal_classification),
            None => format!("SignedBy({i})"),
        },
        Some(Type::NOutOf(gate)) => {
            let subs: Vec<String> = gate
                .rules
                .iter()
                .map(|r| oracle_rule(r, principals))
                .collect();
            let n = gate.n;
            if usize::try_from(n).ok() == Some(subs.len()) {
                format!("AND({})", subs.join(", "))
            } else if n == 1 {
                format!("OR({})", subs.join(", "))
            } else {
                format!("OutOf({n}, {})", subs.join(", "))
            }
        }
        None => "?".into(),
    }
}

/// The manifest generator's text of a config policy.
fn oracle_policy(policy: &fabric_protos::common::Policy) -> String {
    use fabric_protos::common::{ImplicitMetaPolicy, SignaturePolicyEnvelope};
    use prost::Message;
    match policy.r#type {
        3 => {
            let meta = ImplicitMetaPolicy::decode(policy.value.clone()).unwrap();
            let rule = match meta.rule {
                0 => "ANY".to_owned(),
                1 => "ALL".to_owned(),
                2 => "MAJORITY".to_owned(),
                other => other.to_string(),
            };
            format!("ImplicitMeta {rule} {}", meta.sub_policy)
        }
        1 => {
            let env = SignaturePolicyEnvelope::decode(policy.value.clone()).unwrap();
            match &env.rule {
                Some(rule) => format!("Signature {}", oracle_rule(rule, &env.identities)),
                None => "Signature ?".to_owned(),
            }
        }
        other => format!("{other} policy"),
    }
}

fn oracle_walk(
    group: &fabric_protos::common::ConfigGroup,
    path: &[&str],
    facts: &mut serde_json::Map<String, Value>,
) {
    use fabric_protos::common::{Capabilities, HashingAlgorithm};
    use fabric_protos::msp::{FabricMspConfig, MspConfig};
    use prost::Message;
    let joined = path.join("/");
    for (key, value) in &group.values {
        match key.as_str() {
            "MSP" => {
                let msp = MspConfig::decode(value.value.clone()).unwrap();
                let (name, roots, node_ous) = if msp.r#type == 0 {
                    let fabric = FabricMspConfig::decode(msp.config).unwrap();
                    let node_ous = fabric.fabric_node_ous.as_ref().is_some_and(|n| n.enable);
                    (fabric.name, Value::from(fabric.root_certs.len()), node_ous)
                } else {
                    // IdemixMSPConfig.name is field 1, a string: read it as a prost string field.
                    #[derive(Clone, PartialEq, prost::Message)]
                    struct NameOnly {
                        #[prost(string, tag = "1")]
                        name: String,
                    }
                    (
                        NameOnly::decode(msp.config).unwrap().name,
                        Value::Null,
                        false,
                    )
                };
                let class = match path.first() {
                    Some(&"Application") => Some("application_orgs"),
                    Some(&"Orderer") => Some("orderer_orgs"),
                    Some(&"Consortiums") => Some("consortium_orgs"),
                    _ => None,
                };
                if let Some(class) = class {
                    facts[class]
                        .as_array_mut()
                        .unwrap()
                        .push(Value::from(name.clone()));
                }
                facts["msp_root_certs"][&name] = roots;
                facts["node_ous_enabled"][&name] = Value::from(node_ous);
            }
            "Capabilities" => {
                let caps = Capabilities::decode(value.value.clone()).unwrap();
                let level = if joined.is_empty() {
                    "Channel".to_owned()
                } else {
                    joined.clone()
                };
                let names: Vec<Value> = caps
                    .capabilities
                    .keys()
                    .map(|k| Value::from(k.clone()))
                    .collect();
                facts["capabilities"][&level] = Value::from(names);
            }
            "HashingAlgorithm" => {
                let algo = HashingAlgorithm::decode(value.value.clone()).unwrap();
                facts["hashing_algorithm"] = Value::from(algo.name);
            }
            _ => {}
        }
    }
    if path == ["Application"] {
        for (name, policy) in &group.policies {
            let text = policy
                .policy
                .as_ref()
                .map_or_else(|| "nil policy".to_owned(), oracle_policy);
            facts["application_policies"][&format!("Application/{name}")] = Value::from(text);
        }
    }
    for (name, child) in &group.groups {
        let mut child_path = path.to_vec();
        child_path.push(name);
        oracle_walk(child, &child_path, facts);
    }
}

/// The facts of a `Config` in the shape of a manifest's `last_config` (without `block` and
/// `consensus_type`), read independently of fabric-config.
pub fn config_facts(config: &fabric_protos::common::Config) -> Value {
    let mut facts = serde_json::json!({
        "sequence": config.sequence,
        "application_orgs": [],
        "orderer_orgs": [],
        "consortium_orgs": [],
        "msp_root_certs": {},
        "node_ous_enabled": {},
        "capabilities": {},
        "hashing_algorithm": null,
        "application_policies": {},
    });
    if let Some(root) = &config.channel_group {
        oracle_walk(root, &[], facts.as_object_mut().unwrap());
    }
    facts
}

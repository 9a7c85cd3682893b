//! Decodes every real config block under shared/fabric-ledgers/config-blocks and checks what it
//! holds against that folder's MANIFEST.json (written by an independent Python decoder).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fabric_protos::{common, msp, Bytes, Message};
use serde_json::Value;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fabric-ledgers/config-blocks"
);

fn manifest() -> Value {
    let path = Path::new(DIR).join("MANIFEST.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The `.block` / `.pb` files of the folder, sorted.
fn block_files() -> Vec<PathBuf> {
    let entries = std::fs::read_dir(DIR).unwrap_or_else(|e| panic!("cannot list {DIR}: {e}"));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "block" || x == "pb"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 4,
        "expected at least 4 config blocks in {DIR}, found {files:?}"
    );
    files
}

/// The manifest item describing `file`.
fn manifest_item<'a>(manifest: &'a Value, file: &str) -> &'a Value {
    manifest["items"]
        .as_array()
        .expect("items array")
        .iter()
        .find(|item| item["files"][0]["file"] == file)
        .unwrap_or_else(|| panic!("MANIFEST.json has no item for {file}"))
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

/// Splits an envelope into its channel header, signature header and payload data.
fn open_envelope(
    envelope: Bytes,
    what: &str,
) -> (common::ChannelHeader, common::SignatureHeader, Bytes) {
    let env =
        common::Envelope::decode(envelope).unwrap_or_else(|e| panic!("{what}: Envelope: {e}"));
    let payload =
        common::Payload::decode(env.payload).unwrap_or_else(|e| panic!("{what}: Payload: {e}"));
    let header = payload
        .header
        .unwrap_or_else(|| panic!("{what}: payload has no header"));
    let ch = common::ChannelHeader::decode(header.channel_header)
        .unwrap_or_else(|e| panic!("{what}: ChannelHeader: {e}"));
    let sh = common::SignatureHeader::decode(header.signature_header)
        .unwrap_or_else(|e| panic!("{what}: SignatureHeader: {e}"));
    (ch, sh, payload.data)
}

fn creator_mspid(sh: &common::SignatureHeader, what: &str) -> Option<String> {
    if sh.creator.is_empty() {
        return None;
    }
    let id = msp::SerializedIdentity::decode(sh.creator.clone())
        .unwrap_or_else(|e| panic!("{what}: SerializedIdentity: {e}"));
    Some(id.mspid)
}

/// Decoded MSP value of an org group: MSP id, root cert count (None for IDEMIX), NodeOUs flag.
struct OrgMsp {
    name: String,
    root_certs: Option<usize>,
    node_ous: bool,
}

fn org_msp(group: &common::ConfigGroup, path: &str) -> OrgMsp {
    let value = &group
        .values
        .get("MSP")
        .unwrap_or_else(|| panic!("{path} has no MSP value"))
        .value;
    let config =
        msp::MspConfig::decode(value.clone()).unwrap_or_else(|e| panic!("{path}: MSPConfig: {e}"));
    match config.r#type {
        0 => {
            let fabric = msp::FabricMspConfig::decode(config.config)
                .unwrap_or_else(|e| panic!("{path}: FabricMSPConfig: {e}"));
            for cert in fabric.root_certs.iter().chain(&fabric.admins) {
                assert!(
                    cert.starts_with(b"-----BEGIN"),
                    "{path}: certificate is not PEM"
                );
            }
            if let Some(crypto) = &fabric.crypto_config {
                assert_eq!(
                    crypto.signature_hash_family, "SHA2",
                    "{path}: signature hash family"
                );
            }
            OrgMsp {
                name: fabric.name,
                root_certs: Some(fabric.root_certs.len()),
                node_ous: fabric.fabric_node_ous.is_some_and(|n| n.enable),
            }
        }
        1 => {
            let idemix = msp::IdemixMspConfig::decode(config.config)
                .unwrap_or_else(|e| panic!("{path}: IdemixMSPConfig: {e}"));
            assert!(
                !idemix.ipk.is_empty(),
                "{path}: IDEMIX MSP without issuer public key"
            );
            OrgMsp {
                name: idemix.name,
                root_certs: None,
                node_ous: false,
            }
        }
        other => panic!("{path}: unknown MSP type {other}"),
    }
}

fn group<'a>(parent: &'a common::ConfigGroup, name: &str, path: &str) -> &'a common::ConfigGroup {
    parent
        .groups
        .get(name)
        .unwrap_or_else(|| panic!("{path} has no group {name}"))
}

fn capabilities(group: &common::ConfigGroup, path: &str) -> BTreeSet<String> {
    let value = &group
        .values
        .get("Capabilities")
        .unwrap_or_else(|| panic!("{path} has no Capabilities"))
        .value;
    common::Capabilities::decode(value.clone())
        .unwrap_or_else(|e| panic!("{path}: Capabilities: {e}"))
        .capabilities
        .into_keys()
        .collect()
}

/// `(msp id, lowercase role)` of every ROLE principal of a signature policy.
fn signature_policy(
    policy: &common::Policy,
    path: &str,
) -> (common::SignaturePolicyEnvelope, Vec<(String, String)>) {
    assert_eq!(
        policy.r#type,
        common::policy::PolicyType::Signature as i32,
        "{path}: not a signature policy"
    );
    let spe = common::SignaturePolicyEnvelope::decode(policy.value.clone())
        .unwrap_or_else(|e| panic!("{path}: SignaturePolicyEnvelope: {e}"));
    let roles = spe
        .identities
        .iter()
        .filter(|p| p.principal_classification() == common::msp_principal::Classification::Role)
        .map(|p| {
            let role = common::MspRole::decode(p.principal.clone())
                .unwrap_or_else(|e| panic!("{path}: MSPRole: {e}"));
            (
                role.msp_identifier.clone(),
                role.role().as_str_name().to_lowercase(),
            )
        })
        .collect();
    (spe, roles)
}

/// Checks a policy against the manifest's rendering, e.g. `ImplicitMeta MAJORITY Admins` or
/// `Signature OR('Org1MSP.peer', 'Org2MSP.peer')`.
fn check_policy(policy: &common::Policy, expected: &str, path: &str) {
    if let Some(rest) = expected.strip_prefix("ImplicitMeta ") {
        let (rule, sub_policy) = rest.split_once(' ').expect("ImplicitMeta RULE SubPolicy");
        assert_eq!(
            policy.r#type,
            common::policy::PolicyType::ImplicitMeta as i32,
            "{path}: policy type"
        );
        let imp = common::ImplicitMetaPolicy::decode(policy.value.clone())
            .unwrap_or_else(|e| panic!("{path}: ImplicitMetaPolicy: {e}"));
        assert_eq!(imp.rule().as_str_name(), rule, "{path}: rule");
        assert_eq!(imp.sub_policy, sub_policy, "{path}: sub policy");
    } else if let Some(rest) = expected.strip_prefix("Signature ") {
        let (spe, roles) = signature_policy(policy, path);
        let expected_roles: Vec<(String, String)> = rest
            .split('\'')
            .skip(1)
            .step_by(2)
            .map(|p| {
                let (msp, role) = p.rsplit_once('.').expect("'MSP.role'");
                (msp.to_owned(), role.to_owned())
            })
            .collect();
        assert_eq!(roles, expected_roles, "{path}: principals");
        let Some(common::signature_policy::Type::NOutOf(rule)) = spe.rule.and_then(|r| r.r#type)
        else {
            panic!("{path}: rule is not n_out_of");
        };
        let n = if rest.starts_with("OR(") {
            1
        } else {
            expected_roles.len() as i32
        };
        assert_eq!(rule.n, n, "{path}: n");
        assert_eq!(rule.rules.len(), expected_roles.len(), "{path}: rules");
    } else {
        panic!("{path}: cannot interpret manifest policy {expected:?}");
    }
}

/// Every ROLE principal in an org's signature policies must name that org's MSP.
fn check_org_policies(org: &common::ConfigGroup, msp_id: &str, path: &str) {
    assert!(!org.policies.is_empty(), "{path} has no policies");
    for (name, policy) in &org.policies {
        let policy = policy
            .policy
            .as_ref()
            .unwrap_or_else(|| panic!("{path}/{name} is empty"));
        if policy.r#type == common::policy::PolicyType::Signature as i32 {
            let (_, roles) = signature_policy(policy, &format!("{path}/{name}"));
            assert!(!roles.is_empty(), "{path}/{name}: no principals");
            for (msp, _) in roles {
                assert_eq!(
                    msp, msp_id,
                    "{path}/{name} names a principal of another MSP"
                );
            }
        }
    }
}

/// Checks the decoded config against the manifest's `last_config` summary when there is one.
fn check_config(config: &common::Config, summary: Option<&Value>, what: &str) {
    let root = config
        .channel_group
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no channel group"));
    let application = group(root, "Application", what);
    let orderer = group(root, "Orderer", what);

    let mut app_msps = BTreeMap::new();
    for (org_name, org) in &application.groups {
        let path = format!("{what}: Application/{org_name}");
        let msp = org_msp(org, &path);
        check_org_policies(org, &msp.name, &path);
        app_msps.insert(msp.name.clone(), msp);
    }
    assert!(!app_msps.is_empty(), "{what}: no application orgs");
    let mut orderer_msps = BTreeMap::new();
    for (org_name, org) in &orderer.groups {
        let path = format!("{what}: Orderer/{org_name}");
        let msp = org_msp(org, &path);
        check_org_policies(org, &msp.name, &path);
        orderer_msps.insert(msp.name.clone(), msp);
    }

    let Some(summary) = summary else { return };
    assert_eq!(
        config.sequence,
        summary["sequence"].as_u64().expect("sequence"),
        "{what}: sequence"
    );
    let names: BTreeSet<String> = app_msps.keys().cloned().collect();
    assert_eq!(
        names,
        strings(&summary["application_orgs"]),
        "{what}: application org MSP ids"
    );
    let names: BTreeSet<String> = orderer_msps.keys().cloned().collect();
    assert_eq!(
        names,
        strings(&summary["orderer_orgs"]),
        "{what}: orderer org MSP ids"
    );
    for (id, msp) in app_msps.iter().chain(&orderer_msps) {
        let roots = &summary["msp_root_certs"][id];
        assert_eq!(
            msp.root_certs.map(|n| n as u64),
            roots.as_u64(),
            "{what}: root certs of {id}"
        );
        assert_eq!(
            Some(msp.node_ous),
            summary["node_ous_enabled"][id].as_bool(),
            "{what}: NodeOUs of {id}"
        );
    }

    let caps = &summary["capabilities"];
    assert_eq!(
        capabilities(root, what),
        strings(&caps["Channel"]),
        "{what}: channel capabilities"
    );
    assert_eq!(
        capabilities(orderer, what),
        strings(&caps["Orderer"]),
        "{what}: orderer capabilities"
    );
    assert_eq!(
        capabilities(application, what),
        strings(&caps["Application"]),
        "{what}: application capabilities"
    );

    let hashing = &root
        .values
        .get("HashingAlgorithm")
        .expect("HashingAlgorithm value")
        .value;
    let hashing = common::HashingAlgorithm::decode(hashing.clone()).expect("HashingAlgorithm");
    assert_eq!(
        hashing.name,
        summary["hashing_algorithm"]
            .as_str()
            .expect("hashing_algorithm")
    );
    if let Some(width) = root.values.get("BlockDataHashingStructure") {
        let width = common::BlockDataHashingStructure::decode(width.value.clone())
            .expect("BlockDataHashingStructure");
        assert_eq!(width.width, u32::MAX, "{what}: block data hashing width");
    }

    let policies = summary["application_policies"]
        .as_object()
        .expect("application_policies");
    assert!(!policies.is_empty());
    for (path, expected) in policies {
        let name = path
            .strip_prefix("Application/")
            .expect("Application/ prefix");
        let policy = application
            .policies
            .get(name)
            .and_then(|p| p.policy.as_ref())
            .unwrap_or_else(|| panic!("{what}: no policy {path}"));
        check_policy(
            policy,
            expected.as_str().expect("policy text"),
            &format!("{what}: {path}"),
        );
    }

    if summary["consensus_type"] == "BFT" {
        let value = &orderer
            .values
            .get("Orderers")
            .unwrap_or_else(|| panic!("{what}: BFT config without Orderers"))
            .value;
        let consenters = common::Orderers::decode(value.clone())
            .expect("Orderers")
            .consenter_mapping;
        assert!(!consenters.is_empty(), "{what}: no consenters");
        let ids: BTreeSet<u32> = consenters.iter().map(|c| c.id).collect();
        assert_eq!(
            ids.len(),
            consenters.len(),
            "{what}: consenter ids not distinct"
        );
        for c in &consenters {
            assert!(
                orderer_msps.contains_key(&c.msp_id),
                "{what}: consenter {} has MSP {}",
                c.id,
                c.msp_id
            );
            assert!(
                !c.host.is_empty() && c.port > 0,
                "{what}: consenter {} endpoint",
                c.id
            );
            for cert in [&c.identity, &c.client_tls_cert, &c.server_tls_cert] {
                assert!(
                    cert.starts_with(b"-----BEGIN"),
                    "{what}: consenter {} certificate",
                    c.id
                );
            }
        }
    }
}

/// SIGNATURES metadata: signer MSP ids, and the last-config index (new or legacy location).
fn check_metadata(block: &common::Block, expected: &Value, what: &str) {
    let metadata = &block
        .metadata
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no metadata"))
        .metadata;
    let signatures_index = common::BlockMetadataIndex::Signatures as usize;
    let signatures = common::Metadata::decode(metadata[signatures_index].clone())
        .unwrap_or_else(|e| panic!("{what}: SIGNATURES Metadata: {e}"));
    let signers: Vec<String> = signatures
        .signatures
        .iter()
        .map(|s| {
            let sh = common::SignatureHeader::decode(s.signature_header.clone())
                .expect("signature header");
            creator_mspid(&sh, what)
                .unwrap_or_else(|| panic!("{what}: orderer signature without creator"))
        })
        .collect();
    let expected_signers: Vec<String> = expected["orderer_signatures"]
        .as_array()
        .expect("orderer_signatures")
        .iter()
        .map(|s| s["mspid"].as_str().expect("mspid").to_owned())
        .collect();
    assert_eq!(signers, expected_signers, "{what}: orderer signers");

    if let Some(last_config) = expected.get("last_config").and_then(Value::as_u64) {
        let index = if signatures.value.is_empty() {
            let legacy = common::Metadata::decode(
                metadata[common::BlockMetadataIndex::LastConfig as usize].clone(),
            )
            .expect("LAST_CONFIG Metadata");
            common::LastConfig::decode(legacy.value)
                .expect("LastConfig")
                .index
        } else {
            common::OrdererBlockMetadata::decode(signatures.value)
                .expect("OrdererBlockMetadata")
                .last_config
                .expect("last_config")
                .index
        };
        assert_eq!(index, last_config, "{what}: last config index");
    }
}

#[test]
fn config_blocks_decode_and_match_the_manifest() {
    let manifest = manifest();
    let notes = manifest["notes"].to_string();
    let mut seen_orderer_tx = false;
    for path in block_files() {
        let file = path
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let item = manifest_item(&manifest, &file);
        let expected_block = &item["blocks"][0];
        let expected_tx = &expected_block["txs"][0];
        let wire = Bytes::from(
            std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
        );
        let block = common::Block::decode(wire).unwrap_or_else(|e| panic!("{file}: Block: {e}"));

        let header = block
            .header
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no header"));
        assert_eq!(
            header.number,
            expected_block["number"].as_u64().expect("number"),
            "{file}: number"
        );
        assert_eq!(header.data_hash.len(), 32, "{file}: data hash length");
        let data = &block
            .data
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no data"))
            .data;
        assert_eq!(
            data.len() as u64,
            item["summary"]["txs"].as_u64().expect("txs"),
            "{file}: tx count"
        );

        let (ch, sh, payload_data) = open_envelope(data[0].clone(), &file);
        assert!(
            strings(&item["summary"]["channels"]).contains(&ch.channel_id),
            "{file}: channel {}",
            ch.channel_id
        );
        let kind = common::HeaderType::try_from(ch.r#type)
            .unwrap_or_else(|_| panic!("{file}: header type {}", ch.r#type));
        assert_eq!(
            kind.as_str_name(),
            expected_tx["type"].as_str().expect("type"),
            "{file}: header type"
        );
        assert_eq!(
            creator_mspid(&sh, &file).as_deref(),
            expected_tx["creator_mspid"].as_str(),
            "{file}: creator"
        );
        assert_eq!(
            ch.tx_id,
            expected_tx["txid"].as_str().expect("txid"),
            "{file}: tx id"
        );

        let config_data = match kind {
            common::HeaderType::Config => payload_data,
            common::HeaderType::OrdererTransaction => {
                seen_orderer_tx = true;
                let (inner, _, inner_data) =
                    open_envelope(payload_data, &format!("{file} (inner)"));
                assert_eq!(
                    inner.r#type,
                    common::HeaderType::Config as i32,
                    "{file}: inner type"
                );
                assert_ne!(inner.channel_id, ch.channel_id, "{file}: inner channel");
                assert!(
                    notes.contains(&format!("creating channel {}", inner.channel_id)),
                    "{file}: inner channel {} not named in the manifest notes",
                    inner.channel_id
                );
                inner_data
            }
            other => panic!("{file}: unexpected header type {other:?}"),
        };
        let envelope = common::ConfigEnvelope::decode(config_data)
            .unwrap_or_else(|e| panic!("{file}: ConfigEnvelope: {e}"));
        let config = envelope
            .config
            .unwrap_or_else(|| panic!("{file}: ConfigEnvelope without config"));
        if let Some(seq) = expected_tx["config_sequence"].as_u64() {
            assert_eq!(config.sequence, seq, "{file}: config sequence");
        }
        if let Some(orgs) = expected_tx.get("application_orgs") {
            let root = config.channel_group.as_ref().expect("channel group");
            let names: BTreeSet<String> = group(root, "Application", &file)
                .groups
                .iter()
                .map(|(name, org)| org_msp(org, &format!("{file}: Application/{name}")).name)
                .collect();
            assert_eq!(
                names,
                strings(orgs),
                "{file}: application orgs of the transaction"
            );
        }
        check_config(&config, item["summary"].get("last_config"), &file);
        check_metadata(&block, expected_block, &file);
    }
    assert!(seen_orderer_tx, "no ORDERER_TRANSACTION block was checked");
}

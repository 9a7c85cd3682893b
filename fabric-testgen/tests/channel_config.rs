//! The genesis config block and the config update block.

mod common;

use common::{decode_envelope, envelopes, identity_by_bytes, sample};
use fabric_crypto::{default_backend, verify_signature};
use fabric_protos::common::{
    policy::PolicyType, signature_policy, BlockDataHashingStructure, Capabilities, Config,
    ConfigEnvelope, ConfigUpdate, ConfigUpdateEnvelope, HashingAlgorithm, HeaderType,
    ImplicitMetaPolicy, MspRole, SignatureHeader, SignaturePolicyEnvelope,
};
use fabric_protos::Message;
use fabric_testgen::channel_config::{
    config_update, ConfigChange, ConfigError, EnvelopeHeader, UpdateSigners,
};

fn config_of(block_index: usize) -> (ConfigEnvelope, common::DecodedEnvelope) {
    let ledger = sample();
    let block = &ledger.blocks[block_index];
    assert_eq!(
        envelopes(block).len(),
        1,
        "a config block holds one envelope"
    );
    let d = decode_envelope(&envelopes(block)[0]);
    assert_eq!(d.channel_header.r#type, HeaderType::Config as i32);
    let creator = identity_by_bytes(ledger, &d.signature_header.creator);
    assert_eq!(creator.label(), "OrdererMSP.orderer");
    verify_signature(
        default_backend(),
        &creator.public_key(),
        &d.envelope.payload,
        &d.envelope.signature,
    )
    .expect("config envelope signed by the orderer");
    (
        ConfigEnvelope::decode(d.payload.data.clone()).expect("ConfigEnvelope"),
        d,
    )
}

fn role_policy(config: &Config, org: &str, name: &str) -> Vec<(String, i32)> {
    let channel = config.channel_group.as_ref().expect("channel group");
    let policy = channel.groups["Application"].groups[org].policies[name]
        .policy
        .clone()
        .expect("policy");
    assert_eq!(policy.r#type, PolicyType::Signature as i32);
    let env = SignaturePolicyEnvelope::decode(policy.value).expect("SignaturePolicyEnvelope");
    assert_eq!(env.version, 0);
    let Some(signature_policy::Type::NOutOf(rule)) = env.rule.and_then(|r| r.r#type) else {
        panic!("{org}/{name} is not n_out_of");
    };
    assert_eq!(rule.n, 1, "{org}/{name} is an OR");
    env.identities
        .iter()
        .map(|p| {
            let role = MspRole::decode(p.principal.clone()).expect("MSPRole");
            (role.msp_identifier, role.role)
        })
        .collect()
}

#[test]
fn genesis_has_configtxgen_layout() {
    let (env, d) = config_of(0);
    assert!(env.last_update.is_none());
    assert!(d.channel_header.tx_id.is_empty());
    let config = env.config.expect("config");
    assert_eq!(config.sequence, 0);
    let channel = config.channel_group.as_ref().expect("channel group");
    let hashing =
        HashingAlgorithm::decode(channel.values["HashingAlgorithm"].value.clone()).expect("value");
    assert_eq!(hashing.name, "SHA256");
    let width = BlockDataHashingStructure::decode(
        channel.values["BlockDataHashingStructure"].value.clone(),
    )
    .expect("value");
    assert_eq!(width.width, 4_294_967_295);
    assert!(channel.values.contains_key("OrdererAddresses"));
    let caps = Capabilities::decode(channel.values["Capabilities"].value.clone()).expect("caps");
    assert!(caps.capabilities.contains_key("V2_0"));
    let app = &channel.groups["Application"];
    let app_caps = Capabilities::decode(app.values["Capabilities"].value.clone()).expect("caps");
    assert_eq!(
        app_caps.capabilities.keys().collect::<Vec<_>>(),
        vec!["V2_5"]
    );
    assert_eq!(
        app.groups.keys().collect::<Vec<_>>(),
        vec!["Org1MSP", "Org2MSP"]
    );
    for (name, rule, sub) in [
        ("Readers", 0, "Readers"),
        ("Writers", 0, "Writers"),
        ("Admins", 2, "Admins"),
        ("Endorsement", 2, "Endorsement"),
        ("LifecycleEndorsement", 2, "Endorsement"),
    ] {
        let policy = app.policies[name].policy.clone().expect("policy");
        assert_eq!(policy.r#type, PolicyType::ImplicitMeta as i32, "{name}");
        let meta = ImplicitMetaPolicy::decode(policy.value).expect("ImplicitMetaPolicy");
        assert_eq!(
            (meta.rule, meta.sub_policy.as_str()),
            (rule, sub),
            "Application/{name}"
        );
    }
    // NodeOUs: Endorsement = OR('OrgX.peer') (role 3), Admins = OR('OrgX.admin') (role 1).
    assert_eq!(
        role_policy(&config, "Org1MSP", "Endorsement"),
        vec![("Org1MSP".to_owned(), 3)]
    );
    assert_eq!(
        role_policy(&config, "Org2MSP", "Admins"),
        vec![("Org2MSP".to_owned(), 1)]
    );
    assert_eq!(role_policy(&config, "Org1MSP", "Readers").len(), 3);
    let orderer = &channel.groups["Orderer"];
    assert!(orderer.groups.contains_key("OrdererOrg"));
    assert!(orderer.policies.contains_key("BlockValidation"));
    let org1_msp = &app.groups["Org1MSP"].values["MSP"].value;
    assert_eq!(org1_msp, &sample().app_orgs[0].msp_config_bytes());
}

#[test]
fn update_block_adds_org3_with_signed_config_update() {
    let ledger = sample();
    let number = ledger
        .config_update_block
        .expect("sample-2org has an update") as usize;
    let (env, _) = config_of(number);
    let config = env.config.expect("config");
    assert_eq!(config.sequence, 1);
    let app = &config.channel_group.as_ref().expect("channel").groups["Application"];
    assert_eq!(app.version, 1);
    assert_eq!(
        app.groups.keys().collect::<Vec<_>>(),
        vec!["Org1MSP", "Org2MSP", "Org3MSP"]
    );
    assert_eq!(
        role_policy(&config, "Org3MSP", "Endorsement"),
        vec![("Org3MSP".to_owned(), 3)]
    );

    let last = env.last_update.expect("last_update");
    let d = common::decode_envelope(&last.encode_to_vec());
    assert_eq!(d.channel_header.r#type, HeaderType::ConfigUpdate as i32);
    let submitter = identity_by_bytes(ledger, &d.signature_header.creator);
    verify_signature(
        default_backend(),
        &submitter.public_key(),
        &last.payload,
        &last.signature,
    )
    .expect("submitter signature");
    let cue = ConfigUpdateEnvelope::decode(d.payload.data.clone()).expect("ConfigUpdateEnvelope");
    let update = ConfigUpdate::decode(cue.config_update.clone()).expect("ConfigUpdate");
    assert_eq!(update.channel_id, "testchannel");
    let read_app = &update.read_set.expect("read set").groups["Application"];
    let write_app = &update.write_set.expect("write set").groups["Application"];
    assert_eq!((read_app.version, write_app.version), (0, 1));
    assert!(!read_app.groups.contains_key("Org3MSP"));
    assert!(
        write_app.groups["Org3MSP"].values.contains_key("MSP"),
        "new org in full"
    );
    assert!(
        write_app.groups["Org1MSP"].values.is_empty(),
        "unchanged org is version-only"
    );
    let mut signers = Vec::new();
    for sig in &cue.signatures {
        let header =
            SignatureHeader::decode(sig.signature_header.clone()).expect("SignatureHeader");
        let signer = identity_by_bytes(ledger, &header.creator);
        let mut message = sig.signature_header.to_vec();
        message.extend_from_slice(&cue.config_update);
        verify_signature(
            default_backend(),
            &signer.public_key(),
            &message,
            &sig.signature,
        )
        .expect("config signature over signature_header ‖ config_update");
        signers.push(signer.label());
    }
    assert_eq!(signers, vec!["Org1MSP.admin", "Org2MSP.admin"]);
}

#[test]
fn removing_an_org_and_refusing_bad_changes() {
    let ledger = sample();
    let number = ledger.config_update_block.expect("update") as usize;
    let (env, _) = config_of(number);
    let config = env.config.expect("config");
    let admin = ledger.app_orgs[0].identity("admin").expect("admin");
    let header = EnvelopeHeader {
        channel_id: "testchannel",
        timestamp: prost_types::Timestamp {
            seconds: 1,
            nanos: 0,
        },
        nonce: &[7; 24],
    };
    let signers = UpdateSigners {
        submitter: admin,
        signers: vec![admin],
    };
    let removed = config_update(
        &config,
        ConfigChange::RemoveOrg("Org3MSP"),
        &header,
        &signers,
        &[],
    )
    .expect("remove Org3MSP");
    assert_eq!(removed.config.sequence, 2);
    let app = &removed
        .config
        .channel_group
        .as_ref()
        .expect("channel")
        .groups["Application"];
    assert_eq!(app.version, 2);
    assert_eq!(
        app.groups.keys().collect::<Vec<_>>(),
        vec!["Org1MSP", "Org2MSP"]
    );
    let err = config_update(
        &config,
        ConfigChange::RemoveOrg("Org9MSP"),
        &header,
        &signers,
        &[],
    )
    .expect_err("absent org");
    assert!(matches!(err, ConfigError::OrgMissing { .. }), "{err}");
    let err = config_update(
        &config,
        ConfigChange::AddOrg(&ledger.app_orgs[2]),
        &header,
        &signers,
        &[],
    )
    .expect_err("org already present");
    assert!(matches!(err, ConfigError::OrgExists { .. }), "{err}");
    let err = config_update(
        &config,
        ConfigChange::AddOrg(&ledger.orderer_org),
        &header,
        &signers,
        &[],
    )
    .expect_err("orderer org");
    assert!(
        matches!(err, ConfigError::NotApplicationOrg { .. }),
        "{err}"
    );
}

//! The MSP on real material: the bench corpus MSP folders, identities, keys and blocks made by
//! Fabric's own Go code.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{role, serialize};
use fabric_crypto::SigningKey;
use fabric_msp::{
    load_msp_folder, Identity, IdentityDeserializer, ManagerOptions, Msp, MspError, MspManager,
    MspVersion,
};
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::{Block, Envelope, Header, Payload, SignatureHeader};
use fabric_protos::protos::{ChaincodeActionPayload, Transaction};
use prost::Message;

const ORGS: [&str; 3] = ["Org1MSP", "Org2MSP", "Org3MSP"];
const IDENTITIES: [&str; 3] = ["peer0", "client", "admin"];

fn corpus(path: &str) -> PathBuf {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/bench-corpus"
    ))
    .join(path);
    assert!(p.exists(), "missing test material: {}", p.display());
    p
}

fn read(path: &str) -> Vec<u8> {
    let p = corpus(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn org_msp(org: &str) -> Msp {
    let config = load_msp_folder(corpus(&format!("msp/{org}")), org)
        .unwrap_or_else(|e| panic!("loading {org}: {e}"));
    assert_eq!(config.root_certs.len(), 1, "{org}: one CA");
    assert_eq!(config.admins.len(), 1, "{org}: one admin");
    assert!(config.intermediate_certs.is_empty() && config.fabric_node_ous.is_none());
    Msp::new(&config, MspVersion::V1_4_3).unwrap_or_else(|e| panic!("setup {org}: {e}"))
}

fn manager() -> MspManager {
    MspManager::new(ORGS.map(org_msp), 4096).expect("manager")
}

#[test]
fn corpus_identities_validate_in_their_org_and_fail_elsewhere() {
    let manager = manager();
    for org in ORGS {
        for who in IDENTITIES {
            let pem = read(&format!("msp/{org}/identities/{who}-cert.pem"));
            let id = manager
                .deserialize_identity(&serialize(org, &pem))
                .unwrap_or_else(|e| panic!("{org}.{who}: {e}"));
            id.validate().unwrap_or_else(|e| panic!("{org}.{who}: {e}"));
            assert_eq!(id.msp_id(), org);
            assert_eq!(
                id.id(),
                hex::encode(fabric_crypto::sha256(id.certificate().der()))
            );
            id.satisfies_principal(&role(org, MspRoleType::Member))
                .expect("member");
            // NodeOUs are disabled in the corpus: no peer/client roles.
            assert!(id
                .satisfies_principal(&role(org, MspRoleType::Peer))
                .is_err());
            let is_admin = id
                .satisfies_principal(&role(org, MspRoleType::Admin))
                .is_ok();
            assert_eq!(is_admin, who == "admin", "{org}.{who}");

            for other in ORGS.iter().filter(|o| **o != org) {
                let err = manager
                    .deserialize_identity(&serialize(other, &pem))
                    .expect_err("foreign identity");
                assert!(matches!(err, MspError::Certificate(_)), "{other}: {err}");
                assert!(id
                    .satisfies_principal(&role(other, MspRoleType::Member))
                    .is_err());
            }
        }
    }
}

#[test]
fn corpus_keys_sign_and_identities_verify_on_every_backend() {
    for backend in fabric_crypto::backends() {
        let options = ManagerOptions {
            backend,
            cache_capacity: 16,
        };
        let configs: Vec<_> = ORGS
            .iter()
            .map(|org| load_msp_folder(corpus(&format!("msp/{org}")), org).expect("folder"))
            .collect();
        let manager =
            MspManager::from_configs(&configs, MspVersion::V1_4_3, options).expect("manager");
        for org in ORGS {
            for who in IDENTITIES {
                let pem = read(&format!("msp/{org}/identities/{who}-cert.pem"));
                let key_pem =
                    String::from_utf8(read(&format!("msp/{org}/identities/{who}-key.pem")))
                        .expect("utf8 key");
                let key = SigningKey::from_pkcs8_pem(&key_pem).expect("key");
                let id = manager
                    .deserialize_identity(&serialize(org, &pem))
                    .expect("identity");
                let message =
                    format!("{org}/{who} signs this with {}", backend.name()).into_bytes();
                let signature = key.sign(&message);
                id.verify(&message, &signature)
                    .expect("own signature verifies");

                for i in 0..signature.len() {
                    let mut bad = signature.clone();
                    bad[i] ^= 0x01;
                    assert!(
                        id.verify(&message, &bad).is_err(),
                        "flipped signature byte {i}"
                    );
                }
                for i in 0..message.len() {
                    let mut bad = message.clone();
                    bad[i] ^= 0x80;
                    assert!(
                        id.verify(&bad, &signature).is_err(),
                        "flipped message byte {i}"
                    );
                }
                let twin = fabric_crypto::EcdsaSignature::from_der(&signature)
                    .expect("der")
                    .to_high_s_twin()
                    .to_der();
                let err = id.verify(&message, &twin).expect_err("high-S twin");
                assert!(
                    err.to_string()
                        .contains("Invalid S. Must be smaller than half the order"),
                    "{err}"
                );
            }
        }
    }
}

#[test]
fn corpus_folder_config_matches_the_files() {
    let config = load_msp_folder(corpus("msp/Org2MSP"), "Org2MSP").expect("folder");
    assert_eq!(config.name, "Org2MSP");
    assert_eq!(
        config.root_certs[0].as_ref(),
        read("msp/Org2MSP/cacerts/ca-cert.pem").as_slice()
    );
    assert_eq!(
        config.admins[0].as_ref(),
        read("msp/Org2MSP/admincerts/admin-cert.pem").as_slice()
    );
    let crypto = config.crypto_config.expect("crypto config");
    assert_eq!(crypto.signature_hash_family, "SHA2");
    assert_eq!(crypto.identity_identifier_hash_function, "SHA256");
    // Every MSP version sets the corpus orgs up (they have admins, no NodeOUs).
    for version in [
        MspVersion::V1_0,
        MspVersion::V1_1,
        MspVersion::V1_3,
        MspVersion::V3_0,
    ] {
        let cfg = load_msp_folder(corpus("msp/Org2MSP"), "Org2MSP").expect("folder");
        Msp::new(&cfg, version).unwrap_or_else(|e| panic!("{version}: {e}"));
    }
}

#[derive(Debug)]
struct ManifestTx {
    kind: String,
    creator: String,
    endorsers: Vec<String>,
}

fn manifest_first_block() -> (u64, Vec<ManifestTx>) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&read("MANIFEST.json")).expect("manifest json");
    let set = &manifest["sets"][0];
    assert_eq!(set["file"], "blocks-100tx.bin");
    let block = &set["block_list"][0];
    let txs = block["txs"]
        .as_array()
        .expect("txs")
        .iter()
        .map(|t| ManifestTx {
            kind: t["kind"].as_str().expect("kind").to_owned(),
            creator: t["creator"].as_str().expect("creator").to_owned(),
            endorsers: t["endorsers"]
                .as_array()
                .expect("endorsers")
                .iter()
                .map(|e| e.as_str().expect("endorser").to_owned())
                .collect(),
        })
        .collect();
    (block["number"].as_u64().expect("number"), txs)
}

fn first_block() -> Block {
    let bytes = read("blocks-100tx.bin");
    let mut len: usize = 0;
    let mut shift = 0;
    let mut pos = 0;
    loop {
        let b = bytes[pos];
        pos += 1;
        len |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    Block::decode(&bytes[pos..pos + len]).expect("block")
}

/// Creators and endorsers of a real block: deserialised through the cached manager, validated,
/// and their signatures checked exactly as Fabric's outcome in the manifest says.
#[test]
fn corpus_block_signatures_match_fabric_outcomes() {
    let manager = Arc::new(manager());
    let (number, txs) = manifest_first_block();
    let block = first_block();
    assert_eq!(block.header.as_ref().expect("header").number, number);
    let envelopes = &block.data.as_ref().expect("data").data;
    assert_eq!(envelopes.len(), txs.len());

    for (i, (raw, tx)) in envelopes.iter().zip(&txs).enumerate() {
        let env = Envelope::decode(raw.clone()).expect("envelope");
        let payload = Payload::decode(env.payload.clone()).expect("payload");
        let header: Header = payload.header.clone().expect("header");
        let sig_header = SignatureHeader::decode(header.signature_header).expect("sig header");
        let creator = manager
            .deserialize_identity(&sig_header.creator)
            .expect("creator");
        creator.validate().expect("creator valid");
        assert_eq!(format!("{}.client", creator.msp_id()), tx.creator, "tx {i}");
        let creator_ok = creator.verify(&env.payload, &env.signature).is_ok();
        assert_eq!(
            creator_ok,
            tx.kind != "bad_creator_sig",
            "tx {i} ({})",
            tx.kind
        );

        let transaction = Transaction::decode(payload.data).expect("transaction");
        let cap =
            ChaincodeActionPayload::decode(transaction.actions[0].payload.clone()).expect("cap");
        let action = cap.action.expect("action");
        assert_eq!(action.endorsements.len(), tx.endorsers.len(), "tx {i}");
        for (j, (endorsement, who)) in action.endorsements.iter().zip(&tx.endorsers).enumerate() {
            let endorser = manager
                .deserialize_identity(&endorsement.endorser)
                .expect("endorser");
            endorser.validate().expect("endorser valid");
            assert_eq!(&format!("{}.peer0", endorser.msp_id()), who, "tx {i}");
            let mut signed = action.proposal_response_payload.to_vec();
            signed.extend_from_slice(&endorsement.endorser);
            let outcome = endorser.verify(&signed, &endorsement.signature);
            let tampered =
                j == 0 && (tx.kind == "bad_endorsement_sig" || tx.kind == "high_s_endorsement_sig");
            assert_eq!(
                outcome.is_ok(),
                !tampered,
                "tx {i} endorsement {j} ({})",
                tx.kind
            );
            if j == 0 && tx.kind == "high_s_endorsement_sig" {
                assert!(outcome
                    .expect_err("high-S")
                    .to_string()
                    .contains("Invalid S"));
            }
        }
    }
    // Nine certificates exist (3 orgs x peer0/client/admin); only clients and peers appear here,
    // so at most six parses happened however many transactions the block has.
    let parses: u64 = ORGS
        .iter()
        .map(|o| manager.msp(o).expect("msp").deserialization_count())
        .sum();
    assert!(parses <= 6, "parsed {parses} times");
    let stats = manager.cache_stats();
    assert!(stats.hits > 200, "{stats:?}");
}

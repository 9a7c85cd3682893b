//! The bench corpus (blocks built by Fabric's own Go code, with deliberately invalid
//! transactions) decodes, agrees with its MANIFEST.json, and its signatures behave as the
//! manifest's `kind` of each transaction says: every identity chains to its org's root CA in
//! the MSP folders, creator signatures verify except for `bad_creator_sig`, and the first
//! endorsement fails for `bad_endorsement_sig` (invalid) and `high_s_endorsement_sig` (high-S).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::{decode_tx, endorsement_message, manifest, shared};
use fabric_config::{ChannelConfig, FolderChannelOptions, MspFolder};
use fabric_ledger::{ChainChecker, LedgerFile};
use fabric_msp::{Identity, IdentityDeserializer, MspError};
use fabric_protos::msp::SerializedIdentity;
use prost::Message;

fn bench_config() -> ChannelConfig {
    let folders: Vec<MspFolder> = ["Org1MSP", "Org2MSP", "Org3MSP"]
        .iter()
        .map(|id| MspFolder {
            msp_id: (*id).to_owned(),
            path: shared(&format!("bench-corpus/msp/{id}")),
        })
        .collect();
    ChannelConfig::from_msp_folders(&folders, &FolderChannelOptions::new("benchchannel")).unwrap()
}

/// `Org2MSP.client` -> the PEM file of that identity in the corpus.
fn identity_pem(name: &str) -> Vec<u8> {
    let (msp, who) = name.split_once('.').unwrap();
    std::fs::read(shared(&format!(
        "bench-corpus/msp/{msp}/identities/{who}-cert.pem"
    )))
    .unwrap()
}

fn assert_is(identity: &[u8], name: &str, at: &str) {
    let id = SerializedIdentity::decode(identity).unwrap();
    assert_eq!(
        Some(id.mspid.as_str()),
        name.split('.').next(),
        "{at}: {name}"
    );
    assert_eq!(
        id.id_bytes.as_ref(),
        identity_pem(name).as_slice(),
        "{at}: {name}"
    );
}

#[test]
fn bench_corpus_decodes_and_signatures_match_each_kind() {
    let manifest = manifest("bench-corpus/MANIFEST.json");
    let config = bench_config();
    let mut chain = ChainChecker::new();
    let mut counted = std::collections::BTreeMap::<String, usize>::new();
    for set in manifest["sets"].as_array().unwrap() {
        let file_name = set["file"].as_str().unwrap();
        let file = LedgerFile::open(shared(&format!("bench-corpus/{file_name}"))).unwrap();
        let blocks = file.read_all().into_result().unwrap();
        let want_blocks = set["block_list"].as_array().unwrap();
        assert_eq!(blocks.len(), want_blocks.len(), "{file_name}");
        for (block, want) in blocks.iter().zip(want_blocks) {
            assert_eq!(block.number, want["number"].as_u64().unwrap());
            let report = chain.check(block);
            assert!(
                report.is_ok(),
                "block {}: {:?}",
                block.number,
                report.problems
            );
            let txs = want["txs"].as_array().unwrap();
            assert_eq!(block.envelopes.len(), txs.len());
            for (index, (env, tx)) in block.envelopes.iter().zip(txs).enumerate() {
                let at = format!("block {} tx {index}", block.number);
                let facts = decode_tx(env);
                let kind = tx["kind"].as_str().unwrap();
                *counted.entry(kind.to_owned()).or_default() += 1;
                assert_eq!(facts.txid, tx["txid"].as_str().unwrap(), "{at}");
                assert_eq!(facts.header_type_name, "ENDORSER_TRANSACTION", "{at}");
                assert_eq!(facts.channel_id, "benchchannel", "{at}");
                assert_eq!(
                    facts.txid,
                    hex::encode(fabric_crypto::sha256(
                        &[facts.nonce.as_ref(), facts.creator.as_ref()].concat()
                    )),
                    "{at}: txid = hex(SHA-256(nonce || creator))"
                );
                assert_is(&facts.creator, tx["creator"].as_str().unwrap(), &at);

                let creator = config
                    .msp_manager()
                    .deserialize_identity(&facts.creator)
                    .unwrap();
                creator.validate().unwrap_or_else(|e| panic!("{at}: {e}"));
                let creator_ok = creator.verify(&facts.payload, &facts.signature);
                assert_eq!(
                    creator_ok.is_ok(),
                    kind != "bad_creator_sig",
                    "{at} {kind}: {creator_ok:?}"
                );

                let mut endorsers = tx["endorsers"].as_array().unwrap().clone();
                if kind == "same_peer_endorses_twice" {
                    // Both responses came from one peer; the transaction carries that peer's
                    // endorsement once (the assembling client kept identical endorsements once).
                    endorsers.dedup();
                }
                assert_eq!(facts.endorsements.len(), endorsers.len(), "{at} {kind}");
                let prp = facts.proposal_response_payload.as_ref().unwrap();
                for (i, (e, name)) in facts.endorsements.iter().zip(&endorsers).enumerate() {
                    assert_is(&e.endorser, name.as_str().unwrap(), &at);
                    let identity = config
                        .msp_manager()
                        .deserialize_identity(&e.endorser)
                        .unwrap();
                    identity.validate().unwrap_or_else(|e| panic!("{at}: {e}"));
                    let result =
                        identity.verify(&endorsement_message(prp, &e.endorser), &e.signature);
                    match (kind, i) {
                        ("bad_endorsement_sig", 0) => assert!(
                            matches!(&result, Err(MspError::Signature(t)) if !t.contains("Invalid S")),
                            "{at}: {result:?}"
                        ),
                        ("high_s_endorsement_sig", 0) => assert!(
                            matches!(&result, Err(MspError::Signature(t)) if t.contains("Invalid S")),
                            "{at}: {result:?}"
                        ),
                        _ => assert!(result.is_ok(), "{at} endorsement {i} ({kind}): {result:?}"),
                    }
                }
            }
        }
    }
    let want: std::collections::BTreeMap<String, usize> = manifest["sets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["kind_counts"].as_object().unwrap().iter())
        .fold(Default::default(), |mut acc, (k, v)| {
            *acc.entry(k.clone()).or_default() += v.as_u64().unwrap() as usize;
            acc
        });
    assert_eq!(counted, want);
    assert_eq!(counted.values().sum::<usize>(), 6000);
}

#[test]
fn bench_corpus_msp_folders_give_the_channel_the_readme_describes() {
    let config = bench_config();
    assert_eq!(config.channel_id(), "benchchannel");
    assert_eq!(
        config.application_msp_ids(),
        ["Org1MSP", "Org2MSP", "Org3MSP"]
    );
    assert!(config.capabilities().v20_validation());
    assert_eq!(
        config.capabilities().msp_version(),
        fabric_msp::MspVersion::V1_4_3
    );
    for org in config.application_orgs() {
        assert!(!org.node_ous_enabled(), "{}", org.msp_id);
        let msp = org.fabric_msp().unwrap();
        assert_eq!(msp.root_certs.len(), 1, "{}", org.msp_id);
        assert_eq!(msp.admins.len(), 1, "{}", org.msp_id);
    }
    // An identity of one org is not accepted as another org's.
    let mut forged = SerializedIdentity::decode(
        SerializedIdentity {
            mspid: "Org2MSP".into(),
            id_bytes: identity_pem("Org1MSP.client").into(),
        }
        .encode_to_vec()
        .as_slice(),
    )
    .unwrap();
    let forged_bytes = forged.encode_to_vec();
    let result = config.msp_manager().deserialize_identity(&forged_bytes);
    assert!(result.is_err() || result.unwrap().validate().is_err());
    forged.mspid = "Org9MSP".into();
    assert!(matches!(
        config
            .msp_manager()
            .deserialize_identity(&forged.encode_to_vec()),
        Err(MspError::UnknownMsp(_))
    ));
}

//! Every creator and endorsement signature in the real ledgers verifies, and every signer's
//! certificate chains to its MSP root in the channel configuration in force (taken from the
//! ledger's own config blocks). Flipping any byte of a signature or of the signed bytes, or
//! replacing a signature by its high-S twin, makes verification fail.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use bytes::Bytes;
use common::{decode_tx, endorsement_message, manifest, shared, TxFacts};
use fabric_config::ChannelConfig;
use fabric_crypto::EcdsaSignature;
use fabric_ledger::{LedgerDir, LedgerFile, RawBlock};
use fabric_msp::{Identity, IdentityDeserializer, MspError};
use serde_json::Value;

/// The ledgers whose signatures are real (the synthetic one has fake identities).
const SIGNED_LEDGERS: [&str; 4] = [
    "sample-prod-v2-sampleorg",
    "glued-together-malformed",
    "from-snapshot-v25-3org",
    "v20-marbles-pvtdata-3org",
];

/// One signature to check: who signed, over which original bytes.
struct Signed {
    what: String,
    identity: Bytes,
    message: Vec<u8>,
    signature: Bytes,
    want_sig: String,
    want_chain: Option<String>,
}

fn signatures_of(facts: &TxFacts, tx: &Value, at: &str) -> Vec<Signed> {
    let mut out = vec![Signed {
        what: format!("{at} creator"),
        identity: facts.creator.clone(),
        message: facts.payload.to_vec(),
        signature: facts.signature.clone(),
        want_sig: tx["creator_sig"].as_str().unwrap().to_owned(),
        want_chain: tx["creator_cert_chain"].as_str().map(str::to_owned),
    }];
    if let Some(prp) = &facts.proposal_response_payload {
        for (i, e) in facts.endorsements.iter().enumerate() {
            out.push(Signed {
                what: format!("{at} endorsement {i}"),
                identity: e.endorser.clone(),
                message: endorsement_message(prp, &e.endorser),
                signature: e.signature.clone(),
                want_sig: tx["endorsement_sigs"][i].as_str().unwrap().to_owned(),
                want_chain: tx["endorsement_cert_chains"][i].as_str().map(str::to_owned),
            });
        }
    }
    out
}

fn is_config_block(block: &RawBlock) -> bool {
    block.envelopes.len() == 1 && decode_tx(&block.envelopes[0]).header_type_name == "CONFIG"
}

/// Checks one signature completely, including every mutation. Returns how many verifications
/// it ran, so the caller can assert the test did real work.
fn check(config: &ChannelConfig, s: &Signed) -> usize {
    assert_eq!(s.want_sig, "ok", "{}: manifest says {}", s.what, s.want_sig);
    let identity = config
        .msp_manager()
        .deserialize_identity(&s.identity)
        .unwrap_or_else(|e| panic!("{}: {e}", s.what));
    identity
        .verify(&s.message, &s.signature)
        .unwrap_or_else(|e| panic!("{}: {e}", s.what));
    if s.want_chain.as_deref() == Some("ok") {
        identity
            .validate()
            .unwrap_or_else(|e| panic!("{}: chain to MSP root: {e}", s.what));
    }
    let mut runs = 1;
    for i in 0..s.signature.len() {
        let mut bad = s.signature.to_vec();
        bad[i] ^= 0x01;
        assert!(
            identity.verify(&s.message, &bad).is_err(),
            "{}: signature byte {i} flipped still verifies",
            s.what
        );
        runs += 1;
    }
    for i in 0..s.message.len() {
        let mut bad = s.message.clone();
        bad[i] ^= 0x01;
        assert!(
            identity.verify(&bad, &s.signature).is_err(),
            "{}: signed byte {i} flipped still verifies",
            s.what
        );
        runs += 1;
    }
    let twin = EcdsaSignature::from_der(&s.signature)
        .unwrap()
        .to_high_s_twin()
        .to_der();
    let err = identity.verify(&s.message, &twin).unwrap_err();
    assert!(
        matches!(&err, MspError::Signature(text) if text.contains("Invalid S")),
        "{}: high-S twin: {err}",
        s.what
    );
    runs + 1
}

#[test]
fn every_signature_of_the_real_ledgers_verifies_and_chains_to_its_msp_root() {
    let mut total_signatures = 0;
    let mut total_runs = 0;
    for name in SIGNED_LEDGERS {
        let manifest = manifest(&format!("fabric-ledgers/{name}/MANIFEST.json"));
        let blocks_by_number: std::collections::BTreeMap<u64, &Value> = manifest["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["number"].as_u64().unwrap(), b))
            .collect();
        let dir = LedgerDir::open(shared(&format!("fabric-ledgers/{name}"))).unwrap();
        let mut config: Option<ChannelConfig> = None;
        for file in dir.files() {
            for block in file.blocks() {
                let block = block.unwrap();
                let want = blocks_by_number[&block.number];
                // A config block's own creator is checked against the config in force before
                // it; the first config block of a ledger (genesis or snapshot start) against
                // itself.
                let next = if is_config_block(&block) {
                    Some(
                        ChannelConfig::from_config_block_envelope(block.envelopes[0].clone())
                            .unwrap_or_else(|e| panic!("{name} block {}: {e}", block.number)),
                    )
                } else {
                    None
                };
                if config.is_none() {
                    config.clone_from(&next);
                }
                let in_force = config.as_ref().expect("ledger starts with a config block");
                for (env, tx) in block.envelopes.iter().zip(want["txs"].as_array().unwrap()) {
                    let at = format!("{name} block {} tx {}", block.number, tx["index"]);
                    let facts = decode_tx(env);
                    for s in signatures_of(&facts, tx, &at) {
                        total_runs += check(in_force, &s);
                        total_signatures += 1;
                    }
                }
                if next.is_some() {
                    config = next;
                }
            }
        }
    }
    // 8 + 9 + 4 + 20 creators and 7 + 8 + 4 + 21 endorsements, per the manifests.
    assert_eq!(total_signatures, 81);
    assert!(total_runs > 100_000, "only {total_runs} verifications ran");
}

#[test]
fn config_block_creators_verify_against_their_own_configuration() {
    let manifest = manifest("fabric-ledgers/config-blocks/MANIFEST.json");
    let mut checked = 0;
    for item in manifest["items"].as_array().unwrap() {
        let file_name = item["files"][0]["file"].as_str().unwrap();
        let file =
            LedgerFile::open(shared(&format!("fabric-ledgers/config-blocks/{file_name}"))).unwrap();
        for block in file.read_all().into_result().unwrap() {
            let config = ChannelConfig::from_config_block_envelope(block.envelopes[0].clone())
                .unwrap_or_else(|e| panic!("{file_name}: {e}"));
            let tx = &item["blocks"][0]["txs"][0];
            let facts = decode_tx(&block.envelopes[0]);
            if tx["creator_sig"] != "ok" {
                // The BFT genesis block is unsigned configtxgen output.
                assert!(
                    facts.signature.is_empty(),
                    "{file_name}: {}",
                    tx["creator_sig"]
                );
                continue;
            }
            let identity = config.msp_manager().deserialize_identity(&facts.creator);
            match identity {
                Ok(identity) => {
                    identity
                        .verify(&facts.payload, &facts.signature)
                        .unwrap_or_else(|e| panic!("{file_name}: {e}"));
                    checked += 1;
                }
                // The system-channel block is signed by an orderer whose MSP belongs to the
                // system channel, not to the channel the wrapped config creates.
                Err(e) => assert!(
                    file_name.starts_with("syschannel"),
                    "{file_name}: creator does not deserialize: {e}"
                ),
            }
        }
    }
    assert!(checked >= 2, "only {checked} config-block creators checked");
}

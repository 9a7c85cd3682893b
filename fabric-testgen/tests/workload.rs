//! The endorser workload: deterministic bytes, a real header-hash chain from its genesis block,
//! every signature verifying, the txid rule, endorsers from distinct organisations satisfying
//! the policy the workload states, and fresh keys that replay without MVCC conflicts.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use fabric_crypto::{default_backend, sha256, verify_signature, P256PublicKey};
use fabric_ledger::{ChainChecker, RawBlock};
use fabric_protos::common::{
    msp_principal, signature_policy, Block, ChannelHeader, Envelope, HeaderType, MspRole, Payload,
    SignatureHeader,
};
use fabric_protos::kvrwset::KvrwSet;
use fabric_protos::msp::SerializedIdentity;
use fabric_protos::protos::{
    application_policy, ApplicationPolicy, ChaincodeAction, ChaincodeActionPayload,
    ProposalResponsePayload, Transaction,
};
use fabric_protos::rwset::TxReadWriteSet;
use fabric_protos::Message;
use fabric_testgen::workload::{EndorserWorkload, WorkloadError, MAX_ORGS};

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

/// The public key of the certificate in a serialized identity, read with x509-parser.
fn public_key(serialized: &[u8]) -> (String, P256PublicKey) {
    let identity = SerializedIdentity::decode(serialized).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&identity.id_bytes).unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&pem.contents).unwrap();
    let key = P256PublicKey::from_sec1(&cert.public_key().subject_public_key.data).unwrap();
    (identity.mspid, key)
}

/// One endorser transaction, decoded down to its endorsements and read-write set.
struct Decoded {
    envelope: Envelope,
    channel_header: ChannelHeader,
    signature_header: SignatureHeader,
    prp: Bytes,
    endorsements: Vec<fabric_protos::protos::Endorsement>,
    rwset: TxReadWriteSet,
}

fn decode_tx(bytes: &Bytes) -> Decoded {
    let envelope = Envelope::decode(bytes.clone()).unwrap();
    let payload = Payload::decode(envelope.payload.clone()).unwrap();
    let header = payload.header.clone().unwrap();
    let channel_header = ChannelHeader::decode(header.channel_header.clone()).unwrap();
    let signature_header = SignatureHeader::decode(header.signature_header.clone()).unwrap();
    let tx = Transaction::decode(payload.data.clone()).unwrap();
    assert_eq!(tx.actions.len(), 1, "exactly one action");
    let action_payload = ChaincodeActionPayload::decode(tx.actions[0].payload.clone()).unwrap();
    let endorsed = action_payload.action.unwrap();
    let prp = endorsed.proposal_response_payload.clone();
    let response_payload = ProposalResponsePayload::decode(prp.clone()).unwrap();
    let action = ChaincodeAction::decode(response_payload.extension.clone()).unwrap();
    let rwset = TxReadWriteSet::decode(action.results.clone()).unwrap();
    Decoded {
        envelope,
        channel_header,
        signature_header,
        prp,
        endorsements: endorsed.endorsements,
        rwset,
    }
}

fn envelopes(block: &Block) -> &[Bytes] {
    &block.data.as_ref().unwrap().data
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = EndorserWorkload::new(b"workload-test", 3).unwrap();
    let b = EndorserWorkload::new(b"workload-test", 3).unwrap();
    let c = EndorserWorkload::new(b"workload-test-other", 3).unwrap();
    assert_eq!(a.genesis_block_bytes(), b.genesis_block_bytes());
    assert_ne!(a.genesis_block_bytes(), c.genesis_block_bytes());
    let prev = [7u8; 32];
    let block_a = a.block(4, &prev, 9, 2).unwrap();
    assert_eq!(block_a, b.block(4, &prev, 9, 2).unwrap());
    assert_ne!(block_a, c.block(4, &prev, 9, 2).unwrap());
    assert_eq!(a.msp_files(), b.msp_files());
    assert_eq!(
        a.application_policy_bytes(2).unwrap(),
        b.application_policy_bytes(2).unwrap()
    );

    // A transaction depends only on (block number, position), not on how many transactions
    // the block holds or how they were split across threads.
    let one = Block::decode(a.block(4, &prev, 1, 2).unwrap().as_slice()).unwrap();
    let nine = Block::decode(block_a.as_slice()).unwrap();
    assert_eq!(envelopes(&one)[0], envelopes(&nine)[0]);
    // ...and another block number gives other transactions.
    let other = Block::decode(a.block(5, &prev, 1, 2).unwrap().as_slice()).unwrap();
    assert_ne!(envelopes(&one)[0], envelopes(&other)[0]);
}

#[test]
fn blocks_chain_from_the_genesis_block() {
    let w = EndorserWorkload::new(b"workload-chain", 2).unwrap();
    let genesis =
        RawBlock::from_protobuf("genesis.block", Bytes::from(w.genesis_block_bytes())).unwrap();
    let mut checker = ChainChecker::new();
    let report = checker.check(&genesis);
    assert!(report.is_ok(), "genesis: {:?}", report.problems);
    assert_eq!(genesis.number, 0);
    assert!(genesis.previous_hash.is_empty());

    let chain = w.chain(3, 5, 2).unwrap();
    assert_eq!(chain.len(), 3);
    let mut previous_hash = genesis.header_hash().to_vec();
    for (i, bytes) in chain.iter().enumerate() {
        let name = format!("block{}", i + 1);
        let raw = RawBlock::from_protobuf(&name, Bytes::from(bytes.clone())).unwrap();
        let report = checker.check(&raw);
        assert!(report.is_ok(), "{name}: {:?}", report.problems);
        assert_eq!(report.previous_hash_ok, Some(true), "{name}");
        assert_eq!(raw.number, i as u64 + 1);
        assert_eq!(
            raw.previous_hash.as_ref(),
            previous_hash.as_slice(),
            "{name}"
        );
        previous_hash = raw.header_hash().to_vec();

        let block = Block::decode(bytes.as_slice()).unwrap();
        let data = envelopes(&block);
        assert_eq!(data.len(), 5);
        let joined: Vec<u8> = data.iter().flat_map(|e| e.iter().copied()).collect();
        assert_eq!(
            block.header.as_ref().unwrap().data_hash.as_ref(),
            sha256(&joined).as_slice(),
            "{name}: data hash"
        );
        let metadata = &block.metadata.as_ref().unwrap().metadata;
        assert_eq!(metadata.len(), 5, "{name}: metadata slots");
        assert!(
            metadata.iter().all(|m| m.is_empty()),
            "{name}: empty metadata"
        );
    }

    // `block` with an explicit previous hash writes exactly that chain link.
    let explicit = w.block(9, &[0xab; 32], 1, 1).unwrap();
    let raw = RawBlock::from_protobuf("b9", Bytes::from(explicit)).unwrap();
    assert_eq!(raw.number, 9);
    assert_eq!(raw.previous_hash.as_ref(), &[0xab; 32]);
}

#[test]
fn genesis_block_carries_every_org() {
    let w = EndorserWorkload::new(b"workload-genesis", 4).unwrap();
    let block = w.genesis_block();
    let envelope = Envelope::decode(envelopes(&block)[0].clone()).unwrap();
    let payload = Payload::decode(envelope.payload.clone()).unwrap();
    let channel_header =
        ChannelHeader::decode(payload.header.as_ref().unwrap().channel_header.clone()).unwrap();
    assert_eq!(channel_header.r#type, HeaderType::Config as i32);
    assert_eq!(channel_header.channel_id, w.channel_id());
    let config = w.genesis_config();
    let app = &config.channel_group.as_ref().unwrap().groups["Application"];
    let ids: Vec<&str> = app.groups.keys().map(String::as_str).collect();
    assert_eq!(ids, ["Org1MSP", "Org2MSP", "Org3MSP", "Org4MSP"]);
}

#[test]
fn every_signature_verifies_and_the_policy_is_met() {
    let orgs = 5;
    let w = EndorserWorkload::new(b"workload-signatures", orgs).unwrap();
    let backend = default_backend();
    for endorsements in 1..=orgs as usize {
        let policy =
            ApplicationPolicy::decode(w.application_policy_bytes(endorsements).unwrap().as_slice())
                .unwrap();
        let Some(application_policy::Type::SignaturePolicy(envelope)) = policy.r#type else {
            panic!("not a signature policy: {policy:?}");
        };
        let Some(signature_policy::Type::NOutOf(gate)) = envelope.rule.unwrap().r#type else {
            panic!("rule is not a gate");
        };
        assert_eq!(gate.n as usize, endorsements);
        assert_eq!(gate.rules.len(), orgs as usize);
        let principals: Vec<(String, i32)> = envelope
            .identities
            .iter()
            .map(|p| {
                assert_eq!(
                    p.principal_classification,
                    msp_principal::Classification::Role as i32
                );
                let role = MspRole::decode(p.principal.clone()).unwrap();
                (role.msp_identifier, role.role)
            })
            .collect();
        let expected: Vec<(String, i32)> = (1..=orgs)
            .map(|n| {
                (
                    format!("Org{n}MSP"),
                    fabric_protos::common::msp_role::MspRoleType::Member as i32,
                )
            })
            .collect();
        assert_eq!(principals, expected);

        let block = Block::decode(w.block(1, &[], 12, endorsements).unwrap().as_slice()).unwrap();
        let mut first_endorsers = BTreeSet::new();
        for (i, bytes) in envelopes(&block).iter().enumerate() {
            let what = format!("{endorsements} endorsements, tx {i}");
            let d = decode_tx(bytes);
            assert_eq!(
                d.channel_header.r#type,
                HeaderType::EndorserTransaction as i32
            );
            assert_eq!(d.channel_header.channel_id, w.channel_id());

            let (creator_msp, creator_key) = public_key(&d.signature_header.creator);
            verify_signature(
                backend,
                &creator_key,
                &d.envelope.payload,
                &d.envelope.signature,
            )
            .unwrap_or_else(|e| panic!("{what}: creator signature: {e}"));
            let creator = SerializedIdentity::decode(d.signature_header.creator.clone()).unwrap();
            assert!(
                String::from_utf8_lossy(&creator.id_bytes).contains("-----BEGIN CERTIFICATE"),
                "{what}"
            );

            assert_eq!(d.endorsements.len(), endorsements, "{what}");
            let mut endorsing_msps = BTreeSet::new();
            for e in &d.endorsements {
                let (msp, key) = public_key(&e.endorser);
                verify_signature(backend, &key, &concat(&d.prp, &e.endorser), &e.signature)
                    .unwrap_or_else(|err| panic!("{what}: endorsement by {msp}: {err}"));
                let org = w.orgs().iter().find(|o| o.msp_id() == msp).unwrap();
                assert_eq!(
                    e.endorser,
                    org.identity("peer0").unwrap().serialized(),
                    "{what}: endorser is {msp}'s peer0"
                );
                endorsing_msps.insert(msp);
            }
            // Distinct organisations: each member principal of the OutOf is met once.
            assert_eq!(endorsing_msps.len(), endorsements, "{what}: distinct orgs");
            assert!(
                endorsing_msps.contains(&creator_msp),
                "{what}: creator {creator_msp} is a client of an endorsing org"
            );
            let creator_org = w.orgs().iter().find(|o| o.msp_id() == creator_msp).unwrap();
            assert_eq!(
                d.signature_header.creator,
                creator_org.identity("client").unwrap().serialized(),
                "{what}"
            );
            first_endorsers.insert(endorsing_msps.into_iter().next().unwrap());
        }
        if endorsements < orgs as usize {
            // The endorsing organisations vary from transaction to transaction.
            let sets: BTreeSet<Vec<Bytes>> = envelopes(&block)
                .iter()
                .map(|b| {
                    decode_tx(b)
                        .endorsements
                        .iter()
                        .map(|e| e.endorser.clone())
                        .collect()
                })
                .collect();
            assert!(sets.len() > 1, "{endorsements}: always the same endorsers");
        }
    }
}

#[test]
fn txid_is_the_hash_of_nonce_and_creator_and_unique() {
    let w = EndorserWorkload::new(b"workload-txid", 3).unwrap();
    let mut seen = BTreeSet::new();
    for bytes in w.chain(2, 20, 2).unwrap() {
        let block = Block::decode(bytes.as_slice()).unwrap();
        for tx in envelopes(&block) {
            let d = decode_tx(tx);
            assert_eq!(d.signature_header.nonce.len(), 24);
            let expected = hex::encode(sha256(&concat(
                &d.signature_header.nonce,
                &d.signature_header.creator,
            )));
            assert_eq!(d.channel_header.tx_id, expected);
            assert!(seen.insert(expected), "txid repeats");
        }
    }
    assert_eq!(seen.len(), 40);
}

#[test]
fn keys_are_fresh_and_reads_are_of_absent_keys() {
    let w = EndorserWorkload::new(b"workload-keys", 2).unwrap();
    let mut written = BTreeSet::new();
    let mut read = BTreeSet::new();
    for bytes in w.chain(3, 10, 1).unwrap() {
        let block = Block::decode(bytes.as_slice()).unwrap();
        for tx in envelopes(&block) {
            let d = decode_tx(tx);
            let namespaces: BTreeMap<&str, KvrwSet> = d
                .rwset
                .ns_rwset
                .iter()
                .map(|ns| {
                    (
                        ns.namespace.as_str(),
                        KvrwSet::decode(ns.rwset.clone()).unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                namespaces.keys().copied().collect::<Vec<_>>(),
                ["_lifecycle", "mycc"]
            );
            let lifecycle = &namespaces["_lifecycle"];
            assert_eq!(lifecycle.reads.len(), 1);
            assert_eq!(lifecycle.reads[0].key, "namespaces/fields/mycc/Sequence");
            assert_eq!(lifecycle.reads[0].version, None);
            assert!(lifecycle.writes.is_empty());

            let cc = &namespaces["mycc"];
            assert_eq!(cc.reads.len(), 2);
            assert_eq!(cc.writes.len(), 3);
            assert!(cc.metadata_writes.is_empty());
            for r in &cc.reads {
                assert_eq!(r.version, None, "read of {} has a version", r.key);
                assert!(read.insert(r.key.clone()), "{} read twice", r.key);
            }
            for wr in &cc.writes {
                assert!(!wr.is_delete);
                assert!(
                    (70..=120).contains(&wr.value.len()),
                    "value of {} is {} bytes",
                    wr.key,
                    wr.value.len()
                );
                assert!(written.insert(wr.key.clone()), "{} written twice", wr.key);
            }
            let sorted = |keys: Vec<&String>| keys.windows(2).all(|p| p[0] <= p[1]);
            assert!(sorted(cc.reads.iter().map(|r| &r.key).collect()));
            assert!(sorted(cc.writes.iter().map(|w| &w.key).collect()));
        }
    }
    assert_eq!(read.len(), 60);
    assert_eq!(written.len(), 90);
    assert!(
        read.is_disjoint(&written),
        "a read key is written: MVCC conflicts on replay"
    );
}

#[test]
fn policy_text_follows_the_printer() {
    let w = EndorserWorkload::new(b"workload-text", 3).unwrap();
    let list = "'Org1MSP.member', 'Org2MSP.member', 'Org3MSP.member'";
    assert_eq!(w.policy_text(1).unwrap(), format!("OR({list})"));
    assert_eq!(w.policy_text(2).unwrap(), format!("OutOf(2, {list})"));
    assert_eq!(w.policy_text(3).unwrap(), format!("AND({list})"));
    let single = EndorserWorkload::new(b"workload-text", 1).unwrap();
    assert_eq!(single.policy_text(1).unwrap(), "OR('Org1MSP.member')");
}

#[test]
fn msp_folders_are_written_in_fabric_layout() {
    let w = EndorserWorkload::new(b"workload-folders", 2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folders = w.write_msp_folders(dir.path()).unwrap();
    let ids: Vec<&str> = folders.iter().map(|f| f.msp_id.as_str()).collect();
    assert_eq!(ids, ["Org1MSP", "Org2MSP"]);
    for (n, (folder, org)) in folders.iter().zip(w.orgs()).enumerate() {
        assert_eq!(folder.path, dir.path().join(&folder.msp_id).join("msp"));
        let cacert = folder
            .path
            .join(format!("cacerts/ca.org{}.example.com-cert.pem", n + 1));
        assert_eq!(
            std::fs::read_to_string(&cacert).unwrap(),
            org.root_ca().cert.pem,
            "{}",
            cacert.display()
        );
        // NodeOUs off: the admin is listed explicitly and there is no config.yaml.
        assert!(folder.path.join("admincerts").is_dir());
        assert!(!folder.path.join("config.yaml").exists());
    }
}

#[test]
fn bad_arguments_are_refused() {
    for orgs in [0, MAX_ORGS + 1] {
        assert!(matches!(
            EndorserWorkload::new(b"x", orgs),
            Err(WorkloadError::OrgCount { orgs: o }) if o == orgs
        ));
    }
    let w = EndorserWorkload::new(b"workload-errors", 2).unwrap();
    for k in [0, 3] {
        let err = w.block(1, &[], 1, k).unwrap_err();
        assert!(
            matches!(err, WorkloadError::EndorsementCount { endorsements, orgs: 2 } if endorsements == k),
            "{err}"
        );
        assert!(w.policy_text(k).is_err());
        assert!(w.application_policy_bytes(k).is_err());
    }
    let err = w.block(7, &[], 0, 1).unwrap_err();
    assert!(matches!(err, WorkloadError::NoTransactions { block: 7 }));
    assert_eq!(
        err.to_string(),
        "block 7: a block needs at least one transaction, 0 asked for"
    );
}

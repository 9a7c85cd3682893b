//! The generated endorser transactions decode with fabric-protos and every field on the
//! validation path is what Fabric computes (spec 5.5, 3; bench-corpus README steps 1-5).

mod common;

use common::{decode_envelope, envelopes, identity_by_bytes, record, sample};
use fabric_crypto::{
    backends, default_backend, sha256, verify_signature, EcdsaSignature, VerifyError,
};
use fabric_protos::common::HeaderType;
use fabric_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeHeaderExtension, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, ProposalResponsePayload, Transaction, TxValidationCode,
};
use fabric_protos::rwset::TxReadWriteSet;
use fabric_protos::Message;
use fabric_testgen::sample::TxKind;

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

#[test]
fn every_endorser_tx_has_the_fabric_fields_its_kind_promises() {
    let ledger = sample();
    let mut checked = 0;
    for block in &ledger.blocks {
        let number = block.header.as_ref().expect("header").number;
        for (index, bytes) in envelopes(block).iter().enumerate() {
            let d = decode_envelope(bytes);
            if d.channel_header.r#type != HeaderType::EndorserTransaction as i32 {
                continue;
            }
            checked += 1;
            let rec = record(ledger, number, index);
            let what = format!("block {number} tx {index} ({})", rec.kind.name());
            let creator_bytes = &d.signature_header.creator;
            let creator = identity_by_bytes(ledger, creator_bytes);
            assert_eq!(creator.label(), rec.creator, "{what}: creator");
            assert_eq!(d.channel_header.epoch, 0, "{what}");
            assert_eq!(d.channel_header.channel_id, "testchannel", "{what}");
            assert_eq!(d.signature_header.nonce.len(), 24, "{what}: nonce length");

            // Envelope re-marshals to its exact bytes (block acceptance rule, spec 5.2).
            assert_eq!(
                d.envelope.encode_to_vec(),
                bytes.to_vec(),
                "{what}: canonical envelope"
            );

            // txid = hex(SHA-256(nonce ‖ creator)), except where it is wrong on purpose.
            let expected_txid =
                hex::encode(sha256(&concat(&d.signature_header.nonce, creator_bytes)));
            assert_eq!(d.channel_header.tx_id, rec.txid, "{what}: manifest txid");
            assert_eq!(
                d.channel_header.tx_id == expected_txid,
                rec.kind != TxKind::WrongTxid,
                "{what}: txid rule"
            );

            // Creator signature over the raw payload bytes.
            let creator_check = verify_signature(
                default_backend(),
                &creator.public_key(),
                &d.envelope.payload,
                &d.envelope.signature,
            );
            assert_eq!(
                creator_check.is_ok(),
                rec.kind != TxKind::BadCreatorSig,
                "{what}: creator signature {creator_check:?}"
            );

            let tx = Transaction::decode(d.payload.data.clone()).expect("Transaction");
            assert_eq!(
                tx.actions.len(),
                if rec.kind == TxKind::TwoActions { 2 } else { 1 },
                "{what}"
            );
            let action = &tx.actions[0];
            let header = d.payload.header.as_ref().expect("header");
            assert_eq!(
                action.header, header.signature_header,
                "{what}: action header"
            );
            let cap = ChaincodeActionPayload::decode(action.payload.clone())
                .expect("ChaincodeActionPayload");
            let cpp = ChaincodeProposalPayload::decode(cap.chaincode_proposal_payload.clone())
                .expect("ChaincodeProposalPayload");
            assert!(
                cpp.transient_map.is_empty(),
                "{what}: transient map stripped"
            );
            let cis = ChaincodeInvocationSpec::decode(cpp.input.clone())
                .expect("ChaincodeInvocationSpec");
            let spec = cis.chaincode_spec.expect("spec");
            assert_eq!(spec.chaincode_id.expect("id").name, "mycc");
            assert_eq!(
                spec.input.expect("input").args[0].as_ref(),
                b"TransferAsset"
            );
            let ext = ChaincodeHeaderExtension::decode(d.channel_header.extension.clone())
                .expect("extension");
            assert_eq!(
                ext.chaincode_id.expect("chaincode_id").name,
                "mycc",
                "{what}"
            );

            // Proposal hash over the raw header bytes and the proposal payload.
            let endorsed = cap.action.expect("ChaincodeEndorsedAction");
            let prp_bytes = endorsed.proposal_response_payload.clone();
            let prp = ProposalResponsePayload::decode(prp_bytes.clone())
                .expect("ProposalResponsePayload");
            let mut hashed = header.channel_header.to_vec();
            hashed.extend_from_slice(&action.header);
            hashed.extend_from_slice(&cap.chaincode_proposal_payload);
            assert_eq!(
                prp.proposal_hash.as_ref() == sha256(&hashed).as_slice(),
                rec.kind != TxKind::BadProposalHash,
                "{what}: proposal hash"
            );
            let cc_action =
                ChaincodeAction::decode(prp.extension.clone()).expect("ChaincodeAction");
            let cc_id = cc_action.chaincode_id.expect("chaincode_id");
            assert_eq!(
                (cc_id.name.as_str(), cc_id.version.as_str()),
                ("mycc", "1.0")
            );
            assert_eq!(cc_action.response.expect("response").status, 200);
            assert_eq!(
                TxReadWriteSet::decode(cc_action.results.clone()).is_ok(),
                rec.kind != TxKind::GarbageRwset,
                "{what}: rwset parses"
            );

            // Endorsements: signature over prp ‖ endorser, with the first one broken on purpose
            // for the endorsement-signature kinds.
            let labels: Vec<String> = endorsed
                .endorsements
                .iter()
                .map(|e| identity_by_bytes(ledger, &e.endorser).label())
                .collect();
            assert_eq!(labels, rec.endorsers, "{what}: endorsers");
            for (i, e) in endorsed.endorsements.iter().enumerate() {
                let endorser = identity_by_bytes(ledger, &e.endorser);
                let message = concat(&prp_bytes, &e.endorser);
                for backend in backends() {
                    let result =
                        verify_signature(backend, &endorser.public_key(), &message, &e.signature);
                    match (i, rec.kind) {
                        (0, TxKind::BadEndorsementSig) => {
                            assert_eq!(
                                result,
                                Err(VerifyError::Invalid),
                                "{what} via {}",
                                backend.name()
                            )
                        }
                        (0, TxKind::HighSEndorsementSig) => {
                            assert_eq!(
                                result,
                                Err(VerifyError::HighS),
                                "{what} via {}",
                                backend.name()
                            );
                            let sig = EcdsaSignature::from_der(&e.signature).expect("DER");
                            assert!(
                                backend.verify_p256_sha256(&endorser.public_key(), &message, &sig),
                                "{what}: the high-S twin is mathematically valid"
                            );
                        }
                        _ => assert_eq!(
                            result,
                            Ok(()),
                            "{what} endorsement {i} via {}",
                            backend.name()
                        ),
                    }
                }
            }
        }
    }
    assert_eq!(
        checked,
        ledger.txs.len(),
        "every manifest tx was found in a block"
    );
}

#[test]
fn codes_follow_the_bench_corpus_table_and_duplicates_copy_bytes() {
    let ledger = sample();
    for rec in &ledger.txs {
        let expected = match rec.kind {
            TxKind::Valid | TxKind::KeyLevelPolicyWrite | TxKind::AddedOrgParticipates => {
                TxValidationCode::Valid
            }
            TxKind::BadEndorsementSig
            | TxKind::HighSEndorsementSig
            | TxKind::SingleOrgEndorsement
            | TxKind::NoEndorsements
            | TxKind::SamePeerEndorsesTwice
            | TxKind::EndorsedByClient => TxValidationCode::EndorsementPolicyFailure,
            TxKind::BadCreatorSig | TxKind::RevokedCreator | TxKind::CreatorOrgNotInChannel => {
                TxValidationCode::BadCreatorSignature
            }
            TxKind::WrongTxid => TxValidationCode::BadProposalTxid,
            TxKind::TwoActions | TxKind::BadProposalHash => {
                TxValidationCode::InvalidEndorserTransaction
            }
            TxKind::GarbageRwset => TxValidationCode::BadRwset,
            TxKind::DuplicateTxidInBlock => TxValidationCode::DuplicateTxid,
            other => panic!("unexpected kind {other:?}"),
        };
        assert_eq!(
            rec.code,
            expected,
            "block {} tx {} ({})",
            rec.block,
            rec.index,
            rec.kind.name()
        );
        if let Some(original) = rec.dup_of_index {
            let block = &ledger.blocks[rec.block as usize];
            let data = envelopes(block);
            assert_eq!(data[rec.index], data[original], "duplicate is a byte copy");
            assert_eq!(
                record(ledger, rec.block, original).code,
                TxValidationCode::Valid
            );
        }
    }
    // The small fixture covers every kind at least once.
    let kinds: std::collections::BTreeSet<&str> =
        ledger.txs.iter().map(|t| t.kind.name()).collect();
    assert_eq!(kinds.len(), 17, "kinds present: {kinds:?}");
}

#[test]
fn txids_are_unique_except_deliberate_duplicates() {
    let ledger = sample();
    let mut seen = std::collections::BTreeSet::new();
    for rec in ledger.txs.iter().filter(|t| t.dup_of_index.is_none()) {
        assert!(seen.insert(rec.txid.clone()), "txid {} repeated", rec.txid);
    }
}

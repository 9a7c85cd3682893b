//! The views decode generated transactions to the facts the generator recorded, keep slices of
//! the original buffer, and name the layer that fails on malformed input.

use bytes::Bytes;
use fabric_protos::common::HeaderType;
use fabric_testgen::sample::{generate, SampleSpec};
use fabric_tx::{EnvelopeView, TxError};

fn within(outer: &Bytes, inner: &Bytes) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    inner.is_empty() || (i >= o && i + inner.len() <= o + outer.len())
}

#[test]
fn generated_transactions_decode_to_what_the_generator_recorded() {
    let ledger = generate(&SampleSpec::sample_2org()).unwrap();
    let mut endorser_txs = 0;
    for record in &ledger.txs {
        let block = &ledger.blocks[usize::try_from(record.block).unwrap()];
        let raw = Bytes::from(block.data.as_ref().unwrap().data[record.index].to_vec());
        let view = EnvelopeView::decode(raw.clone()).unwrap();
        let at = format!(
            "block {} tx {} ({:?})",
            record.block, record.index, record.kind
        );
        assert_eq!(view.tx_id(), record.txid, "{at}");
        assert_eq!(
            view.header_type(),
            Some(HeaderType::EndorserTransaction),
            "{at}"
        );
        assert_eq!(
            view.creator_msp_id().as_deref(),
            record.creator.split('.').next(),
            "{at}"
        );
        for part in [
            &view.payload,
            &view.signature,
            &view.channel_header_raw,
            &view.data,
        ] {
            assert!(within(&raw, part), "{at}: a view slice is a copy");
        }
        let Ok(endorser) = view.endorser_transaction() else {
            continue;
        };
        endorser_txs += 1;
        assert!(within(&raw, &endorser.proposal_response_payload), "{at}");
        let msps: Vec<Option<String>> = record
            .endorsers
            .iter()
            .map(|e| e.split('.').next().map(str::to_owned))
            .collect();
        assert_eq!(endorser.endorser_msp_ids(), msps, "{at}");
        for i in 0..endorser.endorsements.len() {
            let message = endorser.endorsement_message(i).unwrap();
            assert!(message.starts_with(&endorser.proposal_response_payload));
            assert!(message.ends_with(&endorser.endorsements[i].endorser));
        }
        assert!(endorser
            .endorsement_message(endorser.endorsements.len())
            .is_none());
        if record.kind.name() == "two_actions" {
            assert_eq!(endorser.action_count, 2, "{at}");
        } else {
            assert_eq!(endorser.action_count, 1, "{at}");
        }
    }
    assert!(
        endorser_txs >= 20,
        "only {endorser_txs} endorser transactions decoded"
    );
}

#[test]
fn each_malformed_layer_is_named() {
    let err = EnvelopeView::decode(Bytes::from_static(&[0xff, 0xff])).unwrap_err();
    assert!(
        matches!(
            err,
            TxError::Decode {
                layer: "Envelope",
                ..
            }
        ),
        "{err}"
    );
    // Envelope{payload = 0xff 0xff}: the payload does not decode.
    let err = EnvelopeView::decode(Bytes::from_static(&[0x0a, 0x02, 0xff, 0xff])).unwrap_err();
    assert!(
        matches!(
            err,
            TxError::Decode {
                layer: "Payload",
                ..
            }
        ),
        "{err}"
    );
    // Envelope{payload = Payload{}}: no header.
    let err = EnvelopeView::decode(Bytes::from_static(&[0x0a, 0x00])).unwrap_err();
    assert_eq!(err, TxError::Missing("payload header"));
}

#[test]
fn every_truncation_of_a_real_transaction_is_an_error_or_a_shorter_view_never_a_panic() {
    let ledger = generate(&SampleSpec::sample_2org()).unwrap();
    let record = &ledger.txs[0];
    let block = &ledger.blocks[usize::try_from(record.block).unwrap()];
    let raw = Bytes::from(block.data.as_ref().unwrap().data[record.index].to_vec());
    let mut errors = 0;
    for end in 0..raw.len() {
        if let Ok(view) = EnvelopeView::decode(raw.slice(..end)) {
            let _ = view.endorser_transaction();
        } else {
            errors += 1;
        }
    }
    assert!(
        errors > raw.len() / 2,
        "{errors} of {} truncations rejected",
        raw.len()
    );
}

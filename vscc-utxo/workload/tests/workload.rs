//! The generator itself: deterministic, readable by the ledger reader with the expected
//! filters, the benchmark shape, and refusals of requests that cannot be made.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use bytes::Bytes;
use fabric_ledger::LedgerFile;
use fabric_protos::protos::TxValidationCode;
use fabric_tx::EnvelopeView;
use utxo_workload::{scenario, TxKind, UtxoFault, Workload, WorkloadError, WorkloadSpec};

#[test]
fn the_same_seed_gives_the_same_ledger_and_another_seed_another() {
    let a = scenario::coverage(b"seed one").unwrap().block_stream(true);
    let b = scenario::coverage(b"seed one").unwrap().block_stream(true);
    let c = scenario::coverage(b"seed two").unwrap().block_stream(true);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn the_stream_reads_back_with_the_expected_filters() {
    let w = scenario::coverage(b"read back").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utxo.bin");
    w.write_block_stream(&path, true).unwrap();
    let file = LedgerFile::open(&path).unwrap();
    let blocks = file.read_all().into_result().unwrap();
    assert_eq!(blocks.len(), w.blocks().len());
    for (raw, generated) in blocks.iter().zip(w.blocks()) {
        assert_eq!(raw.number, generated.number());
        assert_eq!(raw.envelopes, generated.envelopes());
        let filter = raw.transactions_filter().unwrap();
        assert_eq!(filter.as_ref(), generated.expected_codes().as_slice());
        assert_eq!(generated.raw().unwrap().envelopes, raw.envelopes);
    }
    // Unrecorded: no filter; the blockfile form reads back too.
    let plain = LedgerFile::from_bytes("utxo.bin", Bytes::from(w.block_stream(false))).unwrap();
    assert!(plain
        .read_all()
        .into_result()
        .unwrap()
        .iter()
        .all(|b| b.transactions_filter().is_none()));
    let blockfile =
        LedgerFile::from_bytes("blockfile_000000", Bytes::from(w.blockfile(true))).unwrap();
    assert_eq!(
        blockfile.read_all().into_result().unwrap().len(),
        w.blocks().len()
    );
}

#[test]
fn the_transfer_block_has_n_valid_transfers_with_k_endorsements() {
    let w = scenario::transfer_block(b"bench", 3, 20).unwrap();
    let blocks = w.blocks();
    assert_eq!(blocks.len(), 4, "genesis, definition, issuances, transfers");
    let last = blocks.last().unwrap();
    assert_eq!(last.envelopes().len(), 20);
    for (env, e) in last.envelopes().iter().zip(&last.expected) {
        assert_eq!(e.kind, TxKind::Transfer);
        assert_eq!(e.code, TxValidationCode::Valid);
        assert_eq!(e.plugin, None);
        assert_eq!(e.inputs.len(), 1);
        let view = EnvelopeView::decode(env.clone()).unwrap();
        let tx = view.endorser_transaction().unwrap();
        assert_eq!(tx.endorsements.len(), 3);
        assert_eq!(view.tx_id(), e.txid);
    }
    let spec = WorkloadSpec::new(b"x", 2).with_endorsers(3);
    assert!(matches!(Workload::new(spec), Err(WorkloadError::Spec(_))));
}

#[test]
fn requests_that_cannot_be_made_are_refused_with_the_reason() {
    let mut w = Workload::with_orgs(b"refusals", 1).unwrap();
    let a = w.parties()[0];
    // No committed issuance yet to collide with.
    let err = w
        .issue(&[(a, 1)], "gold", UtxoFault::ExistingOutput)
        .unwrap_err();
    assert!(err.to_string().contains("no committed issuance"), "{err}");
    // One endorser already satisfies the policy.
    let err = w
        .issue(&[(a, 1)], "gold", UtxoFault::MissingEndorsement)
        .unwrap_err();
    assert!(err.to_string().contains("one endorser"), "{err}");
    let err = w
        .issue(&[(a, 1)], "gold", UtxoFault::InputTwice)
        .unwrap_err();
    assert!(
        err.to_string().contains("not a fault of an issuance"),
        "{err}"
    );
    let err = w.issue(&[(a, 1)], "gold", UtxoFault::Overflow).unwrap_err();
    assert!(err.to_string().contains("2 outputs"), "{err}");
    let err = w.merge(&[], UtxoFault::None).unwrap_err();
    assert!(err.to_string().contains("no coin"), "{err}");
    let err = w.block(Vec::new()).unwrap_err();
    assert!(
        err.to_string().contains("at least one transaction"),
        "{err}"
    );
}

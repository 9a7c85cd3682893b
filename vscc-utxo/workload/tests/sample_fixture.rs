//! The committed UTXO sample (`fixtures/sample-utxo`, validated by the README's main job) is
//! exactly what its generator writes today: regenerate it with
//! `cargo run -p utxo-workload --bin utxo-sample -- --out fixtures/sample-utxo` after an
//! intended change.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use utxo_workload::scenario;

fn fixture(file: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/sample-utxo")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_committed_sample_is_what_the_generator_writes() {
    let workload = scenario::coverage(scenario::SAMPLE_SEED).unwrap();
    assert!(
        fixture("ledger.bin") == workload.block_stream(true),
        "fixtures/sample-utxo/ledger.bin drifted from its generator; regenerate it"
    );
    assert_eq!(
        String::from_utf8(fixture("EXPECTED.txt")).unwrap(),
        scenario::expected_listing(&workload),
        "fixtures/sample-utxo/EXPECTED.txt drifted from its generator; regenerate it"
    );
}

#[test]
fn the_sample_has_valid_and_invalid_transactions_of_every_kind_of_failure() {
    let listing = scenario::expected_listing(&scenario::coverage(scenario::SAMPLE_SEED).unwrap());
    for code in [
        "VALID",
        "ENDORSEMENT_POLICY_FAILURE",
        "MVCC_READ_CONFLICT",
        "DUPLICATE_TXID",
    ] {
        assert!(
            listing.contains(&format!(" {code} ")),
            "no {code} in\n{listing}"
        );
    }
}

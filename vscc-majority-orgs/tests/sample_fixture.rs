//! The committed cmscc sample (`fixtures/sample-cmscc`, validated by the README's main job) is
//! the scenario ledger (genesis Org1+Org2, cmscc transactions, a config block adding
//! OrgX, transactions, a config block adding OrgY, transactions) with, in each block's
//! metadata, the TRANSACTIONS_FILTER Fabric's committer records when cmscc is validated by
//! `SignedByMajorityPeerOrgs` with `MAJORITY`: `validate-ledger --check-recorded` compares
//! against it.
//!
//! The test fails when the fixture is missing or differs from what the scenario generates. To
//! regenerate it after an intended change:
//!
//!   FABRIC_HANDLERS_WRITE_FIXTURES=1 cargo test -p vscc-majority-orgs --test sample_fixture
//!
//! One test in this binary on purpose: the scenario numbers its transactions in the order they
//! are made, so the bytes are the same only when nothing else in the process makes any first.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;

use bytes::Bytes;
use fabric_testgen::block::BlockChain;
use fabric_testgen::files::block_stream;
use support::ledger;

/// Metadata index of the TRANSACTIONS_FILTER.
const TRANSACTIONS_FILTER: usize = 2;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sample-cmscc")
}

/// The scenario's blocks with a hash chain and the MAJORITY verdicts recorded.
fn sample_stream() -> Vec<u8> {
    let mut chain = BlockChain::new();
    let expected = ledger::expected_codes("MAJORITY");
    let blocks: Vec<_> = ledger::blocks()
        .into_iter()
        .zip(expected)
        .map(|(envelopes, codes)| {
            assert_eq!(envelopes.len(), codes.len());
            let mut block = chain.append(envelopes);
            let metadata = block.metadata.as_mut().unwrap();
            metadata.metadata[TRANSACTIONS_FILTER] = Bytes::from(codes);
            block
        })
        .collect();
    block_stream(&blocks)
}

#[test]
fn the_committed_sample_is_the_scenario_with_its_majority_verdicts() {
    let generated = sample_stream();
    let path = fixture_dir().join("ledger.bin");
    if std::env::var_os("FABRIC_HANDLERS_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(fixture_dir()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate it with FABRIC_HANDLERS_WRITE_FIXTURES=1 cargo test -p \
             vscc-majority-orgs --test sample_fixture",
            path.display()
        )
    });
    assert!(
        committed == generated,
        "{} drifted from the scenario; regenerate it (see this test's documentation)",
        path.display()
    );
}

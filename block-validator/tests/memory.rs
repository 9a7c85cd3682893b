//! Peak heap while validating a 500-transaction block: no more than the block's size plus a
//! bounded constant. The block's bytes are already in memory (the ledger file); what is
//! measured is every allocation the validator and the default validation plugin make on top,
//! at their peak, with a counting global allocator (this test binary only).
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use block_validator::{ChaincodeOverride, ChannelValidator, ValidatorOptions};
use bytes::Bytes;
use fabric_config::ChannelConfig;
use handlers_api::validation::PluginFactory;
use loader::ValidationInstances;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters change.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The most the validator may allocate beyond the block's size, whatever the block.
const BOUNDED_CONSTANT: usize = 4 << 20;

#[test]
fn validating_a_500_tx_block_allocates_at_most_its_size_plus_a_constant() {
    let workload = fabric_testgen::workload::EndorserWorkload::new("memory", 3).unwrap();
    let config =
        ChannelConfig::from_config(workload.channel_id(), workload.genesis_config()).unwrap();
    let envelopes_of = |number: u64| -> Vec<Bytes> {
        workload
            .block_message(number, b"", 500, 2)
            .unwrap()
            .data
            .unwrap()
            .data
    };
    let envelopes = envelopes_of(1);
    let block_size: usize = envelopes.iter().map(Bytes::len).sum();
    let parameter = workload.application_policy_bytes(2).unwrap();
    let factories: BTreeMap<String, Arc<dyn PluginFactory>> = BTreeMap::from([(
        "vscc".to_owned(),
        Arc::new(vscc_default::DefaultValidationFactory) as Arc<dyn PluginFactory>,
    )]);
    let options = ValidatorOptions {
        pool_size: 2,
        check_signatures: true,
        check_mvcc: true,
        chaincodes: BTreeMap::from([(
            workload.chaincode().name.clone(),
            ChaincodeOverride {
                plugin: "vscc".into(),
                parameter: Some(parameter.into()),
            },
        )]),
    };
    let mut validator = ChannelValidator::new(
        workload.channel_id(),
        Some(config),
        Arc::new(ValidationInstances::new(factories)),
        options,
    );
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let verdict = validator.validate_block(1, &envelopes).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(verdict.codes, vec![0u8; 500], "every transaction is valid");
    assert!(
        peak <= block_size + BOUNDED_CONSTANT,
        "peak allocation {peak} B for a block of {block_size} B"
    );
    // Not trivially true: the validator does allocate per transaction (decoded read-write
    // sets, signature messages, committed state).
    assert!(peak > 500 * 100, "peak {peak} B is implausibly small");
    println!("block {block_size} B, peak allocation while validating {peak} B");

    // Told the next block, the validator also keeps that block's envelope checks made ahead:
    // bounded by the next block's size, not by anything else.
    let (second, third) = (envelopes_of(2), envelopes_of(3));
    let sizes = |e: &[Bytes]| e.iter().map(Bytes::len).sum::<usize>();
    let (second_size, third_size) = (sizes(&second), sizes(&third));
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let verdict = validator
        .validate_block_with_next(2, &second, Some((3, &third)))
        .unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(verdict.codes, vec![0u8; 500], "every transaction is valid");
    assert!(
        peak <= second_size + third_size + BOUNDED_CONSTANT,
        "peak allocation {peak} B for a block of {second_size} B, the next of {third_size} B"
    );
    println!(
        "block {second_size} B, next block {third_size} B, looked ahead {:?}, peak allocation {peak} B",
        validator.checked_ahead()
    );
}

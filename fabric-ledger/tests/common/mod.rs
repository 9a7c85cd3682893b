//! Shared helpers for the integration tests: corpus paths and manifest loading.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Root of the shared read-only corpus.
pub const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared");

/// A path under /work/shared that must exist: panics with the path otherwise.
pub fn shared(rel: &str) -> PathBuf {
    let p = Path::new(SHARED).join(rel);
    assert!(
        p.exists(),
        "required test corpus file is missing: {}",
        p.display()
    );
    p
}

/// Reads and parses a JSON manifest, panicking with its path when missing or invalid.
pub fn manifest(rel: &str) -> Value {
    let p = shared(rel);
    let text = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("cannot read manifest {}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", p.display()))
}

/// Reads a file under /work/shared fully into memory.
pub fn read(rel: &str) -> Vec<u8> {
    let p = shared(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The blockfile ledgers (folder names) of the corpus.
pub const BLOCKFILE_LEDGERS: [&str; 5] = [
    "sample-prod-v2-sampleorg",
    "glued-together-malformed",
    "from-snapshot-v25-3org",
    "v20-marbles-pvtdata-3org",
    "synthetic-kvledger-v13-mvcc",
];

/// The bench-corpus block streams.
pub const STREAMS: [&str; 2] = ["blocks-100tx.bin", "blocks-500tx.bin"];

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

//! Tests that check the foundation crates against the real Fabric ledgers and the bench corpus in
//! `../shared`. This crate has no library code; see `tests/`.

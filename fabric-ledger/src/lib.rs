//! fabric-ledger (being built)

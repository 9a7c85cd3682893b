//! fabric-config (being built)

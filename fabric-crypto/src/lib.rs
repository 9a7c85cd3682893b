//! fabric-crypto (being built)

//! fabric-protos (being built)

//! fabric-policies (being built)

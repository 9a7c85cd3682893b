//! fabric-testgen (being built)

//! UTXO block workload generator for tests and benchmarks. (placeholder).

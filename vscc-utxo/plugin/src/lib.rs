//! The UTXO validation plugin as a shared library. (placeholder).

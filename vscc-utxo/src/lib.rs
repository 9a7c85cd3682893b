//! The `UTXO` validation plugin, which rejects double spending.
//!
//! Not built yet: issue 5. It exports nothing.

//! The `UTXO` validation plugin (logic in crate `vscc-utxo`) as a handler library: this cdylib
//! exports it for core.yaml's `library:` key.

handlers_api::export_validation_plugin!("UTXO", vscc_utxo::UtxoValidationFactory::default);

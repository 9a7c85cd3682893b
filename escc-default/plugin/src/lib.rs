//! Fabric's `DefaultEndorsement` (the `escc-default` crate) as a handler library (a `cdylib`).
//! The whole library is the one export line below; see `escc-default` for what the
//! plugin signs.

handlers_api::export_endorsement_plugin!(
    "DefaultEndorsement",
    escc_default::DefaultEndorsementFactory::default
);

//! Fabric's `DefaultValidation` (v20 semantics, logic in crate `vscc-default`) as a handler
//! library: this cdylib exports it for core.yaml's `library:` key.

handlers_api::export_validation_plugin!(
    "DefaultValidation",
    vscc_default::DefaultValidationFactory::default
);

//! An example validation plugin for plugin authors: **DistinctOrgs**.
//!
//! The rule: the endorsed action must carry at least N endorsements that verify, and every
//! endorsement must come from a different MSP (organisation). N is the chaincode's validation
//! parameter (the `SerializedPolicy` context datum, opaque to the peer and interpreted by the
//! plugin named in the chaincode definition), written as ASCII decimal, e.g. `2`.
//!
//! Outcomes, as a validation plugin must separate them:
//! * the transaction is flagged ([`ValidationError::Invalid`]) when it cannot be decoded, when an
//!   endorser cannot be deserialised, is not valid or its signature does not verify, when two
//!   endorsements come from the same MSP, when fewer than N MSPs endorsed, or when the
//!   validation parameter is not a positive number (deterministic: every peer agrees);
//! * the block halts ([`ValidationError::ExecutionFailure`]) when a dependency fails
//!   (the identity provider itself), when the plugin was not initialised, or when the host asks
//!   for a transaction the block does not have.
//!
//! The whole cdylib-specific part is the last line of this file.
//!
//! [`ValidationError::Invalid`]: handlers_api::validation::ValidationError::Invalid
//! [`ValidationError::ExecutionFailure`]: handlers_api::validation::ValidationError::ExecutionFailure

pub mod decode;
pub mod parameter;
pub mod plugin;

pub use parameter::MinOrgs;
pub use plugin::{DistinctOrgs, DistinctOrgsFactory};

/// The name the library declares (what the loader logs).
pub const PLUGIN_NAME: &str = "DistinctOrgs";

// The one export line: makes the cdylib a handler library with this validation factory.
handlers_api::export_validation_plugin!("DistinctOrgs", DistinctOrgsFactory::default);

//! An example endorsement plugin for plugin authors: **StatusGuard**.
//!
//! It endorses like Fabric's `DefaultEndorsement` (the signature over the proposal response
//! payload followed by the serialized endorser identity, the payload returned unchanged), but
//! refuses:
//! * a payload larger than a limit ([`DEFAULT_MAX_PAYLOAD_BYTES`] for the exported factory);
//! * a payload whose chaincode response (`ProposalResponsePayload.extension` →
//!   `ChaincodeAction.response`) has a status of 400 or more: this peer never signs a failed
//!   invocation, even if the chaincode returned one;
//! * a payload that does not decode as a `ProposalResponsePayload` with a `ChaincodeAction`.
//!
//! The whole cdylib-specific part is the last line of this file.

pub mod guard;
pub mod plugin;

pub use guard::{check_payload, GuardError, DEFAULT_MAX_PAYLOAD_BYTES};
pub use plugin::{StatusGuard, StatusGuardFactory};

/// The name the library declares (what the loader logs).
pub const PLUGIN_NAME: &str = "StatusGuard";

// The one export line: makes the cdylib a handler library with this endorsement factory.
handlers_api::export_endorsement_plugin!("StatusGuard", StatusGuardFactory::default);

//! Fabric's `DefaultEndorsement` plugin (spec section 3; Fabric's
//! `core/handlers/endorsement/builtin/default_endorsement.go`).
//!
//! [`DefaultEndorsementFactory`] implements handlers-api's plain
//! [`endorsement::PluginFactory`](handlers_api::endorsement::PluginFactory); the loader links
//! this crate in as the builtin named [`PLUGIN_NAME`], and the `escc-default-plugin` crate next
//! to it exports the same factory as a shared library.
//!
//! # What is signed, exactly
//!
//! [`DefaultEndorsement`]'s [`Plugin::endorse`](handlers_api::endorsement::Plugin::endorse)
//! receives `payload`, the serialized `ProposalResponsePayload` exactly as the peer built it.
//! It then
//!
//! 1. asks the `SigningIdentityFetcher` for the signing identity for the signed proposal;
//! 2. serializes that identity: `endorser` = the bytes of the marshaled
//!    `msp.SerializedIdentity{mspid, id_bytes = PEM certificate}`, as the identity returns them;
//! 3. calls `Sign` once on the concatenation `payload ‖ endorser`: the raw payload bytes
//!    immediately followed by the raw endorser bytes, no separator, no length prefix, nothing
//!    re-encoded. Hashing belongs to the identity: with Fabric's default MSP the signature is
//!    `ECDSA-Sign(SHA-256(payload ‖ endorser))`, DER `SEQUENCE { r, s }`, `s` normalised to the
//!    low half of the curve order;
//! 4. returns `Endorsement { endorser, signature }` and `payload` unchanged, byte for byte.
//!
//! A validator checks the endorsement by deserialising `endorser`, and verifying `signature`
//! over the response's payload bytes followed by the `endorser` bytes.
//!
//! # Dependencies
//!
//! [`Plugin::init`](handlers_api::endorsement::Plugin::init) keeps the signing identity
//! fetcher and ignores every other dependency (the state fetcher). handlers-api's typed
//! [`Dependencies`](handlers_api::endorsement::Dependencies) always carries a fetcher, so
//! Fabric's "could not find SigningIdentityFetcher in dependencies" can only arise here for an
//! instance that is asked to endorse before `init`: it fails with exactly that text instead of
//! panicking.

mod error;
mod plugin;

pub use error::DefaultEndorsementError;
pub use plugin::{DefaultEndorsement, DefaultEndorsementFactory, PLUGIN_NAME};

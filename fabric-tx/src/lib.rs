//! Decoded views of Fabric transaction envelopes.
//!
//! A block's data entries are serialized `common.Envelope`s, and every signature and hash on the
//! validation path is computed over bytes nested inside them (spec 8.0). [`EnvelopeView`] and
//! [`EndorserTransaction`] decode those layers once and keep, beside each decoded message, the
//! exact byte slice it came from, so that signatures are always verified over the original
//! bytes and nothing is ever re-encoded. All slices share the block's buffer (`bytes::Bytes`).
//!
//! Errors say which layer failed to decode; mapping them to Fabric's validation codes is the
//! block validator's business.

mod endorser;
mod envelope;
mod error;

pub use endorser::EndorserTransaction;
pub use envelope::EnvelopeView;
pub use error::TxError;

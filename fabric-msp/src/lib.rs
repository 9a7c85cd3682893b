//! Fabric's X.509 membership service provider (MSP), as the committing peer uses it.
//!
//! The contract every other crate codes against is in [`identity`]: [`Identity`] and
//! [`IdentityDeserializer`]. Policies (`fabric-policies`) are written against these traits only,
//! so that they can be tested with simple stand-in identities.

pub mod identity;

pub use identity::{Identity, IdentityDeserializer, MspError};

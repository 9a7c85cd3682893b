//! The stable-ABI layer: abi_stable types and `#[sabi_trait]` objects that cross a `cdylib`
//! boundary, plus adapters both ways between them and the plain-Rust API.
//!
//! Only protobuf bytes, strings and abi_stable `R*` types cross. Every entry point that runs
//! user code (plugin factory, `init`, `validate`, `endorse`, and the host's dependency
//! callbacks) runs it under `catch_unwind`, so a panic never unwinds across `extern "C"`.
//!
//! Changing any type here (including adding an enum variant) is an ABI break and needs a major
//! version bump of this crate; prefix types (the root module and dependency structs) may only
//! gain fields appended after their `last_prefix_field`.

// `#[sabi_trait]` expands to impls that trip this lint on current compilers.
#![allow(non_local_definitions)]

pub mod endorsement;
pub mod error;
pub mod library;
pub mod validation;

pub(crate) mod panic_guard;

pub use error::FfiError;
pub use library::{HandlersLibrary, HandlersLibraryRef, LibraryError};

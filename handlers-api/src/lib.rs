//! The stable-ABI interface between a Fabric peer and its endorsement (ESCC) and validation
//! (VSCC) plugins.
//!
//! Two layers:
//! * [`validation`] and [`endorsement`]: the plain-Rust API with Fabric's names (`Plugin`,
//!   `PluginFactory` and their dependencies). Plugin authors implement these; hosts call them.
//! * [`ffi`]: the abi_stable types that cross a `cdylib` boundary, the root module
//!   [`ffi::HandlersLibrary`], and adapters both ways, so that the same plugin behaves the same
//!   linked in as an rlib or loaded from a shared library. Every plugin entry point runs under
//!   a panic guard: a panic becomes an execution failure (validation) or an error
//!   (endorsement) naming the plugin and the payload.
//!
//! # A validation plugin
//!
//! ```
//! use handlers_api::validation::{
//!     BlockView, Context, Dependencies, InitError, Plugin, PluginFactory, ValidationError,
//! };
//!
//! #[derive(Default)]
//! struct NonEmpty;
//!
//! impl Plugin for NonEmpty {
//!     fn init(&mut self, _deps: Dependencies) -> Result<(), InitError> {
//!         Ok(())
//!     }
//!     fn validate(
//!         &self,
//!         block: &BlockView<'_>,
//!         _namespace: &str,
//!         tx_position: usize,
//!         _action_position: usize,
//!         _context: &Context<'_>,
//!     ) -> Result<(), ValidationError> {
//!         let envelope = block.envelope_or_invalid(tx_position)?;
//!         if envelope.is_empty() {
//!             return Err(ValidationError::Invalid("empty envelope".into()));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! #[derive(Default)]
//! struct NonEmptyFactory;
//!
//! impl PluginFactory for NonEmptyFactory {
//!     fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
//!         Ok(Box::new(NonEmpty))
//!     }
//! }
//!
//! // The one line that makes this crate (built as a cdylib) a handler library.
//! handlers_api::export_validation_plugin!("NonEmpty", NonEmptyFactory::default);
//! # fn main() {
//! #     let lib = handlers_api_library();
//! #     assert_eq!(lib.plugin_name().as_str(), "NonEmpty");
//! # }
//! ```

pub mod endorsement;
pub mod ffi;
mod macros;
pub mod validation;

/// Re-exports used by the export macros; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use abi_stable;
}

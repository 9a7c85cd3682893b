//! The root module every handler library exports, and the host helpers that read it.

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RResult, RStr};
use abi_stable::{declare_root_module_statics, package_version_strings, StableAbi};

use super::endorsement::{self as ffi_endorsement, FfiEndorsementFactoryBox};
use super::error::FfiError;
use super::validation::{self as ffi_validation, FfiValidationFactoryBox};
use crate::{endorsement, validation};

/// Constructor of a library's validation factory.
pub type NewValidationFactory = extern "C" fn() -> RResult<FfiValidationFactoryBox, FfiError>;
/// Constructor of a library's endorsement factory.
pub type NewEndorsementFactory = extern "C" fn() -> RResult<FfiEndorsementFactoryBox, FfiError>;

/// The root module of a handler library (one per library). A prefix type: fields are only
/// ever appended after `new_endorsement_factory`.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = HandlersLibraryRef)))]
#[sabi(missing_field(panic))]
pub struct HandlersLibrary {
    /// The plugin's name (for logs and error messages).
    pub plugin_name: RStr<'static>,
    /// The version of `handlers-api` the library was built against.
    pub interface_version: RStr<'static>,
    /// The validation factory constructor, if the library provides one.
    pub new_validation_factory:
        Option<extern "C" fn() -> RResult<FfiValidationFactoryBox, FfiError>>,
    /// The endorsement factory constructor, if the library provides one.
    #[sabi(last_prefix_field)]
    pub new_endorsement_factory:
        Option<extern "C" fn() -> RResult<FfiEndorsementFactoryBox, FfiError>>,
}

impl RootModule for HandlersLibraryRef {
    declare_root_module_statics! {HandlersLibraryRef}
    const BASE_NAME: &'static str = "fabric_handler";
    const NAME: &'static str = "fabric handler library";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}

/// The version of this crate, which is the ABI version (`interface_version` of libraries built
/// now).
pub const INTERFACE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a factory could not be obtained from a library.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LibraryError {
    /// The library exports no validation factory.
    #[error("handler library {plugin} has no validation plugin")]
    NoValidationFactory {
        /// The library's plugin name.
        plugin: String,
    },
    /// The library exports no endorsement factory.
    #[error("handler library {plugin} has no endorsement plugin")]
    NoEndorsementFactory {
        /// The library's plugin name.
        plugin: String,
    },
    /// The factory constructor failed or panicked.
    #[error("handler library {plugin}: factory constructor failed: {message}")]
    Constructor {
        /// The library's plugin name.
        plugin: String,
        /// What went wrong (for a panic, names the plugin and the payload).
        message: String,
    },
}

/// Builds the root module of a library (what the export macros call). Leaks one small struct.
pub fn new_library(
    plugin_name: &'static str,
    new_validation_factory: Option<NewValidationFactory>,
    new_endorsement_factory: Option<NewEndorsementFactory>,
) -> HandlersLibraryRef {
    use abi_stable::prefix_type::PrefixTypeTrait;
    HandlersLibrary {
        plugin_name: RStr::from_str(plugin_name),
        interface_version: RStr::from_str(INTERFACE_VERSION),
        new_validation_factory,
        new_endorsement_factory,
    }
    .leak_into_prefix()
}

impl HandlersLibraryRef {
    /// The library's validation factory as a plain-Rust factory.
    ///
    /// # Errors
    ///
    /// [`LibraryError::NoValidationFactory`] when the library has none,
    /// [`LibraryError::Constructor`] when its constructor fails or panics.
    pub fn validation_factory(self) -> Result<Box<dyn validation::PluginFactory>, LibraryError> {
        let plugin = self.plugin_name().as_str().to_owned();
        let ctor =
            self.new_validation_factory()
                .ok_or_else(|| LibraryError::NoValidationFactory {
                    plugin: plugin.clone(),
                })?;
        match ctor() {
            RResult::ROk(f) => Ok(ffi_validation::factory_from_ffi(f)),
            RResult::RErr(e) => Err(LibraryError::Constructor {
                plugin,
                message: e.message.into_string(),
            }),
        }
    }

    /// The library's endorsement factory as a plain-Rust factory.
    ///
    /// # Errors
    ///
    /// [`LibraryError::NoEndorsementFactory`] when the library has none,
    /// [`LibraryError::Constructor`] when its constructor fails or panics.
    pub fn endorsement_factory(self) -> Result<Box<dyn endorsement::PluginFactory>, LibraryError> {
        let plugin = self.plugin_name().as_str().to_owned();
        let ctor =
            self.new_endorsement_factory()
                .ok_or_else(|| LibraryError::NoEndorsementFactory {
                    plugin: plugin.clone(),
                })?;
        match ctor() {
            RResult::ROk(f) => Ok(ffi_endorsement::factory_from_ffi(f)),
            RResult::RErr(e) => Err(LibraryError::Constructor {
                plugin,
                message: e.message.into_string(),
            }),
        }
    }
}

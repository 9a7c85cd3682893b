//! Turns a [`HandlersConfig`] into factories: builtins from a caller-supplied table, dynamic
//! handlers from shared libraries built against `handlers-api`.
//!
//! Every handler is tried; all failures are reported together in one [`LoadError`], each naming
//! the handler kind, the key, the path (or builtin name) and the reason.
//!
//! Loading a library: the file's SHA-256 is computed first (and compared with the `sha256:` pin,
//! refusing to open the file on a mismatch), then abi_stable's `lib_header_from_path` opens it
//! and `init_root_module::<HandlersLibraryRef>()` checks the interface version and the type
//! layout of the root module. Each library is opened on its own (never `load_from_directory`,
//! which caches one module per type).
//!
//! **Libraries are never unloaded**: abi_stable leaks the library handle on purpose, since
//! factories, plugins and `'static` strings of the library stay referenced for the life of the
//! process. Replacing a plugin needs a peer restart.
//!
//! The digest is taken from the file before it is opened; an attacker who can swap the file
//! between the two steps can already write to the plugins directory, which the pin cannot
//! protect anyway.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use abi_stable::library::{lib_header_from_path, LibraryError as AbiLibraryError};
use abi_stable::std_types::RResult;
use handlers_api::ffi::error::KIND_PANIC;
use handlers_api::ffi::library::INTERFACE_VERSION;
use handlers_api::ffi::HandlersLibraryRef;
use handlers_api::{endorsement, validation};
use sha2::{Digest, Sha256};

use crate::config::{HandlerSource, HandlersConfig, Sha256Pin};
use crate::library_validation::LibraryValidationFactory;
use crate::panics::{parse_ffi_panic, payload_text};

/// The two kinds of handlers the registry loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HandlerKind {
    /// An endorsement (ESCC) plugin, `peer.handlers.endorsers`.
    Endorsement,
    /// A validation (VSCC) plugin, `peer.handlers.validators`.
    Validation,
}

impl HandlerKind {
    /// The kind of factory a library exports for this handler kind: `endorsement` or
    /// `validation`.
    pub fn factory_noun(self) -> &'static str {
        match self {
            HandlerKind::Endorsement => "endorsement",
            HandlerKind::Validation => "validation",
        }
    }
}

impl fmt::Display for HandlerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandlerKind::Endorsement => "endorser",
            HandlerKind::Validation => "validator",
        })
    }
}

/// The constructor of a builtin validation factory; an `Err` is the reason it failed.
pub type ValidationConstructor =
    Arc<dyn Fn() -> Result<Box<dyn validation::PluginFactory>, String> + Send + Sync>;
/// The constructor of a builtin endorsement factory; an `Err` is the reason it failed.
pub type EndorsementConstructor =
    Arc<dyn Fn() -> Result<Box<dyn endorsement::PluginFactory>, String> + Send + Sync>;

/// The handlers compiled into the peer, by name (Fabric's `HandlerLibrary`). Supplied by the
/// caller, so that this crate does not depend on plugin crates.
#[derive(Clone, Default)]
pub struct Builtins {
    validation: BTreeMap<String, ValidationConstructor>,
    endorsement: BTreeMap<String, EndorsementConstructor>,
}

impl Builtins {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the validation builtin `name`.
    pub fn with_validation(
        mut self,
        name: &str,
        ctor: impl Fn() -> Result<Box<dyn validation::PluginFactory>, String> + Send + Sync + 'static,
    ) -> Self {
        self.validation.insert(name.to_owned(), Arc::new(ctor));
        self
    }

    /// Adds (or replaces) the endorsement builtin `name`.
    pub fn with_endorsement(
        mut self,
        name: &str,
        ctor: impl Fn() -> Result<Box<dyn endorsement::PluginFactory>, String> + Send + Sync + 'static,
    ) -> Self {
        self.endorsement.insert(name.to_owned(), Arc::new(ctor));
        self
    }

    /// The names of the builtins of `kind`, sorted.
    pub fn names(&self, kind: HandlerKind) -> Vec<String> {
        match kind {
            HandlerKind::Validation => self.validation.keys().cloned().collect(),
            HandlerKind::Endorsement => self.endorsement.keys().cloned().collect(),
        }
    }
}

impl fmt::Debug for Builtins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builtins")
            .field("validation", &self.names(HandlerKind::Validation))
            .field("endorsement", &self.names(HandlerKind::Endorsement))
            .finish()
    }
}

/// Where a loaded handler came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadedFrom {
    /// A builtin, by name.
    Builtin {
        /// The builtin's name.
        name: String,
    },
    /// A shared library.
    Library {
        /// The file.
        path: PathBuf,
        /// The plugin name the library declares.
        plugin_name: String,
        /// The `handlers-api` version the library was built against.
        interface_version: String,
        /// The SHA-256 of the file.
        sha256: Sha256Pin,
    },
}

/// One handler that loaded: the record to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedHandler {
    /// Endorser or validator.
    pub kind: HandlerKind,
    /// The plugin name (the lower-cased core.yaml key).
    pub key: String,
    /// Where it came from.
    pub from: LoadedFrom,
}

impl fmt::Display for LoadedHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.from {
            LoadedFrom::Builtin { name } => {
                write!(f, "{} {:?}: builtin {name}", self.kind, self.key)
            }
            LoadedFrom::Library {
                path,
                plugin_name,
                interface_version,
                sha256,
            } => write!(
                f,
                "{} {:?}: library {} (plugin {plugin_name}, interface version \
                 {interface_version}, sha256 {sha256})",
                self.kind,
                self.key,
                path.display()
            ),
        }
    }
}

/// Why one handler did not load.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// The library file does not exist (`metadata` reported `NotFound`).
    MissingFile {
        /// The I/O error.
        reason: String,
    },
    /// The library file cannot be inspected (`metadata` failed other than with `NotFound`,
    /// e.g. permission denied, a path component that is not a directory) or read (for its
    /// digest).
    Unreadable {
        /// The I/O error.
        reason: String,
    },
    /// The file is not a handler library: not a loadable shared library, or one without the
    /// abi_stable root module.
    NotAPlugin {
        /// The loader's explanation.
        detail: String,
    },
    /// The library was built against an incompatible `handlers-api` version.
    IncompatibleVersion {
        /// The version this peer speaks.
        host: String,
        /// The version the library was built against.
        library: String,
    },
    /// The library was built with an incompatible abi_stable (its ABI header differs).
    IncompatibleAbiStable {
        /// The header found, as abi_stable prints it.
        detail: String,
    },
    /// The version matches but the root module's type layout does not.
    LayoutMismatch {
        /// abi_stable's description of the difference.
        detail: String,
    },
    /// The library has no factory of the kind it is configured as.
    NoFactory {
        /// The library's plugin name.
        plugin: String,
        /// The kind of factory the configuration asks for.
        wanted: HandlerKind,
        /// The kinds of factory the library does export (endorsement first).
        provides: Vec<HandlerKind>,
    },
    /// The factory constructor returned an error.
    ConstructorError {
        /// The plugin name a library declares; `None` for a builtin, which the failure's
        /// source (`builtin <name>`) already names.
        library_plugin: Option<String>,
        /// The constructor's message.
        message: String,
    },
    /// The factory constructor panicked.
    ConstructorPanic {
        /// The plugin name a library declares; `None` for a builtin, which the failure's
        /// source (`builtin <name>`) already names.
        library_plugin: Option<String>,
        /// The panic payload.
        message: String,
    },
    /// The file's SHA-256 differs from the `sha256:` pin; the library was not opened.
    Sha256Mismatch {
        /// The pinned digest.
        expected: Sha256Pin,
        /// The file's digest.
        actual: Sha256Pin,
    },
    /// No builtin has this name.
    UnknownBuiltin {
        /// The name asked for.
        name: String,
        /// The builtins of that kind.
        known: Vec<String>,
    },
    /// Anything else abi_stable reported.
    Other {
        /// abi_stable's message.
        detail: String,
    },
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureReason::MissingFile { reason } => write!(f, "file not found: {reason}"),
            FailureReason::Unreadable { reason } => write!(f, "cannot read the file: {reason}"),
            FailureReason::NotAPlugin { detail } => {
                write!(f, "not a plugin (not a handlers-api library): {detail}")
            }
            FailureReason::IncompatibleVersion { host, library } => write!(
                f,
                "incompatible interface version: this peer uses handlers-api {host}, the \
                 library was built against handlers-api {library}; rebuild the plugin against \
                 handlers-api {host}"
            ),
            FailureReason::IncompatibleAbiStable { detail } => write!(
                f,
                "incompatible abi_stable: the library was built with an abi_stable whose ABI \
                 header differs from this peer's: {detail}"
            ),
            FailureReason::LayoutMismatch { detail } => write!(
                f,
                "layout mismatch: the library's types do not match this peer's handlers-api \
                 {INTERFACE_VERSION}: {detail}"
            ),
            FailureReason::NoFactory {
                plugin,
                wanted,
                provides,
            } => write!(
                f,
                "library (plugin {plugin}) has no {} factory (it provides: {})",
                wanted.factory_noun(),
                if provides.is_empty() {
                    "none".to_owned()
                } else {
                    provides
                        .iter()
                        .map(|k| k.factory_noun())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            FailureReason::ConstructorError {
                library_plugin,
                message,
            } => write!(
                f,
                "factory constructor{} failed: {message}",
                of_library(library_plugin)
            ),
            FailureReason::ConstructorPanic {
                library_plugin,
                message,
            } => write!(
                f,
                "factory constructor{} panicked: {message}",
                of_library(library_plugin)
            ),
            FailureReason::Sha256Mismatch { expected, actual } => write!(
                f,
                "SHA-256 mismatch, refusing to load: expected {expected}, actual {actual}"
            ),
            FailureReason::UnknownBuiltin { name, known } => write!(
                f,
                "no builtin named {name:?} (known: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
            FailureReason::Other { detail } => write!(f, "{detail}"),
        }
    }
}

/// ` of library plugin <name>` for a library's constructor, nothing for a builtin's.
fn of_library(library_plugin: &Option<String>) -> String {
    library_plugin
        .as_ref()
        .map(|p| format!(" of library plugin {p}"))
        .unwrap_or_default()
}

/// One handler that did not load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFailure {
    /// Endorser or validator.
    pub kind: HandlerKind,
    /// The plugin name (the lower-cased core.yaml key).
    pub key: String,
    /// The library path, or `builtin <name>`.
    pub source: String,
    /// Why.
    pub reason: FailureReason,
}

impl fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?} ({}): {}",
            self.kind, self.key, self.source, self.reason
        )
    }
}

/// All handlers of a configuration that did not load (never empty).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// Handlers failed to load; every failure is listed.
    #[error("{} of the handlers in {} failed to load:{}", failures.len(), file.display(), list(failures))]
    Handlers {
        /// The configuration file.
        file: PathBuf,
        /// Each failure, endorsers first, then validators, each in key order.
        failures: Vec<LoadFailure>,
    },
}

fn list(failures: &[LoadFailure]) -> String {
    failures.iter().map(|f| format!("\n  - {f}")).collect()
}

impl LoadError {
    /// The failures.
    pub fn failures(&self) -> &[LoadFailure] {
        match self {
            LoadError::Handlers { failures, .. } => failures,
        }
    }
}

/// The factories of a peer, created once at start.
pub struct Registry {
    endorsers: BTreeMap<String, Arc<dyn endorsement::PluginFactory>>,
    validators: BTreeMap<String, Arc<dyn validation::PluginFactory>>,
    loaded: Vec<LoadedHandler>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("loaded", &self.loaded)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Loads every endorser and validator of `config`; builtins come from `builtins`. Each
    /// loaded library is logged to standard error (name, interface version, SHA-256) and
    /// listed in [`Registry::loaded`].
    ///
    /// # Errors
    ///
    /// [`LoadError::Handlers`] listing every handler that failed, when at least one did.
    pub fn load(config: &HandlersConfig, builtins: &Builtins) -> Result<Self, LoadError> {
        let mut registry = Registry {
            endorsers: BTreeMap::new(),
            validators: BTreeMap::new(),
            loaded: Vec::new(),
        };
        let mut failures = Vec::new();
        for (key, source) in &config.endorsers {
            match load_endorsement(source, builtins) {
                Ok((factory, from)) => {
                    registry.endorsers.insert(key.clone(), Arc::from(factory));
                    registry.record(HandlerKind::Endorsement, key, from);
                }
                Err(reason) => {
                    failures.push(failure(HandlerKind::Endorsement, key, source, reason))
                }
            }
        }
        for (key, source) in &config.validators {
            match load_validation(key, source, builtins) {
                Ok((factory, from)) => {
                    registry.validators.insert(key.clone(), Arc::from(factory));
                    registry.record(HandlerKind::Validation, key, from);
                }
                Err(reason) => failures.push(failure(HandlerKind::Validation, key, source, reason)),
            }
        }
        if failures.is_empty() {
            Ok(registry)
        } else {
            Err(LoadError::Handlers {
                file: config.file.clone(),
                failures,
            })
        }
    }

    fn record(&mut self, kind: HandlerKind, key: &str, from: LoadedFrom) {
        let loaded = LoadedHandler {
            kind,
            key: key.to_owned(),
            from,
        };
        self.loaded.push(loaded);
    }

    /// The validation factory registered under plugin name `key`.
    pub fn validation_factory(&self, key: &str) -> Option<Arc<dyn validation::PluginFactory>> {
        self.validators.get(key).cloned()
    }

    /// The endorsement factory registered under plugin name `key`.
    pub fn endorsement_factory(&self, key: &str) -> Option<Arc<dyn endorsement::PluginFactory>> {
        self.endorsers.get(key).cloned()
    }

    /// All validation factories by plugin name (for [`crate::instances::ValidationInstances`]).
    pub fn validation_factories(&self) -> BTreeMap<String, Arc<dyn validation::PluginFactory>> {
        self.validators.clone()
    }

    /// All endorsement factories by plugin name (for [`crate::instances::EndorsementInstances`]).
    pub fn endorsement_factories(&self) -> BTreeMap<String, Arc<dyn endorsement::PluginFactory>> {
        self.endorsers.clone()
    }

    /// What was loaded, endorsers first, each kind in key order.
    pub fn loaded(&self) -> &[LoadedHandler] {
        &self.loaded
    }
}

fn failure(
    kind: HandlerKind,
    key: &str,
    source: &HandlerSource,
    reason: FailureReason,
) -> LoadFailure {
    LoadFailure {
        kind,
        key: key.to_owned(),
        source: match source {
            HandlerSource::Builtin { name } => format!("builtin {name}"),
            HandlerSource::Library { path, .. } => path.display().to_string(),
        },
        reason,
    }
}

type Loaded<F> = Result<(Box<F>, LoadedFrom), FailureReason>;

fn load_validation(
    key: &str,
    source: &HandlerSource,
    builtins: &Builtins,
) -> Loaded<dyn validation::PluginFactory> {
    match source {
        HandlerSource::Builtin { name } => {
            let ctor = builtins
                .validation
                .get(name)
                .ok_or_else(|| unknown_builtin(HandlerKind::Validation, name, builtins))?;
            let factory = run_constructor(|| ctor())?;
            Ok((factory, LoadedFrom::Builtin { name: name.clone() }))
        }
        HandlerSource::Library { path, sha256, .. } => {
            let (lib, from) = open_library(path, *sha256)?;
            let ctor = lib
                .new_validation_factory()
                .ok_or_else(|| no_factory(lib, HandlerKind::Validation))?;
            let plugin = lib.plugin_name().as_str();
            match ctor() {
                RResult::ROk(f) => {
                    let imported = handlers_api::ffi::validation::factory_from_ffi(f);
                    let factory = LibraryValidationFactory::new(key, plugin, imported);
                    Ok((Box::new(factory), from))
                }
                RResult::RErr(e) => Err(constructor_failure(plugin, e)),
            }
        }
    }
}

fn load_endorsement(
    source: &HandlerSource,
    builtins: &Builtins,
) -> Loaded<dyn endorsement::PluginFactory> {
    match source {
        HandlerSource::Builtin { name } => {
            let ctor = builtins
                .endorsement
                .get(name)
                .ok_or_else(|| unknown_builtin(HandlerKind::Endorsement, name, builtins))?;
            let factory = run_constructor(|| ctor())?;
            Ok((factory, LoadedFrom::Builtin { name: name.clone() }))
        }
        HandlerSource::Library { path, sha256, .. } => {
            let (lib, from) = open_library(path, *sha256)?;
            let ctor = lib
                .new_endorsement_factory()
                .ok_or_else(|| no_factory(lib, HandlerKind::Endorsement))?;
            match ctor() {
                RResult::ROk(f) => Ok((handlers_api::ffi::endorsement::factory_from_ffi(f), from)),
                RResult::RErr(e) => Err(constructor_failure(lib.plugin_name().as_str(), e)),
            }
        }
    }
}

fn unknown_builtin(kind: HandlerKind, name: &str, builtins: &Builtins) -> FailureReason {
    FailureReason::UnknownBuiltin {
        name: name.to_owned(),
        known: builtins.names(kind),
    }
}

fn no_factory(lib: HandlersLibraryRef, wanted: HandlerKind) -> FailureReason {
    let mut provides = Vec::new();
    if lib.new_endorsement_factory().is_some() {
        provides.push(HandlerKind::Endorsement);
    }
    if lib.new_validation_factory().is_some() {
        provides.push(HandlerKind::Validation);
    }
    FailureReason::NoFactory {
        plugin: lib.plugin_name().as_str().to_owned(),
        wanted,
        provides,
    }
}

/// Runs a builtin constructor under a panic guard.
fn run_constructor<T>(ctor: impl FnOnce() -> Result<T, String>) -> Result<T, FailureReason> {
    // AssertUnwindSafe: after a panic the half-built factory is dropped and only reported.
    match catch_unwind(AssertUnwindSafe(ctor)) {
        Ok(Ok(f)) => Ok(f),
        Ok(Err(message)) => Err(FailureReason::ConstructorError {
            library_plugin: None,
            message,
        }),
        Err(payload) => Err(FailureReason::ConstructorPanic {
            library_plugin: None,
            message: payload_text(payload.as_ref()),
        }),
    }
}

/// The SHA-256 of the file at `path`.
///
/// # Errors
///
/// The I/O error of opening or reading the file.
pub fn file_sha256(path: &Path) -> io::Result<Sha256Pin> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(Sha256Pin(hasher.finalize().into()))
}

/// Checks the file (existence, digest, pin), opens it and checks its root module.
fn open_library(
    path: &Path,
    pin: Option<Sha256Pin>,
) -> Result<(HandlersLibraryRef, LoadedFrom), FailureReason> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => FailureReason::MissingFile {
            reason: e.to_string(),
        },
        _ => FailureReason::Unreadable {
            reason: e.to_string(),
        },
    })?;
    if !meta.is_file() {
        return Err(FailureReason::NotAPlugin {
            detail: "not a regular file".into(),
        });
    }
    let actual = file_sha256(path).map_err(|e| FailureReason::Unreadable {
        reason: e.to_string(),
    })?;
    if let Some(expected) = pin {
        if expected != actual {
            return Err(FailureReason::Sha256Mismatch { expected, actual });
        }
    }
    let header = lib_header_from_path(path).map_err(abi_failure)?;
    let lib = header
        .init_root_module::<HandlersLibraryRef>()
        .map_err(abi_failure)?;
    let from = LoadedFrom::Library {
        path: path.to_owned(),
        plugin_name: lib.plugin_name().as_str().to_owned(),
        interface_version: lib.interface_version().as_str().to_owned(),
        sha256: actual,
    };
    Ok((lib, from))
}

/// A library constructor's error; a panic's text loses the FFI guard's `plugin <name>
/// panicked in factory constructor: ` prefix, since the reason names the plugin already.
fn constructor_failure(plugin: &str, e: handlers_api::ffi::FfiError) -> FailureReason {
    let text = e.message.as_str();
    let library_plugin = Some(plugin.to_owned());
    if e.kind == KIND_PANIC {
        let message = match parse_ffi_panic(text, plugin) {
            Some(p) if p.op == "factory constructor" => p.payload.to_owned(),
            _ => text.to_owned(),
        };
        FailureReason::ConstructorPanic {
            library_plugin,
            message,
        }
    } else {
        FailureReason::ConstructorError {
            library_plugin,
            message: text.to_owned(),
        }
    }
}

/// Maps abi_stable's loading errors to our reasons (its `Display` output starts and ends with
/// line breaks; we flatten it to one line).
fn abi_failure(err: AbiLibraryError) -> FailureReason {
    let flat = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    match err {
        AbiLibraryError::OpenError { err, .. } => FailureReason::NotAPlugin {
            detail: format!("cannot be opened as a shared library: {err}"),
        },
        AbiLibraryError::GetSymbolError { symbol, err, .. } => FailureReason::NotAPlugin {
            detail: format!(
                "no handler root module (symbol {}): {err}",
                String::from_utf8_lossy(&symbol).trim_end_matches('\0')
            ),
        },
        AbiLibraryError::IncompatibleVersionNumber {
            expected_version,
            actual_version,
            ..
        } => FailureReason::IncompatibleVersion {
            host: expected_version.to_string(),
            library: actual_version.to_string(),
        },
        AbiLibraryError::InvalidAbiHeader(found) => FailureReason::IncompatibleAbiStable {
            detail: flat(format!("{found:?}")),
        },
        AbiLibraryError::AbiInstability(e) => FailureReason::LayoutMismatch {
            detail: flat(e.to_string()),
        },
        AbiLibraryError::InvalidCAbi { expected, found } => FailureReason::LayoutMismatch {
            detail: flat(format!("C ABI differs: expected {expected}, found {found}")),
        },
        AbiLibraryError::Many(list) => {
            let reasons: Vec<FailureReason> = list.into_iter().map(abi_failure).collect();
            match <[FailureReason; 1]>::try_from(reasons) {
                Ok([one]) => one,
                Err(many) => FailureReason::Other {
                    detail: many
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                },
            }
        }
        other => FailureReason::Other {
            detail: flat(other.to_string()),
        },
    }
}

//! Reads `peer.handlers` from core.yaml, loads builtin and dynamic handlers, and creates one
//! instance per (plugin, channel).
//!
//! * [`config`]: core.yaml's `peer.handlers` with Fabric's keys and environment overrides;
//! * [`registry`]: one factory per configured handler, builtins from a table ([`Builtins::project`]
//!   holds this project's: [`builtin`]) and shared libraries through abi_stable, every load
//!   failure reported at once;
//! * [`instances`]: per-(plugin, channel) instances created on first use, exactly once.
//!
//! Shared libraries, once loaded, are never unloaded (see [`registry`]).
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::path::Path;
//!
//! use handlers_api::validation::{InitError, Plugin, PluginFactory};
//! use loader::{Builtins, HandlersConfig, Registry, ValidationInstances};
//!
//! struct Unused;
//! impl PluginFactory for Unused {
//!     fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
//!         Err(InitError::Failed("example".into()))
//!     }
//! }
//!
//! let yaml = "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultValidation\n";
//! let config = HandlersConfig::from_yaml(
//!     yaml,
//!     Path::new("core.yaml"),
//!     Path::new("."),
//!     &BTreeMap::new(),
//! )?;
//! let builtins = Builtins::new().with_validation("DefaultValidation", || Ok(Box::new(Unused)));
//! let registry = Registry::load(&config, &builtins)?;
//! let instances = ValidationInstances::new(registry.validation_factories());
//! let err = instances
//!     .get("vscc", "mychannel", || Err("no channel in this example".into()))
//!     .err()
//!     .ok_or("expected an error")?;
//! assert_eq!(
//!     err.to_string(),
//!     "plugin with name vscc could not be used: failed initializing plugin: example"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod builtin;
pub mod config;
pub mod instances;
mod library_validation;
mod panics;
pub mod registry;

pub use config::{ConfigError, ConfigOptions, HandlerSource, HandlersConfig, Sha256Pin};
pub use instances::{EndorsementInstances, InstanceError, ValidationInstances};
pub use registry::{Builtins, FailureReason, LoadError, LoadFailure, LoadedHandler, Registry};

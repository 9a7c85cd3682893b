//! Per-(plugin name, channel) plugin instances, created on first use (Fabric's
//! `plugin_endorser.go` and `plugindispatcher/plugin_validator.go`).
//!
//! The first call for a (plugin, channel) runs the factory's `New`, asks the caller for the
//! dependencies, then runs `Init`; the initialised instance is cached for the life of the
//! process. Concurrent first calls for the same key create exactly one instance (the others
//! wait for it); calls for other keys are not blocked. A failure (dependencies, `New`, `Init`,
//! or a panic in any of them) is returned to that call and **not** cached: the next call tries
//! again, as Fabric does.
//!
//! Every message names the plugin by its name here, the core.yaml key (as Fabric does): a
//! creation failure reads `plugin with name <key> could not be used: <reason>`, where a panic's
//! reason is `panicked in <op>: <payload>` (for a library plugin `library plugin <name>
//! panicked in <op>: <payload>`); a panic inside a validation instance's `validate` becomes
//! the execution failure `plugin with name <key> panicked in validate: <payload>` (for a
//! library plugin `plugin with name <key> (library plugin <name>) panicked in validate:
//! <payload>`). Other execution failures of `validate` are returned unchanged, as Fabric does.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

use handlers_api::validation::{BlockView, Context, ValidationError};
use handlers_api::{endorsement, validation};
use once_cell::sync::OnceCell;

use crate::panics::payload_text;

/// Why no instance could be had.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceError {
    /// No factory is registered under this plugin name.
    #[error("plugin with name {name} wasn't found")]
    NotFound {
        /// The plugin name asked for.
        name: String,
    },
    /// The instance could not be created or initialised (not cached; the next call retries).
    #[error("plugin with name {name} could not be used: {reason}")]
    CouldNotBeUsed {
        /// The plugin name.
        name: String,
        /// The channel the instance was for.
        channel: String,
        /// What failed: the dependencies, `New`, `Init` or a panic.
        reason: String,
    },
}

impl InstanceError {
    /// The execution failure Fabric's validator reports for this error ("plugin with name X
    /// couldn't be used: ...", X being the plugin name asked for, i.e. the core.yaml key),
    /// which halts the channel's commit.
    pub fn to_execution_failure(&self) -> validation::ValidationError {
        let (name, inner) = match self {
            InstanceError::NotFound { name } => (name, self.to_string()),
            InstanceError::CouldNotBeUsed { name, reason, .. } => (name, reason.clone()),
        };
        validation::ValidationError::ExecutionFailure(format!(
            "plugin with name {name} couldn't be used: {inner}"
        ))
    }
}

impl From<InstanceError> for validation::ValidationError {
    fn from(err: InstanceError) -> Self {
        err.to_execution_failure()
    }
}

type Slot<P> = Arc<OnceCell<Arc<P>>>;

/// The cache shared by both kinds: (plugin, channel) -> once-initialised instance.
struct InstanceCache<P: ?Sized> {
    slots: Mutex<HashMap<(String, String), Slot<P>>>,
}

impl<P: ?Sized> InstanceCache<P> {
    fn new() -> Self {
        InstanceCache {
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The instance for (`name`, `channel`), running `create` if there is none yet. Only one
    /// `create` per key runs at a time; a failed one leaves the slot empty.
    fn get_or_create(
        &self,
        name: &str,
        channel: &str,
        create: impl FnOnce() -> Result<Arc<P>, String>,
    ) -> Result<Arc<P>, InstanceError> {
        let slot = {
            // The map lock is never held while user code runs, so it cannot be poisoned by a
            // plugin; a poisoned map is still consistent (inserts are atomic).
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                slots
                    .entry((name.to_owned(), channel.to_owned()))
                    .or_default(),
            )
        };
        // `create` runs each step of user code under `guarded`, so it does not unwind.
        slot.get_or_try_init(create)
            .cloned()
            .map_err(|reason| InstanceError::CouldNotBeUsed {
                name: name.to_owned(),
                channel: channel.to_owned(),
                reason,
            })
    }
}

/// Runs the step `op` of an instance's creation; a panic becomes `panicked in <op>: <payload>`.
fn guarded<T>(op: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    // AssertUnwindSafe: after a panic the half-built instance is dropped, nothing is cached,
    // and the failure is returned.
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|payload| format!("panicked in {op}: {}", payload_text(payload.as_ref())))
}

/// A validation instance as handed out: a panic unwinding out of `validate` becomes an
/// execution failure naming the plugin by `key`.
struct KeyedValidationPlugin {
    key: String,
    inner: Box<dyn validation::Plugin>,
}

impl validation::Plugin for KeyedValidationPlugin {
    fn init(&mut self, deps: validation::Dependencies) -> Result<(), validation::InitError> {
        self.inner.init(deps)
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        // AssertUnwindSafe: as with Fabric's recovered panics, the plugin's own state after a
        // panic is its business; the host only reports the failure.
        catch_unwind(AssertUnwindSafe(|| {
            self.inner
                .validate(block, namespace, tx_position, action_position, context)
        }))
        .unwrap_or_else(|payload| {
            Err(ValidationError::ExecutionFailure(format!(
                "plugin with name {} panicked in validate: {}",
                self.key,
                payload_text(payload.as_ref())
            )))
        })
    }
}

fn text(e: impl Display) -> String {
    e.to_string()
}

/// Validation plugin instances per (plugin name, channel).
pub struct ValidationInstances {
    factories: BTreeMap<String, Arc<dyn validation::PluginFactory>>,
    cache: InstanceCache<dyn validation::Plugin>,
}

impl ValidationInstances {
    /// Instances of the plugins made by `factories` (plugin name -> factory), e.g.
    /// [`crate::Registry::validation_factories`].
    pub fn new(factories: BTreeMap<String, Arc<dyn validation::PluginFactory>>) -> Self {
        ValidationInstances {
            factories,
            cache: InstanceCache::new(),
        }
    }

    /// The initialised instance of plugin `name` for `channel`; on first use `New`, then
    /// `deps()`, then `Init`.
    ///
    /// # Errors
    ///
    /// [`InstanceError::NotFound`] for an unknown plugin name; [`InstanceError::CouldNotBeUsed`]
    /// when `deps`, `New` or `Init` fails or panics (nothing is cached; the next call retries).
    /// [`InstanceError::to_execution_failure`] gives Fabric's validation error.
    pub fn get(
        &self,
        name: &str,
        channel: &str,
        deps: impl FnOnce() -> Result<validation::Dependencies, String>,
    ) -> Result<Arc<dyn validation::Plugin>, InstanceError> {
        let factory = self
            .factories
            .get(name)
            .ok_or_else(|| InstanceError::NotFound {
                name: name.to_owned(),
            })?;
        self.cache.get_or_create(name, channel, || {
            let inner = guarded("factory new", || factory.new())?.map_err(text)?;
            let mut plugin = KeyedValidationPlugin {
                key: name.to_owned(),
                inner,
            };
            let deps = guarded("dependencies", deps)??;
            guarded("init", || validation::Plugin::init(&mut plugin, deps))?.map_err(text)?;
            Ok(Arc::new(plugin))
        })
    }
}

/// Endorsement plugin instances per (plugin name, channel); the channel may be empty (an
/// instance not bound to a channel, Fabric's PE-4).
pub struct EndorsementInstances {
    factories: BTreeMap<String, Arc<dyn endorsement::PluginFactory>>,
    cache: InstanceCache<dyn endorsement::Plugin>,
}

impl EndorsementInstances {
    /// Instances of the plugins made by `factories` (plugin name -> factory), e.g.
    /// [`crate::Registry::endorsement_factories`].
    pub fn new(factories: BTreeMap<String, Arc<dyn endorsement::PluginFactory>>) -> Self {
        EndorsementInstances {
            factories,
            cache: InstanceCache::new(),
        }
    }

    /// The initialised instance of plugin `name` for `channel`; on first use `New`, then
    /// `deps()`, then `Init`.
    ///
    /// # Errors
    ///
    /// [`InstanceError::NotFound`] for an unknown plugin name; [`InstanceError::CouldNotBeUsed`]
    /// when `deps`, `New` or `Init` fails or panics (nothing is cached; the next call retries).
    pub fn get(
        &self,
        name: &str,
        channel: &str,
        deps: impl FnOnce() -> Result<endorsement::Dependencies, String>,
    ) -> Result<Arc<dyn endorsement::Plugin>, InstanceError> {
        let factory = self
            .factories
            .get(name)
            .ok_or_else(|| InstanceError::NotFound {
                name: name.to_owned(),
            })?;
        self.cache.get_or_create(name, channel, || {
            let mut plugin = guarded("factory new", || factory.new())?.map_err(text)?;
            let deps = guarded("dependencies", deps)??;
            guarded("init", || plugin.init(deps))?.map_err(text)?;
            Ok(Arc::from(plugin))
        })
    }
}

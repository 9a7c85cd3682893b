//! The wrapper the registry puts around a validation factory loaded from a shared library, so
//! that panics caught by `handlers-api`'s FFI guard are reported with the core.yaml key (the
//! name Fabric uses for the plugin) and the library's declared plugin name, each once.
//!
//! * a panic in the factory's `New` or in `init` becomes `InitError::Panicked("library plugin
//!   <name> panicked in <op>: <payload>")`; [`crate::instances`] prefixes the key
//!   (`plugin with name <key> could not be used: ...`);
//! * a panic in `validate` becomes the execution failure `plugin with name <key> (library
//!   plugin <name>) panicked in validate: <payload>`, since nothing else adds the key there.
//!
//! Any other error (including a plugin's own execution failure, which Fabric returns
//! unchanged) passes through untouched.

use handlers_api::validation::{
    BlockView, Context, Dependencies, InitError, Plugin, PluginFactory, ValidationError,
};

use crate::panics::{parse_ffi_panic, reword_library_panic};

/// The key and library plugin name a wrapped factory and its plugins report.
#[derive(Debug, Clone)]
struct Names {
    key: String,
    plugin: String,
}

impl Names {
    fn init_error(&self, err: InitError) -> InitError {
        match err {
            InitError::Panicked(m) => InitError::Panicked(reword_library_panic(&m, &self.plugin)),
            other => other,
        }
    }
}

/// A library's validation factory, reporting panics with `key` and the library's `plugin`.
pub(crate) struct LibraryValidationFactory {
    names: Names,
    inner: Box<dyn PluginFactory>,
}

impl LibraryValidationFactory {
    /// Wraps `inner`, loaded under core.yaml key `key` from a library declaring `plugin`.
    pub(crate) fn new(key: &str, plugin: &str, inner: Box<dyn PluginFactory>) -> Self {
        LibraryValidationFactory {
            names: Names {
                key: key.to_owned(),
                plugin: plugin.to_owned(),
            },
            inner,
        }
    }
}

impl PluginFactory for LibraryValidationFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        let inner = self.inner.new().map_err(|e| self.names.init_error(e))?;
        Ok(Box::new(LibraryValidationPlugin {
            names: self.names.clone(),
            inner,
        }))
    }
}

struct LibraryValidationPlugin {
    names: Names,
    inner: Box<dyn Plugin>,
}

impl Plugin for LibraryValidationPlugin {
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        self.inner.init(deps).map_err(|e| self.names.init_error(e))
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        match self
            .inner
            .validate(block, namespace, tx_position, action_position, context)
        {
            Err(ValidationError::ExecutionFailure(m)) => Err(ValidationError::ExecutionFailure(
                match parse_ffi_panic(&m, &self.names.plugin) {
                    Some(p) => format!(
                        "plugin with name {} (library plugin {}) panicked in {}: {}",
                        self.names.key, self.names.plugin, p.op, p.payload
                    ),
                    None => m,
                },
            )),
            other => other,
        }
    }
}

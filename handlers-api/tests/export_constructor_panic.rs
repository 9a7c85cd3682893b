//! A library whose factory constructor panics, and a library lacking a plugin kind.

use handlers_api::ffi::LibraryError;
use handlers_api::validation::{InitError, Plugin, PluginFactory};

struct NeverBuilt;

impl PluginFactory for NeverBuilt {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Err(InitError::Failed("unreachable in this test".into()))
    }
}

fn build() -> NeverBuilt {
    panic!("config file missing")
}

handlers_api::export_validation_plugin!("Boom", build);

#[test]
fn constructor_panic_is_reported_with_plugin_name() {
    let err = handlers_api_library()
        .validation_factory()
        .err()
        .expect("constructor must fail");
    assert_eq!(
        err,
        LibraryError::Constructor {
            plugin: "Boom".into(),
            message: "plugin Boom panicked in factory constructor: config file missing".into(),
        }
    );
}

#[test]
fn missing_endorsement_plugin_is_reported() {
    let err = handlers_api_library()
        .endorsement_factory()
        .err()
        .expect("no endorsement plugin");
    assert_eq!(
        err.to_string(),
        "handler library Boom has no endorsement plugin"
    );
}

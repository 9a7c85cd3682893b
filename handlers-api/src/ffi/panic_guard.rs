//! Runs user code so that a panic becomes a value naming who panicked and why.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`; a panic becomes `Err("<who> panicked in <op>: <payload>")`.
pub(crate) fn guard<T>(who: &str, op: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    // AssertUnwindSafe: after a panic the caller only reports the failure; the state that `f`
    // touched is the plugin's own business, as with Fabric's recovered panics.
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|payload| format!("{who} panicked in {op}: {}", payload_text(payload.as_ref())))
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

//! Panic texts: the payload of a caught panic, and the texts `handlers-api`'s FFI panic guard
//! produces (`plugin <name> panicked in <op>: <payload>`), re-worded so that each message
//! names the library plugin once.

use std::any::Any;

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub(crate) fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// A panic that `handlers-api`'s FFI guard caught inside library plugin `plugin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiPanic<'a> {
    /// The operation that panicked (`factory constructor`, `factory new`, `init`, `validate`).
    pub(crate) op: &'a str,
    /// The panic payload.
    pub(crate) payload: &'a str,
}

/// Parses `text` as the FFI guard's `plugin <plugin> panicked in <op>: <payload>`; `None` when
/// it is not that (e.g. a plugin's own execution-failure text).
pub(crate) fn parse_ffi_panic<'a>(text: &'a str, plugin: &str) -> Option<FfiPanic<'a>> {
    let rest = text
        .strip_prefix("plugin ")?
        .strip_prefix(plugin)?
        .strip_prefix(" panicked in ")?;
    let (op, payload) = rest.split_once(": ")?;
    Some(FfiPanic { op, payload })
}

/// `library plugin <plugin> panicked in <op>: <payload>` for the FFI guard's text, or `text`
/// unchanged when it is not a panic of `plugin`.
pub(crate) fn reword_library_panic(text: &str, plugin: &str) -> String {
    match parse_ffi_panic(text, plugin) {
        Some(p) => format!(
            "library plugin {plugin} panicked in {}: {}",
            p.op, p.payload
        ),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_guard_text_of_the_named_plugin_only() {
        assert_eq!(
            parse_ffi_panic("plugin P panicked in init: boom: at 3", "P"),
            Some(FfiPanic {
                op: "init",
                payload: "boom: at 3"
            })
        );
        assert_eq!(
            parse_ffi_panic("plugin Q panicked in init: boom", "P"),
            None
        );
        assert_eq!(parse_ffi_panic("ledger unavailable", "P"), None);
        assert_eq!(
            reword_library_panic("plugin P panicked in factory new: x", "P"),
            "library plugin P panicked in factory new: x"
        );
        assert_eq!(reword_library_panic("other", "P"), "other");
    }
}

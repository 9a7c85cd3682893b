//! Loading handlers: builtins from the caller's table and every failure kind that needs no
//! fixture cdylib, all failures of one core.yaml reported in one error.

use std::collections::BTreeMap;
use std::path::Path;

use handlers_api::endorsement::{self, EndorsementError};
use handlers_api::validation::{self, InitError};
use loader::config::HandlersConfig;
use loader::registry::{
    file_sha256, Builtins, FailureReason, HandlerKind, LoadError, LoadedFrom, LoadedHandler,
    Registry,
};
use loader::Sha256Pin;

struct NoopValidationFactory;
impl validation::PluginFactory for NoopValidationFactory {
    fn new(&self) -> Result<Box<dyn validation::Plugin>, InitError> {
        Err(InitError::Failed("not used here".into()))
    }
}

struct NoopEndorsementFactory;
impl endorsement::PluginFactory for NoopEndorsementFactory {
    fn new(&self) -> Result<Box<dyn endorsement::Plugin>, EndorsementError> {
        Err(EndorsementError::Failed("not used here".into()))
    }
}

fn builtins() -> Builtins {
    Builtins::new()
        .with_validation("DefaultValidation", || Ok(Box::new(NoopValidationFactory)))
        .with_validation("Refusing", || Err("no config for Refusing".into()))
        .with_validation("Exploding", || panic!("boom in constructor"))
        .with_endorsement("DefaultEndorsement", || {
            Ok(Box::new(NoopEndorsementFactory))
        })
        .with_endorsement("Exploding", || panic!("{}", String::from("formatted boom")))
}

fn config(dir: &Path, yaml: &str) -> HandlersConfig {
    HandlersConfig::from_yaml(yaml, &dir.join("core.yaml"), dir, &BTreeMap::new())
        .expect("test core.yaml must parse")
}

fn only_failure(err: &LoadError) -> &loader::LoadFailure {
    assert_eq!(err.failures().len(), 1, "{err}");
    &err.failures()[0]
}

#[test]
fn builtins_load_under_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    endorsers:\n      escc:\n        name: DefaultEndorsement\n    \
         validators:\n      vscc:\n        name: DefaultValidation\n      Other:\n        name: DefaultValidation\n",
    );
    let r = Registry::load(&c, &builtins()).unwrap();
    assert!(r.validation_factory("vscc").is_some());
    assert!(r.validation_factory("other").is_some());
    assert!(r.validation_factory("Other").is_none());
    assert!(r.validation_factory("escc").is_none());
    assert!(r.endorsement_factory("escc").is_some());
    assert_eq!(
        r.loaded(),
        &[
            LoadedHandler {
                kind: HandlerKind::Endorsement,
                key: "escc".into(),
                from: LoadedFrom::Builtin {
                    name: "DefaultEndorsement".into()
                },
            },
            LoadedHandler {
                kind: HandlerKind::Validation,
                key: "other".into(),
                from: LoadedFrom::Builtin {
                    name: "DefaultValidation".into()
                },
            },
            LoadedHandler {
                kind: HandlerKind::Validation,
                key: "vscc".into(),
                from: LoadedFrom::Builtin {
                    name: "DefaultValidation".into()
                },
            },
        ]
    );
    assert_eq!(
        r.loaded()[0].to_string(),
        "endorser \"escc\": builtin DefaultEndorsement"
    );
    assert_eq!(r.validation_factories().len(), 2);
    assert_eq!(r.endorsement_factories().len(), 1);
}

#[test]
fn reg4_unknown_builtin_is_a_failure_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    validators:\n      vscc:\n        name: NoSuchThing\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    let f = only_failure(&err);
    assert_eq!(f.kind, HandlerKind::Validation);
    assert_eq!(f.key, "vscc");
    assert_eq!(f.source, "builtin NoSuchThing");
    assert_eq!(
        f.reason,
        FailureReason::UnknownBuiltin {
            name: "NoSuchThing".into(),
            known: vec![
                "DefaultValidation".into(),
                "Exploding".into(),
                "Refusing".into()
            ],
        }
    );
    assert_eq!(
        f.to_string(),
        "validator \"vscc\" (builtin NoSuchThing): no builtin named \"NoSuchThing\" (known: \
         DefaultValidation, Exploding, Refusing)"
    );
    // An endorsement name is not a validation builtin.
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultEndorsement\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    assert!(
        matches!(&only_failure(&err).reason, FailureReason::UnknownBuiltin { name, .. } if name == "DefaultEndorsement")
    );
}

#[test]
fn constructor_error_and_panic_of_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    validators:\n      a:\n        name: Refusing\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    assert_eq!(
        only_failure(&err).reason,
        FailureReason::ConstructorError {
            library_plugin: None,
            message: "no config for Refusing".into()
        }
    );
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    validators:\n      a:\n        name: Exploding\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    assert_eq!(
        only_failure(&err).reason,
        FailureReason::ConstructorPanic {
            library_plugin: None,
            message: "boom in constructor".into()
        }
    );
    assert_eq!(
        only_failure(&err).to_string(),
        "validator \"a\" (builtin Exploding): factory constructor panicked: boom in constructor"
    );
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    endorsers:\n      e:\n        name: Exploding\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    assert_eq!(
        only_failure(&err).reason,
        FailureReason::ConstructorPanic {
            library_plugin: None,
            message: "formatted boom".into()
        }
    );
}

#[test]
fn a_library_path_that_cannot_be_inspected_is_unreadable_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file used as a directory: metadata fails with ENOTDIR, not NotFound.
    std::fs::write(dir.path().join("notes.so"), "text").unwrap();
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    validators:\n      custom:\n        library: notes.so/libx.so\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    let f = only_failure(&err);
    let path = dir.path().join("notes.so/libx.so");
    let os_error = std::fs::metadata(&path).unwrap_err();
    assert_ne!(os_error.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(
        f.reason,
        FailureReason::Unreadable {
            reason: os_error.to_string()
        }
    );
    assert_eq!(
        f.to_string(),
        format!(
            "validator \"custom\" ({}): cannot read the file: Not a directory (os error 20)",
            path.display()
        )
    );
}

#[test]
fn failure_reasons_name_what_is_missing() {
    let no_factory = |wanted, provides| FailureReason::NoFactory {
        plugin: "P".into(),
        wanted,
        provides,
    };
    assert_eq!(
        no_factory(HandlerKind::Validation, vec![HandlerKind::Endorsement]).to_string(),
        "library (plugin P) has no validation factory (it provides: endorsement)"
    );
    assert_eq!(
        no_factory(HandlerKind::Endorsement, vec![]).to_string(),
        "library (plugin P) has no endorsement factory (it provides: none)"
    );
}

#[test]
fn reg9_missing_library_file() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    validators:\n      custom:\n        library: nowhere/libx.so\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    let f = only_failure(&err);
    let path = dir.path().join("nowhere/libx.so");
    assert_eq!(f.source, path.display().to_string());
    assert!(
        matches!(&f.reason, FailureReason::MissingFile { reason } if reason.contains("No such file")),
        "{f}"
    );
    assert!(
        f.to_string().starts_with(&format!(
            "validator \"custom\" ({}): file not found: ",
            path.display()
        )),
        "{f}"
    );
}

#[test]
fn text_file_is_not_a_plugin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("readme.so"),
        "this is not a shared library\n",
    )
    .unwrap();
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    endorsers:\n      escc:\n        library: readme.so\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    let f = only_failure(&err);
    assert_eq!(f.kind, HandlerKind::Endorsement);
    match &f.reason {
        FailureReason::NotAPlugin { detail } => {
            assert!(
                detail.starts_with("cannot be opened as a shared library: "),
                "{detail}"
            )
        }
        other => panic!("expected NotAPlugin, got {other:?}"),
    }
    assert!(f.to_string().contains("not a plugin"), "{f}");
    // A directory is not a plugin either.
    std::fs::create_dir(dir.path().join("adir.so")).unwrap();
    let c = config(
        dir.path(),
        "peer:\n  handlers:\n    endorsers:\n      escc:\n        library: adir.so\n",
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    assert_eq!(
        only_failure(&err).reason,
        FailureReason::NotAPlugin {
            detail: "not a regular file".into()
        }
    );
}

/// A real shared library without the handler root module.
#[cfg(target_os = "linux")]
#[test]
fn shared_library_without_root_module_is_not_a_plugin() {
    let candidates = [
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/lib/aarch64-linux-gnu/libm.so.6",
        "/usr/lib64/libm.so.6",
        "/lib64/libm.so.6",
    ];
    let libm = candidates
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no libm.so.6 found at any of {candidates:?}"));
    let dir = tempfile::tempdir().unwrap();
    let c = config(
        dir.path(),
        &format!(
            "peer:\n  handlers:\n    validators:\n      m:\n        library: {}\n",
            libm.display()
        ),
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    match &only_failure(&err).reason {
        FailureReason::NotAPlugin { detail } => assert!(
            detail.starts_with(
                "no handler root module (symbol _1as_0lib_1header_0root_bmodule_bloader)"
            ),
            "{detail}"
        ),
        other => panic!("expected NotAPlugin, got {other:?}"),
    }
}

#[test]
fn sha256_pin_mismatch_refuses_to_load_and_shows_both_digests() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libpinned.so");
    std::fs::write(&lib, b"pretend library bytes").unwrap();
    let actual = file_sha256(&lib).unwrap();
    // Known vector: independent of our hashing code.
    assert_eq!(
        file_sha256(&{
            let p = dir.path().join("abc");
            std::fs::write(&p, b"abc").unwrap();
            p
        })
        .unwrap()
        .to_string(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let wrong = Sha256Pin([0x11; 32]);
    let c = config(
        dir.path(),
        &format!("peer:\n  handlers:\n    validators:\n      pinned:\n        library: libpinned.so\n        sha256: \"{wrong}\"\n"),
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    let f = only_failure(&err);
    assert_eq!(
        f.reason,
        FailureReason::Sha256Mismatch {
            expected: wrong,
            actual
        }
    );
    assert_eq!(
        f.to_string(),
        format!(
            "validator \"pinned\" ({}): SHA-256 mismatch, refusing to load: expected {}, actual {}",
            lib.display(),
            "11".repeat(32),
            actual
        )
    );
    // With the right pin the digest check passes and loading proceeds (to "not a plugin").
    let c = config(
        dir.path(),
        &format!("peer:\n  handlers:\n    validators:\n      pinned:\n        library: libpinned.so\n        sha256: \"{}\"\n", actual.to_string().to_uppercase()),
    );
    let err = Registry::load(&c, &builtins()).unwrap_err();
    assert!(
        matches!(only_failure(&err).reason, FailureReason::NotAPlugin { .. }),
        "{err}"
    );
}

#[test]
fn all_failures_of_one_core_yaml_are_reported_in_one_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("text.so"), "text").unwrap();
    std::fs::write(dir.path().join("pinned.so"), "bytes").unwrap();
    let yaml = format!(
        "peer:
  handlers:
    endorsers:
      escc:
        name: DefaultEndorsement
      boom:
        name: Exploding
      missing:
        library: missing.so
    validators:
      vscc:
        name: DefaultValidation
      unknown:
        name: Nope
      refusing:
        name: Refusing
      text:
        library: text.so
      pinned:
        library: pinned.so
        sha256: {}
",
        "00".repeat(32)
    );
    let c = config(dir.path(), &yaml);
    let err = Registry::load(&c, &builtins()).unwrap_err();
    let summary: Vec<(HandlerKind, &str, &str)> = err
        .failures()
        .iter()
        .map(|f| {
            let kind = match f.reason {
                FailureReason::MissingFile { .. } => "missing file",
                FailureReason::NotAPlugin { .. } => "not a plugin",
                FailureReason::ConstructorError { .. } => "constructor error",
                FailureReason::ConstructorPanic { .. } => "constructor panic",
                FailureReason::Sha256Mismatch { .. } => "sha256 mismatch",
                FailureReason::UnknownBuiltin { .. } => "unknown builtin",
                _ => "other",
            };
            (f.kind, f.key.as_str(), kind)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (HandlerKind::Endorsement, "boom", "constructor panic"),
            (HandlerKind::Endorsement, "missing", "missing file"),
            (HandlerKind::Validation, "pinned", "sha256 mismatch"),
            (HandlerKind::Validation, "refusing", "constructor error"),
            (HandlerKind::Validation, "text", "not a plugin"),
            (HandlerKind::Validation, "unknown", "unknown builtin"),
        ]
    );
    let text = err.to_string();
    let core = dir.path().join("core.yaml");
    assert!(text.starts_with(&format!("6 of the handlers in {} failed to load:\n  - endorser \"boom\" (builtin Exploding): factory constructor panicked", core.display())), "{text}");
    assert_eq!(text.lines().count(), 7, "{text}");
    let lines: Vec<&str> = text.lines().skip(1).collect();
    for (line, f) in lines.iter().zip(err.failures()) {
        assert_eq!(*line, format!("  - {f}"));
    }
    assert!(matches!(&err, LoadError::Handlers { file, .. } if *file == core));
}

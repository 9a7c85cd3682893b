//! One fixture library per load failure that needs a real shared library (constructor error,
//! constructor panic, a library lacking the configured kind), a plugin that panics inside
//! `validate` (and in `init`), and every failure of one core.yaml reported in one error.
//!
//! The fixtures are the cdylibs under `loader/fixtures/`, built by `cargo build --workspace`
//! (README's test command and `.ci/run` build before testing); a missing library fails the
//! test with a message saying so, it never skips. Each test copies the libraries it needs into
//! a temporary plugins directory and names them there with relative paths.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use handlers_api::validation::{
    self, ApplicationCapabilities, BlockView, Capabilities, Context, SerializedPolicy,
    ValidationError,
};
use loader::config::HandlersConfig;
use loader::instances::{InstanceError, ValidationInstances};
use loader::registry::{
    Builtins, FailureReason, HandlerKind, LoadError, LoadFailure, LoadedFrom, Registry,
};

const CTOR_ERROR: &str = "fixture_ctor_error";
const CTOR_PANIC: &str = "fixture_ctor_panic";
const VALIDATE_PANIC: &str = "fixture_validate_panic";
const VALIDATION_ONLY: &str = "fixture_validation_only";

/// The file name of the cdylib whose lib name is `stem` (`libfixture_x.so` on Linux).
fn file_name(stem: &str) -> String {
    format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// `target/<profile>/<lib>` of this test run, found from the test executable (which lives in
/// `target/<profile>/deps/`), so that a custom `CARGO_TARGET_DIR` works too.
fn built_cdylib(stem: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join(file_name(stem));
    assert!(
        path.is_file(),
        "{} is missing: build the fixture libraries first (cargo build --workspace)",
        path.display()
    );
    path
}

/// A plugins directory holding copies of the fixture libraries `stems`.
fn plugins_dir(stems: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for stem in stems {
        std::fs::copy(built_cdylib(stem), dir.path().join(file_name(stem))).unwrap();
    }
    dir
}

/// The path the loader reports for fixture `stem` in `dir`.
fn lib_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(file_name(stem))
}

/// Reads `yaml` as `<dir>/core.yaml`, relative libraries resolving against `dir`, and loads it
/// with no builtins.
fn load(dir: &Path, yaml: &str) -> Result<Registry, LoadError> {
    let config = HandlersConfig::from_yaml(yaml, &dir.join("core.yaml"), dir, &BTreeMap::new())
        .expect("test core.yaml must parse");
    Registry::load(&config, &Builtins::new())
}

/// A core.yaml naming one handler of `section` (`endorsers` / `validators`) under `key`.
fn one_handler(section: &str, key: &str, stem: &str) -> String {
    format!(
        "peer:\n  handlers:\n    {section}:\n      {key}:\n        name: ignored\n        \
         library: {}\n",
        file_name(stem)
    )
}

fn only_failure(err: &LoadError) -> &LoadFailure {
    assert_eq!(err.failures().len(), 1, "{err}");
    &err.failures()[0]
}

// ---------------------------------------------------------------------------------------------
// Load failures, one fixture each.

#[test]
fn a_constructor_that_returns_an_error_is_a_constructor_error() {
    let dir = plugins_dir(&[CTOR_ERROR]);
    let path = lib_path(dir.path(), CTOR_ERROR);

    let err = load(dir.path(), &one_handler("validators", "Strict", CTOR_ERROR)).unwrap_err();
    let f = only_failure(&err);
    assert_eq!(
        f,
        &LoadFailure {
            kind: HandlerKind::Validation,
            key: "strict".into(),
            source: path.display().to_string(),
            reason: FailureReason::ConstructorError {
                library_plugin: Some("CtorError".into()),
                message: "CtorError: validation settings file /etc/ctor-error.yaml not found"
                    .into()
            },
        }
    );
    assert_eq!(
        f.to_string(),
        format!(
            "validator \"strict\" ({}): factory constructor of library plugin CtorError failed: \
             CtorError: validation settings file /etc/ctor-error.yaml not found",
            path.display()
        )
    );

    let err = load(dir.path(), &one_handler("endorsers", "escc", CTOR_ERROR)).unwrap_err();
    let f = only_failure(&err);
    assert_eq!(
        f,
        &LoadFailure {
            kind: HandlerKind::Endorsement,
            key: "escc".into(),
            source: path.display().to_string(),
            reason: FailureReason::ConstructorError {
                library_plugin: Some("CtorError".into()),
                message: "CtorError: no signing key configured for endorsement".into()
            },
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "1 of the handlers in {} failed to load:\n  - endorser \"escc\" ({}): factory \
             constructor of library plugin CtorError failed: CtorError: no signing key \
             configured for endorsement",
            dir.path().join("core.yaml").display(),
            path.display()
        )
    );
}

#[test]
fn a_constructor_that_panics_is_a_constructor_panic_and_the_process_goes_on() {
    let dir = plugins_dir(&[CTOR_PANIC]);
    let path = lib_path(dir.path(), CTOR_PANIC);

    let err = load(dir.path(), &one_handler("validators", "vscc", CTOR_PANIC)).unwrap_err();
    let f = only_failure(&err);
    assert_eq!(
        f,
        &LoadFailure {
            kind: HandlerKind::Validation,
            key: "vscc".into(),
            source: path.display().to_string(),
            reason: FailureReason::ConstructorPanic {
                library_plugin: Some("CtorPanic".into()),
                message: "CtorPanic: validation constructor exploded".into()
            },
        }
    );
    assert_eq!(
        f.to_string(),
        format!(
            "validator \"vscc\" ({}): factory constructor of library plugin CtorPanic \
             panicked: CtorPanic: validation constructor exploded",
            path.display()
        )
    );

    // A formatted (String) payload, from the endorsement constructor of the same library,
    // loaded again after the first panic: the library and the process still work.
    let err = load(dir.path(), &one_handler("endorsers", "escc", CTOR_PANIC)).unwrap_err();
    let f = only_failure(&err);
    assert_eq!(f.kind, HandlerKind::Endorsement);
    assert_eq!(f.key, "escc");
    assert_eq!(f.source, path.display().to_string());
    assert_eq!(
        f.reason,
        FailureReason::ConstructorPanic {
            library_plugin: Some("CtorPanic".into()),
            message: "CtorPanic: endorsement constructor exploded on attempt 7".into()
        }
    );
}

#[test]
fn a_validation_only_library_named_as_endorser_has_no_endorsement_factory() {
    let dir = plugins_dir(&[VALIDATION_ONLY]);
    let path = lib_path(dir.path(), VALIDATION_ONLY);

    let err = load(
        dir.path(),
        &one_handler("endorsers", "MyEscc", VALIDATION_ONLY),
    )
    .unwrap_err();
    let f = only_failure(&err);
    assert_eq!(
        f,
        &LoadFailure {
            kind: HandlerKind::Endorsement,
            key: "myescc".into(),
            source: path.display().to_string(),
            reason: FailureReason::NoFactory {
                plugin: "ValidationOnly".into(),
                wanted: HandlerKind::Endorsement,
                provides: vec![HandlerKind::Validation],
            },
        }
    );
    assert_eq!(
        f.to_string(),
        format!(
            "endorser \"myescc\" ({}): library (plugin ValidationOnly) has no endorsement \
             factory (it provides: validation)",
            path.display()
        )
    );

    // Control: the same file named as a validator loads and runs its rule.
    let registry = load(
        dir.path(),
        &one_handler("validators", "nonempty", VALIDATION_ONLY),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let [record] = registry.loaded() else {
        panic!("one handler expected: {:?}", registry.loaded());
    };
    assert_eq!(record.kind, HandlerKind::Validation);
    assert_eq!(record.key, "nonempty");
    assert!(
        matches!(&record.from, LoadedFrom::Library { path: p, plugin_name, .. }
            if *p == path && plugin_name == "ValidationOnly"),
        "{record:?}"
    );
    let instances = ValidationInstances::new(registry.validation_factories());
    let plugin = instances
        .get("nonempty", "ch", deps_with_capabilities)
        .unwrap();
    let envelopes: [&[u8]; 2] = [b"tx", b""];
    assert_eq!(validate(&plugin, &envelopes, 0), Ok(()));
    assert_eq!(
        validate(&plugin, &envelopes, 1),
        Err(ValidationError::Invalid(
            "ValidationOnly: envelope 1 is empty".into()
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// A plugin that panics in Validate (and in Init).

struct NoIdentities;
impl validation::IdentityDeserializer for NoIdentities {
    fn deserialize_identity(
        &self,
        _: &[u8],
    ) -> Result<Box<dyn validation::Identity>, validation::IdentityError> {
        Err(validation::IdentityError::Deserialize("none".into()))
    }
}

struct NoPolicies;
impl validation::PolicyEvaluator for NoPolicies {
    fn evaluate(
        &self,
        _: &[u8],
        _: &[validation::SignedData<'_>],
    ) -> Result<(), validation::PolicyError> {
        Err(validation::PolicyError::NotSatisfied("none".into()))
    }
}

struct NoState;
impl validation::StateFetcher for NoState {
    fn fetch_state(&self) -> Result<Box<dyn validation::State>, validation::StateError> {
        Err(validation::StateError::Ledger("none".into()))
    }
}

struct V20;
impl Capabilities for V20 {
    fn supported(&self) -> Result<(), String> {
        Ok(())
    }
    fn application(&self) -> ApplicationCapabilities {
        ApplicationCapabilities::v2_0()
    }
}

fn deps_without_capabilities() -> Result<validation::Dependencies, String> {
    Ok(validation::Dependencies::new(
        Arc::new(NoIdentities),
        Arc::new(NoPolicies),
        Arc::new(NoState),
    ))
}

fn deps_with_capabilities() -> Result<validation::Dependencies, String> {
    Ok(deps_without_capabilities()?.with_capabilities(Arc::new(V20)))
}

fn validate(
    plugin: &Arc<dyn validation::Plugin>,
    envelopes: &[&[u8]],
    tx: usize,
) -> Result<(), ValidationError> {
    plugin.validate(
        &BlockView::new(42, envelopes),
        "mycc",
        tx,
        0,
        &Context::new(SerializedPolicy(b"policy")),
    )
}

fn panicky_instances() -> (tempfile::TempDir, ValidationInstances) {
    let dir = plugins_dir(&[VALIDATE_PANIC]);
    let registry = load(
        dir.path(),
        &one_handler("validators", "panicky", VALIDATE_PANIC),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let instances = ValidationInstances::new(registry.validation_factories());
    (dir, instances)
}

#[test]
fn a_panic_in_validate_is_an_execution_failure_and_the_instance_keeps_working() {
    let (_dir, instances) = panicky_instances();
    let plugin = instances
        .get("panicky", "ch1", deps_with_capabilities)
        .unwrap();
    let envelopes: [&[u8]; 3] = [b"fine", b"panic", b"count"];

    assert_eq!(validate(&plugin, &envelopes, 0), Ok(()));
    assert_eq!(
        validate(&plugin, &envelopes, 1),
        Err(ValidationError::ExecutionFailure(
            "plugin with name panicky (library plugin ValidatePanic) panicked in validate: \
             ValidatePanic: asked to panic at tx 1"
                .into()
        ))
    );
    // The same instance answers the next call, with its state intact: the counter saw all
    // three calls, the panicking one included.
    assert_eq!(
        validate(&plugin, &envelopes, 2),
        Err(ValidationError::Invalid(
            "ValidatePanic: call 3 of this instance".into()
        ))
    );
    // The cache hands out that same instance again, and it still panics on demand and
    // recovers.
    let again = instances
        .get("panicky", "ch1", || {
            panic!("the cached instance must be reused, not re-initialised")
        })
        .unwrap();
    assert!(Arc::ptr_eq(&plugin, &again));
    assert!(matches!(
        validate(&again, &envelopes, 1),
        Err(ValidationError::ExecutionFailure(_))
    ));
    assert_eq!(
        validate(&again, &envelopes, 2),
        Err(ValidationError::Invalid(
            "ValidatePanic: call 5 of this instance".into()
        ))
    );
}

#[test]
fn two_keys_loading_the_same_library_are_told_apart_in_panic_reports() {
    let dir = plugins_dir(&[VALIDATE_PANIC]);
    let yaml = format!(
        "peer:\n  handlers:\n    validators:\n      Alpha:\n        library: {lib}\n      \
         beta:\n        library: {lib}\n",
        lib = file_name(VALIDATE_PANIC)
    );
    let registry = load(dir.path(), &yaml).unwrap_or_else(|e| panic!("{e}"));
    let instances = ValidationInstances::new(registry.validation_factories());
    let envelopes: [&[u8]; 1] = [b"panic"];
    for key in ["alpha", "beta"] {
        let plugin = instances.get(key, "ch", deps_with_capabilities).unwrap();
        assert_eq!(
            validate(&plugin, &envelopes, 0),
            Err(ValidationError::ExecutionFailure(format!(
                "plugin with name {key} (library plugin ValidatePanic) panicked in validate: \
                 ValidatePanic: asked to panic at tx 0"
            )))
        );
        let err = instances
            .get(key, "no-capabilities", deps_without_capabilities)
            .err()
            .expect("init must fail");
        assert_eq!(
            err.to_execution_failure(),
            ValidationError::ExecutionFailure(format!(
                "plugin with name {key} couldn't be used: library plugin ValidatePanic panicked \
                 in init: ValidatePanic: init needs the channel capabilities"
            ))
        );
        assert_eq!(
            err.to_string(),
            format!(
                "plugin with name {key} could not be used: library plugin ValidatePanic \
                 panicked in init: ValidatePanic: init needs the channel capabilities"
            )
        );
    }
    // A plugin's own verdicts pass through untouched (Fabric returns them unchanged).
    let plugin = instances.get("beta", "ch", deps_with_capabilities).unwrap();
    let envelopes: [&[u8]; 1] = [b"count"];
    assert_eq!(
        validate(&plugin, &envelopes, 0),
        Err(ValidationError::Invalid(
            "ValidatePanic: call 2 of this instance".into()
        ))
    );
}

#[test]
fn a_panic_in_validate_on_another_thread_leaves_the_process_running() {
    let (_dir, instances) = panicky_instances();
    let plugin = instances
        .get("panicky", "ch1", deps_with_capabilities)
        .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let plugin = Arc::clone(&plugin);
            std::thread::spawn(move || {
                let envelopes: [&[u8]; 1] = [b"panic"];
                validate(&plugin, &envelopes, 0)
            })
        })
        .collect();
    for h in handles {
        // join() is Ok: the panic never unwound out of the plugin call.
        assert_eq!(
            h.join().unwrap(),
            Err(ValidationError::ExecutionFailure(
                "plugin with name panicky (library plugin ValidatePanic) panicked in validate: \
                 ValidatePanic: asked to panic at tx 0"
                    .into()
            ))
        );
    }
    let envelopes: [&[u8]; 1] = [b"count"];
    assert_eq!(
        validate(&plugin, &envelopes, 0),
        Err(ValidationError::Invalid(
            "ValidatePanic: call 5 of this instance".into()
        ))
    );
}

#[test]
fn a_panic_in_init_fails_that_channel_only_and_is_not_cached() {
    let (_dir, instances) = panicky_instances();
    // Channel ch1 initialises fine.
    let ok = instances
        .get("panicky", "ch1", deps_with_capabilities)
        .unwrap();

    // Channel ch2's host passes no capabilities: the plugin panics in Init.
    let err = instances
        .get("panicky", "ch2", deps_without_capabilities)
        .err()
        .expect("init must fail");
    assert_eq!(
        err,
        InstanceError::CouldNotBeUsed {
            name: "panicky".into(),
            channel: "ch2".into(),
            reason: "library plugin ValidatePanic panicked in init: ValidatePanic: init needs \
                     the channel capabilities"
                .into(),
        }
    );
    assert_eq!(
        err.to_execution_failure(),
        ValidationError::ExecutionFailure(
            "plugin with name panicky couldn't be used: library plugin ValidatePanic panicked \
             in init: ValidatePanic: init needs the channel capabilities"
                .into()
        )
    );

    // ch1 is unaffected; ch2 retries (nothing was cached) and succeeds with capabilities.
    let envelopes: [&[u8]; 1] = [b"fine"];
    assert_eq!(validate(&ok, &envelopes, 0), Ok(()));
    let retried = instances
        .get("panicky", "ch2", deps_with_capabilities)
        .unwrap();
    assert!(!Arc::ptr_eq(&ok, &retried));
    assert_eq!(validate(&retried, &envelopes, 0), Ok(()));
}

// ---------------------------------------------------------------------------------------------
// Every failure of one core.yaml in one error.

#[test]
fn every_failure_of_one_core_yaml_is_reported_in_one_error_in_a_fixed_order() {
    let dir = plugins_dir(&[CTOR_ERROR, CTOR_PANIC, VALIDATE_PANIC, VALIDATION_ONLY]);
    let d = dir.path();
    std::fs::write(d.join("notes.so"), "plain text, not a shared library\n").unwrap();
    // Keys are written out of order (and in mixed case) on purpose: the report is sorted.
    let yaml = format!(
        "peer:
  handlers:
    validators:
      Zeta:
        library: {validate_panic}
      text:
        library: notes.so
      missing:
        library: gone/libnothing.so
      CtorPanic:
        library: {ctor_panic}
      ctor-error:
        library: {ctor_error}
    endorsers:
      validation-only:
        name: ignored
        library: {validation_only}
      ctor-error:
        library: {ctor_error}
",
        validate_panic = file_name(VALIDATE_PANIC),
        ctor_panic = file_name(CTOR_PANIC),
        ctor_error = file_name(CTOR_ERROR),
        validation_only = file_name(VALIDATION_ONLY),
    );
    let err = load(d, &yaml).unwrap_err();

    let summary: Vec<(HandlerKind, &str, String)> = err
        .failures()
        .iter()
        .map(|f| (f.kind, f.key.as_str(), f.source.clone()))
        .collect();
    let at = |stem: &str| lib_path(d, stem).display().to_string();
    assert_eq!(
        summary,
        vec![
            (HandlerKind::Endorsement, "ctor-error", at(CTOR_ERROR)),
            (
                HandlerKind::Endorsement,
                "validation-only",
                at(VALIDATION_ONLY)
            ),
            (HandlerKind::Validation, "ctor-error", at(CTOR_ERROR)),
            (HandlerKind::Validation, "ctorpanic", at(CTOR_PANIC)),
            (
                HandlerKind::Validation,
                "missing",
                d.join("gone/libnothing.so").display().to_string()
            ),
            (
                HandlerKind::Validation,
                "text",
                d.join("notes.so").display().to_string()
            ),
        ],
        "{err}"
    );

    let reasons: Vec<&FailureReason> = err.failures().iter().map(|f| &f.reason).collect();
    assert_eq!(
        reasons[..4],
        [
            &FailureReason::ConstructorError {
                library_plugin: Some("CtorError".into()),
                message: "CtorError: no signing key configured for endorsement".into()
            },
            &FailureReason::NoFactory {
                plugin: "ValidationOnly".into(),
                wanted: HandlerKind::Endorsement,
                provides: vec![HandlerKind::Validation],
            },
            &FailureReason::ConstructorError {
                library_plugin: Some("CtorError".into()),
                message: "CtorError: validation settings file /etc/ctor-error.yaml not found"
                    .into()
            },
            &FailureReason::ConstructorPanic {
                library_plugin: Some("CtorPanic".into()),
                message: "CtorPanic: validation constructor exploded".into()
            },
        ]
    );
    assert_eq!(
        reasons[4],
        &FailureReason::MissingFile {
            reason: "No such file or directory (os error 2)".into()
        },
        "{err}"
    );
    assert!(
        matches!(reasons[5], FailureReason::NotAPlugin { detail }
            if detail.starts_with("cannot be opened as a shared library: ")
                && detail.contains("notes.so")),
        "{err}"
    );

    // The one message: a header naming the file and the count, then one line per failure in
    // the order above, each naming kind, key, path and reason.
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert_eq!(
        lines[0],
        format!(
            "6 of the handlers in {} failed to load:",
            d.join("core.yaml").display()
        )
    );
    assert_eq!(
        lines[1..6],
        [
            format!(
                "  - endorser \"ctor-error\" ({}): factory constructor of library plugin \
                 CtorError failed: CtorError: no signing key configured for endorsement",
                at(CTOR_ERROR)
            ),
            format!(
                "  - endorser \"validation-only\" ({}): library (plugin ValidationOnly) has no \
                 endorsement factory (it provides: validation)",
                at(VALIDATION_ONLY)
            ),
            format!(
                "  - validator \"ctor-error\" ({}): factory constructor of library plugin \
                 CtorError failed: CtorError: validation settings file /etc/ctor-error.yaml not \
                 found",
                at(CTOR_ERROR)
            ),
            format!(
                "  - validator \"ctorpanic\" ({}): factory constructor of library plugin \
                 CtorPanic panicked: CtorPanic: validation constructor exploded",
                at(CTOR_PANIC)
            ),
            format!(
                "  - validator \"missing\" ({}): file not found: No such file or directory \
                 (os error 2)",
                d.join("gone/libnothing.so").display()
            ),
        ]
    );
    assert!(
        lines[6].starts_with(&format!(
            "  - validator \"text\" ({}): not a plugin (not a handlers-api library): cannot be \
             opened as a shared library: ",
            d.join("notes.so").display()
        )),
        "{text}"
    );

    // The validator that did load (Zeta, the validate-panic fixture) is not in the report.
    assert!(!text.contains("zeta"), "{text}");
}

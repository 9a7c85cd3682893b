//! Plugins built outside this workspace. One comes from a cargo workspace of its own
//! (`external/separate-workspace-plugin`: its own lock file, another prost major version, another
//! opt-level) and must load and run. Another is built against a copy of `handlers-api` whose
//! major version is 1: the loader must refuse it, naming both versions.
//!
//! The test builds both with cargo (into `target/external`, so the outer build is not locked).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use handlers_api::validation::{
    self, BlockView, Context, IdentityDeserializer, PolicyEvaluator, SerializedPolicy,
    StateFetcher, ValidationError,
};
use loader::config::{ConfigOptions, HandlersConfig};
use loader::registry::{Builtins, FailureReason, Registry};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// `target/external`, beside the profile directory this test runs from.
fn external_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap();
    target.join("external")
}

/// Builds the cdylib of `manifest` and returns its path.
fn build(manifest: &Path, lib_name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target_dir = external_target_dir();
    let out = Command::new(cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        // Four throwaway cdylibs: no debug info or incremental state to fill the disk with.
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building {} failed:\n{}",
        manifest.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let file = format!(
        "{}{lib_name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = target_dir.join("debug").join(file);
    assert!(path.exists(), "{} was not built", path.display());
    path
}

fn load(library: &Path) -> Result<Registry, loader::registry::LoadError> {
    let dir = tempfile::tempdir().unwrap();
    let core_yaml = dir.path().join("core.yaml");
    std::fs::write(
        &core_yaml,
        format!(
            "peer:\n  handlers:\n    validators:\n      external:\n        library: {}\n",
            library.display()
        ),
    )
    .unwrap();
    let options = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: None,
    };
    let config = HandlersConfig::from_file(&core_yaml, &options).unwrap();
    Registry::load(&config, &Builtins::new())
}

struct Nothing;

impl IdentityDeserializer for Nothing {
    fn deserialize_identity(
        &self,
        _: &[u8],
    ) -> Result<Box<dyn validation::Identity>, validation::IdentityError> {
        Err(validation::IdentityError::Deserialize("not used".into()))
    }
}

impl PolicyEvaluator for Nothing {
    fn evaluate(
        &self,
        _: &[u8],
        _: &[validation::SignedData<'_>],
    ) -> Result<(), validation::PolicyError> {
        Err(validation::PolicyError::NotSatisfied("not used".into()))
    }
}

impl StateFetcher for Nothing {
    fn fetch_state(&self) -> Result<Box<dyn validation::State>, validation::StateError> {
        Err(validation::StateError::Ledger("not used".into()))
    }
}

#[test]
fn a_plugin_from_a_separate_cargo_workspace_loads_and_runs() {
    let manifest = Path::new(REPO).join("external/separate-workspace-plugin/Cargo.toml");
    assert!(
        manifest.with_file_name("Cargo.lock").exists(),
        "the separate workspace keeps its own lock file"
    );
    let library = build(&manifest, "separate_workspace_plugin");
    let registry = load(&library).unwrap();
    let mut plugin = registry
        .validation_factory("external")
        .unwrap()
        .new()
        .unwrap();
    let nothing = Arc::new(Nothing);
    plugin
        .init(validation::Dependencies::new(
            nothing.clone(),
            nothing.clone(),
            nothing,
        ))
        .unwrap();
    // Envelope{payload: "p", signature: "s"} and Envelope{payload: "p"}.
    let signed: &[u8] = &[0x0a, 0x01, b'p', 0x12, 0x01, b's'];
    let unsigned: &[u8] = &[0x0a, 0x01, b'p'];
    let envelopes = [signed, unsigned];
    let block = BlockView::new(7, &envelopes);
    let context = Context::new(SerializedPolicy(b""));
    assert_eq!(plugin.validate(&block, "mycc", 0, 0, &context), Ok(()));
    assert_eq!(
        plugin.validate(&block, "mycc", 1, 0, &context),
        Err(ValidationError::Invalid(
            "the envelope has no signature".into()
        ))
    );
}

/// Writes a copy of `handlers-api` with the given version (explicit dependency versions, since
/// it leaves the workspace; `patch` may then edit its sources) and a validation plugin named
/// `plugin_name` built against it, in a workspace of their own. Returns the plugin's manifest.
fn plugin_against_api_copy(
    root: &Path,
    version: &str,
    lib_name: &str,
    plugin_name: &str,
    patch: impl Fn(&Path),
) -> PathBuf {
    let api = root.join("handlers-api-copy");
    copy_dir(&Path::new(REPO).join("handlers-api/src"), &api.join("src"));
    patch(&api);
    std::fs::write(
        api.join("Cargo.toml"),
        format!(
            "[package]\nname = \"handlers-api\"\nversion = \"{version}\"\nedition = \"2021\"\n\n\
             [dependencies]\nabi_stable = \"0.11.3\"\nthiserror = \"2\"\n"
        ),
    )
    .unwrap();
    let plugin = root.join("plugin");
    std::fs::create_dir_all(plugin.join("src")).unwrap();
    std::fs::write(
        plugin.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [workspace]\n\n[lib]\nname = \"{lib_name}\"\ncrate-type = [\"cdylib\"]\n\n\
             [dependencies]\nhandlers-api = {{ path = \"../handlers-api-copy\" }}\n",
            lib_name.replace('_', "-")
        ),
    )
    .unwrap();
    std::fs::write(
        plugin.join("src/lib.rs"),
        format!(
            "use handlers_api::validation::*;\n\
             #[derive(Default)] pub struct P;\n\
             impl Plugin for P {{\n\
               fn init(&mut self, _: Dependencies) -> Result<(), InitError> {{ Ok(()) }}\n\
               fn validate(&self, _: &BlockView<'_>, _: &str, _: usize, _: usize, _: &Context<'_>)\n\
                 -> Result<(), ValidationError> {{ Ok(()) }}\n\
             }}\n\
             #[derive(Default)] pub struct F;\n\
             impl PluginFactory for F {{\n\
               fn new(&self) -> Result<Box<dyn Plugin>, InitError> {{ Ok(Box::new(P)) }}\n\
             }}\n\
             handlers_api::export_validation_plugin!(\"{plugin_name}\", F::default);\n"
        ),
    )
    .unwrap();
    plugin.join("Cargo.toml")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_plugin_built_against_another_major_interface_version_is_refused_naming_both() {
    let root = tempfile::tempdir().unwrap();
    let manifest = plugin_against_api_copy(
        root.path(),
        "1.0.0",
        "interface_v1_plugin",
        "FromTheFuture",
        |_| {},
    );
    let library = build(&manifest, "interface_v1_plugin");
    let err = load(&library).unwrap_err();
    let [failure] = err.failures() else {
        panic!("one failure expected: {err}");
    };
    assert_eq!(failure.key, "external");
    let host = env!("CARGO_PKG_VERSION");
    match &failure.reason {
        FailureReason::IncompatibleVersion {
            host: h,
            library: l,
        } => {
            assert_eq!(h, host);
            assert_eq!(l, "1.0.0");
        }
        other => panic!("not a version mismatch: {other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("this peer uses handlers-api {host}"))
            && text.contains("built against handlers-api 1.0.0"),
        "{text}"
    );
}

#[test]
fn a_plugin_whose_interface_layout_differs_at_the_same_version_is_refused_as_a_layout_mismatch() {
    // Same version number, but the error type that crosses the boundary has a wider `kind`
    // field: abi_stable's layout check must catch what the version number does not.
    let root = tempfile::tempdir().unwrap();
    let manifest = plugin_against_api_copy(
        root.path(),
        env!("CARGO_PKG_VERSION"),
        "layout_changed_plugin",
        "LayoutChanged",
        |api| {
            let error_rs = api.join("src/ffi/error.rs");
            let text = std::fs::read_to_string(&error_rs).unwrap();
            assert!(
                text.contains("pub kind: u32"),
                "the patch no longer applies"
            );
            std::fs::write(&error_rs, text.replace(": u32", ": u64")).unwrap();
        },
    );
    let library = build(&manifest, "layout_changed_plugin");
    let err = load(&library).unwrap_err();
    let [failure] = err.failures() else {
        panic!("one failure expected: {err}");
    };
    assert_eq!(failure.key, "external");
    assert!(
        matches!(failure.reason, FailureReason::LayoutMismatch { .. }),
        "not a layout mismatch: {}",
        failure.reason
    );
}

/// The commit whose `handlers-api` was the first release of the stable interface (0.1.0).
const FIRST_RELEASE: &str = "db4f42c";

/// Extracts `handlers-api/src` as it was at `commit` into `to`, from the repository's history.
fn released_api_sources(commit: &str, to: &Path) {
    let out = Command::new("git")
        .args([
            "-C",
            REPO,
            "archive",
            "--format=tar",
            commit,
            "handlers-api/src",
        ])
        .output()
        .unwrap_or_else(|e| panic!("git is needed to extract {commit}: {e}"));
    assert!(
        out.status.success(),
        "git archive {commit} failed (the test needs the repository history): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(to).unwrap();
    let tar = to.join("api.tar");
    std::fs::write(&tar, out.stdout).unwrap();
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&tar)
        .arg("-C")
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success(), "tar could not unpack {}", tar.display());
}

#[test]
fn a_plugin_built_against_the_first_release_still_loads_and_runs() {
    // Dependencies appended since the first release (channel organizations) must not make the
    // host refuse plugins built before them: abi_stable only accepts prefix types whose loaded
    // layout has at least the host's fields, so the host checks the released layout.
    let root = tempfile::tempdir().unwrap();
    let old = root.path().join("old");
    released_api_sources(FIRST_RELEASE, &old);
    let manifest = plugin_against_api_copy(
        root.path(),
        env!("CARGO_PKG_VERSION"),
        "first_release_plugin",
        "FirstRelease",
        |api| {
            let src = api.join("src");
            std::fs::remove_dir_all(&src).unwrap();
            copy_dir(&old.join("handlers-api/src"), &src);
            let text = std::fs::read_to_string(src.join("validation/mod.rs")).unwrap();
            assert!(
                !text.contains("channel_organizations"),
                "{FIRST_RELEASE} is not the release before channel organizations"
            );
        },
    );
    let library = build(&manifest, "first_release_plugin");
    let registry = load(&library).unwrap_or_else(|e| panic!("{e}"));
    let mut plugin = registry
        .validation_factory("external")
        .unwrap()
        .new()
        .unwrap();
    let nothing = Arc::new(Nothing);
    plugin
        .init(validation::Dependencies::new(
            nothing.clone(),
            nothing.clone(),
            nothing,
        ))
        .unwrap();
    let envelopes: [&[u8]; 1] = [b"tx"];
    let block = BlockView::new(1, &envelopes);
    assert_eq!(
        plugin.validate(&block, "mycc", 0, 0, &Context::new(SerializedPolicy(b""))),
        Ok(())
    );
}

//! `fabric-handlers check-plugins`, run as a process: builtins, real shared libraries (whose
//! SHA-256 the test computes itself), every failure listed with key, path and reason, and
//! unusable configuration files. The plugin libraries are built by `cargo build --workspace`
//! (README's test command and `.ci/run` build before testing); a missing library fails the
//! test, it never skips.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `target/<profile>/` of this test run, found from the test executable (which lives in
/// `target/<profile>/deps/`), so that a custom `CARGO_TARGET_DIR` works too.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .to_owned()
}

fn library_file_name(stem: &str) -> String {
    format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// The built cdylib `stem` (e.g. `vscc_default_plugin`); fails loudly when it is missing.
fn cdylib(stem: &str) -> PathBuf {
    let path = profile_dir().join(library_file_name(stem));
    assert!(
        path.exists(),
        "{} is missing: build the plugin libraries first (cargo build --workspace)",
        path.display()
    );
    path
}

fn sha256_hex(path: &Path) -> String {
    hex::encode(fabric_crypto::sha256(&std::fs::read(path).unwrap()))
}

/// Runs `fabric-handlers check-plugins ARGS` without any `CORE_*` override from the
/// environment of the test run.
fn check_plugins(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fabric-handlers"));
    command.arg("check-plugins").args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CORE_") {
            command.env_remove(name);
        }
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The JSON Lines of a run: handler objects, then the summary.
fn json_lines(output: &Output) -> (Vec<Value>, Value) {
    let mut objects: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let summary = objects.pop().unwrap();
    assert!(summary.get("summary").is_some(), "last line: {summary}");
    (objects, summary["summary"].clone())
}

fn handler<'a>(objects: &'a [Value], kind: &str, key: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["key"] == key)
        .unwrap_or_else(|| panic!("no {kind} {key} in {objects:?}"))
}

/// A core.yaml with the given `endorsers` and `validators` blocks (already indented).
fn write_core_yaml(dir: &Path, endorsers: &str, validators: &str) -> PathBuf {
    let path = dir.join("core.yaml");
    std::fs::write(
        &path,
        format!("peer:\n  handlers:\n    endorsers:\n{endorsers}    validators:\n{validators}"),
    )
    .unwrap();
    path
}

fn status(output: &Output) -> Option<i32> {
    output.status.code()
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    )
}

#[test]
fn builtins_load_and_every_key_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let core = write_core_yaml(
        dir.path(),
        "      escc:\n        name: DefaultEndorsement\n",
        "      vscc:\n        name: DefaultValidation\n      \
         MyVscc:\n        name: DefaultValidation\n",
    );
    let core = core.to_str().unwrap();

    let out = check_plugins(&["--config", core]);
    assert_eq!(status(&out), Some(0), "{}", describe(&out));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    for (kind, key, name) in [
        ("endorsement", "escc", "DefaultEndorsement"),
        ("validation", "vscc", "DefaultValidation"),
        // core.yaml keys are plugin names, lower-cased as Fabric (viper) does.
        ("validation", "myvscc", "DefaultValidation"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().nth(2) == Some(key))
            .unwrap_or_else(|| panic!("no line for {key}:\n{stdout}"));
        assert!(line.contains(kind), "{line}");
        assert!(line.contains(&format!("builtin {name}")), "{line}");
        assert!(line.contains("sha256 builtin"), "{line}");
    }

    let out = check_plugins(&["--config", core, "--json"]);
    assert_eq!(status(&out), Some(0), "{}", describe(&out));
    let (objects, summary) = json_lines(&out);
    assert_eq!(objects.len(), 3);
    assert_eq!(summary["loaded"], 3);
    assert_eq!(summary["failed"], 0);
    let escc = handler(&objects, "endorsement", "escc");
    assert_eq!(escc["status"], "loaded");
    assert_eq!(escc["source"], "builtin");
    assert_eq!(escc["builtin"], "DefaultEndorsement");
    assert_eq!(escc["sha256"], "builtin");
    let version = escc["interface_version"].as_str().unwrap();
    assert!(!version.is_empty());
    for key in ["vscc", "myvscc"] {
        let v = handler(&objects, "validation", key);
        assert_eq!(v["builtin"], "DefaultValidation");
        assert_eq!(v["interface_version"], version);
    }
}

#[test]
fn a_library_is_reported_with_the_sha256_of_its_file() {
    let vscc = cdylib("vscc_default_plugin");
    let escc = cdylib("escc_default_plugin");
    let vscc_sha = sha256_hex(&vscc);
    let escc_sha = sha256_hex(&escc);
    let dir = tempfile::tempdir().unwrap();
    // vscc by absolute path; escc by a path relative to --plugins-dir; a builtin next to them.
    let core = write_core_yaml(
        dir.path(),
        &format!(
            "      escc:\n        library: {}\n",
            library_file_name("escc_default_plugin")
        ),
        &format!(
            "      vscc:\n        name: ignored\n        library: {}\n      \
             builtin:\n        name: DefaultValidation\n",
            vscc.display()
        ),
    );
    let core = core.to_str().unwrap();
    let plugins = profile_dir();
    let plugins = plugins.to_str().unwrap();

    let out = check_plugins(&["--config", core, "--plugins-dir", plugins]);
    assert_eq!(status(&out), Some(0), "{}", describe(&out));
    let stdout = text(&out.stdout);
    let vscc_line = stdout
        .lines()
        .find(|l| l.contains(" vscc "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        vscc_line.contains(&vscc.display().to_string()),
        "{vscc_line}"
    );
    assert!(
        vscc_line.contains(&format!("sha256 {vscc_sha}")),
        "{vscc_line}"
    );
    assert!(stdout.contains(&format!("sha256 {escc_sha}")), "{stdout}");
    // Each handler is reported once, on stdout: the loader itself prints nothing.
    assert!(!text(&out.stderr).contains(&vscc_sha), "{}", describe(&out));

    let out = check_plugins(&["--config", core, "--plugins-dir", plugins, "--json"]);
    assert_eq!(status(&out), Some(0), "{}", describe(&out));
    let (objects, summary) = json_lines(&out);
    assert_eq!(summary["loaded"], 3);
    let v = handler(&objects, "validation", "vscc");
    assert_eq!(v["source"], "library");
    assert_eq!(v["path"], vscc.display().to_string());
    assert_eq!(v["sha256"], vscc_sha);
    assert_eq!(v["plugin"], "DefaultValidation");
    let e = handler(&objects, "endorsement", "escc");
    assert_eq!(e["sha256"], escc_sha);
    assert_eq!(
        e["path"],
        Path::new(plugins)
            .join(library_file_name("escc_default_plugin"))
            .display()
            .to_string()
    );
    // The libraries were built against the handlers-api the tool links in.
    let builtin = handler(&objects, "validation", "builtin");
    assert_eq!(v["interface_version"], builtin["interface_version"]);
    assert_eq!(e["interface_version"], builtin["interface_version"]);
}

#[test]
fn every_failure_is_listed_with_key_path_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("libnot_there.so");
    let core = write_core_yaml(
        dir.path(),
        "      escc:\n        name: DefaultEndorsement\n",
        &format!(
            "      vscc:\n        library: {}\n      \
             majority:\n        name: SignedByNobody\n",
            missing.display()
        ),
    );
    let core = core.to_str().unwrap();

    let out = check_plugins(&["--config", core]);
    assert_eq!(status(&out), Some(2), "{}", describe(&out));
    let stdout = text(&out.stdout);
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAILED")).collect();
    assert_eq!(failed.len(), 2, "{stdout}");
    let vscc = failed.iter().find(|l| l.contains(" vscc ")).unwrap();
    assert!(vscc.contains(&missing.display().to_string()), "{vscc}");
    assert!(vscc.contains("file not found"), "{vscc}");
    let majority = failed.iter().find(|l| l.contains(" majority ")).unwrap();
    assert!(majority.contains("SignedByNobody"), "{majority}");
    assert!(majority.contains("no builtin named"), "{majority}");
    // The handler that loads is still reported.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains(" escc ")),
        "{stdout}"
    );

    let out = check_plugins(&["--config", core, "--json"]);
    assert_eq!(status(&out), Some(2), "{}", describe(&out));
    let (objects, summary) = json_lines(&out);
    assert_eq!(summary["loaded"], 1);
    assert_eq!(summary["failed"], 2);
    let v = handler(&objects, "validation", "vscc");
    assert_eq!(v["status"], "failed");
    assert_eq!(v["source"], "library");
    assert_eq!(v["path"], missing.display().to_string());
    assert_eq!(v["reason_kind"], "missing_file");
    let m = handler(&objects, "validation", "majority");
    assert_eq!(m["status"], "failed");
    assert_eq!(m["builtin"], "SignedByNobody");
    assert_eq!(m["reason_kind"], "unknown_builtin");
    assert!(
        m["reason"].as_str().unwrap().contains("DefaultValidation"),
        "the reason lists the known builtins: {m}"
    );
    assert_eq!(handler(&objects, "endorsement", "escc")["status"], "loaded");
}

#[test]
fn a_file_that_is_not_a_library_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libfake.so");
    std::fs::write(&fake, b"not an ELF file").unwrap();
    let core = write_core_yaml(
        dir.path(),
        "      escc:\n        name: DefaultEndorsement\n",
        "      vscc:\n        library: libfake.so\n",
    );
    let out = check_plugins(&["--config", core.to_str().unwrap(), "--json"]);
    assert_eq!(status(&out), Some(2), "{}", describe(&out));
    let (objects, _) = json_lines(&out);
    let v = handler(&objects, "validation", "vscc");
    assert_eq!(v["reason_kind"], "not_a_plugin");
    // Relative to core.yaml's folder when no --plugins-dir is given.
    assert_eq!(v["path"], fake.display().to_string());
}

#[test]
fn unusable_configuration_files_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.yaml");
    let invalid = dir.path().join("invalid.yaml");
    std::fs::write(&invalid, "peer:\n  handlers: [unclosed\n").unwrap();
    let wrong_type = dir.path().join("wrong-type.yaml");
    std::fs::write(&wrong_type, "peer:\n  handlers:\n    validators: [a, b]\n").unwrap();
    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "peer:\n  validatorPoolSize: 2\n").unwrap();

    for (file, says) in [
        (&absent, "cannot read"),
        (&invalid, "not valid YAML"),
        (&wrong_type, "peer.handlers.validators"),
        (&empty, "no handlers"),
    ] {
        let name = file.to_str().unwrap();
        let out = check_plugins(&["--config", name]);
        assert_eq!(status(&out), Some(2), "{name}: {}", describe(&out));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");

        let out = check_plugins(&["--config", name, "--json"]);
        assert_eq!(status(&out), Some(2), "{name}: {}", describe(&out));
        let line: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
        assert_eq!(line["config"], name);
        assert!(line["error"].as_str().unwrap().contains(says), "{line}");
    }
}

#[test]
fn the_shipped_core_yaml_example_loads_with_the_built_plugins() {
    let example = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../core.yaml.example"));
    let options = loader::ConfigOptions {
        env: Default::default(),
        plugins_dir: Some(profile_dir()),
    };
    let config = loader::HandlersConfig::from_file(example, &options).unwrap();
    for source in config.endorsers.values().chain(config.validators.values()) {
        if let loader::HandlerSource::Library { path, .. } = source {
            assert!(
                path.exists(),
                "{} is missing: build the plugin libraries first (cargo build --workspace)",
                path.display()
            );
        }
    }
    let plugins = profile_dir();
    let out = check_plugins(&[
        "--config",
        example.to_str().unwrap(),
        "--plugins-dir",
        plugins.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(status(&out), Some(0), "{}", describe(&out));
    let (objects, summary) = json_lines(&out);
    let configured = config.endorsers.len() + config.validators.len();
    assert_eq!(objects.len(), configured);
    assert_eq!(summary["loaded"], configured);
    for (kind, table) in [
        ("endorsement", &config.endorsers),
        ("validation", &config.validators),
    ] {
        for (key, source) in table {
            let h = handler(&objects, kind, key);
            match source {
                loader::HandlerSource::Library { path, .. } => {
                    assert_eq!(h["sha256"], sha256_hex(path), "{kind} {key}")
                }
                loader::HandlerSource::Builtin { .. } => assert_eq!(h["sha256"], "builtin"),
            }
        }
    }
}

//! `check-plugins`: load every handler a core.yaml names, through the same loader the peer
//! uses, and report per handler where it came from, its interface version and its SHA-256.
//!
//! Each handler is loaded on its own (a one-handler configuration given to
//! [`loader::Registry::load`]), so that the handlers that load are reported next to the ones
//! that fail, and every failure is listed, not just the first.

use std::path::PathBuf;

use handlers_api::ffi::library::INTERFACE_VERSION;
use loader::config::ConfigWarning;
use loader::registry::{HandlerKind, LoadedFrom};
use loader::{
    Builtins, ConfigError, ConfigOptions, FailureReason, HandlerSource, HandlersConfig,
    LoadFailure, LoadedHandler, Registry,
};
use serde_json::{json, Value};

/// Arguments of `check-plugins`.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Load every endorsement and validation handler that core.yaml's \
                  `peer.handlers` names, exactly as the peer would (builtins by name, shared \
                  libraries through their stable-ABI root module, `sha256:` pins enforced, \
                  CORE_PEER_HANDLERS_* environment overrides applied), and print one line per \
                  handler: kind (endorsement or validation), core.yaml key, builtin name or \
                  library path, handlers-api interface version, and the SHA-256 of the library \
                  file (\"builtin\" for a handler compiled into the tool).\n\n\
                  Every handler is tried; every failure is listed with its key, path and reason.",
    after_help = "Exit status: 0 when every handler loads; 2 when any handler fails to load, \
                  or when core.yaml cannot be read, is not valid YAML, has a malformed handler \
                  entry, or names no handler at all.\n\n\
                  With --json, standard output is JSON Lines: one object per handler, \
                  {\"kind\", \"key\", \"status\": \"loaded\" | \"failed\", \"source\": \
                  \"builtin\" | \"library\", \"builtin\" or \"path\", and for a loaded handler \
                  \"interface_version\" and \"sha256\" (plus \"plugin\", the name a library \
                  declares), for a failed one \"reason_kind\" and \"reason\"}, then \
                  {\"summary\": {\"config\", \"loaded\", \"failed\"}}; an unusable \
                  configuration gives {\"config\": FILE, \"error\": MESSAGE}.\n\n\
                  Example, with the project's libraries built into target/release:\n  \
                  fabric-handlers check-plugins --config core.yaml.example --plugins-dir \
                  target/release"
)]
pub struct CheckPluginsArgs {
    /// The peer's core.yaml (only `peer.handlers` and its environment overrides are read).
    #[arg(long, value_name = "CORE_YAML")]
    config: PathBuf,

    /// Where relative `library:` paths of core.yaml resolve (default: core.yaml's folder).
    #[arg(long, value_name = "DIR")]
    plugins_dir: Option<PathBuf>,

    /// Print JSON Lines (one object per handler, then a summary) instead of text.
    #[arg(long)]
    json: bool,
}

/// How a check ended when the configuration itself was usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every handler loaded.
    AllLoaded,
    /// At least one handler failed to load (each was printed).
    Failures,
}

/// Why the configuration could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// core.yaml could not be read or parsed (the message names the file and YAML path).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// core.yaml declares no endorser and no validator.
    #[error(
        "{}: no handlers to check: peer.handlers.endorsers and peer.handlers.validators are \
         both empty or absent",
        file.display()
    )]
    NoHandlers {
        /// The configuration file.
        file: PathBuf,
    },
}

/// The result of loading one configured handler.
enum Checked {
    Loaded(LoadedHandler),
    Failed(Vec<LoadFailure>),
}

/// Loads every handler of `args.config` and prints the report.
///
/// # Errors
/// [`CheckError`] when the configuration is unusable (it is also printed as a JSON object
/// with `--json`); the caller exits with status 2.
pub fn run(args: &CheckPluginsArgs) -> Result<Outcome, CheckError> {
    let config = match load_config(args) {
        Ok(config) => config,
        Err(err) => {
            if args.json {
                println!(
                    "{}",
                    json!({"config": args.config.display().to_string(), "error": err.to_string()})
                );
            }
            return Err(err);
        }
    };
    for warning in &config.warnings {
        if !matches!(warning, ConfigWarning::DefaultTimeWindow) {
            eprintln!(
                "fabric-handlers check-plugins: {}: {warning}",
                config.file.display()
            );
        }
    }
    let builtins = Builtins::project();
    let handlers = config
        .endorsers
        .iter()
        .map(|(key, source)| (HandlerKind::Endorsement, key, source))
        .chain(
            config
                .validators
                .iter()
                .map(|(key, source)| (HandlerKind::Validation, key, source)),
        );
    let (mut loaded, mut failed) = (0usize, 0usize);
    for (kind, key, source) in handlers {
        match check_one(&config, kind, key, source, &builtins) {
            Checked::Loaded(handler) => {
                loaded += 1;
                print_loaded(args.json, &handler);
            }
            Checked::Failed(failures) => {
                failed += 1;
                for failure in &failures {
                    print_failure(args.json, failure, source);
                }
            }
        }
    }
    let file = config.file.display().to_string();
    if args.json {
        println!(
            "{}",
            json!({"summary": {"config": file, "loaded": loaded, "failed": failed}})
        );
    } else if failed == 0 {
        println!("{file}: all {loaded} handlers loaded");
    } else {
        println!(
            "{file}: {failed} of {} handlers failed to load",
            loaded + failed
        );
    }
    Ok(if failed == 0 {
        Outcome::AllLoaded
    } else {
        Outcome::Failures
    })
}

fn load_config(args: &CheckPluginsArgs) -> Result<HandlersConfig, CheckError> {
    let options = ConfigOptions {
        env: loader::config::process_env(),
        plugins_dir: args.plugins_dir.clone(),
    };
    let config = HandlersConfig::from_file(&args.config, &options)?;
    if config.endorsers.is_empty() && config.validators.is_empty() {
        return Err(CheckError::NoHandlers {
            file: config.file.clone(),
        });
    }
    Ok(config)
}

/// Loads the one handler `key` of `kind` through the loader's registry.
fn check_one(
    config: &HandlersConfig,
    kind: HandlerKind,
    key: &str,
    source: &HandlerSource,
    builtins: &Builtins,
) -> Checked {
    let mut single = HandlersConfig {
        endorsers: Default::default(),
        validators: Default::default(),
        ..config.clone()
    };
    let table = match kind {
        HandlerKind::Endorsement => &mut single.endorsers,
        HandlerKind::Validation => &mut single.validators,
    };
    table.insert(key.to_owned(), source.clone());
    match Registry::load(&single, builtins) {
        Ok(registry) => match registry.loaded().first() {
            Some(handler) => Checked::Loaded(handler.clone()),
            // The registry records every handler it loads; a registry that loaded its one
            // handler without a record would be a loader bug, reported rather than hidden.
            None => Checked::Failed(vec![LoadFailure {
                kind,
                key: key.to_owned(),
                source: source_text(source),
                reason: FailureReason::Other {
                    detail: "the loader reported success but recorded no handler".to_owned(),
                },
            }]),
        },
        Err(err) => Checked::Failed(err.failures().to_vec()),
    }
}

fn source_text(source: &HandlerSource) -> String {
    match source {
        HandlerSource::Builtin { name } => format!("builtin {name}"),
        HandlerSource::Library { path, .. } => path.display().to_string(),
    }
}

fn print_loaded(json: bool, handler: &LoadedHandler) {
    let kind = handler.kind.factory_noun();
    let key = &handler.key;
    match &handler.from {
        LoadedFrom::Builtin { name } => {
            if json {
                println!(
                    "{}",
                    json!({
                        "kind": kind,
                        "key": key,
                        "status": "loaded",
                        "source": "builtin",
                        "builtin": name,
                        "interface_version": INTERFACE_VERSION,
                        "sha256": "builtin",
                    })
                );
            } else {
                println!(
                    "ok      {kind:<11} {key:<12} builtin {name} (interface version \
                     {INTERFACE_VERSION}, linked in)  sha256 builtin"
                );
            }
        }
        LoadedFrom::Library {
            path,
            plugin_name,
            interface_version,
            sha256,
        } => {
            if json {
                println!(
                    "{}",
                    json!({
                        "kind": kind,
                        "key": key,
                        "status": "loaded",
                        "source": "library",
                        "path": path.display().to_string(),
                        "plugin": plugin_name,
                        "interface_version": interface_version,
                        "sha256": sha256.to_string(),
                    })
                );
            } else {
                println!(
                    "ok      {kind:<11} {key:<12} library {} (plugin {plugin_name}, interface \
                     version {interface_version})  sha256 {sha256}",
                    path.display()
                );
            }
        }
    }
}

fn print_failure(json: bool, failure: &LoadFailure, source: &HandlerSource) {
    let kind = failure.kind.factory_noun();
    let key = &failure.key;
    if json {
        let mut object = json!({
            "kind": kind,
            "key": key,
            "status": "failed",
            "reason_kind": reason_kind(&failure.reason),
            "reason": failure.reason.to_string(),
        });
        let (origin, field, value) = match source {
            HandlerSource::Builtin { name } => ("builtin", "builtin", name.clone()),
            HandlerSource::Library { path, .. } => ("library", "path", path.display().to_string()),
        };
        if let Value::Object(map) = &mut object {
            map.insert("source".to_owned(), Value::from(origin));
            map.insert(field.to_owned(), Value::from(value));
        }
        println!("{object}");
    } else {
        println!(
            "FAILED  {kind:<11} {key:<12} {}: {}",
            failure.source, failure.reason
        );
    }
}

/// A stable machine-readable name for each failure reason.
fn reason_kind(reason: &FailureReason) -> &'static str {
    match reason {
        FailureReason::MissingFile { .. } => "missing_file",
        FailureReason::Unreadable { .. } => "unreadable",
        FailureReason::NotAPlugin { .. } => "not_a_plugin",
        FailureReason::IncompatibleVersion { .. } => "incompatible_version",
        FailureReason::IncompatibleAbiStable { .. } => "incompatible_abi_stable",
        FailureReason::LayoutMismatch { .. } => "layout_mismatch",
        FailureReason::NoFactory { .. } => "no_factory",
        FailureReason::ConstructorError { .. } => "constructor_error",
        FailureReason::ConstructorPanic { .. } => "constructor_panic",
        FailureReason::Sha256Mismatch { .. } => "sha256_mismatch",
        FailureReason::UnknownBuiltin { .. } => "unknown_builtin",
        _ => "other",
    }
}

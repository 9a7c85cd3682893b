//! core.yaml's `peer.handlers`: Fabric's keys (REG-1), environment overrides (REG-2),
//! lower-casing, relative library paths, and errors naming the file and the YAML path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use loader::config::{
    parse_go_duration, ConfigError, ConfigOptions, ConfigWarning, HandlerSource, HandlersConfig,
    ListedHandler, Sha256Pin, DEFAULT_AUTHENTICATION_TIME_WINDOW,
};

const FABRIC_SAMPLE: &str = "
peer:
  authentication:
    timewindow: 15m
  handlers:
    authFilters:
      - name: DefaultAuth
      - name: ExpirationCheck
      - name: TimeWindowCheck
        library: /opt/filters/tw.so
    decorators:
      - name: DefaultDecorator
    endorsers:
      escc:
        name: DefaultEndorsement
        library:
      custom:
        name: customEndorsement
        library: /etc/hyperledger/fabric/plugins/customEndorsement.so
    validators:
      vscc:
        name: DefaultValidation
        library:
      custom:
        name: customValidation
        library: /etc/hyperledger/fabric/plugins/customValidation.so
  validatorPoolSize:
";

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn parse(text: &str, vars: &[(&str, &str)]) -> Result<HandlersConfig, ConfigError> {
    HandlersConfig::from_yaml(
        text,
        Path::new("/etc/peer/core.yaml"),
        Path::new("/etc/peer/plugins"),
        &env(vars),
    )
}

fn builtin(name: &str) -> HandlerSource {
    HandlerSource::Builtin { name: name.into() }
}

fn library(path: &str, declared: &str, sha256: Option<Sha256Pin>) -> HandlerSource {
    HandlerSource::Library {
        path: PathBuf::from(path),
        declared_name: declared.into(),
        sha256,
    }
}

#[test]
fn reg1_reads_fabric_keys() {
    let c = parse(FABRIC_SAMPLE, &[]).unwrap();
    assert_eq!(c.file, PathBuf::from("/etc/peer/core.yaml"));
    assert_eq!(
        c.auth_filters,
        vec![
            ListedHandler {
                name: "DefaultAuth".into(),
                library: String::new()
            },
            ListedHandler {
                name: "ExpirationCheck".into(),
                library: String::new()
            },
            ListedHandler {
                name: "TimeWindowCheck".into(),
                library: "/opt/filters/tw.so".into()
            },
        ]
    );
    assert_eq!(
        c.decorators,
        vec![ListedHandler {
            name: "DefaultDecorator".into(),
            library: String::new()
        }]
    );
    let endorsers: Vec<_> = c
        .endorsers
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    assert_eq!(
        endorsers,
        vec![
            (
                "custom",
                library(
                    "/etc/hyperledger/fabric/plugins/customEndorsement.so",
                    "customEndorsement",
                    None
                )
            ),
            ("escc", builtin("DefaultEndorsement")),
        ]
    );
    let validators: Vec<_> = c
        .validators
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    assert_eq!(
        validators,
        vec![
            (
                "custom",
                library(
                    "/etc/hyperledger/fabric/plugins/customValidation.so",
                    "customValidation",
                    None
                )
            ),
            ("vscc", builtin("DefaultValidation")),
        ]
    );
    assert_eq!(c.authentication_time_window, Duration::from_secs(15 * 60));
    // authFilters and decorators are accepted and reported, not errors.
    assert_eq!(
        c.warnings,
        vec![
            ConfigWarning::NotYetSupported {
                at: "peer.handlers.authFilters".into(),
                names: vec![
                    "DefaultAuth".into(),
                    "ExpirationCheck".into(),
                    "TimeWindowCheck".into()
                ],
            },
            ConfigWarning::NotYetSupported {
                at: "peer.handlers.decorators".into(),
                names: vec!["DefaultDecorator".into()],
            },
        ]
    );
    assert_eq!(
        c.warnings[1].to_string(),
        "peer.handlers.decorators: not yet supported by fabric-handlers, ignored: DefaultDecorator"
    );
}

#[test]
fn reg2_env_override_of_library_is_honoured_and_empty_library_stays_empty() {
    let c = parse(
        FABRIC_SAMPLE,
        &[("CORE_PEER_HANDLERS_ENDORSERS_ESCC_LIBRARY", "/path/to/foo")],
    )
    .unwrap();
    assert_eq!(
        c.endorsers["escc"],
        library("/path/to/foo", "DefaultEndorsement", None)
    );
    // The validator's empty `library:` stays empty: still the builtin.
    assert_eq!(c.validators["vscc"], builtin("DefaultValidation"));
}

#[test]
fn reg2_unset_time_window_defaults_to_15_minutes_with_a_warning() {
    let c = parse("peer:\n  handlers:\n", &[]).unwrap();
    assert_eq!(
        c.authentication_time_window,
        DEFAULT_AUTHENTICATION_TIME_WINDOW
    );
    assert_eq!(c.authentication_time_window, Duration::from_secs(900));
    assert_eq!(c.warnings, vec![ConfigWarning::DefaultTimeWindow]);
    assert!(c.endorsers.is_empty() && c.validators.is_empty());
    let c = parse(
        "peer:\n  authentication:\n    timewindow: 15m\n",
        &[("CORE_PEER_AUTHENTICATION_TIMEWINDOW", "1h30m")],
    )
    .unwrap();
    assert_eq!(c.authentication_time_window, Duration::from_secs(5400));
}

#[test]
fn env_overrides_name_library_and_sha256_of_validators() {
    let pin = "ab".repeat(32);
    let c = parse(
        FABRIC_SAMPLE,
        &[
            ("CORE_PEER_HANDLERS_VALIDATORS_VSCC_LIBRARY", "libvscc.so"),
            ("CORE_PEER_HANDLERS_VALIDATORS_VSCC_SHA256", &pin),
            ("CORE_PEER_HANDLERS_VALIDATORS_CUSTOM_NAME", "Renamed"),
            ("CORE_PEER_HANDLERS_VALIDATORS_CUSTOM_LIBRARY", ""),
            ("CORE_PEER_HANDLERS_ENDORSERS_ESCC_NAME", "OtherEndorsement"),
        ],
    )
    .unwrap();
    assert_eq!(
        c.validators["vscc"],
        library(
            "/etc/peer/plugins/libvscc.so",
            "DefaultValidation",
            Some(Sha256Pin([0xab; 32]))
        )
    );
    // An empty variable counts as unset (viper): the file's library stays.
    assert_eq!(
        c.validators["custom"],
        library(
            "/etc/hyperledger/fabric/plugins/customValidation.so",
            "Renamed",
            None
        )
    );
    assert_eq!(c.endorsers["escc"], builtin("OtherEndorsement"));
}

#[test]
fn env_cannot_add_a_handler_the_file_does_not_declare() {
    let c = parse(
        FABRIC_SAMPLE,
        &[("CORE_PEER_HANDLERS_VALIDATORS_EXTRA_NAME", "X")],
    )
    .unwrap();
    assert!(!c.validators.contains_key("extra"));
    assert_eq!(c.validators.len(), 2);
}

#[test]
fn plugin_keys_are_lower_cased_and_env_uses_upper_case() {
    let yaml = "
PEER:
  Handlers:
    Validators:
      MyPlugin:
        Name: DefaultValidation
";
    let c = parse(yaml, &[]).unwrap();
    assert_eq!(c.validators.keys().collect::<Vec<_>>(), vec!["myplugin"]);
    assert_eq!(c.validators["myplugin"], builtin("DefaultValidation"));
    let c = parse(
        yaml,
        &[("CORE_PEER_HANDLERS_VALIDATORS_MYPLUGIN_LIBRARY", "/x/my.so")],
    )
    .unwrap();
    assert_eq!(
        c.validators["myplugin"],
        library("/x/my.so", "DefaultValidation", None)
    );
}

#[test]
fn keys_equal_once_lower_cased_are_an_error() {
    let err = parse(
        "peer:\n  handlers:\n    validators:\n      vscc:\n        name: A\n      VSCC:\n        name: B\n",
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "/etc/peer/core.yaml: peer.handlers.validators: keys \"vscc\" and \"VSCC\" are the same \
         plugin name once lower-cased"
    );
}

#[test]
fn relative_library_resolves_against_the_plugins_directory() {
    let yaml = "peer:\n  handlers:\n    validators:\n      utxo:\n        name: UTXO\n        library: sub/libvscc_utxo.so\n      abs:\n        library: /abs/lib.so\n";
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core.yaml");
    std::fs::write(&core, yaml).unwrap();
    // Default: the directory of core.yaml.
    let c = HandlersConfig::from_file(&core, &ConfigOptions::default()).unwrap();
    assert_eq!(
        c.validators["utxo"],
        HandlerSource::Library {
            path: dir.path().join("sub/libvscc_utxo.so"),
            declared_name: "UTXO".into(),
            sha256: None,
        }
    );
    assert_eq!(c.validators["abs"], library("/abs/lib.so", "", None));
    // Configured plugins directory.
    let opts = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: Some(PathBuf::from("/var/plugins")),
    };
    let c = HandlersConfig::from_file(&core, &opts).unwrap();
    assert_eq!(
        c.validators["utxo"],
        library("/var/plugins/sub/libvscc_utxo.so", "UTXO", None)
    );
    assert_eq!(c.validators["abs"], library("/abs/lib.so", "", None));
}

#[test]
fn validator_pool_size() {
    let cpus = std::thread::available_parallelism().unwrap().get();
    let pool = |yaml_value: &str, vars: &[(&str, &str)]| {
        parse(&format!("peer:\n  validatorPoolSize: {yaml_value}\n"), vars)
            .map(|c| c.validator_pool_size)
    };
    assert_eq!(pool("", &[]).unwrap(), cpus);
    assert_eq!(pool("0", &[]).unwrap(), cpus);
    assert_eq!(pool("-3", &[]).unwrap(), cpus);
    assert_eq!(pool("7", &[]).unwrap(), 7);
    assert_eq!(
        pool("7", &[("CORE_PEER_VALIDATORPOOLSIZE", "3")]).unwrap(),
        3
    );
    assert_eq!(parse("", &[]).unwrap().validator_pool_size, cpus);
    assert_eq!(
        pool("", &[("CORE_PEER_VALIDATORPOOLSIZE", "many")])
            .unwrap_err()
            .to_string(),
        "/etc/peer/core.yaml: peer.validatorPoolSize (from environment variable \
         CORE_PEER_VALIDATORPOOLSIZE): invalid value \"many\": invalid digit found in string"
    );
    assert_eq!(
        pool("[1]", &[]).unwrap_err(),
        ConfigError::WrongType {
            file: "/etc/peer/core.yaml".into(),
            at: "peer.validatorPoolSize".into(),
            expected: "a scalar",
            found: "a list".into(),
        }
    );
}

#[test]
fn errors_name_file_path_and_problem() {
    let cases: &[(&str, &str)] = &[
        (
            "peer:\n  handlers:\n    validators: [a, b]\n",
            "/etc/peer/core.yaml: peer.handlers.validators: expected a map, found a list",
        ),
        (
            "peer:\n  handlers:\n    validators:\n      vscc: DefaultValidation\n",
            "/etc/peer/core.yaml: peer.handlers.validators.vscc: expected a map, found a string",
        ),
        (
            "peer:\n  handlers:\n    endorsers:\n      escc:\n        name: [x]\n",
            "/etc/peer/core.yaml: peer.handlers.endorsers.escc.name: expected a scalar, found a list",
        ),
        (
            "peer:\n  handlers:\n    endorsers:\n      escc:\n        library:\n",
            "/etc/peer/core.yaml: peer.handlers.endorsers.escc: handler has neither a name nor a library",
        ),
        (
            "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultValidation\n        sha256: 0011\n",
            "/etc/peer/core.yaml: peer.handlers.validators.vscc.sha256: sha256 pin given, but the \
             handler has no library to pin",
        ),
        (
            "peer:\n  handlers:\n    validators:\n      x:\n        library: a.so\n        sha256: abcd\n",
            "/etc/peer/core.yaml: peer.handlers.validators.x.sha256: invalid value \"abcd\": a \
             SHA-256 digest is 64 hex digits, this has 4 characters",
        ),
        (
            "peer:\n  handlers:\n    authFilters:\n      name: DefaultAuth\n",
            "/etc/peer/core.yaml: peer.handlers.authFilters: expected a list, found a map",
        ),
        (
            "peer:\n  handlers:\n    decorators:\n      - name: {a: b}\n",
            "/etc/peer/core.yaml: peer.handlers.decorators[0].name: expected a scalar, found a map",
        ),
        (
            "peer:\n  authentication:\n    timewindow: 5 parsecs\n",
            "/etc/peer/core.yaml: peer.authentication.timewindow: invalid value \"5 parsecs\": \
             unknown unit \" parsecs\" (use ns, us, ms, s, m or h)",
        ),
        ("- just\n- a list\n", "/etc/peer/core.yaml: (document root): expected a map, found a list"),
    ];
    for (yaml, expected) in cases {
        let err = parse(yaml, &[]).expect_err(yaml);
        assert_eq!(err.to_string(), *expected, "for {yaml}");
    }
    // A digest that YAML reads as a number (all decimal digits) must be quoted.
    let err = parse(
        &format!(
            "peer:\n  handlers:\n    validators:\n      x:\n        library: a.so\n        sha256: {}\n",
            "12".repeat(32)
        ),
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(&err, ConfigError::InvalidValue { at, reason, .. }
            if at == "peer.handlers.validators.x.sha256" && reason.contains("in quotes")),
        "{err}"
    );
    let quoted = parse(
        &format!(
            "peer:\n  handlers:\n    validators:\n      x:\n        library: a.so\n        sha256: '{}'\n",
            "12".repeat(32)
        ),
        &[],
    )
    .unwrap();
    assert_eq!(
        quoted.validators["x"],
        library("/etc/peer/plugins/a.so", "", Some(Sha256Pin([0x12; 32])))
    );
    let hex_err = parse(
        &format!(
            "peer:\n  handlers:\n    validators:\n      x:\n        library: a.so\n        sha256: {}\n",
            "zz".repeat(32)
        ),
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(&hex_err, ConfigError::InvalidValue { at, reason, .. }
            if at == "peer.handlers.validators.x.sha256" && reason.starts_with("not hex")),
        "{hex_err}"
    );
}

#[test]
fn unreadable_and_malformed_files_name_the_file() {
    let err = HandlersConfig::from_file(
        Path::new("/nonexistent/core.yaml"),
        &ConfigOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, ConfigError::Read { file, .. } if file == Path::new("/nonexistent/core.yaml")),
        "{err}"
    );
    let err = parse("peer: [unclosed\n", &[]).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Yaml { file, .. } if file == Path::new("/etc/peer/core.yaml")),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("/etc/peer/core.yaml: not valid YAML: "),
        "{err}"
    );
}

#[test]
fn sha256_pin_parses_either_case() {
    let lower = "00ff".repeat(16);
    let upper = lower.to_uppercase();
    assert_eq!(
        Sha256Pin::parse(&lower).unwrap(),
        Sha256Pin::parse(&upper).unwrap()
    );
    assert_eq!(Sha256Pin::parse(&upper).unwrap().to_string(), lower);
}

#[test]
fn go_durations() {
    assert_eq!(parse_go_duration("15m").unwrap(), Duration::from_secs(900));
    assert_eq!(
        parse_go_duration("1h30m").unwrap(),
        Duration::from_secs(5400)
    );
    assert_eq!(
        parse_go_duration("1.5s").unwrap(),
        Duration::from_millis(1500)
    );
    assert_eq!(
        parse_go_duration("300ms").unwrap(),
        Duration::from_millis(300)
    );
    assert_eq!(parse_go_duration("2us").unwrap(), Duration::from_micros(2));
    assert_eq!(
        parse_go_duration("1000").unwrap(),
        Duration::from_nanos(1000)
    );
    assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
    assert!(parse_go_duration("-5m").is_err());
    assert!(parse_go_duration("5").is_ok());
    assert!(parse_go_duration("m").is_err());
    assert!(parse_go_duration("5x").is_err());
}

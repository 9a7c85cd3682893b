//! The `peer.handlers` section of core.yaml (plus `peer.validatorPoolSize` and
//! `peer.authentication.timewindow`), read with Fabric's keys and Fabric's (viper's)
//! environment overrides.
//!
//! What follows viper, on purpose:
//! * keys are case-insensitive, and the keys of `endorsers` / `validators` (the plugin names that
//!   chaincode definitions refer to) are lower-cased: `MyPlugin` registers as `myplugin`;
//! * an environment variable overrides a value of a handler that core.yaml declares:
//!   `CORE_PEER_HANDLERS_VALIDATORS_<KEY>_LIBRARY` (also `_NAME`, and our `_SHA256`), with the
//!   key upper-cased; a handler that core.yaml does not declare cannot be added from the
//!   environment (Fabric iterates the keys of the file);
//! * an empty environment variable counts as unset (viper's default `AllowEmptyEnv(false)`);
//! * `peer.validatorPoolSize` of 0, a negative number or unset means the number of CPUs.
//!
//! What is stricter than viper: a value of the wrong type, an integer or duration that does not
//! parse, two keys that only differ in case, a handler with neither `name` nor `library`, and a
//! malformed or misplaced `sha256` are errors naming the file and the YAML path.
//!
//! Our extension: `sha256:` (64 hex digits) pins a handler's library; see [`crate::registry`].
//! A digest that YAML would read as a number (only decimal digits) must be quoted; unquoted, it
//! is refused rather than mis-read.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_yaml::{Mapping, Value};

/// Fabric's default for `peer.authentication.timewindow` when unset or zero.
pub const DEFAULT_AUTHENTICATION_TIME_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The prefix of Fabric's environment overrides.
const ENV_PREFIX: &str = "CORE";

/// What went wrong while reading the handler configuration.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The file is not valid YAML.
    #[error("{file}: not valid YAML: {reason}")]
    Yaml {
        /// The file.
        file: PathBuf,
        /// The parser's message (with line and column).
        reason: String,
    },
    /// A value has the wrong type (e.g. a list where a map is expected).
    #[error("{file}: {at}: expected {expected}, found {found}")]
    WrongType {
        /// The file.
        file: PathBuf,
        /// The YAML path (and environment variable, if the value came from there).
        at: String,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// Two keys of one map are equal once lower-cased (viper would silently merge them).
    #[error(
        "{file}: {at}: keys {first:?} and {second:?} are the same plugin name once lower-cased"
    )]
    DuplicateKey {
        /// The file.
        file: PathBuf,
        /// The YAML path of the map.
        at: String,
        /// The first key as written.
        first: String,
        /// The second key as written.
        second: String,
    },
    /// A handler has neither a `name` nor a `library`.
    #[error("{file}: {at}: handler has neither a name nor a library")]
    NoNameNorLibrary {
        /// The file.
        file: PathBuf,
        /// The YAML path of the handler.
        at: String,
    },
    /// A `sha256` is given for a handler without `library` (a builtin has no file to pin).
    #[error("{file}: {at}: sha256 pin given, but the handler has no library to pin")]
    PinWithoutLibrary {
        /// The file.
        file: PathBuf,
        /// The YAML path of the `sha256` value.
        at: String,
    },
    /// A value does not parse (sha256 digest, integer, duration).
    #[error("{file}: {at}: invalid value {value:?}: {reason}")]
    InvalidValue {
        /// The file.
        file: PathBuf,
        /// The YAML path (and environment variable, if the value came from there).
        at: String,
        /// The value as written.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
}

/// A SHA-256 digest that a handler's library must have.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Pin(pub [u8; 32]);

impl Sha256Pin {
    /// Parses 64 hex digits (either case, surrounding white space ignored).
    ///
    /// # Errors
    ///
    /// A text saying why the value is not a SHA-256 digest.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() != 64 {
            return Err(format!(
                "a SHA-256 digest is 64 hex digits, this has {} characters",
                text.len()
            ));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).map_err(|e| format!("not hex: {e}"))?;
        Ok(Sha256Pin(out))
    }
}

impl fmt::Display for Sha256Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Sha256Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Pin({self})")
    }
}

/// Where a configured endorser or validator comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerSource {
    /// A handler compiled into the peer, selected by `name` (e.g. `DefaultValidation`).
    Builtin {
        /// The builtin's name.
        name: String,
    },
    /// A shared library; as in Fabric, `name` is then ignored (kept for messages).
    Library {
        /// The library path, relative paths already resolved against the plugins directory.
        path: PathBuf,
        /// The `name` written next to `library` (may be empty).
        declared_name: String,
        /// The digest the library must have, if pinned.
        sha256: Option<Sha256Pin>,
    },
}

/// An entry of `authFilters` or `decorators`: accepted, not yet supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedHandler {
    /// `name` (empty when absent).
    pub name: String,
    /// `library` (empty when absent), as written.
    pub library: String,
}

/// Something in the configuration that is accepted but has no effect.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigWarning {
    /// `authFilters` or `decorators` entries: fabric-handlers does not run them yet.
    NotYetSupported {
        /// The YAML path of the list.
        at: String,
        /// The names listed, in order.
        names: Vec<String>,
    },
    /// `peer.authentication.timewindow` was unset or zero; the default is used.
    DefaultTimeWindow,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigWarning::NotYetSupported { at, names } => write!(
                f,
                "{at}: not yet supported by fabric-handlers, ignored: {}",
                names.join(", ")
            ),
            ConfigWarning::DefaultTimeWindow => write!(
                f,
                "peer.authentication.timewindow is not set, using the default of {} minutes",
                DEFAULT_AUTHENTICATION_TIME_WINDOW.as_secs() / 60
            ),
        }
    }
}

/// The handler configuration of a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlersConfig {
    /// The file it was read from (for messages).
    pub file: PathBuf,
    /// `peer.handlers.endorsers`: lower-cased plugin name -> source.
    pub endorsers: BTreeMap<String, HandlerSource>,
    /// `peer.handlers.validators`: lower-cased plugin name -> source.
    pub validators: BTreeMap<String, HandlerSource>,
    /// `peer.handlers.authFilters`, in order (not yet supported).
    pub auth_filters: Vec<ListedHandler>,
    /// `peer.handlers.decorators`, in order (not yet supported).
    pub decorators: Vec<ListedHandler>,
    /// `peer.validatorPoolSize`, with 0 / negative / unset resolved to the number of CPUs.
    pub validator_pool_size: usize,
    /// `peer.authentication.timewindow` (default 15 minutes when unset or zero).
    pub authentication_time_window: Duration,
    /// What was accepted but has no effect.
    pub warnings: Vec<ConfigWarning>,
}

/// How to read the configuration: the environment and the plugins directory.
#[derive(Debug, Clone, Default)]
pub struct ConfigOptions {
    /// The environment (Fabric's `CORE_...` overrides); see [`process_env`].
    pub env: BTreeMap<String, String>,
    /// Where relative `library:` paths resolve; `None` means the directory of core.yaml.
    pub plugins_dir: Option<PathBuf>,
}

/// The process environment, for [`ConfigOptions::env`] (variables that are not UTF-8 are
/// skipped: none of Fabric's keys can match them).
pub fn process_env() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

impl HandlersConfig {
    /// Reads core.yaml at `path`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the file, the YAML path and what is wrong.
    pub fn from_file(path: &Path, options: &ConfigOptions) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            file: path.to_owned(),
            reason: e.to_string(),
        })?;
        let plugins_dir = match &options.plugins_dir {
            Some(dir) => dir.clone(),
            None => path.parent().map(Path::to_owned).unwrap_or_default(),
        };
        Self::from_yaml(&text, path, &plugins_dir, &options.env)
    }

    /// Reads core.yaml from `text`; `file` is only used in messages, relative libraries
    /// resolve against `plugins_dir`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the file, the YAML path and what is wrong.
    pub fn from_yaml(
        text: &str,
        file: &Path,
        plugins_dir: &Path,
        env: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let root: Value = serde_yaml::from_str(text).map_err(|e| ConfigError::Yaml {
            file: file.to_owned(),
            reason: e.to_string(),
        })?;
        let r = Reader {
            file,
            env,
            plugins_dir,
        };
        r.read(&root)
    }
}

/// A YAML path and the environment variable that overrides it.
#[derive(Clone)]
struct KeyPath {
    /// Dotted path as written (`peer.handlers.validators.vscc`).
    yaml: String,
    /// The viper key for the environment (`PEER_HANDLERS_VALIDATORS_VSCC`).
    env: String,
}

impl KeyPath {
    fn root() -> Self {
        KeyPath {
            yaml: String::new(),
            env: ENV_PREFIX.to_owned(),
        }
    }

    fn child(&self, key: &str) -> Self {
        KeyPath {
            yaml: if self.yaml.is_empty() {
                key.to_owned()
            } else {
                format!("{}.{key}", self.yaml)
            },
            env: format!("{}_{}", self.env, key.to_uppercase()),
        }
    }
}

struct Reader<'a> {
    file: &'a Path,
    env: &'a BTreeMap<String, String>,
    plugins_dir: &'a Path,
}

/// A scalar value and where it came from (for messages).
struct Scalar {
    text: String,
    at: String,
    /// The YAML value was a number (its original spelling is lost).
    yaml_number: bool,
}

impl Reader<'_> {
    fn read(&self, root: &Value) -> Result<HandlersConfig, ConfigError> {
        let top = KeyPath::root();
        let peer_path = top.child("peer");
        let peer = self
            .map_at(Some(root), &top)?
            .and_then(|m| get_ci(m, "peer"));
        let peer = self.map_at(peer, &peer_path)?;
        let handlers_path = peer_path.child("handlers");
        let handlers = self.map_at(peer.and_then(|m| get_ci(m, "handlers")), &handlers_path)?;
        let child = |name: &str| handlers.and_then(|m| get_ci(m, name));

        let mut warnings = Vec::new();
        let mut listed = |name: &str| -> Result<Vec<ListedHandler>, ConfigError> {
            let at = handlers_path.child(name);
            let list = self.list(child(name), &at)?;
            if !list.is_empty() {
                warnings.push(ConfigWarning::NotYetSupported {
                    at: at.yaml.clone(),
                    names: list.iter().map(|h| h.name.clone()).collect(),
                });
            }
            Ok(list)
        };
        let auth_filters = listed("authFilters")?;
        let decorators = listed("decorators")?;
        let endorsers = self.handlers(child("endorsers"), &handlers_path.child("endorsers"))?;
        let validators = self.handlers(child("validators"), &handlers_path.child("validators"))?;

        let pool_path = peer_path.child("validatorPoolSize");
        let pool = self.scalar(
            peer.and_then(|m| get_ci(m, "validatorPoolSize")),
            &pool_path,
        )?;
        let validator_pool_size = match pool {
            None => cpus(),
            Some(s) => match s.text.trim().parse::<i64>() {
                Ok(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
                Ok(_) => cpus(),
                Err(e) => return Err(self.invalid(&s, e.to_string())),
            },
        };

        let auth_path = peer_path.child("authentication");
        let auth = self.map_at(peer.and_then(|m| get_ci(m, "authentication")), &auth_path)?;
        let window_path = auth_path.child("timewindow");
        let window = self.scalar(auth.and_then(|m| get_ci(m, "timewindow")), &window_path)?;
        let window = match window {
            None => Duration::ZERO,
            Some(s) => parse_go_duration(&s.text).map_err(|e| self.invalid(&s, e))?,
        };
        let authentication_time_window = if window.is_zero() {
            warnings.push(ConfigWarning::DefaultTimeWindow);
            DEFAULT_AUTHENTICATION_TIME_WINDOW
        } else {
            window
        };

        Ok(HandlersConfig {
            file: self.file.to_owned(),
            endorsers,
            validators,
            auth_filters,
            decorators,
            validator_pool_size,
            authentication_time_window,
            warnings,
        })
    }

    /// `endorsers` / `validators`: a map of plugin name -> {name, library, sha256}.
    fn handlers(
        &self,
        value: Option<&Value>,
        at: &KeyPath,
    ) -> Result<BTreeMap<String, HandlerSource>, ConfigError> {
        let mut out = BTreeMap::new();
        let mut written: BTreeMap<String, String> = BTreeMap::new();
        let Some(map) = self.map_at(value, at)? else {
            return Ok(out);
        };
        for (k, v) in map {
            let key = self.key_text(k, at)?;
            let lower = key.to_lowercase();
            if let Some(first) = written.insert(lower.clone(), key.clone()) {
                return Err(ConfigError::DuplicateKey {
                    file: self.file.to_owned(),
                    at: at.yaml.clone(),
                    first,
                    second: key,
                });
            }
            let hp = at.child(&lower);
            let entry = self.map_at(Some(v), &hp)?;
            let field =
                |name: &str| self.scalar(entry.and_then(|m| get_ci(m, name)), &hp.child(name));
            let name = field("name")?.map(|s| s.text).unwrap_or_default();
            let library = field("library")?.filter(|s| !s.text.is_empty());
            let sha256 = field("sha256")?.filter(|s| !s.text.trim().is_empty());
            let source = match library {
                Some(lib) => {
                    let sha256 = match sha256 {
                        Some(s) if s.yaml_number => {
                            return Err(self.invalid(
                                &s,
                                "YAML read the digest as a number; write it in quotes".into(),
                            ))
                        }
                        Some(s) => {
                            Some(Sha256Pin::parse(&s.text).map_err(|e| self.invalid(&s, e))?)
                        }
                        None => None,
                    };
                    let path = PathBuf::from(&lib.text);
                    HandlerSource::Library {
                        path: if path.is_relative() {
                            self.plugins_dir.join(path)
                        } else {
                            path
                        },
                        declared_name: name,
                        sha256,
                    }
                }
                None => {
                    if let Some(s) = sha256 {
                        return Err(ConfigError::PinWithoutLibrary {
                            file: self.file.to_owned(),
                            at: s.at,
                        });
                    }
                    if name.is_empty() {
                        return Err(ConfigError::NoNameNorLibrary {
                            file: self.file.to_owned(),
                            at: hp.yaml,
                        });
                    }
                    HandlerSource::Builtin { name }
                }
            };
            out.insert(lower, source);
        }
        Ok(out)
    }

    /// `authFilters` / `decorators`: an ordered list of {name, library}.
    fn list(&self, value: Option<&Value>, at: &KeyPath) -> Result<Vec<ListedHandler>, ConfigError> {
        let items = match value {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Sequence(items)) => items,
            Some(other) => return Err(self.wrong_type(&at.yaml, "a list", other)),
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let ip = KeyPath {
                    yaml: format!("{}[{i}]", at.yaml),
                    env: String::new(),
                };
                let entry = self.map_at(Some(item), &ip)?;
                let text = |name: &str| -> Result<String, ConfigError> {
                    match entry.and_then(|m| get_ci(m, name)) {
                        None => Ok(String::new()),
                        Some(v) => scalar_text(v).ok_or_else(|| {
                            self.wrong_type(&format!("{}.{name}", ip.yaml), "a scalar", v)
                        }),
                    }
                };
                Ok(ListedHandler {
                    name: text("name")?,
                    library: text("library")?,
                })
            })
            .collect()
    }

    /// A map (or nothing, for null / absent).
    fn map_at<'v>(
        &self,
        value: Option<&'v Value>,
        at: &KeyPath,
    ) -> Result<Option<&'v Mapping>, ConfigError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Mapping(m)) => Ok(Some(m)),
            Some(other) => Err(self.wrong_type(
                if at.yaml.is_empty() {
                    "(document root)"
                } else {
                    &at.yaml
                },
                "a map",
                other,
            )),
        }
    }

    /// A scalar value, overridden by its environment variable when that is set and non-empty.
    fn scalar(&self, value: Option<&Value>, at: &KeyPath) -> Result<Option<Scalar>, ConfigError> {
        if let Some(v) = self.env.get(&at.env).filter(|v| !v.is_empty()) {
            return Ok(Some(Scalar {
                text: v.clone(),
                at: format!("{} (from environment variable {})", at.yaml, at.env),
                yaml_number: false,
            }));
        }
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match scalar_text(v) {
                Some(text) => Ok(Some(Scalar {
                    text,
                    at: at.yaml.clone(),
                    yaml_number: matches!(v, Value::Number(_)),
                })),
                None => Err(self.wrong_type(&at.yaml, "a scalar", v)),
            },
        }
    }

    fn key_text(&self, key: &Value, at: &KeyPath) -> Result<String, ConfigError> {
        scalar_text(key).ok_or_else(|| self.wrong_type(&at.yaml, "scalar keys", key))
    }

    fn wrong_type(&self, at: &str, expected: &'static str, found: &Value) -> ConfigError {
        ConfigError::WrongType {
            file: self.file.to_owned(),
            at: at.to_owned(),
            expected,
            found: describe(found).to_owned(),
        }
    }

    fn invalid(&self, s: &Scalar, reason: String) -> ConfigError {
        ConfigError::InvalidValue {
            file: self.file.to_owned(),
            at: s.at.clone(),
            value: s.text.clone(),
            reason,
        }
    }
}

/// The value of the first key equal to `name` ignoring case (viper keys are case-insensitive).
fn get_ci<'v>(map: &'v Mapping, name: &str) -> Option<&'v Value> {
    map.iter()
        .find(|(k, _)| matches!(k, Value::String(s) if s.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v)
}

/// A scalar as text, as viper's `GetString` would give it.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        Value::Tagged(t) => scalar_text(&t.value),
        Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a map",
        Value::Tagged(_) => "a tagged value",
    }
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parses a duration as viper does (`cast.ToDuration`): Go's `time.ParseDuration` syntax
/// (`15m`, `1h30m`, `1.5s`, `300ms`), or a bare integer meaning nanoseconds. Negative durations
/// are refused (Fabric treats them as unusable).
///
/// # Errors
///
/// A text saying what does not parse.
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Duration::ZERO);
    }
    if let Ok(ns) = text.parse::<u64>() {
        return Ok(Duration::from_nanos(ns));
    }
    let body = text.strip_prefix('+').unwrap_or(text);
    if body.starts_with('-') {
        return Err("negative durations are not allowed".into());
    }
    let mut rest = body;
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("missing unit after {rest:?}"))?;
        if num_len == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let number: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("bad number {:?}", &rest[..num_len]))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit_ns = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => {
                return Err(format!(
                    "unknown unit {other:?} (use ns, us, ms, s, m or h)"
                ))
            }
        };
        rest = &rest[unit_len..];
        total_ns += number * unit_ns;
    }
    if !total_ns.is_finite() || total_ns > u64::MAX as f64 {
        return Err("duration out of range".into());
    }
    // Truncation to whole nanoseconds, as Go does.
    Ok(Duration::from_nanos(total_ns as u64))
}

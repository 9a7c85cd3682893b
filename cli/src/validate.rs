//! `validate-ledger`: replay a ledger through the block validator and the configured
//! validation plugins, and report Fabric's verdict for every transaction.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use block_validator::{
    BlockOutcome, BlockVerdict, ChaincodeOverride, InitialConfig, MvccMode, Replay, ReplayError,
    ValidatorOptions,
};
use bytes::Bytes;
use fabric_config::MspFolder;
use fabric_ledger::{ChainChecker, LedgerDir, LedgerFile, RawBlock};
use fabric_protos::protos::{application_policy, ApplicationPolicy, TxValidationCode};
use loader::registry::LoadedFrom;
use loader::{Builtins, ConfigOptions, HandlersConfig, Registry, ValidationInstances};
use prost::Message;
use serde_json::json;

/// Arguments of `validate-ledger`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Ledger files or folders: peer blockfiles, `.block`/`.pb` blocks, `.bin` block streams.
    /// A folder is read as one ledger; several paths continue one another.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// core.yaml whose `peer.handlers.validators` name the validation plugins (builtin or
    /// shared libraries) and whose `peer.validatorPoolSize` sizes the worker pool. Default:
    /// Fabric's builtin `vscc` (DefaultValidation) only.
    #[arg(long, value_name = "CORE_YAML")]
    config: Option<PathBuf>,

    /// Where relative `library:` paths of core.yaml resolve (default: core.yaml's folder).
    #[arg(long, value_name = "DIR", requires = "config")]
    plugins_dir: Option<PathBuf>,

    /// A config block whose configuration applies from the first block on (until the
    /// ledger's own config blocks replace it).
    #[arg(long, value_name = "BLOCK")]
    channel_config: Option<PathBuf>,

    /// An organisation's MSP folder in Fabric's layout, as MSPID=DIR (repeatable): the
    /// channel configuration of a ledger without config blocks (configtxgen's sample
    /// policies, capabilities V2_0 / V2_5).
    #[arg(long, value_name = "MSPID=DIR", conflicts_with = "channel_config")]
    msp: Vec<String>,

    /// Channel ID to use with --msp (default: the channel of the first transaction).
    #[arg(long, value_name = "ID", requires = "msp")]
    channel: Option<String>,

    /// A chaincode's validation plugin and parameter, as NAME=PLUGIN[:POLICY] (repeatable);
    /// wins over the ledger's chaincode definition. PLUGIN is a key under core.yaml's
    /// `validators` (e.g. `vscc`). POLICY is an endorsement policy in the peer CLI's
    /// language (`OutOf(2, 'Org1MSP.member', 'Org2MSP.member')`), a channel policy path
    /// (`/Channel/Application/Endorsement`), or `param:TEXT` to hand TEXT to the plugin
    /// as is. Without POLICY the ledger definition's parameter is kept, or Fabric's default
    /// `/Channel/Application/Endorsement`.
    #[arg(long, value_name = "NAME=PLUGIN[:POLICY]")]
    chaincode: Vec<String>,

    /// Worker threads per block (overrides core.yaml's peer.validatorPoolSize; 0 = CPUs).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// Compare every computed code with the filter recorded in the block and list each
    /// mismatch (exit 1 when there is one).
    #[arg(long)]
    check_recorded: bool,

    /// Skip creator signatures and the validation plugins (signature and policy checks): for
    /// synthetic ledgers. Structure, duplicate tx IDs and MVCC are still checked.
    #[arg(long)]
    no_signatures: bool,

    /// Do not check read sets against the world state. By default they are checked when the
    /// ledger starts at block 0 (otherwise the state before its first block is unknown).
    #[arg(long)]
    no_mvcc: bool,

    /// Print JSON Lines: one object per transaction, one per block-level problem, and a last
    /// `{"summary": …}` object.
    #[arg(long)]
    json: bool,
}

/// How a run ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything validated (and agreed with the recorded filters, when asked).
    Clean,
    /// Mismatches or block-level problems.
    Findings,
    /// Validation halted, or the input or configuration is unusable.
    Halted,
}

#[derive(Debug, Default)]
struct Totals {
    blocks: u64,
    txs: u64,
    codes: BTreeMap<&'static str, u64>,
    mismatches: u64,
    block_problems: u64,
    rejected_blocks: u64,
    seconds: f64,
}

/// Runs `validate-ledger`.
///
/// # Errors
/// A message naming the path or argument that is unusable (exit status 2).
pub fn run(args: &ValidateArgs) -> Result<Verdict, String> {
    if let Some(missing) = args.paths.iter().find(|p| !p.exists()) {
        return Err(format!("{}: no such file or folder", missing.display()));
    }
    let (plugins, pool_size) = load_plugins(args)?;
    let options = ValidatorOptions {
        pool_size: args.threads.unwrap_or(pool_size),
        check_signatures: !args.no_signatures,
        check_mvcc: true,
        chaincodes: args
            .chaincode
            .iter()
            .map(|spec| parse_chaincode(spec))
            .collect::<Result<_, _>>()?,
    };
    let initial = if let Some(block) = &args.channel_config {
        InitialConfig::Config(Box::new(crate::inspect::config_from_block_file(block)?))
    } else if args.msp.is_empty() {
        InitialConfig::Ledger
    } else {
        InitialConfig::Folders {
            folders: args
                .msp
                .iter()
                .map(|spec| MspFolder::parse(spec).map_err(|e| format!("--msp: {e}")))
                .collect::<Result<_, _>>()?,
            channel: args.channel.clone(),
        }
    };
    let (files, chain) = open_ledger(&args.paths)?;
    let mvcc = if args.no_mvcc {
        MvccMode::Off
    } else {
        MvccMode::FromGenesis
    };
    let mut replay = Replay::new(plugins, options, initial, mvcc, chain);
    let mut out = Output::new(args.json, args.check_recorded);
    let started = Instant::now();
    let mut halted = None;
    'files: for file in &files {
        let mut blocks = file.blocks().peekable();
        while let Some(block) = blocks.next() {
            let block = match block {
                Ok(block) => block,
                Err(err) => {
                    let number = err.block().and_then(|b| b.number).unwrap_or(0);
                    out.problem(number, "unreadable", &err.to_string());
                    continue;
                }
            };
            // The next block of the same file, when readable, gets its envelope checks
            // started while this one commits.
            let next = blocks.peek().and_then(|b| b.as_ref().ok());
            match replay.block_with_next(&block, next) {
                Ok(BlockOutcome::Committed(verdict)) => out.committed(&block, &verdict),
                Ok(BlockOutcome::Rejected(problems)) => {
                    out.totals.rejected_blocks += 1;
                    for p in problems {
                        out.problem(block.number, p.kind(), &p.to_string());
                    }
                }
                Err(err) => {
                    halted = Some(err);
                    break 'files;
                }
            }
            out.progress(started);
        }
    }
    out.totals.seconds = started.elapsed().as_secs_f64();
    out.clear_progress();
    let mvcc_checked = replay.checks_mvcc().unwrap_or(false);
    if let Some(err) = &halted {
        out.halt(err);
    }
    out.summary(replay.validator().map_or(0, |v| v.threads()), mvcc_checked);
    Ok(if halted.is_some() {
        Verdict::Halted
    } else if out.totals.mismatches > 0 || out.totals.block_problems > 0 {
        Verdict::Findings
    } else {
        Verdict::Clean
    })
}

/// The validation plugins and the pool size of core.yaml (or Fabric's default `vscc`).
fn load_plugins(args: &ValidateArgs) -> Result<(Arc<ValidationInstances>, usize), String> {
    let config = match &args.config {
        Some(path) => {
            let options = ConfigOptions {
                env: loader::config::process_env(),
                plugins_dir: args.plugins_dir.clone(),
            };
            HandlersConfig::from_file(path, &options).map_err(|e| e.to_string())?
        }
        None => HandlersConfig::from_yaml(
            "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultValidation\n",
            Path::new("<builtin default>"),
            Path::new("."),
            &BTreeMap::new(),
        )
        .map_err(|e| e.to_string())?,
    };
    let registry = Registry::load(&config, &Builtins::project()).map_err(|e| e.to_string())?;
    // Which library each handler came from (name, interface version, SHA-256), so that a run
    // says what it validated with; builtins need no such line.
    for loaded in registry.loaded() {
        if matches!(loaded.from, LoadedFrom::Library { .. }) {
            eprintln!("fabric-handlers validate-ledger: loaded {loaded}");
        }
    }
    Ok((
        Arc::new(ValidationInstances::new(registry.validation_factories())),
        config.validator_pool_size,
    ))
}

/// Parses `NAME=PLUGIN[:POLICY]`.
fn parse_chaincode(spec: &str) -> Result<(String, ChaincodeOverride), String> {
    let bad = |why: &str| format!("--chaincode {spec:?}: {why} (expected NAME=PLUGIN[:POLICY])");
    let (name, rest) = spec.split_once('=').ok_or_else(|| bad("no '='"))?;
    let (plugin, policy) = match rest.split_once(':') {
        Some((plugin, policy)) => (plugin, Some(policy.trim())),
        None => (rest, None),
    };
    if name.is_empty() || plugin.is_empty() {
        return Err(bad("empty chaincode or plugin name"));
    }
    let parameter = match policy {
        None => None,
        Some(text) => Some(policy_parameter(text).map_err(|e| bad(&e))?),
    };
    Ok((
        name.to_owned(),
        ChaincodeOverride {
            // core.yaml's validator keys are case-insensitive (lower-cased by the loader).
            plugin: plugin.to_lowercase(),
            parameter,
        },
    ))
}

fn policy_parameter(text: &str) -> Result<Bytes, String> {
    if let Some(raw) = text.strip_prefix("param:") {
        return Ok(Bytes::copy_from_slice(raw.as_bytes()));
    }
    let policy = if text.starts_with('/') {
        application_policy::Type::ChannelConfigPolicyReference(text.to_owned())
    } else {
        let envelope = fabric_policies::parse_policy(text).map_err(|e| e.to_string())?;
        application_policy::Type::SignaturePolicy(envelope)
    };
    Ok(ApplicationPolicy {
        r#type: Some(policy),
    }
    .encode_to_vec()
    .into())
}

/// The files of the ledger in order, and a chain checker that continues a snapshot when the
/// first folder was started from one.
fn open_ledger(paths: &[PathBuf]) -> Result<(Vec<LedgerFile>, ChainChecker), String> {
    let mut files = Vec::new();
    let mut chain = None;
    for path in paths {
        if path.is_dir() {
            let dir = LedgerDir::open(path).map_err(|e| e.to_string())?;
            if chain.is_none() {
                chain = dir.snapshot_info().map(ChainChecker::after_snapshot);
            }
            files.extend(dir.files().iter().cloned());
        } else {
            files.push(LedgerFile::open(path).map_err(|e| e.to_string())?);
        }
    }
    Ok((files, chain.unwrap_or_default()))
}

/// The first 16 characters of a tx ID, enough to find it.
fn short(txid: &str) -> &str {
    txid.get(..16).unwrap_or(txid)
}

fn code_name(code: u8) -> &'static str {
    TxValidationCode::try_from(i32::from(code)).map_or("UNKNOWN", |c| c.as_str_name())
}

/// Text or JSON Lines on stdout, a progress line on a terminal's stderr.
struct Output {
    json: bool,
    check_recorded: bool,
    progress: bool,
    totals: Totals,
}

impl Output {
    fn new(json: bool, check_recorded: bool) -> Self {
        Output {
            json,
            check_recorded,
            progress: !json && std::io::stderr().is_terminal(),
            totals: Totals::default(),
        }
    }

    fn committed(&mut self, block: &RawBlock, verdict: &BlockVerdict) {
        self.totals.blocks += 1;
        let recorded = block_validator::replay::recorded_filter(block);
        for (i, &code) in verdict.codes.iter().enumerate() {
            self.totals.txs += 1;
            *self.totals.codes.entry(code_name(code)).or_default() += 1;
            let recorded_code = recorded.map(|r| r[i]);
            let mismatch = self.check_recorded && recorded_code.is_some_and(|r| r != code);
            if mismatch {
                self.totals.mismatches += 1;
            }
            let reason = verdict.reasons[i].as_deref();
            if self.json {
                let mut line = json!({
                    "block": verdict.number,
                    "tx": i,
                    "txid": verdict.txids[i],
                    "code": code,
                    "code_name": code_name(code),
                });
                if let Some(r) = recorded_code {
                    line["recorded"] = json!(r);
                }
                if let Some(reason) = reason {
                    line["reason"] = json!(reason);
                }
                println!("{line}");
            } else if mismatch || code != 0 {
                let recorded_text = match recorded_code {
                    Some(r) if mismatch => format!(" but the block records {}", code_name(r)),
                    _ => String::new(),
                };
                println!(
                    "block {} tx {} ({}): {}{recorded_text}{}",
                    verdict.number,
                    i,
                    short(&verdict.txids[i]),
                    code_name(code),
                    reason.map(|r| format!(": {r}")).unwrap_or_default()
                );
            }
        }
        if verdict.config_updated && !self.json {
            println!(
                "block {}: a new channel configuration is in force",
                verdict.number
            );
        }
        if self.check_recorded && recorded.is_none() && !self.json && !verdict.codes.is_empty() {
            println!(
                "block {}: carries no transactions filter to compare with",
                verdict.number
            );
        }
    }

    fn problem(&mut self, block: u64, kind: &str, detail: &str) {
        self.totals.block_problems += 1;
        if self.json {
            println!(
                "{}",
                json!({"block": block, "problem": kind, "detail": detail})
            );
        } else {
            self.clear_progress();
            println!("block {block}: {kind}: {detail}");
        }
    }

    fn halt(&self, err: &ReplayError) {
        if self.json {
            let (block, tx) = match err {
                ReplayError::Block(e) => halt_position(e),
                _ => (None, None),
            };
            println!(
                "{}",
                json!({"halt": if matches!(err, ReplayError::Block(e) if e.is_execution_failure()) {
                    "execution_failure"
                } else {
                    "unusable_input"
                }, "block": block, "tx": tx, "detail": err.to_string()})
            );
        }
        eprintln!("fabric-handlers validate-ledger: validation halted: {err}");
    }

    fn progress(&self, started: Instant) {
        if self.progress {
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            eprint!(
                "\r{} blocks, {} txs, {:.0} tx/s",
                self.totals.blocks,
                self.totals.txs,
                self.totals.txs as f64 / secs
            );
            let _ = std::io::stderr().flush();
        }
    }

    fn clear_progress(&self) {
        if self.progress {
            eprint!("\r\x1b[2K");
        }
    }

    fn summary(&self, threads: usize, mvcc: bool) {
        let t = &self.totals;
        let tx_per_s = if t.seconds > 0.0 {
            (t.txs as f64 / t.seconds).round()
        } else {
            0.0
        };
        if self.json {
            println!(
                "{}",
                json!({"summary": {
                    "blocks": t.blocks,
                    "txs": t.txs,
                    "codes": t.codes,
                    "mismatches": t.mismatches,
                    "block_problems": t.block_problems,
                    "rejected_blocks": t.rejected_blocks,
                    "threads": threads,
                    "mvcc_checked": mvcc,
                    "tx_per_s": tx_per_s,
                }})
            );
            return;
        }
        let codes: Vec<String> = t.codes.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "\n{} blocks committed ({} rejected), {} transactions in {:.2} s ({} tx/s, {} threads)\n\
             verdicts: {}\n\
             block-level problems: {}\n\
             read sets (MVCC): {}",
            t.blocks,
            t.rejected_blocks,
            t.txs,
            t.seconds,
            tx_per_s,
            threads,
            if codes.is_empty() { "none".to_owned() } else { codes.join(", ") },
            t.block_problems,
            if mvcc { "checked" } else { "not checked (the ledger does not start at block 0, or --no-mvcc)" },
        );
        if self.check_recorded {
            println!("mismatches with the recorded filters: {}", t.mismatches);
        }
    }
}

fn halt_position(err: &block_validator::BlockError) -> (Option<u64>, Option<usize>) {
    use block_validator::BlockError as E;
    match err {
        E::ExecutionFailure { block, tx, .. }
        | E::InfoLookup { block, tx, .. }
        | E::Config { block, tx, .. }
        | E::UnsupportedCapabilities { block, tx, .. }
        | E::UnsupportedRangeQuery { block, tx, .. } => (Some(*block), Some(*tx)),
        E::NoConfig { block } | E::OutOfOrder { block, .. } => (Some(*block), None),
        _ => (None, None),
    }
}

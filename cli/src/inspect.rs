//! `inspect-ledger`: hashes, chain, signatures and certificate chains of a ledger.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use fabric_config::{ChannelConfig, FolderChannelOptions, MspFolder};
use fabric_ledger::{ChainChecker, LedgerDir, LedgerFile, RawBlock};
use fabric_msp::{Identity, IdentityDeserializer};
use fabric_protos::common::HeaderType;
use fabric_tx::{EndorserTransaction, EnvelopeView};

use crate::report::{Printer, Summary};

/// Arguments of `inspect-ledger`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Ledger files or folders: peer blockfiles, `.block`/`.pb` blocks, `.bin` block streams.
    /// A folder is read as one ledger (blockfiles in order, then blocks and streams by name).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// A config block whose configuration applies from the first block on.
    #[arg(long, value_name = "BLOCK")]
    channel_config: Option<PathBuf>,

    /// An organisation's MSP folder in Fabric's layout, as MSPID=DIR (repeatable). Used to
    /// build the channel configuration of a ledger that carries no config block.
    #[arg(long, value_name = "MSPID=DIR")]
    msp: Vec<String>,

    /// Channel ID to use with --msp (default: the channel of the first transaction).
    #[arg(long, value_name = "ID")]
    channel: Option<String>,

    /// Skip signature and certificate checks (for synthetic ledgers).
    #[arg(long)]
    no_signatures: bool,

    /// Print JSON Lines: one object per finding, and a last `{"summary": …}` object.
    #[arg(long)]
    json: bool,
}

/// Where the channel configuration comes from until the ledger's own config blocks take over.
enum ConfigSource {
    None,
    Folders(Vec<MspFolder>),
    Ready(Box<ChannelConfig>),
}

struct Inspector<'a> {
    args: &'a InspectArgs,
    printer: Printer,
    config: ConfigSource,
    summary: Summary,
}

/// Runs `inspect-ledger`.
///
/// # Errors
/// A message naming the path or argument that is unusable.
pub fn run(args: &InspectArgs) -> Result<Summary, String> {
    if let Some(missing) = args.paths.iter().find(|p| !p.exists()) {
        return Err(format!("{}: no such file or folder", missing.display()));
    }
    let config = if let Some(block) = &args.channel_config {
        ConfigSource::Ready(Box::new(config_from_block_file(block)?))
    } else if args.msp.is_empty() {
        ConfigSource::None
    } else {
        let folders = args
            .msp
            .iter()
            .map(|spec| MspFolder::parse(spec).map_err(|e| format!("--msp: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        ConfigSource::Folders(folders)
    };
    let mut inspector = Inspector {
        args,
        printer: Printer { json: args.json },
        config,
        summary: Summary::default(),
    };
    for path in &args.paths {
        inspector.path(path)?;
    }
    inspector.printer.summary(&inspector.summary);
    Ok(inspector.summary)
}

/// The channel configuration in the first block of `path` (a config block file).
///
/// # Errors
/// A message naming the file when it holds no block, an empty block, or no usable configuration.
pub(crate) fn config_from_block_file(path: &Path) -> Result<ChannelConfig, String> {
    let file = LedgerFile::open(path).map_err(|e| e.to_string())?;
    let block = file
        .blocks()
        .next()
        .ok_or_else(|| format!("{}: holds no block", path.display()))?
        .map_err(|e| e.to_string())?;
    let envelope = block
        .envelopes
        .first()
        .ok_or_else(|| format!("{}: block {} is empty", path.display(), block.number))?;
    ChannelConfig::from_config_block_envelope(envelope.clone())
        .map_err(|e| format!("{}: block {}: {e}", path.display(), block.number))
}

impl Inspector<'_> {
    fn path(&mut self, path: &Path) -> Result<(), String> {
        let (files, mut chain) = if path.is_dir() {
            let dir = LedgerDir::open(path).map_err(|e| e.to_string())?;
            let chain = dir
                .snapshot_info()
                .map_or_else(ChainChecker::new, ChainChecker::after_snapshot);
            (dir.files().to_vec(), chain)
        } else {
            let file = LedgerFile::open(path).map_err(|e| e.to_string())?;
            (vec![file], ChainChecker::new())
        };
        for file in &files {
            for block in file.blocks() {
                match block {
                    Ok(block) => self.block(&block, &mut chain)?,
                    Err(err) => {
                        self.summary.block_problems += 1;
                        let number = err.block().and_then(|b| b.number).unwrap_or(0);
                        self.printer
                            .block_problem(number, "unreadable", &err.to_string());
                    }
                }
            }
        }
        Ok(())
    }

    fn block(&mut self, block: &RawBlock, chain: &mut ChainChecker) -> Result<(), String> {
        self.summary.blocks += 1;
        let report = chain.check(block);
        for problem in &report.problems {
            self.summary.block_problems += 1;
            self.printer
                .block_problem(block.number, problem.kind(), &problem.to_string());
        }
        for (index, envelope) in block.envelopes.iter().enumerate() {
            self.summary.txs += 1;
            self.transaction(block.number, index, envelope)?;
        }
        Ok(())
    }

    fn transaction(&mut self, block: u64, index: usize, envelope: &Bytes) -> Result<(), String> {
        let view = match EnvelopeView::decode(envelope.clone()) {
            Ok(view) => view,
            Err(err) => {
                self.summary.undecodable_txs += 1;
                self.printer
                    .tx_finding(block, index, "", "undecodable", &err.to_string());
                return Ok(());
            }
        };
        let is_config = view.header_type() == Some(HeaderType::Config);
        // A config transaction is signed under the configuration in force before it; the
        // first configuration of a ledger (its genesis block) is its own.
        let own_config = if is_config {
            let config = ChannelConfig::from_config_block_envelope(envelope.clone())
                .map_err(|e| format!("block {block}: configuration does not apply: {e}"))?;
            if matches!(self.config, ConfigSource::None) {
                self.config = ConfigSource::Ready(Box::new(config.clone()));
            }
            Some(config)
        } else {
            None
        };
        if !self.args.no_signatures {
            self.check_transaction(block, index, &view)?;
        }
        if let Some(config) = own_config {
            self.summary.config_blocks += 1;
            self.printer
                .config_applied(block, config.sequence(), &config.application_msp_ids());
            self.config = ConfigSource::Ready(Box::new(config));
        }
        Ok(())
    }

    fn channel_config(&mut self, channel_of_tx: &str) -> Result<Option<&ChannelConfig>, String> {
        if let ConfigSource::Folders(folders) = &self.config {
            let channel = self.args.channel.as_deref().unwrap_or(channel_of_tx);
            let config =
                ChannelConfig::from_msp_folders(folders, &FolderChannelOptions::new(channel))
                    .map_err(|e| format!("--msp: {e}"))?;
            self.config = ConfigSource::Ready(Box::new(config));
        }
        Ok(match &self.config {
            ConfigSource::Ready(config) => Some(config),
            _ => None,
        })
    }

    fn check_transaction(
        &mut self,
        block: u64,
        index: usize,
        view: &EnvelopeView,
    ) -> Result<(), String> {
        let txid = view.tx_id().to_owned();
        let endorser = view.endorser_transaction();
        let printer = self.printer;
        let Some(config) = self.channel_config(&view.channel_header.channel_id)? else {
            self.summary.unchecked_txs += 1;
            return Ok(());
        };
        let mut findings: Vec<(&'static str, String)> = Vec::new();
        let mut counts = Summary::default();
        check_signer(
            config,
            "creator",
            view.creator(),
            &view.payload,
            &view.signature,
            &mut counts,
            &mut findings,
        );
        match &endorser {
            Ok(tx) => {
                check_binding(view, tx, &mut counts, &mut findings);
                for (i, e) in tx.endorsements.iter().enumerate() {
                    let message = tx.endorsement_message(i).unwrap_or_default();
                    check_signer(
                        config,
                        "endorsement",
                        &e.endorser,
                        &message,
                        &e.signature,
                        &mut counts,
                        &mut findings,
                    );
                }
            }
            Err(err) if view.header_type() == Some(HeaderType::EndorserTransaction) => {
                counts.undecodable_txs += 1;
                findings.push(("undecodable", err.to_string()));
            }
            Err(_) => {}
        }
        for (finding, detail) in &findings {
            printer.tx_finding(block, index, &txid, finding, detail);
        }
        self.summary.signatures_ok += counts.signatures_ok;
        self.summary.signatures_failed += counts.signatures_failed;
        self.summary.identities_valid += counts.identities_valid;
        self.summary.identities_invalid += counts.identities_invalid;
        self.summary.binding_failures += counts.binding_failures;
        self.summary.undecodable_txs += counts.undecodable_txs;
        Ok(())
    }
}

/// Deserializes a signer, validates its certificate against its MSP and verifies its
/// signature over the original bytes.
fn check_signer(
    config: &ChannelConfig,
    role: &'static str,
    identity: &Bytes,
    message: &[u8],
    signature: &[u8],
    counts: &mut Summary,
    findings: &mut Vec<(&'static str, String)>,
) {
    let identity = match config.msp_manager().deserialize_identity(identity) {
        Ok(identity) => identity,
        Err(err) => {
            counts.signatures_failed += 1;
            counts.identities_invalid += 1;
            findings.push((role_finding(role, "identity"), err.to_string()));
            return;
        }
    };
    match identity.validate() {
        Ok(()) => counts.identities_valid += 1,
        Err(err) => {
            counts.identities_invalid += 1;
            findings.push((
                role_finding(role, "identity"),
                format!("{}: {err}", identity.msp_id()),
            ));
        }
    }
    match identity.verify(message, signature) {
        Ok(()) => counts.signatures_ok += 1,
        Err(err) => {
            counts.signatures_failed += 1;
            findings.push((
                role_finding(role, "signature"),
                format!("{}: {err}", identity.msp_id()),
            ));
        }
    }
}

fn role_finding(role: &str, what: &str) -> &'static str {
    match (role, what) {
        ("creator", "identity") => "creator_identity",
        ("creator", _) => "creator_signature",
        (_, "identity") => "endorser_identity",
        _ => "endorsement_signature",
    }
}

/// The two bindings of an endorser transaction: txid = hex(SHA-256(nonce ‖ creator)), and the
/// proposal hash over the raw channel header, action header and proposal payload.
fn check_binding(
    view: &EnvelopeView,
    tx: &EndorserTransaction,
    counts: &mut Summary,
    findings: &mut Vec<(&'static str, String)>,
) {
    let expected_txid = hex::encode(fabric_crypto::sha256(
        &[
            view.signature_header.nonce.as_ref(),
            view.signature_header.creator.as_ref(),
        ]
        .concat(),
    ));
    if view.tx_id() != expected_txid {
        counts.binding_failures += 1;
        findings.push((
            "txid_mismatch",
            format!("expected {expected_txid} = hex(SHA-256(nonce || creator))"),
        ));
    }
    let proposal_hash = fabric_crypto::sha256(
        &[
            view.channel_header_raw.as_ref(),
            tx.action_header_raw.as_ref(),
            tx.chaincode_proposal_payload.as_ref(),
        ]
        .concat(),
    );
    if tx.response.proposal_hash.as_ref() != proposal_hash {
        counts.binding_failures += 1;
        findings.push((
            "proposal_hash_mismatch",
            "SHA-256(channel_header || action header || chaincode proposal payload) differs from the endorsed proposal hash".to_owned(),
        ));
    }
    if tx.action_count != 1 {
        counts.binding_failures += 1;
        findings.push((
            "action_count",
            format!("{} actions; Fabric accepts exactly one", tx.action_count),
        ));
    }
}

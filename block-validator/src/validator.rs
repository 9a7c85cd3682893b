//! One channel's committer: validates blocks in order (spec 5.3-5.6), runs MVCC and commits
//! the writes of valid transactions, the new configuration of a config block, and the
//! transaction IDs.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use fabric_config::ChannelConfig;
use fabric_protos::protos::TxValidationCode as Code;
use handlers_api::validation::{self, BlockView, Context, SerializedPolicy, ValidationError};
use loader::ValidationInstances;

use crate::error::BlockError;
use crate::host::ChannelHost;
use crate::lifecycle::{self, Lookup, LookupFailure, ValidationInfo};
use crate::mvcc::BlockUpdates;
use crate::pool;
use crate::rwset::RwSet;
use crate::state::{Height, WorldState};
use crate::transaction::{self, Checked, EnvelopeContext, Rejection};

/// A chaincode's validation plugin given explicitly (it wins over the ledger's definition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeOverride {
    /// The plugin's core.yaml key under `validators:`.
    pub plugin: String,
    /// The validation parameter; `None` keeps the ledger definition's parameter, or, for a
    /// chaincode the ledger does not define, Fabric's default (the channel's
    /// `/Channel/Application/Endorsement` policy).
    pub parameter: Option<Bytes>,
}

/// How the validator runs.
#[derive(Debug, Clone)]
pub struct ValidatorOptions {
    /// Worker threads per block (`peer.validatorPoolSize`; 0 means the number of CPUs).
    pub pool_size: usize,
    /// Check creator signatures and run the validation plugins (off: structure and MVCC
    /// only, for synthetic ledgers without real signatures).
    pub check_signatures: bool,
    /// Check read sets against the world state. Only meaningful when the replay starts at the
    /// genesis block: the state before any other first block is unknown.
    pub check_mvcc: bool,
    /// Validation plugins given explicitly, by chaincode name.
    pub chaincodes: BTreeMap<String, ChaincodeOverride>,
}

impl Default for ValidatorOptions {
    fn default() -> Self {
        ValidatorOptions {
            pool_size: 0,
            check_signatures: true,
            check_mvcc: true,
            chaincodes: BTreeMap::new(),
        }
    }
}

/// The outcome of one committed block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockVerdict {
    /// The block number.
    pub number: u64,
    /// One code per transaction (Fabric's TRANSACTIONS_FILTER).
    pub codes: Vec<u8>,
    /// Each transaction's ID (empty where the envelope does not carry one).
    pub txids: Vec<String>,
    /// Why each non-valid transaction was flagged.
    pub reasons: Vec<Option<String>>,
    /// Whether the block carried a configuration that is now in force.
    pub config_updated: bool,
}

impl BlockVerdict {
    /// The block metadata with the filter written at index 2 (TRANSACTIONS_FILTER), padded to
    /// the 5 standard entries as Fabric does.
    #[must_use]
    pub fn annotate_metadata(&self, metadata: &[Bytes]) -> Vec<Bytes> {
        let mut out = metadata.to_vec();
        if out.len() < 5 {
            out.resize(5, Bytes::new());
        }
        out[2] = Bytes::from(self.codes.clone());
        out
    }
}

/// What one worker decided for one transaction.
enum TxOutcome {
    Flagged {
        code: Code,
        txid: String,
        reason: Option<String>,
        rwset: Option<RwSet>,
    },
    Config {
        txid: String,
        config: Option<Box<ChannelConfig>>,
    },
    Halt(BlockError),
}

fn flagged(code: Code, txid: String, reason: impl Into<String>) -> TxOutcome {
    TxOutcome::Flagged {
        code,
        txid,
        reason: Some(reason.into()),
        rwset: None,
    }
}

/// The committer of one channel.
pub struct ChannelValidator {
    host: ChannelHost,
    plugins: Arc<ValidationInstances>,
    options: ValidatorOptions,
    pool: pool::WorkerPool,
    last_block: Option<u64>,
    /// The state-independent checks of the block announced as next, made by threads the
    /// last block left idle (its last transactions, its commit).
    ahead: Option<Lookahead>,
}

/// The envelope checks of a block made ahead of its turn. They depend only on the bytes and
/// on the configuration in force, so they are used only for exactly these bytes under exactly
/// this configuration.
struct Lookahead {
    number: u64,
    envelopes: Vec<Bytes>,
    config: Option<Arc<ChannelConfig>>,
    /// Per transaction, the result of [`transaction::check_envelope`] when a helper got to it.
    checked: Vec<Option<Result<Checked, Rejection>>>,
}

impl Lookahead {
    /// Whether these checks hold for block `number` with `envelopes` under `config`.
    fn applies_to(
        &self,
        number: u64,
        envelopes: &[Bytes],
        config: Option<&Arc<ChannelConfig>>,
    ) -> bool {
        let same_config = match (&self.config, config) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        // The caller normally passes the very same buffers again: compare addresses first.
        let same_bytes =
            |a: &Bytes, b: &Bytes| (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b;
        self.number == number
            && same_config
            && self.envelopes.len() == envelopes.len()
            && self
                .envelopes
                .iter()
                .zip(envelopes)
                .all(|(a, b)| same_bytes(a, b))
    }
}

impl std::fmt::Debug for ChannelValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelValidator")
            .field("host", &self.host)
            .field("pool", &self.pool)
            .field("last_block", &self.last_block)
            .field("ahead", &self.ahead.as_ref().map(|a| a.number))
            .finish_non_exhaustive()
    }
}

/// Per-block lookups shared by the workers (the state does not change during a block).
#[derive(Default)]
struct BlockCache {
    lookups: Mutex<HashMap<String, Result<Lookup, LookupFailure>>>,
}

impl ChannelValidator {
    /// A validator for `channel_id`, starting from `config` (if known: a ledger whose first
    /// block is its genesis block brings its own) and an empty world state, running the
    /// plugins of `plugins`.
    ///
    /// `plugins` must be this validator's own: an instance is initialised once per (plugin,
    /// channel) with the dependencies of the validator that first asks for it, so instances
    /// shared with another validator of the same channel would read that validator's state.
    #[must_use]
    pub fn new(
        channel_id: &str,
        config: Option<ChannelConfig>,
        plugins: Arc<ValidationInstances>,
        options: ValidatorOptions,
    ) -> Self {
        let host = ChannelHost::new(
            channel_id,
            config,
            Arc::new(std::sync::RwLock::new(WorldState::new())),
        );
        ChannelValidator {
            host,
            plugins,
            pool: pool::WorkerPool::new(
                pool::pool_size(options.pool_size),
                &format!("validator-{channel_id}"),
            ),
            options,
            last_block: None,
            ahead: None,
        }
    }

    /// The channel's host (configuration in force and committed state).
    #[must_use]
    pub fn host(&self) -> &ChannelHost {
        &self.host
    }

    /// The worker threads used per block.
    #[must_use]
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// The last block committed.
    #[must_use]
    pub fn last_block(&self) -> Option<u64> {
        self.last_block
    }

    /// The block announced as next to [`validate_block_with_next`](Self::validate_block_with_next)
    /// and how many of its transactions were checked ahead while the last block finished and
    /// committed (`None` when nothing was announced, or the last block changed the
    /// configuration).
    #[must_use]
    pub fn checked_ahead(&self) -> Option<(u64, usize)> {
        self.ahead
            .as_ref()
            .map(|a| (a.number, a.checked.iter().filter(|c| c.is_some()).count()))
    }

    /// Validates block `number` with transactions `envelopes` (the original bytes of each
    /// `common.Envelope`), then commits it: MVCC, state updates, transaction IDs and, for a
    /// config block, the new configuration.
    ///
    /// # Errors
    /// [`BlockError`] when the block cannot be committed; nothing of it was applied.
    pub fn validate_block(
        &mut self,
        number: u64,
        envelopes: &[Bytes],
    ) -> Result<BlockVerdict, BlockError> {
        self.validate_block_with_next(number, envelopes, None)
    }

    /// [`validate_block`](Self::validate_block), told which block comes next. A thread of
    /// the pool that has no transaction of this block left (while the others finish theirs,
    /// and while this block commits) starts the next block's envelope checks: decoding,
    /// creator signature, tx ID. Those depend only on the block's bytes and on the
    /// configuration in force, and the next call uses them only for exactly those bytes
    /// under exactly that configuration (so never after a config block); otherwise it makes
    /// them itself. The verdicts are the same either way; only the time changes.
    ///
    /// # Errors
    /// [`BlockError`] when the block cannot be committed; nothing of it was applied.
    pub fn validate_block_with_next(
        &mut self,
        number: u64,
        envelopes: &[Bytes],
        next: Option<(u64, &[Bytes])>,
    ) -> Result<BlockVerdict, BlockError> {
        let ahead = self.ahead.take();
        if let Some(previous) = self.last_block {
            if number <= previous {
                return Err(BlockError::OutOfOrder {
                    block: number,
                    previous,
                });
            }
        }
        if number == 0 && self.last_block.is_none() {
            return self.bootstrap(envelopes);
        }
        let config = self.host.config();
        let ahead = ahead.filter(|a| a.applies_to(number, envelopes, config.as_ref()));
        let (verdict, looked) = {
            let refs: Vec<&[u8]> = envelopes.iter().map(AsRef::as_ref).collect();
            let cache = BlockCache::default();
            let job = TxJob {
                validator: self,
                number,
                envelopes,
                block: BlockView::new(number, &refs),
                config: config.as_deref(),
                state: self.host.state(),
                cache: &cache,
                checked: ahead.as_ref().map_or(&[][..], |a| &a.checked[..]),
            };
            let count = envelopes.len();
            match next {
                None => {
                    let outcomes = self.pool.map_indexed(count, |i| job.run(i));
                    (self.commit(number, outcomes), None)
                }
                Some((next_number, next_envelopes)) => {
                    let ctx = self.envelope_context(config.as_deref());
                    let (verdict, checked) = self.pool.map_then(
                        count,
                        |i| job.run(i),
                        |outcomes| self.commit(number, outcomes),
                        next_envelopes.len(),
                        |j| transaction::check_envelope(&next_envelopes[j], ctx),
                    );
                    (verdict, Some((next_number, next_envelopes, checked)))
                }
            }
        };
        let verdict = verdict?;
        if let Some((number, envelopes, checked)) = looked.filter(|_| !verdict.config_updated) {
            self.ahead = Some(Lookahead {
                number,
                envelopes: envelopes.to_vec(),
                config,
                checked,
            });
        }
        self.last_block = Some(number);
        Ok(verdict)
    }

    /// What the envelope checks need under `config`.
    fn envelope_context<'c>(&self, config: Option<&'c ChannelConfig>) -> EnvelopeContext<'c> {
        EnvelopeContext {
            config,
            check_signatures: self.options.check_signatures && config.is_some(),
        }
    }

    /// The genesis block creates the channel: Fabric commits it without validation, all
    /// transactions valid, and its configuration is the first one in force.
    fn bootstrap(&mut self, envelopes: &[Bytes]) -> Result<BlockVerdict, BlockError> {
        let first = envelopes.first().ok_or_else(|| BlockError::Config {
            block: 0,
            tx: 0,
            reason: "the genesis block holds no transaction".into(),
        })?;
        let config = ChannelConfig::from_config_block_envelope(first.clone()).map_err(|e| {
            BlockError::Config {
                block: 0,
                tx: 0,
                reason: format!("the genesis block holds no usable configuration: {e}"),
            }
        })?;
        if config.channel_id() != self.host.channel_id() {
            return Err(BlockError::Config {
                block: 0,
                tx: 0,
                reason: format!(
                    "the genesis block configures channel {}, this ledger is channel {}",
                    config.channel_id(),
                    self.host.channel_id()
                ),
            });
        }
        let txids: Vec<String> = envelopes.iter().map(txid_of).collect();
        {
            let mut state = self
                .host
                .state()
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            for txid in &txids {
                state.add_txid(txid);
            }
        }
        self.host.set_config(config);
        self.last_block = Some(0);
        Ok(BlockVerdict {
            number: 0,
            codes: vec![Code::Valid as i32 as u8; envelopes.len()],
            txids,
            reasons: vec![None; envelopes.len()],
            config_updated: true,
        })
    }

    fn commit(&self, number: u64, outcomes: Vec<TxOutcome>) -> Result<BlockVerdict, BlockError> {
        let mut codes = Vec::with_capacity(outcomes.len());
        let mut txids = Vec::with_capacity(outcomes.len());
        let mut reasons = Vec::with_capacity(outcomes.len());
        let mut rwsets = Vec::with_capacity(outcomes.len());
        let mut new_config = None;
        for outcome in outcomes {
            match outcome {
                // The lowest-index halt wins (spec 5.3 step 3).
                TxOutcome::Halt(err) => return Err(err),
                TxOutcome::Flagged {
                    code,
                    txid,
                    reason,
                    rwset,
                } => {
                    codes.push(code);
                    txids.push(txid);
                    reasons.push(reason);
                    rwsets.push(rwset);
                }
                TxOutcome::Config { txid, config } => {
                    codes.push(Code::Valid);
                    txids.push(txid);
                    reasons.push(None);
                    rwsets.push(None);
                    new_config = config.or(new_config);
                }
            }
        }
        // Spec 5.3 step 5: a later valid transaction with the ID of an earlier valid one.
        let mut seen = std::collections::HashSet::new();
        for (i, code) in codes.iter_mut().enumerate() {
            if *code == Code::Valid && !txids[i].is_empty() && !seen.insert(txids[i].as_str()) {
                *code = Code::DuplicateTxid;
                reasons[i] = Some("transaction ID already used earlier in this block".into());
            }
        }
        let mut state = self
            .host
            .state()
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut updates = BlockUpdates::new();
        for (i, rwset) in rwsets.iter().enumerate() {
            let (Some(rwset), Code::Valid) = (rwset, codes[i]) else {
                continue;
            };
            if self.options.check_mvcc {
                let code = updates.check_reads(&state, rwset).map_err(|source| {
                    BlockError::UnsupportedRangeQuery {
                        block: number,
                        tx: i,
                        source,
                    }
                })?;
                if code != Code::Valid {
                    codes[i] = code;
                    reasons[i] = Some("a key it read changed since it was endorsed".into());
                    continue;
                }
            }
            updates.add(rwset, Height::new(number, i as u64));
        }
        updates.apply(&mut state);
        for txid in &txids {
            state.add_txid(txid);
        }
        drop(state);
        let config_updated = new_config.is_some();
        if let Some(config) = new_config {
            self.host.set_config(*config);
        }
        Ok(BlockVerdict {
            number,
            codes: codes.into_iter().map(|c| c as i32 as u8).collect(),
            txids,
            reasons,
            config_updated,
        })
    }
}

/// Everything a worker needs to validate one transaction of a block.
struct TxJob<'a> {
    validator: &'a ChannelValidator,
    number: u64,
    envelopes: &'a [Bytes],
    block: BlockView<'a>,
    config: Option<&'a ChannelConfig>,
    /// The committed state, read-locked per transaction (the commit, on the calling thread,
    /// may start while other threads look ahead).
    state: &'a std::sync::RwLock<WorldState>,
    cache: &'a BlockCache,
    /// Envelope checks made ahead (see [`Lookahead`]), by index; may be shorter or empty.
    checked: &'a [Option<Result<Checked, Rejection>>],
}

impl TxJob<'_> {
    fn run(&self, i: usize) -> TxOutcome {
        let options = &self.validator.options;
        let raw = &self.envelopes[i];
        let fresh;
        let checked = match self.checked.get(i).and_then(Option::as_ref) {
            Some(done) => done,
            None => {
                fresh =
                    transaction::check_envelope(raw, self.validator.envelope_context(self.config));
                &fresh
            }
        };
        let checked = match checked {
            Ok(checked) => checked,
            Err(rejection) => {
                let header = transaction::channel_header_of(raw);
                let is_config = header
                    .as_ref()
                    .is_some_and(|c| c.r#type == fabric_protos::common::HeaderType::Config as i32);
                if options.check_signatures && self.config.is_none() && !is_config {
                    return TxOutcome::Halt(BlockError::NoConfig { block: self.number });
                }
                let txid = header.map(|c| c.tx_id).unwrap_or_default();
                return flagged(rejection.code, txid, rejection.reason.clone());
            }
        };
        match checked {
            Checked::Config { txid } => self.config_tx(i, raw, txid.clone()),
            Checked::Endorser(tx) => {
                if options.check_signatures && self.config.is_none() {
                    return TxOutcome::Halt(BlockError::NoConfig { block: self.number });
                }
                let txid = tx.txid.clone();
                let known = self
                    .state
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .contains_txid(&txid);
                if known {
                    return flagged(
                        Code::DuplicateTxid,
                        txid,
                        "transaction ID already in the ledger",
                    );
                }
                let plan = match transaction::plan_dispatch(tx) {
                    Ok(plan) => plan,
                    Err(rejection) => return flagged(rejection.code, txid, rejection.reason),
                };
                if options.check_signatures {
                    if let Some(outcome) = self.run_plugins(i, &txid, &plan.namespaces) {
                        return outcome;
                    }
                }
                TxOutcome::Flagged {
                    code: Code::Valid,
                    txid,
                    reason: None,
                    rwset: Some(plan.rwset),
                }
            }
        }
    }

    fn config_tx(&self, i: usize, raw: &Bytes, txid: String) -> TxOutcome {
        match ChannelConfig::from_config_block_envelope(raw.clone()) {
            Ok(config) => {
                if config.channel_id() != self.validator.host.channel_id() {
                    return TxOutcome::Halt(BlockError::Config {
                        block: self.number,
                        tx: i,
                        reason: format!(
                            "it configures channel {}, this ledger is channel {}",
                            config.channel_id(),
                            self.validator.host.channel_id()
                        ),
                    });
                }
                TxOutcome::Config {
                    txid,
                    config: Some(Box::new(config)),
                }
            }
            Err(e) => TxOutcome::Halt(BlockError::Config {
                block: self.number,
                tx: i,
                reason: e.to_string(),
            }),
        }
    }

    /// Runs the plugin of each namespace in order; `None` when all pass.
    fn run_plugins(&self, i: usize, txid: &str, namespaces: &[String]) -> Option<TxOutcome> {
        let config = self.config?;
        if !config.capabilities().v20_validation() {
            let capabilities: Vec<&str> = config
                .capabilities()
                .application
                .iter()
                .map(String::as_str)
                .collect();
            return Some(TxOutcome::Halt(BlockError::UnsupportedCapabilities {
                block: self.number,
                tx: i,
                channel: self.validator.host.channel_id().to_owned(),
                capabilities: capabilities.join(", "),
            }));
        }
        for namespace in namespaces {
            let info = match self.lookup(config, namespace) {
                Ok(Lookup::Found(info)) => info,
                Ok(Lookup::Invalid(reason)) => {
                    return Some(flagged(Code::InvalidChaincode, txid.to_owned(), reason))
                }
                Err(source) => {
                    return Some(TxOutcome::Halt(BlockError::InfoLookup {
                        block: self.number,
                        tx: i,
                        source,
                    }))
                }
            };
            if info.plugin.is_empty() {
                return Some(flagged(
                    Code::InvalidChaincode,
                    txid.to_owned(),
                    format!("chaincode definition for [{namespace}] is invalid: plugin field must be set"),
                ));
            }
            if info.parameter.is_empty() {
                return Some(flagged(
                    Code::InvalidChaincode,
                    txid.to_owned(),
                    format!("chaincode definition for [{namespace}] is invalid: policy field must be set"),
                ));
            }
            let halt = |reason: String| {
                TxOutcome::Halt(BlockError::ExecutionFailure {
                    block: self.number,
                    tx: i,
                    txid: txid.to_owned(),
                    namespace: namespace.clone(),
                    plugin: info.plugin.clone(),
                    reason,
                })
            };
            let host = &self.validator.host;
            let plugin = match self
                .validator
                .plugins
                .get(&info.plugin, host.channel_id(), || Ok(host.dependencies()))
            {
                Ok(plugin) => plugin,
                Err(e) => return Some(halt(e.to_string())),
            };
            let context = Context::new(SerializedPolicy(&info.parameter));
            match validation::Plugin::validate(&*plugin, &self.block, namespace, i, 0, &context) {
                Ok(()) => {}
                Err(ValidationError::Invalid(reason)) => {
                    return Some(flagged(
                        Code::EndorsementPolicyFailure,
                        txid.to_owned(),
                        format!("namespace {namespace}: {reason}"),
                    ))
                }
                Err(ValidationError::ExecutionFailure(reason)) => return Some(halt(reason)),
                Err(other) => return Some(halt(other.to_string())),
            }
        }
        None
    }

    /// The validation info of `namespace`: an explicit override, else the ledger's
    /// definition (memoised for the block).
    fn lookup(&self, config: &ChannelConfig, namespace: &str) -> Result<Lookup, LookupFailure> {
        let mut lookups = self
            .cache
            .lookups
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = lookups.get(namespace) {
            return found.clone();
        }
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let mut reader = &*state;
        let ledger = lifecycle::validation_info(config, namespace, &mut reader);
        let result = match self.validator.options.chaincodes.get(namespace) {
            None => ledger,
            Some(given) => {
                let parameter = match (&given.parameter, &ledger) {
                    (Some(p), _) => p.clone(),
                    (None, Ok(Lookup::Found(found))) => found.parameter.clone(),
                    (None, _) => lifecycle::default_endorsement_parameter().into(),
                };
                Ok(Lookup::Found(ValidationInfo {
                    plugin: given.plugin.clone(),
                    parameter,
                }))
            }
        };
        lookups.insert(namespace.to_owned(), result.clone());
        result
    }
}

/// The tx ID of an envelope, empty when its headers do not decode.
fn txid_of(raw: &Bytes) -> String {
    transaction::channel_header_of(raw)
        .map(|c| c.tx_id)
        .unwrap_or_default()
}

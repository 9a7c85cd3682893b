//! Replays a ledger block by block: block acceptance checks (hashes, chain, well-formedness,
//! spec 5.2), then validation and commit. This is what `fabric-handlers validate-ledger`
//! drives; tests and benchmarks use it the same way.

use std::sync::Arc;

use bytes::Bytes;
use fabric_config::{ChannelConfig, FolderChannelOptions, MspFolder};
use fabric_ledger::{ChainChecker, RawBlock};
use loader::ValidationInstances;

use crate::error::BlockError;
use crate::validator::{BlockVerdict, ChannelValidator, ValidatorOptions};

/// Where the channel configuration comes from until the ledger's own config blocks take over.
#[derive(Debug, Clone, Default)]
pub enum InitialConfig {
    /// Only from the ledger (its first block must be a config block when signatures are
    /// checked).
    #[default]
    Ledger,
    /// A configuration in force from the first block on (e.g. from `--channel-config`).
    Config(Box<ChannelConfig>),
    /// MSP folders, built into a configuration for the channel of the first transaction (or
    /// the given channel).
    Folders {
        /// The organisations' MSP folders.
        folders: Vec<MspFolder>,
        /// The channel ID; `None` takes the first transaction's.
        channel: Option<String>,
    },
}

/// Whether read sets are checked against the world state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MvccMode {
    /// Only when the replay starts at block 0: before any other first block the world state
    /// is unknown, and every read would look like a conflict.
    #[default]
    FromGenesis,
    /// Always.
    On,
    /// Never.
    Off,
}

/// A block's fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockOutcome {
    /// The block failed acceptance (spec 5.2) and was neither validated nor committed.
    Rejected(Vec<fabric_ledger::Problem>),
    /// The block was validated and committed.
    Committed(BlockVerdict),
}

/// Why a replay cannot go on.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// Validation halted (execution failure) or the block could not be committed.
    #[error(transparent)]
    Block(#[from] BlockError),
    /// The initial configuration cannot be built.
    #[error("channel configuration: {0}")]
    Config(String),
}

/// A ledger replay in progress.
pub struct Replay {
    plugins: Arc<ValidationInstances>,
    options: ValidatorOptions,
    initial: Option<InitialConfig>,
    mvcc: MvccMode,
    chain: ChainChecker,
    validator: Option<ChannelValidator>,
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("validator", &self.validator)
            .field("mvcc", &self.mvcc)
            .finish_non_exhaustive()
    }
}

impl Replay {
    /// A replay running `plugins` with `options`; `options.check_mvcc` is decided by `mvcc`.
    #[must_use]
    pub fn new(
        plugins: Arc<ValidationInstances>,
        options: ValidatorOptions,
        initial: InitialConfig,
        mvcc: MvccMode,
        chain: ChainChecker,
    ) -> Self {
        Replay {
            plugins,
            options,
            initial: Some(initial),
            mvcc,
            chain,
            validator: None,
        }
    }

    /// The validator, once the first block has been seen.
    #[must_use]
    pub fn validator(&self) -> Option<&ChannelValidator> {
        self.validator.as_ref()
    }

    /// Whether read sets are being checked (known after the first block).
    #[must_use]
    pub fn checks_mvcc(&self) -> Option<bool> {
        self.validator.as_ref().map(|_| self.options.check_mvcc)
    }

    /// Accepts, validates and commits the next block.
    ///
    /// # Errors
    /// [`ReplayError`] when the replay must stop: nothing of this block was committed.
    pub fn block(&mut self, block: &RawBlock) -> Result<BlockOutcome, ReplayError> {
        self.block_with_next(block, None)
    }

    /// [`block`](Self::block), told which block comes after it, so that its envelope checks
    /// start while this one commits (see [`ChannelValidator::validate_block_with_next`]).
    /// The outcome is the same as without `next`.
    ///
    /// # Errors
    /// [`ReplayError`] when the replay must stop: nothing of this block was committed.
    pub fn block_with_next(
        &mut self,
        block: &RawBlock,
        next: Option<&RawBlock>,
    ) -> Result<BlockOutcome, ReplayError> {
        let report = self.chain.check(block);
        if !report.problems.is_empty() {
            return Ok(BlockOutcome::Rejected(report.problems));
        }
        if self.validator.is_none() {
            self.start(block)?;
        }
        let Some(validator) = self.validator.as_mut() else {
            return Err(ReplayError::Config("no validator".into()));
        };
        let next = next.map(|n| (n.number, &n.envelopes[..]));
        Ok(BlockOutcome::Committed(
            validator.validate_block_with_next(block.number, &block.envelopes, next)?,
        ))
    }

    fn start(&mut self, first: &RawBlock) -> Result<(), ReplayError> {
        let channel_of_first = first.envelopes.first().and_then(channel_of);
        let config = match self.initial.take().unwrap_or_default() {
            InitialConfig::Ledger => None,
            InitialConfig::Config(config) => Some(*config),
            InitialConfig::Folders { folders, channel } => {
                let channel = channel
                    .or_else(|| channel_of_first.clone())
                    .ok_or_else(|| {
                        ReplayError::Config(format!(
                            "block {}: cannot tell the channel ID from the first transaction; \
                         name it with --channel",
                            first.number
                        ))
                    })?;
                Some(
                    ChannelConfig::from_msp_folders(&folders, &FolderChannelOptions::new(&channel))
                        .map_err(|e| ReplayError::Config(format!("--msp: {e}")))?,
                )
            }
        };
        let channel = config
            .as_ref()
            .map(|c| c.channel_id().to_owned())
            .or(channel_of_first)
            .unwrap_or_default();
        self.options.check_mvcc = match self.mvcc {
            MvccMode::FromGenesis => first.number == 0,
            MvccMode::On => true,
            MvccMode::Off => false,
        };
        self.validator = Some(ChannelValidator::new(
            &channel,
            config,
            Arc::clone(&self.plugins),
            self.options.clone(),
        ));
        Ok(())
    }
}

/// The channel ID in an envelope's channel header.
fn channel_of(raw: &Bytes) -> Option<String> {
    let channel = crate::transaction::channel_header_of(raw)?.channel_id;
    (!channel.is_empty()).then_some(channel)
}

/// The TRANSACTIONS_FILTER a block carries (metadata index 2), when it has one per transaction.
#[must_use]
pub fn recorded_filter(block: &RawBlock) -> Option<&[u8]> {
    let filter = block.metadata.get(2)?;
    (filter.len() == block.envelopes.len() && !filter.is_empty()).then_some(filter.as_ref())
}

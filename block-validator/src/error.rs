//! Why a block could not be validated: Fabric halts the channel (or crashes the peer) in these
//! cases, and nothing of the block is committed.

use crate::lifecycle::LookupFailure;
use crate::mvcc::UnsupportedRangeQuery;

/// A block that cannot be committed. Blocks before it stay committed; this one changed
/// nothing (no state, no flags, no configuration).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// A validation plugin could not decide (Fabric's `VSCCExecutionFailureError`): the
    /// lowest-index failure of the block.
    #[error(
        "block {block}, tx {tx} ({txid}): namespace {namespace}: validation plugin {plugin} \
         failed to execute: {reason}"
    )]
    ExecutionFailure {
        /// The block number.
        block: u64,
        /// The transaction position.
        tx: usize,
        /// The transaction ID.
        txid: String,
        /// The namespace being validated.
        namespace: String,
        /// The plugin's core.yaml key.
        plugin: String,
        /// What the plugin (or the host) said.
        reason: String,
    },
    /// The validation info of a namespace could not be read (Fabric crashes the peer).
    #[error("block {block}, tx {tx}: {source}")]
    InfoLookup {
        /// The block number.
        block: u64,
        /// The transaction position.
        tx: usize,
        /// The lookup failure.
        source: LookupFailure,
    },
    /// A config transaction does not hold a usable configuration (Fabric crashes the peer).
    #[error("block {block}, tx {tx}: config transaction cannot be applied: {reason}")]
    Config {
        /// The block number.
        block: u64,
        /// The transaction position.
        tx: usize,
        /// Why.
        reason: String,
    },
    /// Signatures are to be checked but no channel configuration is known.
    #[error(
        "block {block}: no channel configuration is in force (the ledger does not start with a \
         config block): give one with --channel-config or --msp"
    )]
    NoConfig {
        /// The block number.
        block: u64,
    },
    /// The channel's capabilities select a committer this validator does not implement.
    #[error(
        "block {block}, tx {tx}: channel {channel} does not enable V2_0 application capabilities \
         ({capabilities}); only Fabric's v20 committer is implemented (use --no-signatures to \
         check structure and MVCC only)"
    )]
    UnsupportedCapabilities {
        /// The block number.
        block: u64,
        /// The transaction position.
        tx: usize,
        /// The channel.
        channel: String,
        /// The application capabilities in force.
        capabilities: String,
    },
    /// A read set the MVCC check cannot evaluate.
    #[error("block {block}, tx {tx}: {source}")]
    UnsupportedRangeQuery {
        /// The block number.
        block: u64,
        /// The transaction position.
        tx: usize,
        /// The query.
        source: UnsupportedRangeQuery,
    },
    /// Blocks must be validated in order.
    #[error("block {block} cannot be validated after block {previous}: blocks must come in order")]
    OutOfOrder {
        /// The block offered.
        block: u64,
        /// The last block committed.
        previous: u64,
    },
}

impl BlockError {
    /// Whether this is a plugin execution failure (the halt path), as opposed to an
    /// unusable input or configuration.
    #[must_use]
    pub fn is_execution_failure(&self) -> bool {
        matches!(self, BlockError::ExecutionFailure { .. })
    }
}

//! Block checks reported as data: the data hash, Fabric's envelope well-formedness rule, the
//! previous-hash chain and consecutive numbering.

use std::fmt;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::block::{BlockOrigin, RawBlock};
use crate::envelope::{check_well_formed, is_config_envelope, EnvelopeIssue};
use crate::snapshot::SnapshotInfo;
use crate::wire::WireError;

/// Lower-case hex of a byte string (for messages).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One thing wrong with a block. Every problem names the block number; transaction problems
/// also name the transaction's index in the block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// `header.data_hash` is not SHA-256 of the concatenated envelopes.
    DataHashMismatch {
        /// Block number.
        block: u64,
        /// The hash in the header.
        in_header: Bytes,
        /// The hash of the data.
        computed: [u8; 32],
    },
    /// The block has no transactions (Fabric: "empty block").
    EmptyBlock {
        /// Block number.
        block: u64,
    },
    /// A transaction does not unmarshal as an Envelope.
    TxInvalid {
        /// Block number.
        block: u64,
        /// Transaction index in the block.
        tx: usize,
        /// The wire problem; its offset is relative to the envelope's first byte.
        error: WireError,
    },
    /// A transaction's envelope has an empty payload.
    TxNoPayload {
        /// Block number.
        block: u64,
        /// Transaction index.
        tx: usize,
    },
    /// A transaction's envelope has an empty signature.
    TxNoSignature {
        /// Block number.
        block: u64,
        /// Transaction index.
        tx: usize,
    },
    /// A transaction's envelope re-marshals shorter than its bytes.
    TxTrailingBytes {
        /// Block number.
        block: u64,
        /// Transaction index.
        tx: usize,
        /// How many bytes longer the original is.
        count: usize,
    },
    /// A transaction's envelope re-marshals to different bytes of the same length.
    TxNotCanonical {
        /// Block number.
        block: u64,
        /// Transaction index.
        tx: usize,
        /// First differing byte, relative to the envelope.
        first_difference: usize,
    },
    /// `header.previous_hash` is not the header hash of the block before.
    PreviousHashMismatch {
        /// Block number.
        block: u64,
        /// The previous block's header hash (or the snapshot's last block hash).
        expected: Bytes,
        /// The block's `previous_hash`.
        found: Bytes,
    },
    /// The block number does not follow the previous one.
    UnexpectedNumber {
        /// The number found.
        block: u64,
        /// The number that should have come next.
        expected: u64,
    },
}

impl Problem {
    /// A stable snake_case name of the kind of problem, for machine-readable reports:
    /// `data_hash_mismatch`, `empty_block`, `not_well_formed`, `previous_hash_mismatch` or
    /// `unexpected_block_number`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DataHashMismatch { .. } => "data_hash_mismatch",
            Self::EmptyBlock { .. } => "empty_block",
            Self::TxInvalid { .. }
            | Self::TxNoPayload { .. }
            | Self::TxNoSignature { .. }
            | Self::TxTrailingBytes { .. }
            | Self::TxNotCanonical { .. } => "not_well_formed",
            Self::PreviousHashMismatch { .. } => "previous_hash_mismatch",
            Self::UnexpectedNumber { .. } => "unexpected_block_number",
        }
    }

    /// True for the problems that make Fabric's `VerifyTransactionsAreWellFormed` fail.
    #[must_use]
    pub fn is_well_formedness(&self) -> bool {
        matches!(
            self,
            Self::EmptyBlock { .. }
                | Self::TxInvalid { .. }
                | Self::TxNoPayload { .. }
                | Self::TxNoSignature { .. }
                | Self::TxTrailingBytes { .. }
                | Self::TxNotCanonical { .. }
        )
    }

    /// The block number the problem is about.
    #[must_use]
    pub fn block(&self) -> u64 {
        match self {
            Self::DataHashMismatch { block, .. }
            | Self::EmptyBlock { block }
            | Self::TxInvalid { block, .. }
            | Self::TxNoPayload { block, .. }
            | Self::TxNoSignature { block, .. }
            | Self::TxTrailingBytes { block, .. }
            | Self::TxNotCanonical { block, .. }
            | Self::PreviousHashMismatch { block, .. }
            | Self::UnexpectedNumber { block, .. } => *block,
        }
    }

    /// The transaction index, for transaction problems.
    #[must_use]
    pub fn tx(&self) -> Option<usize> {
        match self {
            Self::TxInvalid { tx, .. }
            | Self::TxNoPayload { tx, .. }
            | Self::TxNoSignature { tx, .. }
            | Self::TxTrailingBytes { tx, .. }
            | Self::TxNotCanonical { tx, .. } => Some(*tx),
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DataHashMismatch {
                block,
                in_header,
                computed,
            } => write!(
                f,
                "block {block}: data hash in header {} != SHA-256 of the data {}",
                hex(in_header),
                hex(computed)
            ),
            Self::EmptyBlock { block } => write!(f, "block {block}: empty block (no transactions)"),
            Self::TxInvalid { block, tx, error } => write!(
                f,
                "block {block}: transaction {tx} is invalid: {error} (offset within the envelope)"
            ),
            Self::TxNoPayload { block, tx } => {
                write!(f, "block {block}: transaction {tx} has no payload")
            }
            Self::TxNoSignature { block, tx } => {
                write!(f, "block {block}: transaction {tx} has no signature")
            }
            Self::TxTrailingBytes { block, tx, count } => {
                write!(
                    f,
                    "block {block}: transaction {tx} has {count} trailing bytes"
                )
            }
            Self::TxNotCanonical {
                block,
                tx,
                first_difference,
            } => write!(
                f,
                "block {block}: transaction {tx} does not match its raw form (first difference \
                 at byte {first_difference} of the envelope)"
            ),
            Self::PreviousHashMismatch {
                block,
                expected,
                found,
            } => write!(
                f,
                "block {block}: previous hash {} != header hash of the block before {}",
                hex(found),
                hex(expected)
            ),
            Self::UnexpectedNumber { block, expected } => {
                write!(f, "block {block}: expected block number {expected}")
            }
        }
    }
}

/// The result of checking one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockReport {
    /// The block number.
    pub number: u64,
    /// Where the block came from.
    pub origin: BlockOrigin,
    /// Number of transactions.
    pub tx_count: usize,
    /// SHA-256 of the header's DER encoding.
    pub header_hash: [u8; 32],
    /// SHA-256 of the concatenated envelopes.
    pub computed_data_hash: [u8; 32],
    /// True when the block is a single CONFIG transaction, which Fabric exempts from the
    /// envelope well-formedness rule.
    pub config_exempt: bool,
    /// Whether `previous_hash` matched; `None` when there was nothing to compare with (first
    /// block of a chain without a known predecessor, or a standalone block).
    pub previous_hash_ok: Option<bool>,
    /// Everything found wrong, in check order.
    pub problems: Vec<Problem>,
}

impl BlockReport {
    /// Plain data hash check: SHA-256 of the concatenated envelopes equals `header.data_hash`.
    #[must_use]
    pub fn data_hash_ok(&self) -> bool {
        !self
            .problems
            .iter()
            .any(|p| matches!(p, Problem::DataHashMismatch { .. }))
    }

    /// Fabric's envelope well-formedness rule holds for every transaction.
    #[must_use]
    pub fn well_formed(&self) -> bool {
        !self.problems.iter().any(Problem::is_well_formedness)
    }

    /// Fabric's stricter data hash verdict: the data hash matches and every envelope is well
    /// formed (what `protoutil.BlockDataHash` returning an error amounts to).
    #[must_use]
    pub fn fabric_data_hash_ok(&self) -> bool {
        self.data_hash_ok() && self.well_formed()
    }

    /// True when no check found a problem.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// SHA-256 over `data[0] ‖ data[1] ‖ …`, hashed in place.
#[must_use]
pub fn data_hash(envelopes: &[Bytes]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for env in envelopes {
        hasher.update(env);
    }
    hasher.finalize().into()
}

/// Checks one block on its own (data hash and envelope well-formedness); the chain is not
/// checked, so `previous_hash_ok` is `None`.
#[must_use]
pub fn check_block(block: &RawBlock) -> BlockReport {
    let number = block.number;
    let mut problems = Vec::new();
    let computed = data_hash(&block.envelopes);
    if computed[..] != block.data_hash[..] {
        problems.push(Problem::DataHashMismatch {
            block: number,
            in_header: block.data_hash.clone(),
            computed,
        });
    }
    let config_exempt = block.envelopes.len() == 1 && is_config_envelope(&block.envelopes[0]);
    if block.envelopes.is_empty() {
        problems.push(Problem::EmptyBlock { block: number });
    } else if !config_exempt {
        for (tx, env) in block.envelopes.iter().enumerate() {
            let issue = match check_well_formed(env) {
                Ok(()) => continue,
                Err(issue) => issue,
            };
            problems.push(match issue {
                EnvelopeIssue::Invalid(error) => Problem::TxInvalid {
                    block: number,
                    tx,
                    error,
                },
                EnvelopeIssue::NoPayload => Problem::TxNoPayload { block: number, tx },
                EnvelopeIssue::NoSignature => Problem::TxNoSignature { block: number, tx },
                EnvelopeIssue::TrailingBytes(count) => Problem::TxTrailingBytes {
                    block: number,
                    tx,
                    count,
                },
                EnvelopeIssue::NotCanonical { first_difference } => Problem::TxNotCanonical {
                    block: number,
                    tx,
                    first_difference,
                },
            });
        }
    }
    BlockReport {
        number,
        origin: block.origin.clone(),
        tx_count: block.envelopes.len(),
        header_hash: block.header_hash(),
        computed_data_hash: computed,
        config_exempt,
        previous_hash_ok: None,
        problems,
    }
}

/// Checks a sequence of blocks as one chain: each block's `previous_hash` must be the header
/// hash of the block before, and numbers must be consecutive.
#[derive(Debug, Clone, Default)]
pub struct ChainChecker {
    expected_previous: Option<Bytes>,
    expected_number: Option<u64>,
}

impl ChainChecker {
    /// A chain whose first block's predecessor is unknown (its previous hash is not checked).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A chain whose first block must be `number` with `previous_hash`.
    #[must_use]
    pub fn expecting(number: u64, previous_hash: Bytes) -> Self {
        Self {
            expected_previous: Some(previous_hash),
            expected_number: Some(number),
        }
    }

    /// A chain continuing after a snapshot: the first block must be `last_block_num + 1` and
    /// chain onto `last_block_hash`.
    #[must_use]
    pub fn after_snapshot(info: &SnapshotInfo) -> Self {
        Self::expecting(
            info.last_block_num.wrapping_add(1),
            info.last_block_hash.clone(),
        )
    }

    /// Checks the next block of the chain.
    pub fn check(&mut self, block: &RawBlock) -> BlockReport {
        let mut report = check_block(block);
        if let Some(expected) = self.expected_number {
            if block.number != expected {
                report.problems.push(Problem::UnexpectedNumber {
                    block: block.number,
                    expected,
                });
            }
        }
        if let Some(expected) = &self.expected_previous {
            let ok = expected[..] == block.previous_hash[..];
            report.previous_hash_ok = Some(ok);
            if !ok {
                report.problems.push(Problem::PreviousHashMismatch {
                    block: block.number,
                    expected: expected.clone(),
                    found: block.previous_hash.clone(),
                });
            }
        }
        self.expected_previous = Some(Bytes::copy_from_slice(&report.header_hash));
        self.expected_number = Some(block.number.wrapping_add(1));
        report
    }
}

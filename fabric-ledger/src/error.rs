//! The reading layer's error type: every decoding error names the file, the block and the byte
//! offset.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::block::LedgerFormat;
use crate::wire::WireError;

/// Which block an error is about: its position in the file, its number when it could be read,
/// and the byte offset where its record (or protobuf message) starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRef {
    /// 0-based position of the block (record) in its file.
    pub index: usize,
    /// The block number, when the header could be read before the problem was found.
    pub number: Option<u64>,
    /// Byte offset of the record (its length prefix) or of the protobuf block in the file.
    pub record_offset: u64,
}

impl fmt::Display for BlockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.number {
            Some(n) => write!(
                f,
                "block {n} (record {} at byte {})",
                self.index, self.record_offset
            ),
            None => write!(
                f,
                "block at index {} (record at byte {}, number unreadable)",
                self.index, self.record_offset
            ),
        }
    }
}

/// One format that format detection tried, and why it did not fit.
#[derive(Debug)]
pub struct FormatRejection {
    /// The format that was tried.
    pub format: LedgerFormat,
    /// What went wrong when reading the file in that format.
    pub reason: LedgerError,
}

/// An error while reading a ledger file.
///
/// Every variant about file content names the file, the block ([`BlockRef`]) and a byte offset;
/// see [`LedgerError::block`] and [`LedgerError::offset`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The file (or folder) could not be opened, mapped or read.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The protobuf or varint structure of a block is broken.
    Malformed {
        /// The file.
        path: Arc<Path>,
        /// The block being read.
        block: BlockRef,
        /// What was being read ("record length", "data hash", "envelope 3", ...).
        what: String,
        /// The wire-format problem, with its absolute offset in the file.
        problem: WireError,
    },
    /// A record's length prefix promises more bytes than the file holds (typically a crashed
    /// write at the end of a blockfile).
    TruncatedRecord {
        /// The file.
        path: Arc<Path>,
        /// The incomplete block.
        block: BlockRef,
        /// Declared record length.
        declared: u64,
        /// Bytes present after the length prefix.
        available: u64,
    },
    /// A blockfile record has bytes left after its last metadata entry.
    RecordTrailingBytes {
        /// The file.
        path: Arc<Path>,
        /// The block.
        block: BlockRef,
        /// Offset of the first unexpected byte.
        offset: u64,
        /// How many bytes are left over.
        count: u64,
    },
    /// A protobuf `common.Block` without a header (field 1).
    MissingHeader {
        /// The file.
        path: Arc<Path>,
        /// The block.
        block: BlockRef,
        /// Offset of the end of the block message (where the header was still missing).
        offset: u64,
    },
    /// The file holds no block at all (an empty file, when detecting its format).
    EmptyFile {
        /// The file.
        path: Arc<Path>,
    },
    /// No supported format fits the file's content.
    UnknownFormat {
        /// The file.
        path: Arc<Path>,
        /// Why each format was rejected.
        rejections: Vec<FormatRejection>,
    },
    /// `bootstrappingSnapshot.info` is not a valid `BootstrappingSnapshotInfo` message.
    SnapshotInfo {
        /// The file.
        path: PathBuf,
        /// The wire-format problem.
        problem: WireError,
    },
}

impl LedgerError {
    /// The file the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. } | Self::SnapshotInfo { path, .. } => path,
            Self::Malformed { path, .. }
            | Self::TruncatedRecord { path, .. }
            | Self::RecordTrailingBytes { path, .. }
            | Self::MissingHeader { path, .. }
            | Self::EmptyFile { path }
            | Self::UnknownFormat { path, .. } => path,
        }
    }

    /// The block the error is about, for errors about block content.
    #[must_use]
    pub fn block(&self) -> Option<&BlockRef> {
        match self {
            Self::Malformed { block, .. }
            | Self::TruncatedRecord { block, .. }
            | Self::RecordTrailingBytes { block, .. }
            | Self::MissingHeader { block, .. } => Some(block),
            Self::UnknownFormat { rejections, .. } => {
                rejections.iter().find_map(|r| r.reason.block())
            }
            Self::Io { .. } | Self::SnapshotInfo { .. } | Self::EmptyFile { .. } => None,
        }
    }

    /// The absolute byte offset in the file where the problem was found.
    #[must_use]
    pub fn offset(&self) -> Option<u64> {
        match self {
            Self::Malformed { problem, .. } | Self::SnapshotInfo { problem, .. } => {
                Some(problem.offset())
            }
            Self::TruncatedRecord { block, .. } => Some(block.record_offset),
            Self::RecordTrailingBytes { offset, .. } | Self::MissingHeader { offset, .. } => {
                Some(*offset)
            }
            Self::UnknownFormat { rejections, .. } => {
                rejections.iter().filter_map(|r| r.reason.offset()).max()
            }
            Self::EmptyFile { .. } => Some(0),
            Self::Io { .. } => None,
        }
    }

    /// True for a blockfile or stream whose last record is cut short (a crashed write); the
    /// blocks before it are complete.
    #[must_use]
    pub fn is_truncated_tail(&self) -> bool {
        matches!(self, Self::TruncatedRecord { .. })
    }

    /// The message without the leading file name.
    fn detail(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { source, .. } => write!(f, "cannot read: {source}"),
            Self::Malformed {
                block,
                what,
                problem,
                ..
            } => {
                write!(f, "{block}: bad {what}: {problem}")
            }
            Self::TruncatedRecord {
                block,
                declared,
                available,
                ..
            } => write!(
                f,
                "{block}: record declares {declared} bytes but only {available} remain in the \
                 file (partial trailing write?)"
            ),
            Self::RecordTrailingBytes {
                block,
                offset,
                count,
                ..
            } => write!(
                f,
                "{block}: {count} unexpected bytes after the last metadata entry, at byte {offset}"
            ),
            Self::MissingHeader { block, offset, .. } => write!(
                f,
                "{block}: protobuf Block ending at byte {offset} has no header (field 1)"
            ),
            Self::EmptyFile { .. } => write!(f, "the file holds no block (0 bytes)"),
            Self::UnknownFormat { rejections, .. } => {
                write!(f, "no supported ledger format fits")?;
                for r in rejections {
                    write!(f, "; as {}: ", r.format)?;
                    r.reason.detail(f)?;
                }
                Ok(())
            }
            Self::SnapshotInfo { problem, .. } => {
                write!(f, "not a BootstrappingSnapshotInfo message: {problem}")
            }
        }
    }
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path().display())?;
        self.detail(f)
    }
}

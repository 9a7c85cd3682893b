//! The zero-copy block view and the formats blocks are read from.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use crate::header;

/// The on-disk layouts this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LedgerFormat {
    /// A peer's `blockfile_NNNNNN`: varint-length-prefixed records in Fabric's own block layout
    /// (number, data hash, previous hash, envelopes, metadata; no protobuf tags).
    PeerBlockfile,
    /// One protobuf `common.Block` (`.block` / `.pb` files).
    ProtoBlock,
    /// Varint-length-prefixed protobuf `common.Block` messages, back to back (`.bin`).
    BlockStream,
}

impl LedgerFormat {
    /// All formats, in the order detection prefers them when several fit.
    pub const ALL: [LedgerFormat; 3] = [Self::PeerBlockfile, Self::ProtoBlock, Self::BlockStream];

    /// The format a file name suggests: `blockfile_*`, `*.block` / `*.pb`, or `*.bin`.
    #[must_use]
    pub fn from_file_name(name: &str) -> Option<Self> {
        if name.starts_with("blockfile_") {
            Some(Self::PeerBlockfile)
        } else if name.ends_with(".block") || name.ends_with(".pb") {
            Some(Self::ProtoBlock)
        } else if name.ends_with(".bin") {
            Some(Self::BlockStream)
        } else {
            None
        }
    }
}

impl fmt::Display for LedgerFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PeerBlockfile => "a peer blockfile",
            Self::ProtoBlock => "a protobuf common.Block",
            Self::BlockStream => "a stream of length-prefixed common.Block messages",
        })
    }
}

/// Where a block was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOrigin {
    /// The file (or the name given to an in-memory buffer).
    pub path: Arc<Path>,
    /// The file's format.
    pub format: LedgerFormat,
    /// 0-based position of the block in the file.
    pub index: usize,
    /// Byte offset of the block's record (its length prefix), or of the protobuf message for a
    /// single-block file.
    pub offset: u64,
    /// Length of the record body (without the length prefix).
    pub record_len: u64,
}

/// A block as stored, without decoding any envelope.
///
/// Every [`Bytes`] here is a slice of the buffer the block was read from (a memory map for large
/// files), so holding blocks keeps that buffer alive and copies nothing. Hashes and signatures
/// must be computed over these original slices, never over re-encoded data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    /// `header.number`.
    pub number: u64,
    /// `header.previous_hash` (empty for a genesis block).
    pub previous_hash: Bytes,
    /// `header.data_hash`.
    pub data_hash: Bytes,
    /// `data.data`: one serialized `common.Envelope` per transaction, in block order.
    pub envelopes: Vec<Bytes>,
    /// `metadata.metadata`, indexed by `BlockMetadataIndex` (SIGNATURES = 0, LAST_CONFIG = 1,
    /// TRANSACTIONS_FILTER = 2, ORDERER = 3, COMMIT_HASH = 4).
    pub metadata: Vec<Bytes>,
    /// The record body: for protobuf formats, exactly the serialized `common.Block`; for peer
    /// blockfiles, Fabric's own serialization.
    pub record: Bytes,
    /// Where the block came from.
    pub origin: BlockOrigin,
}

impl RawBlock {
    /// Parses one serialized protobuf `common.Block` held in memory.
    ///
    /// `name` is used in error messages and in [`BlockOrigin::path`].
    ///
    /// # Errors
    /// [`crate::LedgerError`] naming the block and byte offset when the bytes are not a valid
    /// `common.Block` with a header.
    pub fn from_protobuf(
        name: impl AsRef<Path>,
        bytes: Bytes,
    ) -> Result<RawBlock, crate::LedgerError> {
        let path: Arc<Path> = Arc::from(name.as_ref());
        let len = bytes.len();
        crate::parse::parse_proto_block(&path, LedgerFormat::ProtoBlock, &bytes, 0..len, 0, 0)
    }

    /// The ASN.1 DER header bytes Fabric hashes and orderers sign.
    #[must_use]
    pub fn header_der(&self) -> Vec<u8> {
        header::header_der(self.number, &self.previous_hash, &self.data_hash)
    }

    /// SHA-256 of [`RawBlock::header_der`]: what the next block's `previous_hash` must be.
    #[must_use]
    pub fn header_hash(&self) -> [u8; 32] {
        header::header_hash(self.number, &self.previous_hash, &self.data_hash)
    }

    /// The TRANSACTIONS_FILTER metadata entry (index 2), when present and non-empty.
    #[must_use]
    pub fn transactions_filter(&self) -> Option<&Bytes> {
        self.metadata.get(2).filter(|m| !m.is_empty())
    }
}

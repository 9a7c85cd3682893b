//! `bootstrappingSnapshot.info`: what a peer that joined from a snapshot knows about the chain
//! before its first stored block.

use std::path::Path;

use bytes::Bytes;

use crate::error::LedgerError;
use crate::file::load_file;
use crate::wire::{Fields, WireError};

/// The file name a peer keeps next to its blockfiles when it joined from a snapshot.
pub const SNAPSHOT_INFO_FILE_NAME: &str = "bootstrappingSnapshot.info";

/// `BootstrappingSnapshotInfo{1: last_block_num, 2: last_block_hash, 3: previous_block_hash}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Number of the last block contained in the snapshot.
    pub last_block_num: u64,
    /// Header hash of that block: the first stored block's `previous_hash` must equal it.
    pub last_block_hash: Bytes,
    /// Header hash of the block before it.
    pub previous_block_hash: Bytes,
}

impl SnapshotInfo {
    /// Parses the protobuf message (last occurrence of a field wins; unknown fields ignored).
    ///
    /// # Errors
    /// A [`WireError`] when the message is malformed or a field has the wrong wire type.
    pub fn parse(bytes: &Bytes) -> Result<Self, WireError> {
        let mut info = SnapshotInfo {
            last_block_num: 0,
            last_block_hash: Bytes::new(),
            previous_block_hash: Bytes::new(),
        };
        for field in Fields::new(bytes, 0) {
            let field = field?;
            match field.number {
                1 => info.last_block_num = field.expect_varint(0)?,
                2 => info.last_block_hash = bytes.slice(field.expect_bytes(0)?),
                3 => info.previous_block_hash = bytes.slice(field.expect_bytes(0)?),
                _ => {}
            }
        }
        Ok(info)
    }

    /// Reads and parses a `bootstrappingSnapshot.info` file.
    ///
    /// # Errors
    /// [`LedgerError::Io`] when it cannot be read, [`LedgerError::SnapshotInfo`] when it does not
    /// parse.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, LedgerError> {
        let path = path.as_ref();
        let bytes = load_file(path)?;
        Self::parse(&bytes).map_err(|problem| LedgerError::SnapshotInfo {
            path: path.to_path_buf(),
            problem,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_rejects_wrong_wire_types() {
        let bytes = Bytes::from_static(&[0x08, 0x02, 0x12, 0x01, 0xaa, 0x1a, 0x02, 0xbb, 0xcc]);
        let info = SnapshotInfo::parse(&bytes).unwrap();
        assert_eq!(info.last_block_num, 2);
        assert_eq!(&info.last_block_hash[..], &[0xaa]);
        assert_eq!(&info.previous_block_hash[..], &[0xbb, 0xcc]);
        let bad = Bytes::from_static(&[0x0a, 0x00]);
        assert_eq!(
            SnapshotInfo::parse(&bad),
            Err(WireError::WrongWireType {
                offset: 0,
                field: 1,
                found: 2,
                expected: "varint"
            })
        );
    }
}

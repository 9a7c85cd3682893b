//! In-memory output (a sorted map of relative paths to bytes) and the block file writers.
//!
//! Generating into a [`FileSet`] first keeps generation pure: tests compare two generations, or
//! a generation with the committed fixture, without touching the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prost::Message;

/// Errors from writing files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Creating a directory or writing a file failed.
    #[error("could not write {path}: {source}")]
    Io {
        /// The path being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A relative path was absolute or climbed out of the output directory.
    #[error("refusing to write {path:?}: output paths must be relative and stay inside the output directory")]
    UnsafePath {
        /// The offending relative path.
        path: String,
    },
}

/// Files to write: relative path (with `/`) → contents, in sorted order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileSet {
    files: BTreeMap<String, Vec<u8>>,
}

impl FileSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) one file.
    pub fn insert(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), contents.into());
    }

    /// The contents of `path`, if present.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// Every file in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, c)| (p.as_str(), c.as_slice()))
    }

    /// Number of files.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Sum of all file sizes in bytes.
    #[must_use]
    pub fn total_size(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }

    /// Writes every file under `dir`, creating directories as needed. Existing files with the
    /// same names are overwritten; other files in `dir` are left alone.
    ///
    /// # Errors
    /// [`WriteError::UnsafePath`] for a path that is absolute or contains `..`;
    /// [`WriteError::Io`] naming the path that could not be written.
    pub fn write_to(&self, dir: &Path) -> Result<(), WriteError> {
        for (relative, contents) in &self.files {
            if relative.starts_with('/') || relative.split('/').any(|c| c == ".." || c.is_empty()) {
                return Err(WriteError::UnsafePath {
                    path: relative.clone(),
                });
            }
            let path = dir.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| WriteError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&path, contents).map_err(|source| WriteError::Io { path, source })?;
        }
        Ok(())
    }
}

/// Appends `value` as an unsigned LEB128 varint (protobuf's varint).
pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        // Low seven bits plus the continuation bit.
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_length_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// One `common.Block` serialized as protobuf: the content of a `.block` file.
#[must_use]
pub fn block_file(block: &fabric_protos::common::Block) -> Vec<u8> {
    block.encode_to_vec()
}

/// The bench-corpus `.bin` format: for each block, a varint length then the serialized
/// `common.Block`; nothing else.
#[must_use]
pub fn block_stream<'a>(
    blocks: impl IntoIterator<Item = &'a fabric_protos::common::Block>,
) -> Vec<u8> {
    let mut out = Vec::new();
    for block in blocks {
        put_length_prefixed(&mut out, &block.encode_to_vec());
    }
    out
}

/// A Fabric peer block file (`chains/<channel>/blockfile_000000`): for each block, a varint
/// length then Fabric's own layout — varint number, length-prefixed data hash, length-prefixed
/// previous hash, varint envelope count and length-prefixed envelopes, varint metadata count
/// and length-prefixed metadata entries.
#[must_use]
pub fn fabric_blockfile<'a>(
    blocks: impl IntoIterator<Item = &'a fabric_protos::common::Block>,
) -> Vec<u8> {
    let mut out = Vec::new();
    for block in blocks {
        let mut record = Vec::new();
        let header = block.header.clone().unwrap_or_default();
        put_varint(&mut record, header.number);
        put_length_prefixed(&mut record, &header.data_hash);
        put_length_prefixed(&mut record, &header.previous_hash);
        let data = block.data.clone().unwrap_or_default();
        put_varint(&mut record, data.data.len() as u64);
        for envelope in &data.data {
            put_length_prefixed(&mut record, envelope);
        }
        let metadata = block.metadata.clone().unwrap_or_default();
        put_varint(&mut record, metadata.metadata.len() as u64);
        for entry in &metadata.metadata {
            put_length_prefixed(&mut record, entry);
        }
        put_length_prefixed(&mut out, &record);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_leb128() {
        let mut out = Vec::new();
        put_varint(&mut out, 0);
        put_varint(&mut out, 127);
        put_varint(&mut out, 128);
        put_varint(&mut out, 300);
        assert_eq!(out, vec![0x00, 0x7f, 0x80, 0x01, 0xac, 0x02]);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        for bad in ["/etc/x", "../x", "a//b", "a/../../b"] {
            let mut files = FileSet::new();
            files.insert(bad, b"x".to_vec());
            assert!(
                matches!(
                    files.write_to(dir.path()),
                    Err(WriteError::UnsafePath { .. })
                ),
                "{bad} was accepted"
            );
        }
        let mut files = FileSet::new();
        files.insert("a/b/c.txt", b"hello".to_vec());
        files.write_to(dir.path()).expect("write");
        assert_eq!(
            std::fs::read(dir.path().join("a/b/c.txt")).expect("read back"),
            b"hello"
        );
    }
}

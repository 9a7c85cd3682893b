//! Reading every ledger file of a folder, in a deterministic order, and checking it as a ledger.

use std::path::{Path, PathBuf};

use crate::block::LedgerFormat;
use crate::error::LedgerError;
use crate::file::LedgerFile;
use crate::snapshot::{SnapshotInfo, SNAPSHOT_INFO_FILE_NAME};
use crate::verify::{check_block, BlockReport, ChainChecker};

/// The number of a `blockfile_NNNNNN` name, if it is one.
fn blockfile_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("blockfile_")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Sort key: blockfiles first in numeric order, then the other ledger files by name.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum FileKey {
    Blockfile(u64, String),
    Other(String),
}

/// The results of checking one file of a folder.
#[derive(Debug)]
pub struct FileCheck {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: LedgerFormat,
    /// One report per complete block, in file order.
    pub reports: Vec<BlockReport>,
    /// The error that stopped reading the file, if any.
    pub error: Option<LedgerError>,
}

/// The ledger files of one folder.
#[derive(Debug, Clone)]
pub struct LedgerDir {
    dir: PathBuf,
    files: Vec<LedgerFile>,
    snapshot: Option<SnapshotInfo>,
}

impl LedgerDir {
    /// Opens every ledger file directly inside `dir`: `blockfile_*` in numeric order, then
    /// `*.block`, `*.pb` and `*.bin` files by name. `bootstrappingSnapshot.info`, when present,
    /// is parsed too. Other files and sub-folders are ignored.
    ///
    /// # Errors
    /// [`LedgerError::Io`] when the folder or a file cannot be read, or the error of the first
    /// file whose format cannot be detected, or a malformed snapshot info file.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, LedgerError> {
        let dir = dir.as_ref().to_path_buf();
        let io = |source| LedgerError::Io {
            path: dir.clone(),
            source,
        };
        let mut keyed = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            let key = match blockfile_number(&name) {
                Some(n) => FileKey::Blockfile(n, name),
                None if LedgerFormat::from_file_name(&name).is_some() => FileKey::Other(name),
                None => continue,
            };
            keyed.push((key, path));
        }
        keyed.sort();
        let files = keyed
            .into_iter()
            .map(|(_, p)| LedgerFile::open(p))
            .collect::<Result<Vec<_>, _>>()?;
        let info_path = dir.join(SNAPSHOT_INFO_FILE_NAME);
        let snapshot = if info_path.is_file() {
            Some(SnapshotInfo::read(&info_path)?)
        } else {
            None
        };
        Ok(Self {
            dir,
            files,
            snapshot,
        })
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The ledger files, in reading order.
    #[must_use]
    pub fn files(&self) -> &[LedgerFile] {
        &self.files
    }

    /// The parsed `bootstrappingSnapshot.info`, when the folder has one.
    #[must_use]
    pub fn snapshot_info(&self) -> Option<&SnapshotInfo> {
        self.snapshot.as_ref()
    }

    /// Reads and checks every file.
    ///
    /// Blockfiles and block streams form one chain, in reading order, that starts after the
    /// snapshot when the folder has a `bootstrappingSnapshot.info`. Each single-block file is
    /// checked on its own (no chain). A file that stops with an error breaks the chain: the next
    /// file's first block is not compared with anything.
    #[must_use]
    pub fn check(&self) -> Vec<FileCheck> {
        let mut chain = match &self.snapshot {
            Some(info) => ChainChecker::after_snapshot(info),
            None => ChainChecker::new(),
        };
        let mut out = Vec::with_capacity(self.files.len());
        for file in &self.files {
            let read = file.read_all();
            let reports = if file.format() == LedgerFormat::ProtoBlock {
                read.blocks.iter().map(check_block).collect()
            } else {
                read.blocks.iter().map(|b| chain.check(b)).collect()
            };
            if read.error.is_some() {
                chain = ChainChecker::new();
            }
            out.push(FileCheck {
                path: file.path().to_path_buf(),
                format: file.format(),
                reports,
                error: read.error,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blockfile_names_sort_numerically() {
        assert_eq!(blockfile_number("blockfile_000010"), Some(10));
        assert_eq!(blockfile_number("blockfile_"), None);
        assert_eq!(blockfile_number("blockfile_12a"), None);
        let mut keys = [
            FileKey::Other("a.block".into()),
            FileKey::Blockfile(10, "blockfile_10".into()),
            FileKey::Blockfile(9, "blockfile_000009".into()),
        ];
        keys.sort();
        assert_eq!(keys[0], FileKey::Blockfile(9, "blockfile_000009".into()));
        assert_eq!(keys[1], FileKey::Blockfile(10, "blockfile_10".into()));
    }
}

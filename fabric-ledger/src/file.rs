//! Opening ledger files: memory mapping, format detection and whole-file reads.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use memmap2::Mmap;

use crate::block::{LedgerFormat, RawBlock};
use crate::error::{FormatRejection, LedgerError};
use crate::parse::Blocks;

/// Files at least this large are memory-mapped; smaller ones are read into memory.
pub const MMAP_THRESHOLD: u64 = 64 * 1024;

/// Loads a file as one shared buffer: a memory map for large regular files (no copy), a plain
/// read for small or non-regular files (pipes, devices) or when mapping fails.
///
/// The map is read-only. As with any memory map, the file must not be truncated or rewritten by
/// another process while blocks read from it are alive (Fabric only ever appends to blockfiles).
///
/// # Errors
/// [`LedgerError::Io`] when the file cannot be opened or read.
pub fn load_file(path: &Path) -> Result<Bytes, LedgerError> {
    load(path).map(|(bytes, _)| bytes)
}

/// [`load_file`], also telling whether the buffer is a memory map.
fn load(path: &Path) -> Result<(Bytes, bool), LedgerError> {
    let io = |source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() && meta.len() >= MMAP_THRESHOLD {
        // SAFETY: the mapping is read-only and only ever viewed as `&[u8]`. The remaining hazard
        // of any file map (another process truncating the file while it is mapped) is documented
        // above; Fabric's block store only appends to blockfiles.
        if let Ok(map) = unsafe { Mmap::map(&file) } {
            return Ok((Bytes::from_owner(map), true));
        }
    }
    let mut buf = Vec::new();
    file.read_to_end(&mut buf).map_err(io)?;
    Ok((Bytes::from(buf), false))
}

/// How far one format got when detection tried it.
enum Probe {
    /// Every record decoded, at least one block.
    Complete,
    /// Some blocks decoded, then the last record was cut short.
    TruncatedTail,
    /// Decoding failed (or found nothing): why.
    Failed(LedgerError),
}

fn probe(path: &Arc<Path>, file: &Bytes, format: LedgerFormat) -> Probe {
    let mut count = 0;
    for block in Blocks::new(Arc::clone(path), file.clone(), format) {
        match block {
            Ok(_) => count += 1,
            Err(e) if e.is_truncated_tail() && count > 0 => return Probe::TruncatedTail,
            Err(e) => return Probe::Failed(e),
        }
    }
    if count == 0 {
        return Probe::Failed(LedgerError::EmptyFile {
            path: Arc::clone(path),
        });
    }
    Probe::Complete
}

/// Decides the format of `file` from its content, with its name as a hint.
///
/// Rules: a format that decodes the whole file into at least one block wins, the one the name
/// suggests (`blockfile_*`, `*.block`/`*.pb`, `*.bin`) first, then in the order of
/// [`LedgerFormat::ALL`]. When none decodes completely, the named format is used (so reading it
/// reports where it breaks), else a blockfile or stream whose only flaw is a cut-short last
/// record. Otherwise the file is rejected with the reason for every format. An empty file takes
/// the named format (a fresh peer blockfile is empty), or is rejected when unnamed.
///
/// # Errors
/// [`LedgerError::UnknownFormat`] listing why each format failed; [`LedgerError::EmptyFile`]
/// for an empty buffer whose name suggests no format.
pub fn detect_format(path: &Path, file: &Bytes) -> Result<LedgerFormat, LedgerError> {
    let path: Arc<Path> = Arc::from(path);
    let hint = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(LedgerFormat::from_file_name);
    if file.is_empty() {
        return hint.ok_or(LedgerError::EmptyFile { path });
    }
    if let Some(h) = hint {
        if let Probe::Complete = probe(&path, file, h) {
            return Ok(h);
        }
    }
    let probes: Vec<(LedgerFormat, Probe)> = LedgerFormat::ALL
        .into_iter()
        .filter(|f| Some(*f) != hint)
        .map(|f| (f, probe(&path, file, f)))
        .collect();
    if let Some((f, _)) = probes.iter().find(|(_, p)| matches!(p, Probe::Complete)) {
        return Ok(*f);
    }
    if let Some(h) = hint {
        return Ok(h);
    }
    if let Some((f, _)) = probes
        .iter()
        .find(|(_, p)| matches!(p, Probe::TruncatedTail))
    {
        return Ok(*f);
    }
    let rejections = probes
        .into_iter()
        .filter_map(|(format, p)| match p {
            Probe::Failed(reason) => Some(FormatRejection { format, reason }),
            Probe::Complete | Probe::TruncatedTail => None,
        })
        .collect();
    Err(LedgerError::UnknownFormat { path, rejections })
}

/// All blocks of a file that could be read, and the error that stopped reading, if any.
#[derive(Debug)]
pub struct FileBlocks {
    /// The complete blocks before any error, in file order.
    pub blocks: Vec<RawBlock>,
    /// Why reading stopped early (e.g. a truncated trailing record), if it did.
    pub error: Option<LedgerError>,
}

impl FileBlocks {
    /// The blocks, or the error if one stopped reading.
    ///
    /// # Errors
    /// The [`LedgerError`] that stopped reading.
    pub fn into_result(self) -> Result<Vec<RawBlock>, LedgerError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.blocks),
        }
    }
}

/// One ledger file held as a single shared buffer, with its format.
#[derive(Debug, Clone)]
pub struct LedgerFile {
    path: Arc<Path>,
    bytes: Bytes,
    format: LedgerFormat,
    mapped: bool,
}

impl LedgerFile {
    /// Opens a file and detects its format (see [`detect_format`]).
    ///
    /// # Errors
    /// [`LedgerError::Io`] when it cannot be read, [`LedgerError::UnknownFormat`] when no format
    /// fits.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LedgerError> {
        let path = path.as_ref();
        let (bytes, mapped) = load(path)?;
        Ok(Self {
            mapped,
            ..Self::from_bytes(path, bytes)?
        })
    }

    /// Opens a file that is known to be in `format`.
    ///
    /// # Errors
    /// [`LedgerError::Io`] when it cannot be read.
    pub fn open_as(path: impl AsRef<Path>, format: LedgerFormat) -> Result<Self, LedgerError> {
        let path = path.as_ref();
        let (bytes, mapped) = load(path)?;
        Ok(Self {
            mapped,
            ..Self::from_bytes_as(path, bytes, format)
        })
    }

    /// Wraps an in-memory buffer, detecting its format; `name` is used in errors and as a hint.
    ///
    /// # Errors
    /// [`LedgerError::UnknownFormat`] when no format fits.
    pub fn from_bytes(name: impl AsRef<Path>, bytes: Bytes) -> Result<Self, LedgerError> {
        let format = detect_format(name.as_ref(), &bytes)?;
        Ok(Self::from_bytes_as(name, bytes, format))
    }

    /// Wraps an in-memory buffer known to be in `format`.
    #[must_use]
    pub fn from_bytes_as(name: impl AsRef<Path>, bytes: Bytes, format: LedgerFormat) -> Self {
        Self {
            path: Arc::from(name.as_ref()),
            bytes,
            format,
            mapped: false,
        }
    }

    /// The file's path (or the name given to an in-memory buffer).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's format.
    #[must_use]
    pub fn format(&self) -> LedgerFormat {
        self.format
    }

    /// The whole file content (shared, not copied).
    #[must_use]
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// True when the content is a memory map of the file (files of at least
    /// [`MMAP_THRESHOLD`] bytes), false when it was read into memory or given as a buffer.
    #[must_use]
    pub fn is_memory_mapped(&self) -> bool {
        self.mapped
    }

    /// A streaming iterator over the file's blocks.
    #[must_use]
    pub fn blocks(&self) -> Blocks {
        Blocks::new(Arc::clone(&self.path), self.bytes.clone(), self.format)
    }

    /// Reads every block; an error stops reading but keeps the complete blocks before it.
    #[must_use]
    pub fn read_all(&self) -> FileBlocks {
        let mut blocks = Vec::new();
        for block in self.blocks() {
            match block {
                Ok(b) => blocks.push(b),
                Err(e) => {
                    return FileBlocks {
                        blocks,
                        error: Some(e),
                    }
                }
            }
        }
        FileBlocks {
            blocks,
            error: None,
        }
    }
}

//! Decoding of the three layouts into [`RawBlock`]s, as a streaming iterator.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use crate::block::{BlockOrigin, LedgerFormat, RawBlock};
use crate::error::{BlockRef, LedgerError};
use crate::wire::{abs, Cursor, Fields, WireError};

/// Shifts a range relative to a sub-buffer starting at `start` into file coordinates.
fn sub(start: usize, r: Range<usize>) -> Range<usize> {
    start + r.start..start + r.end
}

fn malformed(path: &Arc<Path>, block: &BlockRef, what: &str, problem: WireError) -> LedgerError {
    LedgerError::Malformed {
        path: Arc::clone(path),
        block: block.clone(),
        what: what.to_owned(),
        problem,
    }
}

/// Reads the repeated `bytes` field 1 of a `BlockData` / `BlockMetadata` message into `out`.
fn push_repeated_bytes(
    path: &Arc<Path>,
    block: &BlockRef,
    what: &str,
    file: &Bytes,
    msg: Range<usize>,
    out: &mut Vec<Bytes>,
) -> Result<(), LedgerError> {
    let base = abs(0, msg.start);
    for field in Fields::new(&file[msg.clone()], base) {
        let field = field.map_err(|p| malformed(path, block, what, p))?;
        if field.number == 1 {
            let r = field
                .expect_bytes(base)
                .map_err(|p| malformed(path, block, what, p))?;
            out.push(file.slice(sub(msg.start, r)));
        }
    }
    Ok(())
}

/// Parses `file[range]` as one protobuf `common.Block`.
///
/// Go's merge semantics apply: a repeated header takes the last value of each field; repeated
/// `data` / `metadata` messages append their entries. Unknown fields are skipped; known fields
/// with the wrong wire type are errors, as in `proto.Unmarshal`.
pub(crate) fn parse_proto_block(
    path: &Arc<Path>,
    format: LedgerFormat,
    file: &Bytes,
    range: Range<usize>,
    index: usize,
    record_offset: u64,
) -> Result<RawBlock, LedgerError> {
    let mut block = BlockRef {
        index,
        number: None,
        record_offset,
    };
    let base = abs(0, range.start);
    let mut have_header = false;
    let mut number = 0u64;
    let mut previous_hash = Bytes::new();
    let mut data_hash = Bytes::new();
    let mut envelopes = Vec::new();
    let mut metadata = Vec::new();
    for field in Fields::new(&file[range.clone()], base) {
        let field = field.map_err(|p| malformed(path, &block, "protobuf Block", p))?;
        if !(1..=3).contains(&field.number) {
            continue;
        }
        let what = match field.number {
            1 => "block header",
            2 => "block data",
            _ => "block metadata",
        };
        let msg = sub(
            range.start,
            field
                .expect_bytes(base)
                .map_err(|p| malformed(path, &block, what, p))?,
        );
        match field.number {
            1 => {
                have_header = true;
                // proto3 omits a zero number: a header without field 1 is block 0.
                block.number = Some(number);
                let hbase = abs(0, msg.start);
                for hf in Fields::new(&file[msg.clone()], hbase) {
                    let hf = hf.map_err(|p| malformed(path, &block, what, p))?;
                    match hf.number {
                        1 => {
                            number = hf
                                .expect_varint(hbase)
                                .map_err(|p| malformed(path, &block, "block number", p))?;
                            block.number = Some(number);
                        }
                        2 => {
                            let r = hf
                                .expect_bytes(hbase)
                                .map_err(|p| malformed(path, &block, "previous hash", p))?;
                            previous_hash = file.slice(sub(msg.start, r));
                        }
                        3 => {
                            let r = hf
                                .expect_bytes(hbase)
                                .map_err(|p| malformed(path, &block, "data hash", p))?;
                            data_hash = file.slice(sub(msg.start, r));
                        }
                        _ => {}
                    }
                }
            }
            2 => push_repeated_bytes(path, &block, what, file, msg, &mut envelopes)?,
            _ => push_repeated_bytes(path, &block, what, file, msg, &mut metadata)?,
        }
    }
    if !have_header {
        return Err(LedgerError::MissingHeader {
            path: Arc::clone(path),
            block,
            offset: abs(0, range.end),
        });
    }
    Ok(RawBlock {
        number,
        previous_hash,
        data_hash,
        envelopes,
        metadata,
        record: file.slice(range.clone()),
        origin: BlockOrigin {
            path: Arc::clone(path),
            format,
            index,
            offset: record_offset,
            record_len: range.len() as u64,
        },
    })
}

/// Reads `count` length-prefixed entries (`what` names them in errors).
fn read_entries(
    c: &mut Cursor<'_>,
    start: usize,
    file: &Bytes,
    count: u64,
    what: &str,
    err: &dyn Fn(String, WireError) -> LedgerError,
) -> Result<Vec<Bytes>, LedgerError> {
    // Each entry takes at least one byte, so never reserve more than what remains.
    let cap = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .min(c.remaining());
    let mut out = Vec::with_capacity(cap);
    for i in 0..count {
        let r = c
            .read_len_prefixed()
            .map_err(|p| err(format!("{what} {i} of {count}"), p))?;
        out.push(file.slice(sub(start, r)));
    }
    Ok(out)
}

/// Parses `file[range]` as the body of a peer blockfile record (Fabric's
/// `block_serialization.go` layout).
fn parse_blockfile_body(
    path: &Arc<Path>,
    file: &Bytes,
    range: Range<usize>,
    index: usize,
    record_offset: u64,
) -> Result<RawBlock, LedgerError> {
    let mut block = BlockRef {
        index,
        number: None,
        record_offset,
    };
    let mut c = Cursor::new(&file[range.clone()], abs(0, range.start));
    let number = c
        .read_varint()
        .map_err(|p| malformed(path, &block, "block number", p))?;
    block.number = Some(number);
    let err = |what: String, p: WireError| malformed(path, &block, &what, p);
    let dh = c
        .read_len_prefixed()
        .map_err(|p| err("data hash".into(), p))?;
    let ph = c
        .read_len_prefixed()
        .map_err(|p| err("previous hash".into(), p))?;
    let ntx = c
        .read_varint()
        .map_err(|p| err("transaction count".into(), p))?;
    let envelopes = read_entries(&mut c, range.start, file, ntx, "envelope", &err)?;
    let nmd = c
        .read_varint()
        .map_err(|p| err("metadata count".into(), p))?;
    let metadata = read_entries(&mut c, range.start, file, nmd, "metadata entry", &err)?;
    if !c.is_at_end() {
        return Err(LedgerError::RecordTrailingBytes {
            path: Arc::clone(path),
            block,
            offset: c.offset(),
            count: c.remaining() as u64,
        });
    }
    Ok(RawBlock {
        number,
        previous_hash: file.slice(sub(range.start, ph)),
        data_hash: file.slice(sub(range.start, dh)),
        envelopes,
        metadata,
        record: file.slice(range.clone()),
        origin: BlockOrigin {
            path: Arc::clone(path),
            format: LedgerFormat::PeerBlockfile,
            index,
            offset: record_offset,
            record_len: range.len() as u64,
        },
    })
}

/// A streaming reader of the blocks of one buffer.
///
/// Yields blocks in file order. After the first error it yields that error and stops, so every
/// block it returned before is complete and intact (a partial trailing record after good blocks
/// is reported as [`LedgerError::TruncatedRecord`]).
#[derive(Debug, Clone)]
pub struct Blocks {
    path: Arc<Path>,
    file: Bytes,
    format: LedgerFormat,
    pos: usize,
    index: usize,
    done: bool,
}

impl Blocks {
    /// Blocks of `file` (named `path` in errors) decoded as `format`.
    #[must_use]
    pub fn new(path: Arc<Path>, file: Bytes, format: LedgerFormat) -> Self {
        Self {
            path,
            file,
            format,
            pos: 0,
            index: 0,
            done: false,
        }
    }

    /// The byte offset where the next record would start.
    #[must_use]
    pub fn position(&self) -> u64 {
        abs(0, self.pos)
    }

    fn next_record(&mut self) -> Result<RawBlock, LedgerError> {
        let record_start = self.pos;
        let mut block = BlockRef {
            index: self.index,
            number: None,
            record_offset: abs(0, record_start),
        };
        let mut c = Cursor::new(&self.file[record_start..], abs(0, record_start));
        let declared = c
            .read_varint()
            .map_err(|p| malformed(&self.path, &block, "record length", p))?;
        let body_start = record_start + c.pos();
        let available = self.file.len() - body_start;
        let body_len = match usize::try_from(declared) {
            Ok(n) if n <= available => n,
            _ => {
                if self.format == LedgerFormat::PeerBlockfile {
                    // Name the block when the partial record still holds its number.
                    block.number = Cursor::new(&self.file[body_start..], 0).read_varint().ok();
                }
                return Err(LedgerError::TruncatedRecord {
                    path: Arc::clone(&self.path),
                    block,
                    declared,
                    available: available as u64,
                });
            }
        };
        let body = body_start..body_start + body_len;
        let parsed = match self.format {
            LedgerFormat::PeerBlockfile => parse_blockfile_body(
                &self.path,
                &self.file,
                body.clone(),
                self.index,
                block.record_offset,
            ),
            _ => parse_proto_block(
                &self.path,
                self.format,
                &self.file,
                body.clone(),
                self.index,
                block.record_offset,
            ),
        }?;
        self.pos = body.end;
        Ok(parsed)
    }
}

impl Iterator for Blocks {
    type Item = Result<RawBlock, LedgerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = match self.format {
            LedgerFormat::ProtoBlock => {
                self.done = true;
                let len = self.file.len();
                parse_proto_block(&self.path, self.format, &self.file, 0..len, 0, 0)
            }
            _ => {
                if self.pos >= self.file.len() {
                    self.done = true;
                    return None;
                }
                self.next_record()
            }
        };
        if result.is_err() {
            self.done = true;
        }
        self.index += 1;
        Some(result)
    }
}

impl std::iter::FusedIterator for Blocks {}

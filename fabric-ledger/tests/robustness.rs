//! No panic on any input; every error names the file, the block and a byte offset.
// Test helpers: a panic is a test failure with its message.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::Bytes;
use common::{read, shared};
use fabric_ledger::{check_block, ChainChecker, LedgerError, LedgerFile, LedgerFormat};
use proptest::prelude::*;

const BLOCKFILE: &str = "fabric-ledgers/sample-prod-v2-sampleorg/blockfile_000000";
const SMALL_BLOCK: &str = "fabric-ledgers/config-blocks/kafka-3org-idemix-mychannel.block";
const STREAM: &str = "bench-corpus/blocks-100tx.bin";

/// Asserts the error names the file, a block and an offset within (or at the end of) the buffer.
fn assert_locates(e: &LedgerError, name: &str, len: usize) {
    let text = e.to_string();
    assert!(
        text.starts_with(name),
        "error does not name the file: {text}"
    );
    assert!(e.block().is_some(), "error names no block: {text}");
    let offset = e
        .offset()
        .unwrap_or_else(|| panic!("error names no offset: {text}"));
    assert!(
        offset <= len as u64,
        "offset {offset} beyond {len} bytes: {text}"
    );
    assert!(
        text.contains("byte"),
        "message gives no byte offset: {text}"
    );
    if let LedgerError::UnknownFormat { rejections, .. } = e {
        assert!(!rejections.is_empty());
        for r in rejections {
            assert!(
                r.reason.block().is_some() && r.reason.offset().is_some(),
                "{text}"
            );
        }
    }
}

/// Record start offsets of the blocks of a framed file, and the end of the file.
fn record_bounds(file: &LedgerFile) -> Vec<u64> {
    let mut bounds: Vec<u64> = file.blocks().map(|b| b.unwrap().origin.offset).collect();
    bounds.push(file.bytes().len() as u64);
    bounds
}

#[test]
fn blockfile_truncated_at_every_offset() {
    let full = Bytes::from(read(BLOCKFILE));
    let bounds = record_bounds(&LedgerFile::from_bytes_as(
        "full",
        full.clone(),
        LedgerFormat::PeerBlockfile,
    ));
    assert_eq!(bounds.len(), 9, "8 blocks and the end");
    for cut in 0..=full.len() {
        let file = LedgerFile::from_bytes_as(
            "blockfile_000000",
            full.slice(..cut),
            LedgerFormat::PeerBlockfile,
        );
        let read = file.read_all();
        // Blocks that end at or before the cut are all returned, intact.
        let complete = bounds[1..]
            .iter()
            .take_while(|end| **end <= cut as u64)
            .count();
        assert_eq!(read.blocks.len(), complete, "cut at {cut}");
        for (i, b) in read.blocks.iter().enumerate() {
            assert_eq!(b.number, i as u64);
        }
        match &read.error {
            None => assert!(
                bounds.contains(&(cut as u64)),
                "cut at {cut} inside a record went unnoticed"
            ),
            Some(e) => {
                assert_locates(e, "blockfile_000000", cut);
                let block = e.block().unwrap();
                assert_eq!(block.index, complete, "cut at {cut}: {e}");
                assert_eq!(block.record_offset, bounds[complete], "cut at {cut}: {e}");
                assert_eq!(e.offset(), Some(bounds[complete]), "cut at {cut}: {e}");
                // Once the record length is readable, the partial write is named by number.
                if matches!(e, LedgerError::TruncatedRecord { .. })
                    && cut as u64 > bounds[complete] + 3
                {
                    assert_eq!(block.number, Some(complete as u64), "cut at {cut}: {e}");
                }
            }
        }
        // Auto-detection with the blockfile name keeps the good blocks too.
        if cut > 0 {
            let auto = LedgerFile::from_bytes("blockfile_000000", full.slice(..cut)).unwrap();
            assert_eq!(auto.format(), LedgerFormat::PeerBlockfile, "cut at {cut}");
        }
    }
}

#[test]
fn partial_trailing_record_is_reported_after_complete_blocks() {
    let full = Bytes::from(read(BLOCKFILE));
    let bounds = record_bounds(&LedgerFile::from_bytes_as(
        "full",
        full.clone(),
        LedgerFormat::PeerBlockfile,
    ));
    let cut = usize::try_from(bounds[7]).unwrap() + 100;
    let read = LedgerFile::from_bytes("blockfile_000000", full.slice(..cut))
        .unwrap()
        .read_all();
    assert_eq!(read.blocks.len(), 7);
    let e = read.error.expect("partial record must be reported");
    assert!(e.is_truncated_tail(), "{e}");
    assert_eq!(e.block().unwrap().number, Some(7));
    let text = e.to_string();
    assert!(
        text.contains("block 7") && text.contains(&format!("byte {}", bounds[7])),
        "{text}"
    );
    // Without a name, detection still picks the blockfile (only its last record is cut short).
    let auto = LedgerFile::from_bytes("unnamed", full.slice(..cut)).unwrap();
    assert_eq!(auto.format(), LedgerFormat::PeerBlockfile);
}

#[test]
fn single_block_truncated_at_every_offset() {
    let full = Bytes::from(read(SMALL_BLOCK));
    // End of the header (field 1, first in the file): past it, errors name the block number.
    let mut c = fabric_ledger::wire::Cursor::new(&full, 0);
    assert_eq!(c.read_varint().unwrap(), 0x0a, "header tag first");
    let header_end = c.read_len_prefixed().unwrap().end;
    for cut in 0..full.len() {
        let file =
            LedgerFile::from_bytes_as("b.block", full.slice(..cut), LedgerFormat::ProtoBlock);
        let read = file.read_all();
        // A cut at a top-level field boundary can still be a valid (shorter) block; anything
        // else must be an error that locates the problem.
        match read.error {
            Some(e) => {
                assert!(read.blocks.is_empty());
                assert_locates(&e, "b.block", cut);
                assert_eq!(e.block().unwrap().index, 0);
                if cut >= header_end {
                    assert_eq!(e.block().unwrap().number, Some(0), "cut at {cut}: {e}");
                }
            }
            None => assert_eq!(read.blocks.len(), 1),
        }
    }
}

#[test]
fn stream_truncated_in_steps_and_at_boundaries() {
    let path = shared(STREAM);
    let file = LedgerFile::open(&path).unwrap();
    let bounds = record_bounds(&file);
    // The first three records give a stream of about 1.2 MB.
    let prefix = file.bytes().slice(..usize::try_from(bounds[3]).unwrap());
    let mut cuts: Vec<usize> = (0..prefix.len()).step_by(997).collect();
    for b in &bounds[..4] {
        let b = usize::try_from(*b).unwrap();
        cuts.extend(b.saturating_sub(3)..(b + 4).min(prefix.len() + 1));
    }
    for cut in cuts {
        let f = LedgerFile::from_bytes_as("s.bin", prefix.slice(..cut), LedgerFormat::BlockStream);
        let read = f.read_all();
        let complete = bounds[1..]
            .iter()
            .take_while(|end| **end <= cut as u64)
            .count();
        assert_eq!(read.blocks.len(), complete, "cut at {cut}");
        match read.error {
            None => assert!(bounds.contains(&(cut as u64)), "cut at {cut}"),
            Some(e) => {
                assert_locates(&e, "s.bin", cut);
                assert_eq!(e.block().unwrap().index, complete);
            }
        }
    }
}

/// Deterministic pseudo-random bytes (xorshift), so the test needs no extra dependency.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn garbage_is_rejected_with_a_reason_per_format() {
    let inputs: Vec<(String, Vec<u8>)> = vec![
        ("zeros".into(), vec![0; 64]),
        ("ones".into(), vec![0xff; 64]),
        (
            "text".into(),
            b"this is not a Fabric ledger, just some text\n".to_vec(),
        ),
        ("noise-1".into(), noise(1, 4096)),
        ("noise-2".into(), noise(2, 100)),
        ("overlong".into(), vec![0x80; 20]),
    ];
    for (name, data) in inputs {
        let len = data.len();
        let err = LedgerFile::from_bytes(&name, Bytes::from(data.clone())).expect_err(&name);
        match &err {
            LedgerError::UnknownFormat { rejections, .. } => {
                assert_eq!(rejections.len(), 3, "{name}: {err}");
                let text = err.to_string();
                for f in LedgerFormat::ALL {
                    assert!(text.contains(&format!("as {f}:")), "{name}: {text}");
                }
            }
            other => panic!("{name}: expected UnknownFormat, got {other}"),
        }
        assert_locates(&err, &name, len);
        // Forced formats also fail with a located error.
        for format in LedgerFormat::ALL {
            let read =
                LedgerFile::from_bytes_as(&name, Bytes::from(data.clone()), format).read_all();
            let e = read
                .error
                .unwrap_or_else(|| panic!("{name} as {format} decoded"));
            assert_locates(&e, &name, len);
        }
    }
    let empty = LedgerFile::from_bytes("empty", Bytes::new()).expect_err("empty file");
    assert!(matches!(empty, LedgerError::EmptyFile { .. }), "{empty}");
}

#[test]
fn overlong_and_oversized_lengths_are_located() {
    // A blockfile record whose transaction count is absurd and whose varints are overlong.
    let mut rec = vec![0x05, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f];
    rec.insert(0, u8::try_from(rec.len()).unwrap());
    let read =
        LedgerFile::from_bytes_as("bf", Bytes::from(rec), LedgerFormat::PeerBlockfile).read_all();
    let e = read.error.unwrap();
    assert_eq!(e.block().unwrap().number, Some(5));
    assert!(e.to_string().contains("envelope 0 of 4294967295"), "{e}");
    let overlong = [vec![0x0b, 0x01], vec![0x80; 10]].concat();
    let e = LedgerFile::from_bytes_as("bf", Bytes::from(overlong), LedgerFormat::PeerBlockfile)
        .read_all()
        .error
        .unwrap();
    assert!(
        matches!(
            e,
            LedgerError::Malformed {
                problem: fabric_ledger::WireError::OverlongVarint { offset: 2 },
                ..
            }
        ),
        "{e}"
    );
}

/// The inputs the mutation test starts from: a blockfile, a protobuf block and a one-block stream.
fn seeds() -> Vec<(&'static str, LedgerFormat, Bytes)> {
    let stream = LedgerFile::open(shared(STREAM)).unwrap();
    let first_end = usize::try_from(record_bounds(&stream)[1]).unwrap();
    vec![
        (
            "blockfile_000000",
            LedgerFormat::PeerBlockfile,
            Bytes::from(read(BLOCKFILE)),
        ),
        (
            "x.block",
            LedgerFormat::ProtoBlock,
            Bytes::from(read(SMALL_BLOCK)),
        ),
        (
            "s.bin",
            LedgerFormat::BlockStream,
            stream.bytes().slice(..first_end),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn mutated_blocks_never_panic_and_errors_are_located(
        which in 0usize..3,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        truncate in prop::option::of(any::<prop::sample::Index>()),
        extend in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let (name, format, original) = seeds().swap_remove(which);
        let mut data = original.to_vec();
        for (at, byte) in &edits {
            let i = at.index(data.len());
            data[i] = *byte;
        }
        if let Some(t) = truncate {
            data.truncate(t.index(data.len()).max(1));
        }
        data.extend_from_slice(&extend);
        let len = data.len();
        let bytes = Bytes::from(data);

        // Read as the known format: every error is located; blocks read are checked without panic.
        let read = LedgerFile::from_bytes_as(name, bytes.clone(), format).read_all();
        if let Some(e) = &read.error {
            assert_locates(e, name, len);
        }
        let mut chain = ChainChecker::new();
        for b in &read.blocks {
            let r = chain.check(b);
            prop_assert_eq!(r.number, b.number);
            for p in &r.problems {
                let needle = format!("block {}", b.number);
                prop_assert!(p.to_string().contains(&needle), "{} lacks {}", p, needle);
            }
        }

        // Auto-detection, by name and by content alone.
        for n in [name, "unnamed"] {
            match LedgerFile::from_bytes(n, bytes.clone()) {
                Ok(f) => {
                    let read = f.read_all();
                    if let Some(e) = &read.error {
                        assert_locates(e, n, len);
                    }
                    for b in &read.blocks {
                        let _ = check_block(b);
                    }
                }
                Err(e) => assert_locates(&e, n, len),
            }
        }
    }
}

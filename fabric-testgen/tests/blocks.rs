//! Block headers, the hash chain, and the three block file formats.

mod common;

use common::{envelopes, sample};
use fabric_protos::common::Block;
use fabric_protos::Message;
use fabric_testgen::block::{header_hash, METADATA_SLOTS};
use fabric_testgen::files::{block_file, block_stream, fabric_blockfile};

fn read_varint(bytes: &[u8], pos: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*pos];
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

fn read_prefixed<'a>(bytes: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let len = read_varint(bytes, pos) as usize;
    let out = &bytes[*pos..*pos + len];
    *pos += len;
    out
}

/// Header DER written out by hand for numbers below 128 and 32-byte (or empty) hashes.
fn expected_header_der(number: u64, previous: &[u8], data: &[u8]) -> Vec<u8> {
    assert!(number < 128);
    let mut body = vec![0x02, 0x01, number as u8, 0x04, previous.len() as u8];
    body.extend_from_slice(previous);
    body.extend([0x04, data.len() as u8]);
    body.extend_from_slice(data);
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    der
}

#[test]
fn headers_chain_and_hash_the_data() {
    let ledger = sample();
    let mut previous: Option<Vec<u8>> = None;
    for (i, block) in ledger.blocks.iter().enumerate() {
        let header = block.header.as_ref().expect("header");
        assert_eq!(header.number, i as u64);
        let data: Vec<u8> = envelopes(block).iter().flat_map(|e| e.to_vec()).collect();
        assert_eq!(
            header.data_hash.as_ref(),
            fabric_crypto::sha256(&data).as_slice(),
            "block {i} data hash"
        );
        match &previous {
            None => assert!(
                header.previous_hash.is_empty(),
                "block 0 has no previous hash"
            ),
            Some(p) => assert_eq!(
                header.previous_hash.as_ref(),
                p.as_slice(),
                "block {i} previous hash"
            ),
        }
        let der = expected_header_der(header.number, &header.previous_hash, &header.data_hash);
        assert_eq!(
            header_hash(header),
            fabric_crypto::sha256(&der),
            "block {i} header hash"
        );
        previous = Some(fabric_crypto::sha256(&der).to_vec());
        let metadata = &block.metadata.as_ref().expect("metadata").metadata;
        assert_eq!(metadata.len(), METADATA_SLOTS);
        assert!(
            metadata.iter().all(|m| m.is_empty()),
            "block {i} metadata slots are empty"
        );
    }
}

#[test]
fn stream_and_blockfile_round_trip() {
    let ledger = sample();
    let stream = block_stream(&ledger.blocks);
    let mut pos = 0;
    let mut decoded = Vec::new();
    while pos < stream.len() {
        decoded.push(Block::decode(read_prefixed(&stream, &mut pos)).expect("Block in stream"));
    }
    assert_eq!(decoded, ledger.blocks);
    assert_eq!(ledger.files.get("ledger.bin"), Some(stream.as_slice()));
    assert_eq!(
        ledger.files.get("genesis.block"),
        Some(block_file(&ledger.blocks[0]).as_slice())
    );

    let blockfile = fabric_blockfile(&ledger.blocks);
    let mut pos = 0;
    for block in &ledger.blocks {
        let record = read_prefixed(&blockfile, &mut pos);
        let mut p = 0;
        let header = block.header.as_ref().expect("header");
        assert_eq!(read_varint(record, &mut p), header.number);
        assert_eq!(
            read_prefixed(record, &mut p),
            header.data_hash.as_ref(),
            "data hash comes first"
        );
        assert_eq!(read_prefixed(record, &mut p), header.previous_hash.as_ref());
        let n = read_varint(record, &mut p) as usize;
        assert_eq!(n, envelopes(block).len());
        for envelope in envelopes(block) {
            assert_eq!(read_prefixed(record, &mut p), envelope.as_ref());
        }
        assert_eq!(read_varint(record, &mut p) as usize, METADATA_SLOTS);
        for _ in 0..METADATA_SLOTS {
            assert!(read_prefixed(record, &mut p).is_empty());
        }
        assert_eq!(
            p,
            record.len(),
            "no trailing bytes in block {}",
            header.number
        );
    }
    assert_eq!(pos, blockfile.len());
}

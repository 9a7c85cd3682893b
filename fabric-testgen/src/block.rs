//! Blocks with a real hash chain (spec 8.1): `data_hash` = SHA-256 of the concatenated
//! envelopes; `previous_hash` = SHA-256 of the DER header of the previous block; metadata
//! with the 5 standard slots, all empty (the state in which the orderer delivers a block,
//! without orderer signatures or a transactions filter).

use bytes::Bytes;
use fabric_protos::common::{Block, BlockData, BlockHeader, BlockMetadata};

/// Number of metadata slots (SIGNATURES .. COMMIT_HASH).
pub const METADATA_SLOTS: usize = 5;

/// SHA-256 over the plain concatenation of the envelopes (`protoutil.ComputeBlockDataHash`);
/// the ledger reader's own function, so generator and checker cannot disagree.
pub use fabric_ledger::data_hash;

/// SHA-256 of the header's DER encoding (`protoutil.BlockHeaderHash`), computed by
/// `fabric-ledger`.
#[must_use]
pub fn header_hash(header: &BlockHeader) -> [u8; 32] {
    fabric_ledger::header_hash(header.number, &header.previous_hash, &header.data_hash)
}

/// A block with the given number, previous hash and envelopes.
#[must_use]
pub fn make_block(number: u64, previous_hash: &[u8], envelopes: Vec<Bytes>) -> Block {
    Block {
        header: Some(BlockHeader {
            number,
            previous_hash: Bytes::copy_from_slice(previous_hash),
            data_hash: Bytes::copy_from_slice(&data_hash(&envelopes)),
        }),
        data: Some(BlockData { data: envelopes }),
        metadata: Some(BlockMetadata {
            metadata: vec![Bytes::new(); METADATA_SLOTS],
        }),
    }
}

/// Appends blocks one after another, keeping number and previous hash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockChain {
    next_number: u64,
    previous_hash: Vec<u8>,
}

impl BlockChain {
    /// A chain whose first block is block 0 with an empty previous hash.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A chain continuing after a block with `number - 1` whose header hash is `previous_hash`.
    #[must_use]
    pub fn continuing(number: u64, previous_hash: &[u8]) -> Self {
        Self {
            next_number: number,
            previous_hash: previous_hash.to_vec(),
        }
    }

    /// The number the next block gets.
    #[must_use]
    pub fn next_number(&self) -> u64 {
        self.next_number
    }

    /// Makes the next block from `envelopes`.
    pub fn append(&mut self, envelopes: Vec<Bytes>) -> Block {
        let block = make_block(self.next_number, &self.previous_hash, envelopes);
        if let Some(header) = &block.header {
            self.previous_hash = header_hash(header).to_vec();
        }
        self.next_number += 1;
        block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_links_headers() {
        let mut chain = BlockChain::new();
        let b0 = chain.append(vec![Bytes::from_static(b"a")]);
        let b1 = chain.append(vec![Bytes::from_static(b"b"), Bytes::from_static(b"c")]);
        let h0 = b0.header.expect("header");
        let h1 = b1.header.expect("header");
        assert_eq!(h0.number, 0);
        assert!(h0.previous_hash.is_empty());
        assert_eq!(h1.number, 1);
        assert_eq!(h1.previous_hash.as_ref(), header_hash(&h0).as_slice());
        assert_eq!(
            h1.data_hash.as_ref(),
            fabric_crypto::sha256(b"bc").as_slice()
        );
        assert_eq!(
            b1.metadata.expect("metadata").metadata.len(),
            METADATA_SLOTS
        );
    }
}

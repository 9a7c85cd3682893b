//! Zero-copy reading of Hyperledger Fabric ledger files, with the checks a peer applies to a
//! block before validating it.
//!
//! Three layouts are read (see [`LedgerFormat`]): a peer's `blockfile_NNNNNN`, a single protobuf
//! `common.Block` (`.block` / `.pb`) and a stream of varint-length-prefixed blocks (`.bin`).
//! Files are memory-mapped and every [`RawBlock`] field is a [`bytes::Bytes`] slice of that one
//! buffer, so reading copies nothing and hashes are always computed over the original bytes.
//!
//! This crate does not decode envelopes (that is `fabric-protos`' job); it walks just enough of
//! the protobuf wire format itself ([`wire`]) to find blocks and to apply Fabric's envelope
//! well-formedness rule, which also lets every error name the file, block and byte offset.
//!
//! ```no_run
//! use fabric_ledger::{ChainChecker, LedgerFile};
//!
//! # fn main() -> Result<(), fabric_ledger::LedgerError> {
//! let file = LedgerFile::open("ledgersData/chains/chains/mychannel/blockfile_000000")?;
//! let mut chain = ChainChecker::new();
//! for block in file.blocks() {
//!     let report = chain.check(&block?);
//!     for problem in &report.problems {
//!         eprintln!("{problem}");
//!     }
//! }
//! # Ok(())
//! # }
//! ```

pub mod block;
pub mod envelope;
pub mod error;
pub mod file;
pub mod folder;
pub mod header;
pub mod parse;
pub mod snapshot;
pub mod verify;
pub mod wire;

pub use block::{BlockOrigin, LedgerFormat, RawBlock};
pub use error::{BlockRef, FormatRejection, LedgerError};
pub use file::{detect_format, load_file, FileBlocks, LedgerFile};
pub use folder::{FileCheck, LedgerDir};
pub use header::{header_der, header_hash};
pub use parse::Blocks;
pub use snapshot::{SnapshotInfo, SNAPSHOT_INFO_FILE_NAME};
pub use verify::{check_block, data_hash, BlockReport, ChainChecker, Problem};
pub use wire::WireError;

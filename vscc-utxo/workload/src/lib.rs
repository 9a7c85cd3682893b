//! A deterministic generator of UTXO ledgers for the `UTXO` validation plugin (crate
//! `vscc-utxo`), for tests and benchmarks.
//!
//! Built on `fabric-testgen`: real MSP material ([`network`]: organisations with NodeOUs,
//! client identities as coin owners, `Org1MSP`'s admin as issuer, `peer0`s as endorsers), a
//! genesis config block, a `_lifecycle` definition of the UTXO chaincode that names the
//! plugin and its parameter ([`lifecycle`]), and endorser transactions with real signatures
//! and real read-write sets, read versions included ([`workload`]).
//!
//! The [`Workload`] keeps its own view of the committed unspent set, so that spenders read
//! the right versions, and predicts for every transaction ([`ExpectedTx`]) both what the
//! plugin alone says against the state before the block (valid, or the [`vscc_utxo::Rule`]
//! broken) and the code Fabric's committer gives it (`DUPLICATE_TXID`,
//! `ENDORSEMENT_POLICY_FAILURE` from the plugin, `MVCC_READ_CONFLICT` for the second spend
//! of one output within a block, `VALID`).
//!
//! ```no_run
//! use utxo_workload::{UtxoFault, Workload};
//!
//! let mut w = Workload::with_orgs(b"seed", 2)?;
//! let alice = w.parties()[0];
//! let bob = w.parties()[1];
//! let issue = w.issue(&[(alice, 100)], "gold", UtxoFault::None)?;
//! w.block(vec![issue])?;
//! let coin = w.coins_of(alice)[0].clone();
//! let pay = w.pay(&coin, bob, 30, UtxoFault::None)?;
//! let twice = w.pay(&coin, bob, 30, UtxoFault::None)?; // MVCC_READ_CONFLICT
//! w.block(vec![pay, twice])?;
//! std::fs::write("utxo.bin", w.block_stream(true)).ok();
//! # Ok::<(), utxo_workload::WorkloadError>(())
//! ```
//!
//! [`scenario`] has ready-made ledgers: [`scenario::coverage`] (every operation and fault)
//! and [`scenario::transfer_block`] (N valid transfers with K endorsements each).

pub mod error;
pub mod expect;
pub mod lifecycle;
pub mod network;
pub mod scenario;
pub mod workload;

pub use error::WorkloadError;
pub use expect::{ExpectedTx, TxKind, UtxoFault};
pub use network::{Network, Party, WorkloadSpec};
pub use workload::{Coin, Creator, PlannedTx, UtxoBlock, Workload};

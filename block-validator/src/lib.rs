//! The committer side of Fabric's validation (spec section 5): a block validator that decides,
//! transaction by transaction, whether a block's transactions are valid, runs the validation
//! plugins the chaincode definitions name, checks read sets (MVCC) and commits.
//!
//! * [`validator::ChannelValidator`] validates and commits the blocks of one channel in order;
//! * [`transaction`]: the checks Fabric makes before any plugin (spec 5.4-5.6);
//! * [`lifecycle`]: where each namespace's plugin and parameter come from (`_lifecycle`
//!   definitions replayed from the ledger, legacy LSCC data, explicit overrides);
//! * [`host`]: the host side of every plugin dependency, over the configuration in force;
//! * [`mvcc`] and [`state`]: read-set validation and the world state;
//! * [`pool`]: the per-block worker pool (`peer.validatorPoolSize`).
//!
//! # Decisions where Fabric is non-deterministic or crash-prone (spec 11)
//! * Namespaces of a transaction are validated in a fixed order: the invoked chaincode first,
//!   then the other written namespaces sorted by name. Fabric iterates a Go map, so when two
//!   namespaces would fail differently the code (or halt vs invalid) can differ between Fabric
//!   peers; validity is the same.
//! * An endorsed action missing from `ChaincodeActionPayload` is INVALID_ENDORSER_TRANSACTION
//!   (Fabric would dereference nil).
//! * The lowest-index halt of a block wins and nothing of the block is committed.
//! * A config transaction is applied when its block commits; its content is not checked
//!   against the previous configuration's modification policies (Fabric's `configtx`
//!   validation), only decoded into a usable channel configuration.
//! * Only the v20 committer is implemented: with signatures checked, an endorser transaction on
//!   a channel without the V2_0 application capability halts with a clear error.
//! * Range queries recorded as Merkle summaries cannot be re-checked and halt the block.

pub mod error;
pub mod host;
pub mod lifecycle;
pub mod mvcc;
pub mod pool;
pub mod replay;
pub mod rwset;
pub mod state;
pub mod transaction;
pub mod validator;

pub use error::BlockError;
pub use host::ChannelHost;
pub use lifecycle::{Lookup, ValidationInfo};
pub use replay::{BlockOutcome, InitialConfig, MvccMode, Replay, ReplayError};
pub use state::{Height, WorldState};
pub use validator::{BlockVerdict, ChaincodeOverride, ChannelValidator, ValidatorOptions};

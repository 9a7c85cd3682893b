//! Committed world state as plugins see it (Fabric's `validation/api/state`); the error type is
//! shared with the endorsement state API.

use std::collections::BTreeMap;

/// Why a state query failed.
///
/// `CollConfigNotDefined` and `InvalidCollName` are deterministic (Fabric's default VSCC skips
/// key-level validation on them) and must never be turned into an execution failure; every
/// other variant is non-deterministic.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The chaincode has no collection configuration.
    #[error(
        "collection config not defined for chaincode [{namespace}], pass the collection \
         configuration upon chaincode definition/instantiation"
    )]
    CollConfigNotDefined {
        /// The chaincode.
        namespace: String,
    },
    /// The collection is not defined in the chaincode's collection configuration.
    #[error("collection [{collection}] not defined in the collection config for chaincode [{namespace}]")]
    InvalidCollName {
        /// The chaincode.
        namespace: String,
        /// The unknown collection.
        collection: String,
    },
    /// The ledger failed to answer.
    #[error("ledger query failed: {0}")]
    Ledger(String),
    /// The provider failed for another reason (including a panic in the host).
    #[error("state provider failed: {0}")]
    Provider(String),
}

/// One range-scan result (`queryresult.KV`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kv {
    /// The chaincode.
    pub namespace: String,
    /// The key.
    pub key: String,
    /// The committed value.
    pub value: Vec<u8>,
}

/// A range-scan iterator; yields `None` when exhausted. Dropping it closes it.
pub type KvIterator = Box<dyn Iterator<Item = Result<Kv, StateError>> + Send>;

/// A view of committed state; call [`State::done`] when finished.
pub trait State: Send {
    /// The committed values of `keys` in `namespace`, in order (`None` for a missing key).
    ///
    /// # Errors
    ///
    /// [`StateError`] when the ledger cannot answer.
    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError>;

    /// The keys of `namespace` in `[start, end)` (`""` = unbounded on that side).
    ///
    /// # Errors
    ///
    /// [`StateError`] when the ledger cannot answer.
    fn get_state_range_scan_iterator(
        &self,
        namespace: &str,
        start: &str,
        end: &str,
    ) -> Result<KvIterator, StateError>;

    /// The metadata entries of a public key (e.g. `"VALIDATION_PARAMETER"`).
    ///
    /// # Errors
    ///
    /// [`StateError`] when the ledger cannot answer.
    fn get_state_metadata(
        &self,
        namespace: &str,
        key: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError>;

    /// The metadata entries of a private key addressed by the SHA-256 hash of the key.
    ///
    /// # Errors
    ///
    /// [`StateError::CollConfigNotDefined`] / [`StateError::InvalidCollName`] (deterministic)
    /// or another [`StateError`].
    fn get_private_data_metadata_by_hash(
        &self,
        namespace: &str,
        collection: &str,
        key_hash: &[u8],
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError>;

    /// Releases the underlying query executor.
    fn done(&self);
}

/// Opens a new [`State`] per call over committed state.
pub trait StateFetcher: Send + Sync {
    /// A fresh view of committed state.
    ///
    /// # Errors
    ///
    /// [`StateError`] when no view can be opened.
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError>;
}

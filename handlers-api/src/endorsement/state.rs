//! Channel state as endorsement plugins see it (Fabric's `endorsement/api/state`).

pub use crate::validation::state::StateError;

/// A view of committed state plus the transient store; call [`State::done`] when finished.
pub trait State: Send {
    /// The committed private values of `keys` in `namespace`/`collection`, in order.
    ///
    /// # Errors
    ///
    /// [`StateError`] when the ledger cannot answer.
    fn get_private_data_multiple_keys(
        &self,
        namespace: &str,
        collection: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError>;

    /// The committed public values of `keys` in `namespace`, in order.
    ///
    /// # Errors
    ///
    /// [`StateError`] when the ledger cannot answer.
    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError>;

    /// Every serialized `TxPvtReadWriteSet` recorded in the transient store under `txid`.
    ///
    /// # Errors
    ///
    /// [`StateError`] when the transient store cannot answer.
    fn get_transient_by_txid(&self, txid: &str) -> Result<Vec<Vec<u8>>, StateError>;

    /// Releases the underlying query executor.
    fn done(&self);
}

/// Opens a new [`State`] per call.
pub trait StateFetcher: Send + Sync {
    /// A fresh view of channel state.
    ///
    /// # Errors
    ///
    /// [`StateError`] when no view can be opened.
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError>;
}

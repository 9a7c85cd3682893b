//! Why a workload could not be generated.

/// Why a workload step failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// The spec cannot be generated.
    #[error("workload spec: {0}")]
    Spec(String),
    /// MSP material could not be generated.
    #[error(transparent)]
    Msp(#[from] fabric_testgen::msp::MspError),
    /// A transaction could not be built.
    #[error(transparent)]
    Tx(#[from] fabric_testgen::tx::TxError),
    /// A party index that the network does not have.
    #[error("no party #{0} in this network")]
    UnknownParty(usize),
    /// An identity the network should have is missing.
    #[error("identity {0} is missing from the network")]
    MissingIdentity(String),
    /// The requested transaction cannot be made (e.g. a transfer without inputs, a fault
    /// that does not apply to this kind of transaction).
    #[error("cannot build {what}: {why}")]
    Request {
        /// What was asked for.
        what: String,
        /// Why it cannot be made.
        why: String,
    },
    /// A block could not be turned into a ledger block.
    #[error("block {number}: {reason}")]
    Block {
        /// The block number.
        number: u64,
        /// What went wrong.
        reason: String,
    },
    /// A file could not be written.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl WorkloadError {
    pub(crate) fn request(what: impl Into<String>, why: impl Into<String>) -> Self {
        WorkloadError::Request {
            what: what.into(),
            why: why.into(),
        }
    }
}

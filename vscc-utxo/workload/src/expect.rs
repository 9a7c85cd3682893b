//! Deliberate faults and the verdict expected for every generated transaction.

use fabric_protos::protos::TxValidationCode;
use vscc_utxo::{Output, Rule};

/// A deliberate defect of one UTXO transaction. Double spends across transactions are not
/// faults of one transaction: spend a coin twice in one block (the second is
/// `MVCC_READ_CONFLICT`) or spend a [`crate::Workload::spent`] coin in a later block
/// (`input-exists`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UtxoFault {
    /// A well-formed transaction.
    None,
    /// The double spend within one transaction: the first input is read and deleted twice.
    InputTwice,
    /// The first input is read but not deleted.
    InputNotDeleted,
    /// The creator is another party than the inputs' owner (the next party).
    WrongOwner,
    /// The last output carries one unit more (or less) than balances.
    Unbalanced,
    /// The first output is `u64::MAX`, so the outputs overflow.
    Overflow,
    /// The first output is keyed under another transaction ID.
    WrongOutputKey,
    /// Issuance only: the issuer reuses the nonce of one of its committed issuances whose
    /// output 0 is unspent, so the transaction ID repeats and the outputs exist. The committer
    /// flags it `DUPLICATE_TXID` first; the plugin alone says `output-exists`.
    ExistingOutput,
    /// The last output is of another asset type.
    MixedAssetTypes,
    /// Issuance only: a client of the last organisation issues.
    UnauthorisedIssuance,
    /// The last output has amount 0.
    ZeroAmount,
    /// Only the first endorser endorses (needs 2 or more endorsers).
    MissingEndorsement,
}

/// What a generated transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxKind {
    /// A config transaction (the genesis block).
    Config,
    /// The `_lifecycle` definition of the UTXO chaincode (not for the UTXO plugin).
    Definition,
    /// Outputs without inputs.
    Issue,
    /// Inputs to outputs of (possibly) several owners.
    Transfer,
    /// One input into several outputs of the same owner.
    Split,
    /// Several inputs into one output of the same owner.
    Merge,
    /// A transaction whose UTXO read-write set the caller wrote
    /// ([`crate::Workload::custom`]).
    Custom,
}

/// The verdict expected for one transaction of a generated block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedTx {
    /// The transaction ID.
    pub txid: String,
    /// What it does.
    pub kind: TxKind,
    /// Its deliberate defect.
    pub fault: UtxoFault,
    /// What the `UTXO` plugin alone says against the state committed before the block:
    /// `None` = valid, `Some(rule)` = invalid for breaking `rule`. Always `None` for
    /// [`TxKind::Definition`] (it is not in the UTXO namespace).
    pub plugin: Option<Rule>,
    /// The code Fabric's committer gives it (what the block's TRANSACTIONS_FILTER holds).
    pub code: TxValidationCode,
    /// The inputs it spends (keys).
    pub inputs: Vec<String>,
    /// The outputs it creates: key and value.
    pub outputs: Vec<(String, Output)>,
}

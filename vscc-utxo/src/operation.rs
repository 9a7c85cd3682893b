//! A transaction's UTXO operation, parsed from its read-write set in the guarded namespace:
//! the rules that need no state (which keys, how they are read, deleted and written, and what
//! the written values say).

use std::collections::BTreeSet;

use fabric_protos::kvrwset::KvrwSet;
use prost::Message;

use crate::error::{Rule, UtxoError};
use crate::model::{is_utxo_key, Output, OutputKey};

/// An output the transaction creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutput {
    /// `utxo/<txid>/<index>`.
    pub key: String,
    /// The decoded value (amount > 0, owner and asset type non-empty).
    pub output: Output,
}

/// What a transaction does in the guarded namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Outputs without inputs.
    Issuance {
        /// The new outputs, in write-set order.
        outputs: Vec<NewOutput>,
    },
    /// Inputs spent (each read with a version and deleted) and outputs created.
    Transfer {
        /// The input keys, in read-set order, each once.
        inputs: Vec<String>,
        /// The new outputs, in write-set order (possibly none: the balance rule then fails).
        outputs: Vec<NewOutput>,
    },
}

impl Operation {
    /// The new outputs.
    #[must_use]
    pub fn outputs(&self) -> &[NewOutput] {
        match self {
            Operation::Issuance { outputs } | Operation::Transfer { outputs, .. } => outputs,
        }
    }

    /// The inputs (none for an issuance).
    #[must_use]
    pub fn inputs(&self) -> &[String] {
        match self {
            Operation::Issuance { .. } => &[],
            Operation::Transfer { inputs, .. } => inputs,
        }
    }
}

/// Parses the guarded namespace's read-write set of transaction `txid` (`at` names the
/// transaction in messages), applying every rule that needs no state, in this order:
/// foreign writes, inputs (read with a version, listed once, deleted), outputs (key, value,
/// amount), and that something happens at all.
///
/// `kv` is `None` when the transaction has no entry for the namespace; `has_private_data`
/// says whether the entry carries private collections.
///
/// # Errors
///
/// [`UtxoError::Invalid`] for the first rule broken.
pub fn parse(
    kv: Option<&KvrwSet>,
    has_private_data: bool,
    txid: &str,
    at: &str,
) -> Result<Operation, UtxoError> {
    if has_private_data {
        return Err(UtxoError::invalid(
            Rule::ForeignWrite,
            format!("tx {at} writes private data in the UTXO namespace"),
        ));
    }
    let Some(kv) = kv else {
        return Err(UtxoError::invalid(
            Rule::NoOperation,
            format!("tx {at} has no read-write set for the UTXO namespace"),
        ));
    };
    if let Some(m) = kv.metadata_writes.first() {
        return Err(UtxoError::invalid(
            Rule::ForeignWrite,
            format!("tx {at} writes metadata of key {:?}", m.key),
        ));
    }
    if let Some(w) = kv.writes.iter().find(|w| !is_utxo_key(&w.key)) {
        return Err(UtxoError::invalid(
            Rule::ForeignWrite,
            format!("tx {at} writes key {:?} outside utxo/", w.key),
        ));
    }

    let mut inputs = Vec::new();
    let mut seen = BTreeSet::new();
    for read in kv.reads.iter().filter(|r| is_utxo_key(&r.key)) {
        if !seen.insert(read.key.as_str()) {
            return Err(UtxoError::invalid(
                Rule::InputUnique,
                format!("tx {at} spends input {} twice", read.key),
            ));
        }
        if read.version.is_none() {
            return Err(UtxoError::invalid(
                Rule::InputRead,
                format!(
                    "tx {at} reads input {} without a version (it did not exist when endorsed)",
                    read.key
                ),
            ));
        }
        inputs.push(read.key.clone());
    }
    let mut deleted = BTreeSet::new();
    for delete in kv.writes.iter().filter(|w| w.is_delete) {
        if !seen.contains(delete.key.as_str()) {
            return Err(UtxoError::invalid(
                Rule::InputRead,
                format!("tx {at} deletes {} without reading it", delete.key),
            ));
        }
        if !deleted.insert(delete.key.as_str()) {
            return Err(UtxoError::invalid(
                Rule::InputUnique,
                format!("tx {at} deletes input {} twice", delete.key),
            ));
        }
    }
    if let Some(kept) = inputs.iter().find(|k| !deleted.contains(k.as_str())) {
        return Err(UtxoError::invalid(
            Rule::InputDeleted,
            format!("tx {at} reads input {kept} but does not delete it"),
        ));
    }

    let mut outputs = Vec::new();
    let mut output_keys = BTreeSet::new();
    for write in kv.writes.iter().filter(|w| !w.is_delete) {
        let key = &write.key;
        let parsed = OutputKey::parse(key).map_err(|e| {
            UtxoError::invalid(Rule::OutputKey, format!("tx {at} writes output {key}: {e}"))
        })?;
        if parsed.txid != txid {
            return Err(UtxoError::invalid(
                Rule::OutputKey,
                format!(
                    "tx {at} writes output {key}, which belongs to transaction {}",
                    parsed.txid
                ),
            ));
        }
        if !output_keys.insert(parsed.index) {
            return Err(UtxoError::invalid(
                Rule::OutputKey,
                format!("tx {at} writes output {key} twice"),
            ));
        }
        let output = Output::decode(write.value.clone()).map_err(|e| {
            UtxoError::invalid(
                Rule::OutputValue,
                format!("tx {at} writes output {key} whose value is not an Output: {e}"),
            )
        })?;
        if output.owner.is_empty() {
            return Err(UtxoError::invalid(
                Rule::OutputValue,
                format!("tx {at} writes output {key} without an owner"),
            ));
        }
        if output.asset_type.is_empty() {
            return Err(UtxoError::invalid(
                Rule::OutputValue,
                format!("tx {at} writes output {key} without an asset type"),
            ));
        }
        if output.amount == 0 {
            return Err(UtxoError::invalid(
                Rule::AmountPositive,
                format!("tx {at} writes output {key} with amount 0"),
            ));
        }
        outputs.push(NewOutput {
            key: key.clone(),
            output,
        });
    }

    match (inputs.is_empty(), outputs.is_empty()) {
        (true, true) => Err(UtxoError::invalid(
            Rule::NoOperation,
            format!("tx {at} neither spends nor creates an output"),
        )),
        (true, false) => Ok(Operation::Issuance { outputs }),
        (false, _) => Ok(Operation::Transfer { inputs, outputs }),
    }
}

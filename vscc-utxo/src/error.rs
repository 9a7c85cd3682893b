//! The rules a transaction can break, and the two outcome classes.

use std::fmt;

use handlers_api::validation::ValidationError;

/// A UTXO validation rule. Every invalid verdict names the rule it broke, as
/// `UTXO rule <name>` in the reason, so that tests and operators can tell the rules apart.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The validation parameter is a usable `UtxoValidationParameter`.
    Parameter,
    /// The transaction decodes down to its read-write set (and the action asked for is 0).
    Transaction,
    /// The endorsements satisfy the chaincode endorsement policy.
    EndorsementPolicy,
    /// The transaction writes only `utxo/` keys of the namespace: no other key, no metadata,
    /// no private data.
    ForeignWrite,
    /// The transaction issues or transfers something.
    NoOperation,
    /// Every deleted `utxo/` key is read, with a version.
    InputRead,
    /// Every read `utxo/` key (input) is deleted.
    InputDeleted,
    /// No input is listed twice.
    InputUnique,
    /// Every input exists in committed state.
    InputExists,
    /// Every input's committed value is an `Output`.
    InputValue,
    /// The creator owns every input.
    InputOwner,
    /// Every output key is `utxo/<this txid>/<index>`, once.
    OutputKey,
    /// Every output's value is an `Output` with an owner and an asset type.
    OutputValue,
    /// No output exists in committed state yet.
    OutputExists,
    /// Every output amount is positive.
    AmountPositive,
    /// One asset type per transaction.
    AssetType,
    /// Inputs and outputs add up without overflowing `u64`.
    Overflow,
    /// Inputs and outputs balance exactly.
    Balance,
    /// The creator of an issuance satisfies the issuer policy.
    IssuerPolicy,
}

impl Rule {
    /// The rule's name in reasons (`input-exists`, …).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Rule::Parameter => "parameter",
            Rule::Transaction => "transaction",
            Rule::EndorsementPolicy => "endorsement-policy",
            Rule::ForeignWrite => "foreign-write",
            Rule::NoOperation => "no-operation",
            Rule::InputRead => "input-read",
            Rule::InputDeleted => "input-deleted",
            Rule::InputUnique => "input-unique",
            Rule::InputExists => "input-exists",
            Rule::InputValue => "input-value",
            Rule::InputOwner => "input-owner",
            Rule::OutputKey => "output-key",
            Rule::OutputValue => "output-value",
            Rule::OutputExists => "output-exists",
            Rule::AmountPositive => "amount-positive",
            Rule::AssetType => "asset-type",
            Rule::Overflow => "overflow",
            Rule::Balance => "balance",
            Rule::IssuerPolicy => "issuer-policy",
        }
    }

    /// The marker every reason for this rule contains: `UTXO rule <name>:`.
    #[must_use]
    pub fn marker(self) -> String {
        format!("UTXO rule {}:", self.name())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why `UTXO` did not accept a transaction action.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UtxoError {
    /// The transaction breaks `rule`; `detail` names the key (or policy) and the transaction.
    #[error("UTXO rule {rule}: {detail}")]
    Invalid {
        /// The rule broken.
        rule: Rule,
        /// What exactly is wrong, naming the key and the transaction.
        detail: String,
    },
    /// Validity could not be determined (state read failed, policy evaluator failed): the
    /// block must halt.
    #[error("{0}")]
    Execution(String),
}

impl UtxoError {
    /// A violation of `rule`.
    pub fn invalid(rule: Rule, detail: impl Into<String>) -> Self {
        UtxoError::Invalid {
            rule,
            detail: detail.into(),
        }
    }

    /// The rule broken, for an invalid transaction.
    #[must_use]
    pub fn rule(&self) -> Option<Rule> {
        match self {
            UtxoError::Invalid { rule, .. } => Some(*rule),
            UtxoError::Execution(_) => None,
        }
    }
}

impl From<UtxoError> for ValidationError {
    fn from(err: UtxoError) -> Self {
        match err {
            e @ UtxoError::Invalid { .. } => ValidationError::Invalid(e.to_string()),
            UtxoError::Execution(m) => ValidationError::ExecutionFailure(m),
        }
    }
}

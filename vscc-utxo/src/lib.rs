//! The `UTXO` validation plugin: unspent transaction outputs on Fabric state, with double
//! spending rejected. Logic crate (the loader links it in as the builtin `UTXO`); `plugin/`
//! builds the same logic as `libvscc_utxo_plugin.so`.
//!
//! # The model ([`model`])
//!
//! In the namespace the plugin guards (the chaincode whose definition names it), an unspent
//! output is the public key `utxo/<txid>/<index>` whose value is a serialized [`Output`]
//! `{owner, amount, asset_type}`; `owner` is the owner's serialized `msp.SerializedIdentity`.
//! * An **issuance** creates outputs and spends none.
//! * A **transfer** spends inputs and creates outputs. It *reads* each input (the read
//!   carries the committed version the endorser saw) and *deletes* it, and writes its outputs
//!   under its own transaction ID: `utxo/<its txid>/0`, `/1`, …
//!
//! # The validation parameter ([`parameter`])
//!
//! A `UtxoValidationParameter {endorsement_policy, issuer_policy}` (protobuf, two serialized
//! `ApplicationPolicy` messages, both required). A parameter that does not parse makes every
//! transaction of the namespace invalid (rule `parameter`), as an undecodable policy does
//! for `DefaultValidation`.
//!
//! # The rules ([`validator`], [`operation`]), in the order they are checked
//!
//! Each violation is `ValidationError::Invalid` whose reason contains `UTXO rule <name>:`
//! ([`Rule::marker`]) and names the key and the transaction; a failure of the state or of the
//! policy evaluator is `ValidationError::ExecutionFailure` (the block halts).
//! 1. `parameter`: the parameter parses. `transaction`: the envelope decodes down to the
//!    read-write set; only action 0 is validated (the committer accepts no other).
//! 2. `endorsement-policy`: the endorsements satisfy `endorsement_policy`, evaluated exactly as
//!    `DefaultValidation` evaluates a chaincode policy: the signature set is
//!    `prp ‖ endorser` per endorsement, in transaction order, duplicates kept. Key-level
//!    policies do not exist in a UTXO namespace (metadata writes are refused, rule 3).
//! 3. `foreign-write`: the transaction writes only `utxo/` keys of the namespace: a write to
//!    any other key, any metadata write and any private-data write is refused (the namespace
//!    is all UTXO; nothing else could be checked). Reads of other keys are allowed.
//!    Writes to *other* namespaces are left to their own plugins.
//! 4. `input-unique` (a `utxo/` key read or deleted twice: the double spend within one
//!    transaction), `input-read` (a deleted `utxo/` key must be read, with a version),
//!    `input-deleted` (every read `utxo/` key is an input and must be deleted).
//! 5. `output-key` (every written key is `utxo/<this txid>/<canonical index>`, once),
//!    `output-value` (the value decodes as an `Output` with an owner and an asset type),
//!    `amount-positive` (amount > 0). `no-operation`: a transaction that neither spends nor
//!    creates is invalid.
//! 6. `overflow`: the output amounts add up in `u64` (checked arithmetic).
//! 7. `issuer-policy` (issuance only): the creator satisfies `issuer_policy`, evaluated over
//!    the creator's signed data `{data: Envelope.payload, identity: SignatureHeader.creator,
//!    signature: Envelope.signature}` — the original bytes, which the committer has already
//!    verified, so the policy decides *who* may issue, not whether the signature holds.
//! 8. One `get_state_multiple_keys` for all inputs and outputs (committed state):
//!    `output-exists` (no output exists yet), `input-exists` (every input exists: a spent
//!    output is gone, so spending it in a later block is invalid), `input-value` (its value
//!    is an `Output`), `input-owner` (its owner bytes equal the creator's serialized
//!    identity byte for byte; a re-issued certificate is a different owner).
//! 9. `asset-type`: one asset type over all inputs and outputs (issuances included).
//!    `overflow` over the inputs, then `balance`: inputs and outputs total the same.
//!
//! # Concurrency and double spending within a block
//!
//! The plugin keeps no state between calls and takes no lock: transactions of a block are
//! validated in parallel, each against committed state only. Two transactions of one block
//! spending the same output are therefore both valid *for the plugin*; since each reads the
//! input at the same committed version, the block validator's MVCC check makes the second
//! `MVCC_READ_CONFLICT` once the first (valid) one deleted it. That is why a transfer must read
//! each input, not only delete it (rule `input-read`).
//!
//! Output keys contain the creating transaction's ID, which the committer guarantees unique
//! (`DUPLICATE_TXID`); so a spent output can never be created again.

pub mod artifacts;
pub mod error;
pub mod model;
pub mod operation;
pub mod parameter;
pub mod plugin;
pub mod validator;

pub use error::{Rule, UtxoError};
pub use model::{is_utxo_key, output_key, Output, OutputKey, KEY_PREFIX};
pub use parameter::{ParameterError, UtxoValidationParameter, ValidationParameter};
pub use plugin::{UtxoValidation, UtxoValidationFactory, PLUGIN_NAME};
pub use validator::UtxoValidator;

//! Fabric's `DefaultValidation` plugin with v20 semantics (spec section 4), as handler-plugin
//! logic over handlers-api's plain validation API. The loader links this crate in as the
//! builtin `DefaultValidation`; `plugin/` builds the same logic as `libvscc_default.so`.
//!
//! # What a call does
//!
//! [`DefaultValidation::validate`](plugin::DefaultValidation) checks the call (4.1), requires
//! the channel's `V2_0Validation` capability (v12/v13 semantics are out of scope: such
//! channels get an execution failure), then runs the v20 algorithm of [`validator`]:
//! artifact extraction with Fabric's error texts ([`artifacts`]), the signature set
//! `prp ‖ endorser` per endorsement ([`signature_set`]), and policy selection over public
//! writes, metadata writes, hashed writes and hashed metadata writes of the namespace (4.4):
//! key-level `VALIDATION_PARAMETER` (translated by [`translate`]), else the collection policy
//! from `CollectionResources`, else the chaincode policy (the `SerializedPolicy` context), and
//! the chaincode policy when no policy was checked at all (FAB-9473).
//!
//! Outcomes are classified as in 4.6, at the type level ([`error::V20Error`] →
//! `ValidationError::{Invalid, ExecutionFailure}`): parse failures, unsatisfied policies, a
//! parameter changed earlier in the block and collection validation errors are invalid; state
//! fetch or metadata read errors (other than `CollConfigNotDefined` / `InvalidCollName`, which
//! are skipped), untranslatable parameters, collection lookup unexpected errors and failures
//! of the policy evaluator itself (`PolicyError::Provider`, e.g. a host panic) are execution
//! failures.
//!
//! # The intra-block dependency protocol, made deterministic (4.5, 11.4)
//!
//! Fabric: if transaction *i* of a block writes the metadata of a key and is valid (per this
//! plugin) for the namespace, a later transaction *j* writing that key is invalid
//! (`ValidationParameterUpdatedError`); if *i* is invalid, *j* uses the committed parameter.
//! Fabric waits for *i*'s result and can wait forever (11.4). Here, per plugin instance and
//! block ([`dependencies`]):
//! * "inserted" is always signalled: when tx *t* is validated, the metadata writes of every
//!   tx `0..=t` are extracted under one lock before anything else; a tx whose envelope,
//!   payload, transaction, first action or rwset does not parse has no dependency.
//! * A result is produced for every (tx, namespace) that is needed: if *i*'s result for the
//!   namespace has not been published by the host's own call, the plugin computes it itself
//!   (same algorithm, same chaincode policy — the namespace's validation policy is the same
//!   for every tx of the block) and memoises it; the host's later call for *i* returns the
//!   memoised result. So the outcome of *j* is a function of the block and committed state
//!   only: it does not depend on thread timing, on whether the host validated *i* for that
//!   namespace at all (rejected before the plugin, or stopped at another namespace), nor on the
//!   call order. Divergence from Fabric (which would hang in those cases): a tx rejected by the
//!   committer before the plugin but valid per this plugin still counts as having changed the
//!   parameter (conservative: it can only invalidate more).
//! * Dependencies are computed lowest position first with an explicit stack; a thread waits
//!   only for a lower position another thread is computing, so there is no deadlock and no
//!   start-order requirement (calls for a block may come in parallel, in any order).
//! * Execution failures are not memoised (the next call computes again) and propagate: a
//!   dependency that cannot be decided makes the dependent an execution failure.
//! * A call for a block older than the tracked one is an execution failure ("programming
//!   error: block with number N validated after block with number M") instead of Fabric's
//!   panic; a newer block resets the state.
//!
//! # Wrapper checks (4.1) and their divergences
//!
//! Zero transactions ⇒ invalid "empty block" (Fabric says this for absent `block.data`; a
//! present-but-empty `data` gives Fabric's out-of-range text, which a `BlockView` cannot tell
//! apart); `tx_position` out of range ⇒ invalid "block has only N transactions, but requested
//! tx at position P". "no block header" is the host's check (a `BlockView` always carries
//! the header's number). Fabric panics without a `SerializedPolicy` context datum; the typed
//! `Context` always carries one, so that state cannot be reached. A missing `capabilities` or
//! `collection resources` dependency fails `init` ("dependency capabilities not passed in
//! init"); calling `validate` before a successful `init` is an execution failure.

pub mod artifacts;
pub mod dependencies;
pub mod error;
pub mod plugin;
pub mod rwset;
pub mod signature_set;
pub mod translate;
pub mod validator;

pub use error::V20Error;
pub use plugin::{DefaultValidation, DefaultValidationFactory, PLUGIN_NAME};
pub use translate::{translate_vp, TranslateError};
pub use validator::{V20Dependencies, V20Validator, VALIDATION_PARAMETER};

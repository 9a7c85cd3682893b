//! `SignedByMajorityPeerOrgs`: the validation plugin of the consortium management system
//! chaincode (cmscc), over handlers-api's plain validation API. The loader links this crate in
//! as a builtin; `plugin/` builds the same logic as `libvscc_majority_orgs_plugin.so`.
//!
//! It is not a Fabric feature (spec 10.1): it extends the idea of the `_lifecycle` fallback
//! policy ("signed by a majority of the application organisations") with role PEER and a
//! channel membership read at validation time, so that an organisation joining the channel
//! takes part in endorsement at once, without a new policy or a re-instantiation.
//!
//! # The decision
//!
//! An action is valid when valid endorsements come from at least `required(M)` **distinct**
//! application organisations, where M is the number of application organisations (distinct
//! MSP IDs) of the channel configuration in force for the block, read on every call from the
//! appended `channel_organizations` dependency (so a config block that adds or removes an
//! organisation changes the next block's M, without a restart). An endorsement counts for its
//! organisation ([`tally`]) when
//! * its endorser identity deserializes with the channel's MSPs,
//! * its MSP ID is one of the channel's application organisations (others never count),
//! * that organisation has not been counted already (two endorsements of one organisation,
//!   by one or by two peers, count once),
//! * the identity validates (chain, CRLs: a revoked certificate does not count),
//! * its signature over `proposal_response_payload ‖ endorser` (the original bytes) verifies,
//! * it satisfies `MSPPrincipal{ROLE, MSPRole{msp_id, PEER}}` when the organisation has NodeOUs
//!   enabled, `MSPRole{msp_id, MEMBER}` otherwise ([`orgs`]).
//!
//! # The rule (the validation parameter)
//!
//! The chaincode definition's validation parameter (the `SerializedPolicy` context bytes) is
//! UTF-8 text, parsed into a [`Rule`] on every call ([`rule`]): empty or `MAJORITY` ⇒ ⌊M/2⌋+1,
//! `ALL` ⇒ M, `ANY` ⇒ 1, `OutOf(n)` ⇒ n (1 ≤ n ≤ 4294967295). Note that Fabric's committer
//! (and the block validator) flags a transaction INVALID_CHAINCODE when the chaincode
//! definition's validation parameter is empty, before any plugin runs: a cmscc definition
//! must spell the rule out (`MAJORITY`); "empty means MAJORITY" only serves direct callers.
//!
//! # Invalid or execution failure
//!
//! * **Invalid** (ENDORSEMENT_POLICY_FAILURE), because every peer reaches the same verdict
//!   from the block, the agreed chaincode definition and the configuration: too few
//!   organisations; a parameter that is not a rule (a chaincode definition is agreed by the
//!   organisations on chain, so a malformed one is deterministic); `OutOf(n)` with n > M
//!   (unsatisfiable by any set of endorsements: every transaction of the chaincode is invalid
//!   until the definition or the channel changes, and the message says so); M = 0 ("channel
//!   has no application organisations"); an envelope that is not a decodable endorser
//!   transaction; an empty block; a transaction position past the end; an action position
//!   other than 0.
//! * **Execution failure** (the block halts): the `channel_organizations` dependency fails
//!   (including a host panic), the identity service fails with `IdentityError::Provider`, or
//!   `validate` is called before a successful `init`. A missing `channel_organizations`
//!   dependency fails `init` with `MissingDependency("channel organizations")`.
//!
//! Evaluation stops as soon as enough organisations are counted, so the verdict does not depend
//! on the endorsements after that point; a failing transaction's message lists the counted
//! organisations and why each other endorsement did not count.

pub mod endorsements;
pub mod error;
pub mod orgs;
pub mod plugin;
pub mod rule;
pub mod tally;

pub use error::MajorityError;
pub use plugin::{SignedByMajorityPeerOrgs, SignedByMajorityPeerOrgsFactory, PLUGIN_NAME};
pub use rule::{RequirementError, Rule, RuleError};

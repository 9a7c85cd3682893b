//! The error type of policy compilation and evaluation.
//!
//! Messages reproduce Fabric's texts wherever Fabric has one (spec 6 and 9.8), so that logs and
//! transaction-invalidation reasons read the same as a Go peer's.

/// Everything that can go wrong while compiling or evaluating a policy.
///
/// The policy language (text) has its own error type, [`crate::lang::LangError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A `SignaturePolicyEnvelope` without a rule (also what empty policy bytes decode to).
    #[error("Empty policy element")]
    EmptyPolicyElement,

    /// A `SignaturePolicy` whose `Type` oneof is not set (Fabric prints the Go nil type).
    #[error("Unknown type: <nil>:<nil>")]
    UnknownRuleType,

    /// A `signed_by` leaf refers to a principal that does not exist.
    #[error(
        "identity index out of range, requested {requested}, but identities length is {length}"
    )]
    IdentityIndexOutOfRange {
        /// The index in the `signed_by` leaf.
        requested: i32,
        /// Number of principals in the envelope.
        length: usize,
    },

    /// Policy bytes from the channel config are not a `SignaturePolicyEnvelope`.
    #[error("Error unmarshalling to SignaturePolicy: {0}")]
    DecodeSignaturePolicy(String),

    /// A channel-config signature policy with a version other than 0.
    #[error("This evaluator only understands messages of version 0, but version was {0}")]
    UnsupportedVersion(i32),

    /// The identities did not satisfy a signature policy.
    #[error("signature set did not satisfy policy")]
    SignaturePolicyNotSatisfied,

    /// A policy that does not exist was evaluated (Fabric's reject policy); carries the
    /// path that was looked up, relative to the manager.
    #[error("no such policy: '{0}'")]
    NoSuchPolicy(String),

    /// Implicit-meta policy bytes are not an `ImplicitMetaPolicy`.
    #[error("Error unmarshalling to ImplicitMetaPolicy: {0}")]
    DecodeImplicitMetaPolicy(String),

    /// Too few sub-policies of an implicit-meta policy were satisfied.
    #[error(
        "implicit policy evaluation failed - {satisfied} sub-policies were satisfied, but this \
         policy requires {threshold} of the '{sub_policy}' sub-policies to be satisfied"
    )]
    ImplicitMetaNotSatisfied {
        /// How many sub-policies were satisfied.
        satisfied: usize,
        /// How many were needed.
        threshold: usize,
        /// The sub-policy name, e.g. `Endorsement`.
        sub_policy: String,
    },

    /// Text form of an implicit-meta policy (`"MAJORITY Endorsement"`) without exactly two tokens.
    #[error("expected two space separated tokens, but got {0}")]
    ImplicitMetaTokenCount(usize),

    /// Text form of an implicit-meta policy with an unknown rule word.
    #[error("unknown rule type '{0}', expected ALL, ANY, or MAJORITY")]
    ImplicitMetaUnknownRule(String),

    /// A `ConfigPolicy` without its `policy` field.
    #[error("policy {name} at path {path} was nil")]
    NilConfigPolicy {
        /// Policy name (map key in the config group).
        name: String,
        /// Path of the config group, e.g. `Channel/Application`.
        path: String,
    },

    /// A config policy of a type the peer has no provider for (UNKNOWN = 0, MSP = 2, others).
    #[error("policy {name} at path {path} has unknown policy type: {policy_type}")]
    UnknownPolicyType {
        /// Policy name.
        name: String,
        /// Path of the config group.
        path: String,
        /// The `Policy.type` value.
        policy_type: i32,
    },

    /// A signature policy in the channel config failed to compile.
    #[error("policy {name} at path {path} did not compile: {source}")]
    ConfigPolicyDidNotCompile {
        /// Policy name.
        name: String,
        /// Path of the config group.
        path: String,
        /// Why it failed.
        source: Box<PolicyError>,
    },

    /// An implicit-meta policy in the channel config failed to compile.
    #[error("implicit policy {name} at path {path} did not compile: {source}")]
    ImplicitPolicyDidNotCompile {
        /// Policy name.
        name: String,
        /// Path of the config group.
        path: String,
        /// Why it failed.
        source: Box<PolicyError>,
    },

    /// `ApplicationPolicy` bytes that do not decode.
    #[error("failed to unmarshal ApplicationPolicy bytes: {0}")]
    DecodeApplicationPolicy(String),

    /// An `ApplicationPolicy` with neither oneof member set.
    #[error("unsupported policy type <nil>")]
    UnsupportedApplicationPolicyType,

    /// The signature policy inside an `ApplicationPolicy` did not compile.
    #[error("could not create evaluator for signature policy: {0}")]
    SignaturePolicyEvaluator(Box<PolicyError>),

    /// An `ApplicationPolicy` reference to a channel policy that does not exist.
    #[error(
        "could not create evaluator for channel reference policy: failed to retrieve policy for \
         reference {0}"
    )]
    PolicyReferenceNotFound(String),

    /// No policy manager was available for the channel.
    #[error("failed to retrieve policy manager for channel {0}")]
    NoPolicyManager(String),
}

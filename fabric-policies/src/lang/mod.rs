//! The policy language of Fabric's peer CLI (`--signature-policy`, `configtx.yaml`
//! `Signature` rules): `AND('Org1MSP.peer', OR('Org2MSP.member', 'Org3MSP.admin'))`,
//! `OutOf(2, 'A.member', 'B.member', 'C.member')`.
//!
//! [`parse_policy`] produces envelopes byte-identical to Fabric's `policydsl.FromString` for
//! every policy Fabric accepts in this form; [`print_policy`] writes an envelope back.
//!
//! # The language, as Fabric implements it
//! * Gates: `AND`, `OR`, `OutOf`, each accepted in exactly three spellings (`And`/`and`/`AND`,
//!   `Or`/`or`/`OR`, `OutOf`/`outof`/`OUTOF`); other capitalisations are errors.
//! * `AND(a, b, ...)` is `n_out_of(k, ...)` with k the argument count, `OR(...)` is
//!   `n_out_of(1, ...)`, `OutOf(t, ...)` is `n_out_of(t, ...)` with `0 <= t <= k + 1`
//!   (`k + 1` is allowed on purpose: a never-satisfiable policy). Every gate needs at least one
//!   argument besides the threshold. `t` may be written quoted (`'2'`) and a fractional `t` is
//!   truncated toward zero, as in Fabric.
//! * Principals are quoted (single or double quotes) `'<MSPID>.<role>'` with MSPID made of
//!   ASCII letters, digits, `.` and `-`, and role one of `member`, `admin`, `client`, `peer`,
//!   `orderer` (lower case). The role is what follows the last dot.
//! * A bare principal (no gate) is not a policy.
//! * Principals are **not** de-duplicated: every occurrence gets its own entry. They are
//!   numbered the way Fabric's evaluator reaches them: within a gate, first every nested gate
//!   (left to right, recursively), then the gate's own principals left to right. So
//!   `OR('A.member', AND('B.member', 'C.member'))` lists B, C, A and its rule is
//!   `n_out_of(1, [signed_by 2, n_out_of(2, [signed_by 0, signed_by 1])])`.
//!
//! # Deliberate differences from Fabric's expression-engine based parser
//! Only the documented grammar is accepted. Fabric's implementation also lets through some
//! accidents of its string-rewriting passes (a quoted string that is not a principal is spliced
//! back into the expression, so `OR('A.member', 'OR(\'B.member\')')` nests; arithmetic such as
//! `OutOf(1+1, ...)`; escape sequences; mismatched quote pairs; trailing commas). These are
//! rejected here with an error pointing at the offending character. Gates may nest at most
//! [`MAX_NESTING`] deep, so that every parsed envelope also decodes again with prost's
//! recursion limit.

mod parser;
mod printer;

pub use parser::{parse_policy, MAX_NESTING};
pub use printer::{describe_policy, print_policy};

/// Errors of the policy language. Offsets are 0-based and count characters (Unicode scalar
/// values) of the input string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LangError {
    /// Something other than what the grammar allows at this point.
    #[error("expected {expected} at offset {offset}, found {found}")]
    Expected {
        /// What would have been accepted, e.g. `',' or ')'`.
        expected: &'static str,
        /// What is there, quoted, or `end of input`.
        found: String,
        /// Character offset of `found`.
        offset: usize,
    },
    /// A gate name that is none of the nine accepted spellings.
    #[error(
        "unknown gate '{name}' at offset {offset}: expected AND, OR or OutOf (spelled And/and/AND, \
         Or/or/OR, OutOf/outof/OUTOF)"
    )]
    UnknownGate {
        /// The name as written.
        name: String,
        /// Character offset of its first character.
        offset: usize,
    },
    /// The whole policy is a principal without a gate.
    #[error("a bare principal is not a policy (offset {offset}): wrap it in a gate, e.g. OR('Org1MSP.member')")]
    BarePrincipal {
        /// Character offset of the opening quote.
        offset: usize,
    },
    /// A quoted string without its closing quote.
    #[error("unterminated string starting at offset {offset}")]
    UnterminatedString {
        /// Character offset of the opening quote.
        offset: usize,
    },
    /// A quoted string that is not `'<MSPID>.<role>'`.
    #[error("invalid principal '{principal}' at offset {offset}: {reason}")]
    InvalidPrincipal {
        /// The string between the quotes.
        principal: String,
        /// Character offset of the offending character.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The threshold of `OutOf` is not a number.
    #[error("invalid threshold '{text}' at offset {offset}: expected an integer")]
    InvalidNumber {
        /// The text found.
        text: String,
        /// Character offset of its first character.
        offset: usize,
    },
    /// A threshold outside `0 ..= k + 1` (Fabric's text, plus the offset of the threshold).
    #[error("invalid t-out-of-n predicate, t {t}, n {n} at offset {offset}")]
    InvalidThreshold {
        /// The threshold.
        t: i64,
        /// The number of sub-policies.
        n: usize,
        /// Character offset of the threshold.
        offset: usize,
    },
    /// Gates nested deeper than [`MAX_NESTING`].
    #[error("gates nested deeper than {limit} levels at offset {offset}")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
        /// Character offset of the gate that is one level too deep.
        offset: usize,
    },
    /// More principals than a `signed_by` index (int32) can address.
    #[error("too many principals: more than {} cannot be indexed", i32::MAX)]
    TooManyPrincipals,
    /// An envelope that the language cannot express exactly.
    #[error("the policy cannot be written in the policy language: {0}")]
    NotPrintable(String),
}

impl LangError {
    /// The character offset the error points at, for errors about the input text.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Expected { offset, .. }
            | Self::UnknownGate { offset, .. }
            | Self::BarePrincipal { offset }
            | Self::UnterminatedString { offset }
            | Self::InvalidPrincipal { offset, .. }
            | Self::InvalidNumber { offset, .. }
            | Self::InvalidThreshold { offset, .. }
            | Self::TooDeep { offset, .. } => Some(*offset),
            Self::TooManyPrincipals | Self::NotPrintable(_) => None,
        }
    }
}

//! Every way a call can fail, and which of them make the transaction invalid.

use handlers_api::validation::{OrganizationsError, ValidationError};

use crate::endorsements::ActionError;
use crate::rule::{RequirementError, Rule, RuleError};
use crate::tally::{ProviderFailure, Rejection};

/// At most this many rejected endorsements are listed in a [`MajorityError::NotSatisfied`]
/// message.
const LISTED_REJECTIONS: usize = 8;

/// Why `SignedByMajorityPeerOrgs` did not accept an action. [`MajorityError::is_invalid`]
/// tells the two outcomes apart; the `From` impl maps them to
/// [`ValidationError::Invalid`] / [`ValidationError::ExecutionFailure`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MajorityError {
    /// `validate` before a successful `init` (execution failure).
    #[error("SignedByMajorityPeerOrgs used before init")]
    NotInitialized,
    /// The block has no transaction (invalid).
    #[error("empty block")]
    EmptyBlock,
    /// The transaction position is past the end of the block (invalid).
    #[error("block has only {len} transactions, but requested tx at position {tx_position}")]
    NoSuchTx {
        /// The block's transaction count.
        len: usize,
        /// The requested position.
        tx_position: usize,
    },
    /// The endorsements could not be read (invalid).
    #[error("tx at position {tx_position}: {source}")]
    Action {
        /// The transaction's position.
        tx_position: usize,
        /// What was wrong.
        source: ActionError,
    },
    /// The chaincode's validation parameter is not a rule (invalid: the parameter is agreed on
    /// chain, so every peer reaches the same verdict).
    #[error("chaincode {namespace}: {source}")]
    Rule {
        /// The chaincode.
        namespace: String,
        /// What was wrong.
        source: RuleError,
    },
    /// The rule cannot be applied to the configuration in force (invalid).
    #[error("chaincode {namespace}, rule {rule}: {source}")]
    Requirement {
        /// The chaincode.
        namespace: String,
        /// The rule.
        rule: Rule,
        /// What was wrong.
        source: RequirementError,
    },
    /// The host could not list the channel's organisations (execution failure).
    #[error("{0}")]
    Organizations(OrganizationsError),
    /// The host's identity service failed (execution failure).
    #[error("tx at position {tx_position}: {source}")]
    IdentityProvider {
        /// The transaction's position.
        tx_position: usize,
        /// The failure.
        source: ProviderFailure,
    },
    /// Too few distinct organisations endorsed validly (invalid: Fabric's
    /// ENDORSEMENT_POLICY_FAILURE).
    #[error(
        "chaincode {namespace}, tx at position {tx_position}: valid endorsements from {} of \
         the {required} distinct application organisations required by {rule} of {} ({}); \
         counted: [{}]{}",
        .counted.len(),
        .channel.len(),
        .channel.join(", "),
        .counted.join(", "),
        rejections_text(.rejected)
    )]
    NotSatisfied {
        /// The chaincode.
        namespace: String,
        /// The transaction's position.
        tx_position: usize,
        /// The rule.
        rule: Rule,
        /// How many organisations were required.
        required: usize,
        /// The channel's application MSP IDs (M of them), sorted.
        channel: Vec<String>,
        /// The MSP IDs that counted, sorted.
        counted: Vec<String>,
        /// The endorsements that did not count.
        rejected: Vec<Rejection>,
    },
}

fn rejections_text(rejected: &[Rejection]) -> String {
    if rejected.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = rejected
        .iter()
        .take(LISTED_REJECTIONS)
        .map(ToString::to_string)
        .collect();
    let more = rejected.len().saturating_sub(LISTED_REJECTIONS);
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    format!("; not counted: {}{tail}", listed.join("; "))
}

impl MajorityError {
    /// Whether the transaction is invalid (`true`) or validity could not be determined and the
    /// block must halt (`false`).
    pub fn is_invalid(&self) -> bool {
        !matches!(
            self,
            MajorityError::NotInitialized
                | MajorityError::Organizations(_)
                | MajorityError::IdentityProvider { .. }
        )
    }
}

impl From<MajorityError> for ValidationError {
    fn from(err: MajorityError) -> Self {
        if err.is_invalid() {
            ValidationError::Invalid(err.to_string())
        } else {
            ValidationError::ExecutionFailure(err.to_string())
        }
    }
}

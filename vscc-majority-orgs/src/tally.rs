//! Counting the distinct application organisations whose endorsements are valid.

use std::collections::BTreeSet;
use std::fmt;

use fabric_protos::msp::SerializedIdentity;
use handlers_api::validation::{IdentityDeserializer, IdentityError};
use prost::Message;

use crate::endorsements::{EndorsedAction, SignedEndorsement};
use crate::orgs::ChannelOrgs;

/// Why one endorsement did not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The endorsement's position in the transaction.
    pub index: usize,
    /// The endorser's MSP ID: the identity's, or, when it did not deserialize, the one its
    /// serialized form names (if any).
    pub msp_id: Option<String>,
    /// What was wrong.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.msp_id {
            Some(msp_id) => write!(f, "endorsement {} ({msp_id}): {}", self.index, self.reason),
            None => write!(f, "endorsement {}: {}", self.index, self.reason),
        }
    }
}

/// The organisations that counted, and why the other endorsements did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// The MSP IDs that counted, sorted.
    pub counted: BTreeSet<String>,
    /// The endorsements that did not count, in transaction order.
    pub rejected: Vec<Rejection>,
}

/// The host's identity service failed (not a verdict on the endorsement): validity cannot be
/// determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("identity provider failed on endorsement {index}: {message}")]
pub struct ProviderFailure {
    /// The endorsement's position in the transaction.
    pub index: usize,
    /// The provider's message.
    pub message: String,
}

/// Counts the organisations of `orgs` with at least one valid endorsement in `action`,
/// stopping as soon as `required` are counted. An endorsement counts for its organisation when
/// the identity deserializes, belongs to an organisation of `orgs` not counted yet, validates,
/// its signature over `prp ‖ endorser` verifies, and it satisfies the organisation's principal
/// (role PEER with NodeOUs, MEMBER without).
///
/// # Errors
///
/// [`ProviderFailure`] when a call into the identity service fails with
/// `IdentityError::Provider` (every other identity error just means "does not count").
pub fn count(
    action: &EndorsedAction,
    orgs: &ChannelOrgs,
    identities: &dyn IdentityDeserializer,
    required: usize,
) -> Result<Tally, ProviderFailure> {
    let mut tally = Tally::default();
    for (index, endorsement) in action.iter().enumerate() {
        if tally.counted.len() >= required {
            break;
        }
        match judge(&endorsement, orgs, identities, &tally.counted) {
            Ok(msp_id) => {
                tally.counted.insert(msp_id);
            }
            Err(Judged::Rejected { msp_id, reason }) => tally.rejected.push(Rejection {
                index,
                msp_id,
                reason,
            }),
            Err(Judged::Provider(message)) => return Err(ProviderFailure { index, message }),
        }
    }
    Ok(tally)
}

enum Judged {
    Rejected {
        msp_id: Option<String>,
        reason: String,
    },
    Provider(String),
}

/// Splits identity errors into provider failures and "does not count" with `what` as context.
fn rejected(msp_id: &str, what: &str) -> impl FnOnce(IdentityError) -> Judged {
    let msp_id = msp_id.to_owned();
    let what = what.to_owned();
    move |err| match err {
        IdentityError::Provider(message) => Judged::Provider(message),
        // `what` already says which check failed: keep only the error's detail.
        IdentityError::Invalid(detail)
        | IdentityError::Verify(detail)
        | IdentityError::PrincipalNotSatisfied(detail) => Judged::Rejected {
            msp_id: Some(msp_id),
            reason: format!("{what}: {detail}"),
        },
        other => Judged::Rejected {
            msp_id: Some(msp_id),
            reason: format!("{what}: {other}"),
        },
    }
}

/// The MSP ID a serialized identity names, for messages about an identity that did not
/// deserialize.
fn claimed_msp_id(endorser: &[u8]) -> Option<String> {
    SerializedIdentity::decode(endorser)
        .ok()
        .map(|id| id.mspid)
        .filter(|m| !m.is_empty())
}

/// The MSP ID the endorsement counts for.
fn judge(
    endorsement: &SignedEndorsement<'_>,
    orgs: &ChannelOrgs,
    identities: &dyn IdentityDeserializer,
    counted: &BTreeSet<String>,
) -> Result<String, Judged> {
    let identity = identities
        .deserialize_identity(endorsement.endorser)
        .map_err(|err| match err {
            IdentityError::Provider(message) => Judged::Provider(message),
            IdentityError::Deserialize(detail) => Judged::Rejected {
                msp_id: claimed_msp_id(endorsement.endorser),
                reason: format!("identity does not deserialize: {detail}"),
            },
            other => Judged::Rejected {
                msp_id: claimed_msp_id(endorsement.endorser),
                reason: format!("identity does not deserialize: {other}"),
            },
        })?;
    let msp_id = identity.msp_id();
    let Some(org) = orgs.get(&msp_id) else {
        return Err(Judged::Rejected {
            msp_id: Some(msp_id),
            reason: "not an application organisation of the channel".into(),
        });
    };
    // Checked before the signature, as Fabric's signature-set deduplication does.
    if counted.contains(&msp_id) {
        return Err(Judged::Rejected {
            msp_id: Some(msp_id),
            reason: "organisation already counted".into(),
        });
    }
    identity
        .validate()
        .map_err(rejected(&msp_id, "identity is not valid"))?;
    identity
        .verify(&endorsement.message(), endorsement.signature)
        .map_err(rejected(&msp_id, "signature does not verify"))?;
    identity
        .satisfies_principal(org.principal())
        .map_err(rejected(
            &msp_id,
            &format!("not a {} of {msp_id}", org.role()),
        ))?;
    Ok(msp_id)
}

//! `ApplicationPolicy` evaluation: chaincode endorsement and collection policies (spec 6.6,
//! Fabric's `core/policy/application.go`).

use fabric_msp::{Identity, IdentityDeserializer};
use fabric_protos::common::{application_policy, ApplicationPolicy};
use prost::Message;

use crate::error::PolicyError;
use crate::manager::PolicyManager;
use crate::signature_policy::CompiledSignaturePolicy;
use crate::signed_data::{signature_set_to_valid_identities, SignedData};

/// A decoded `ApplicationPolicy` (`common` and `protos` copies are wire-identical).
#[derive(Debug, Clone)]
pub enum ParsedApplicationPolicy {
    /// An explicit signature policy, compiled (its version is not checked, as in Fabric).
    Signature(CompiledSignaturePolicy),
    /// A reference into the channel config, e.g. `/Channel/Application/Endorsement`; resolved
    /// against the manager given at evaluation time, so always against the current config.
    ChannelConfigReference(String),
}

impl ParsedApplicationPolicy {
    /// Decodes `ApplicationPolicy` bytes and compiles an explicit signature policy.
    ///
    /// # Errors
    /// [`PolicyError::DecodeApplicationPolicy`] when the bytes do not decode,
    /// [`PolicyError::UnsupportedApplicationPolicyType`] when no oneof member is set,
    /// [`PolicyError::SignaturePolicyEvaluator`] wrapping a compile error.
    pub fn from_bytes(policy_bytes: &[u8]) -> Result<Self, PolicyError> {
        let policy = ApplicationPolicy::decode(policy_bytes)
            .map_err(|e| PolicyError::DecodeApplicationPolicy(e.to_string()))?;
        match policy.r#type {
            Some(application_policy::Type::SignaturePolicy(envelope)) => {
                CompiledSignaturePolicy::compile(&envelope)
                    .map(Self::Signature)
                    .map_err(|e| PolicyError::SignaturePolicyEvaluator(Box::new(e)))
            }
            Some(application_policy::Type::ChannelConfigPolicyReference(reference)) => {
                Ok(Self::ChannelConfigReference(reference))
            }
            None => Err(PolicyError::UnsupportedApplicationPolicyType),
        }
    }

    /// Evaluates over verified identities; references are looked up in `manager`.
    ///
    /// # Errors
    /// [`PolicyError::PolicyReferenceNotFound`] for an unknown reference, else the policy's
    /// evaluation error (e.g. [`PolicyError::SignaturePolicyNotSatisfied`]).
    pub fn evaluate_identities<I: Identity>(
        &self,
        identities: &[I],
        manager: &PolicyManager,
    ) -> Result<(), PolicyError> {
        match self {
            Self::Signature(policy) => policy.evaluate_identities(identities),
            Self::ChannelConfigReference(reference) => match manager.get_policy(reference).policy()
            {
                Some(policy) => policy.evaluate_identities(identities),
                None => Err(PolicyError::PolicyReferenceNotFound(reference.clone())),
            },
        }
    }

    /// Evaluates a signature set: a missing reference is reported before any signature is
    /// verified (as in Fabric), then the set is verified once (spec 6.2) and evaluated.
    ///
    /// # Errors
    /// As [`ParsedApplicationPolicy::evaluate_identities`].
    pub fn evaluate_signed_data<D>(
        &self,
        signed_data: &[SignedData<'_>],
        deserializer: &D,
        manager: &PolicyManager,
    ) -> Result<(), PolicyError>
    where
        D: IdentityDeserializer + ?Sized,
    {
        if let Self::ChannelConfigReference(reference) = self {
            if !manager.get_policy(reference).is_found() {
                return Err(PolicyError::PolicyReferenceNotFound(reference.clone()));
            }
        }
        let identities = signature_set_to_valid_identities(signed_data, deserializer);
        self.evaluate_identities(&identities, manager)
    }
}

/// Evaluates `ApplicationPolicy` bytes against a signature set on channel `channel_id`
/// (Fabric's `ApplicationPolicyEvaluator`). `manager` is the channel's current policy manager;
/// like Fabric's constructor, a missing manager fails whatever the policy is.
///
/// # Errors
/// [`PolicyError::NoPolicyManager`] when `manager` is `None`, then the errors of
/// [`ParsedApplicationPolicy::from_bytes`] and
/// [`ParsedApplicationPolicy::evaluate_signed_data`].
pub fn evaluate_application_policy<D>(
    channel_id: &str,
    manager: Option<&PolicyManager>,
    policy_bytes: &[u8],
    signed_data: &[SignedData<'_>],
    deserializer: &D,
) -> Result<(), PolicyError>
where
    D: IdentityDeserializer + ?Sized,
{
    let manager = manager.ok_or_else(|| PolicyError::NoPolicyManager(channel_id.to_owned()))?;
    ParsedApplicationPolicy::from_bytes(policy_bytes)?.evaluate_signed_data(
        signed_data,
        deserializer,
        manager,
    )
}

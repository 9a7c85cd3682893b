//! The validation parameter of a namespace guarded by `UTXO`: two application policies.

use bytes::Bytes;
use fabric_protos::protos::ApplicationPolicy;
use prost::Message;

/// The wire form of the validation parameter (the chaincode definition's
/// `ChaincodeValidationInfo.validation_parameter`, handed to the plugin as `SerializedPolicy`).
///
/// ```text
/// message UtxoValidationParameter {
///     bytes endorsement_policy = 1; // serialized protos.ApplicationPolicy
///     bytes issuer_policy      = 2; // serialized protos.ApplicationPolicy
/// }
/// ```
///
/// `endorsement_policy` is what `DefaultValidation` would get as its parameter: it must be
/// satisfied by every transaction's endorsements. `issuer_policy` must be satisfied by the
/// creator of every issuance (see the crate documentation). Both are required.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct UtxoValidationParameter {
    /// Serialized `ApplicationPolicy` the endorsements must satisfy.
    #[prost(bytes = "vec", tag = "1")]
    pub endorsement_policy: Vec<u8>,
    /// Serialized `ApplicationPolicy` the creator of an issuance must satisfy.
    #[prost(bytes = "vec", tag = "2")]
    pub issuer_policy: Vec<u8>,
}

impl UtxoValidationParameter {
    /// The parameter made of two application policies (encoded here; the plugin evaluates the
    /// bytes as they are stored).
    #[must_use]
    pub fn new(endorsement_policy: &ApplicationPolicy, issuer_policy: &ApplicationPolicy) -> Self {
        UtxoValidationParameter {
            endorsement_policy: endorsement_policy.encode_to_vec(),
            issuer_policy: issuer_policy.encode_to_vec(),
        }
    }
}

/// Why the validation parameter is unusable. Every transaction of the namespace is invalid
/// until the chaincode is redefined with a usable parameter.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParameterError {
    /// The bytes are not a `UtxoValidationParameter`.
    #[error("the validation parameter is not a UtxoValidationParameter: {0}")]
    Decode(String),
    /// One of the two policies is empty.
    #[error("the validation parameter has no {0}")]
    Missing(&'static str),
    /// One of the two policies is not an `ApplicationPolicy`.
    #[error("the {which} of the validation parameter is not an ApplicationPolicy: {reason}")]
    Policy {
        /// `endorsement_policy` or `issuer_policy`.
        which: &'static str,
        /// The decoder's reason.
        reason: String,
    },
}

/// A validation parameter whose two policies are known to be `ApplicationPolicy` messages;
/// holds their original bytes (the policy evaluator gets exactly what the definition stores).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationParameter {
    endorsement_policy: Bytes,
    issuer_policy: Bytes,
}

impl ValidationParameter {
    /// Parses the parameter bytes.
    ///
    /// # Errors
    ///
    /// [`ParameterError`] naming what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParameterError> {
        let wire = UtxoValidationParameter::decode(bytes)
            .map_err(|e| ParameterError::Decode(e.to_string()))?;
        let check = |which: &'static str, policy: Vec<u8>| -> Result<Bytes, ParameterError> {
            if policy.is_empty() {
                return Err(ParameterError::Missing(which));
            }
            let policy = Bytes::from(policy);
            ApplicationPolicy::decode(policy.clone()).map_err(|e| ParameterError::Policy {
                which,
                reason: e.to_string(),
            })?;
            Ok(policy)
        };
        Ok(ValidationParameter {
            endorsement_policy: check("endorsement_policy", wire.endorsement_policy)?,
            issuer_policy: check("issuer_policy", wire.issuer_policy)?,
        })
    }

    /// The chaincode endorsement policy (serialized `ApplicationPolicy`).
    #[must_use]
    pub fn endorsement_policy(&self) -> &[u8] {
        &self.endorsement_policy
    }

    /// The issuer policy (serialized `ApplicationPolicy`).
    #[must_use]
    pub fn issuer_policy(&self) -> &[u8] {
        &self.issuer_policy
    }
}

#[cfg(test)]
mod tests {
    use fabric_protos::protos::application_policy;

    use super::*;

    fn reference(path: &str) -> ApplicationPolicy {
        ApplicationPolicy {
            r#type: Some(application_policy::Type::ChannelConfigPolicyReference(
                path.into(),
            )),
        }
    }

    #[test]
    fn parses_both_policies_and_keeps_their_bytes() {
        let wire = UtxoValidationParameter::new(&reference("/a"), &reference("/b"));
        let parsed = ValidationParameter::parse(&wire.encode_to_vec()).unwrap_or_else(|e| {
            panic!("{e}");
        });
        assert_eq!(parsed.endorsement_policy(), wire.endorsement_policy);
        assert_eq!(parsed.issuer_policy(), wire.issuer_policy);
    }

    #[test]
    fn names_what_is_wrong() {
        assert!(matches!(
            ValidationParameter::parse(&[0x0f, 0xff]),
            Err(ParameterError::Decode(_))
        ));
        let no_issuer = UtxoValidationParameter {
            endorsement_policy: reference("/a").encode_to_vec(),
            issuer_policy: Vec::new(),
        };
        assert_eq!(
            ValidationParameter::parse(&no_issuer.encode_to_vec()),
            Err(ParameterError::Missing("issuer_policy"))
        );
        let garbage = UtxoValidationParameter {
            endorsement_policy: vec![0x0f, 0xff],
            issuer_policy: reference("/b").encode_to_vec(),
        };
        assert!(matches!(
            ValidationParameter::parse(&garbage.encode_to_vec()),
            Err(ParameterError::Policy {
                which: "endorsement_policy",
                ..
            })
        ));
    }
}

//! Compiled `SignaturePolicyEnvelope`s and their greedy evaluation (spec 6.1,
//! Fabric's `common/cauthdsl`).

use fabric_msp::{Identity, IdentityDeserializer};
use fabric_protos::common::{
    signature_policy, MspPrincipal, SignaturePolicy, SignaturePolicyEnvelope,
};
use prost::Message;

use crate::error::PolicyError;
use crate::signed_data::{signature_set_to_valid_identities, SignedData};

/// A node of a compiled rule tree. Leaves hold their principal, resolved at compile time.
#[derive(Debug, Clone, PartialEq)]
pub enum CompiledRule {
    /// Satisfied by the first unused identity that satisfies `principal`.
    SignedBy {
        /// Index into the envelope's `identities` (kept for messages).
        index: usize,
        /// The principal `identities[index]`.
        principal: MspPrincipal,
    },
    /// Satisfied when at least `n` of `rules` are (always when `n <= 0`).
    NOutOf {
        /// Threshold, as on the wire (may be negative or exceed the number of rules).
        n: i32,
        /// Sub-rules, evaluated in order, all of them.
        rules: Vec<CompiledRule>,
    },
}

impl CompiledRule {
    fn compile(
        rule: Option<&SignaturePolicy>,
        principals: &[MspPrincipal],
    ) -> Result<Self, PolicyError> {
        let rule = rule.ok_or(PolicyError::EmptyPolicyElement)?;
        match &rule.r#type {
            None => Err(PolicyError::UnknownRuleType),
            Some(signature_policy::Type::SignedBy(k)) => {
                let out_of_range = || PolicyError::IdentityIndexOutOfRange {
                    requested: *k,
                    length: principals.len(),
                };
                let index = usize::try_from(*k).map_err(|_| out_of_range())?;
                let principal = principals.get(index).ok_or_else(out_of_range)?;
                Ok(Self::SignedBy {
                    index,
                    principal: principal.clone(),
                })
            }
            Some(signature_policy::Type::NOutOf(n_out_of)) => {
                let rules = n_out_of
                    .rules
                    .iter()
                    .map(|sub| Self::compile(Some(sub), principals))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Self::NOutOf {
                    n: n_out_of.n,
                    rules,
                })
            }
        }
    }

    /// Fabric's evaluation: `used[i]` says identity `i` already satisfied a leaf on the current
    /// path. Leaves take the first unused satisfying identity; gates give every sub-rule a
    /// scratch copy of `used`, commit it only when the sub-rule succeeds, and never stop early.
    fn evaluate<I: Identity>(&self, identities: &[I], used: &mut [bool]) -> bool {
        match self {
            Self::SignedBy { principal, .. } => {
                for (identity, used) in identities.iter().zip(used.iter_mut()) {
                    if *used {
                        continue;
                    }
                    if identity.satisfies_principal(principal).is_ok() {
                        *used = true;
                        return true;
                    }
                }
                false
            }
            Self::NOutOf { n, rules } => {
                let mut satisfied: i64 = 0;
                let mut scratch = vec![false; used.len()];
                for rule in rules {
                    scratch.copy_from_slice(used);
                    if rule.evaluate(identities, &mut scratch) {
                        satisfied += 1;
                        used.copy_from_slice(&scratch);
                    }
                }
                satisfied >= i64::from(*n)
            }
        }
    }
}

/// A `SignaturePolicyEnvelope` compiled once: indices checked, principals resolved.
///
/// Evaluate it as often as needed with [`CompiledSignaturePolicy::evaluate_identities`] or
/// [`CompiledSignaturePolicy::evaluate_signed_data`].
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSignaturePolicy {
    rule: CompiledRule,
    envelope: SignaturePolicyEnvelope,
}

impl CompiledSignaturePolicy {
    /// Compiles an envelope without looking at its version (the `ApplicationPolicy` path,
    /// Fabric's `EnvelopeBasedPolicyProvider`).
    ///
    /// # Errors
    /// [`PolicyError::EmptyPolicyElement`] when the envelope (or a rule) is missing,
    /// [`PolicyError::UnknownRuleType`] when a rule's oneof is unset,
    /// [`PolicyError::IdentityIndexOutOfRange`] for a bad `signed_by` index.
    pub fn compile(envelope: &SignaturePolicyEnvelope) -> Result<Self, PolicyError> {
        let rule = CompiledRule::compile(envelope.rule.as_ref(), &envelope.identities)?;
        Ok(Self {
            rule,
            envelope: envelope.clone(),
        })
    }

    /// Decodes and compiles policy bytes from the channel config (Fabric's cauthdsl
    /// provider): the version must be 0.
    ///
    /// # Errors
    /// [`PolicyError::DecodeSignaturePolicy`] when the bytes do not decode,
    /// [`PolicyError::UnsupportedVersion`] for a version other than 0, then the errors of
    /// [`CompiledSignaturePolicy::compile`] (empty bytes give
    /// [`PolicyError::EmptyPolicyElement`]).
    pub fn from_config_bytes(bytes: &[u8]) -> Result<Self, PolicyError> {
        let envelope = SignaturePolicyEnvelope::decode(bytes)
            .map_err(|e| PolicyError::DecodeSignaturePolicy(e.to_string()))?;
        if envelope.version != 0 {
            return Err(PolicyError::UnsupportedVersion(envelope.version));
        }
        Self::compile(&envelope)
    }

    /// The compiled rule tree.
    pub fn rule(&self) -> &CompiledRule {
        &self.rule
    }

    /// The envelope this policy was compiled from.
    pub fn envelope(&self) -> &SignaturePolicyEnvelope {
        &self.envelope
    }

    /// Whether `identities` (already verified, in order) satisfy the policy, without error text.
    pub fn is_satisfied_by<I: Identity>(&self, identities: &[I]) -> bool {
        let mut used = vec![false; identities.len()];
        self.rule.evaluate(identities, &mut used)
    }

    /// Evaluates the policy over verified identities (Fabric's `EvaluateIdentities`).
    ///
    /// # Errors
    /// [`PolicyError::SignaturePolicyNotSatisfied`] when the identities do not satisfy it.
    pub fn evaluate_identities<I: Identity>(&self, identities: &[I]) -> Result<(), PolicyError> {
        if self.is_satisfied_by(identities) {
            Ok(())
        } else {
            Err(PolicyError::SignaturePolicyNotSatisfied)
        }
    }

    /// Verifies the signature set (spec 6.2) and evaluates the policy over the result
    /// (Fabric's `EvaluateSignedData`).
    ///
    /// # Errors
    /// [`PolicyError::SignaturePolicyNotSatisfied`] when the valid signers do not satisfy it.
    pub fn evaluate_signed_data<D>(
        &self,
        signed_data: &[SignedData<'_>],
        deserializer: &D,
    ) -> Result<(), PolicyError>
    where
        D: IdentityDeserializer + ?Sized,
    {
        let identities = signature_set_to_valid_identities(signed_data, deserializer);
        self.evaluate_identities(&identities)
    }
}

//! Implicit-meta policies: "ANY / ALL / MAJORITY of the children's `X` policies" (spec 6.4,
//! Fabric's `common/policies/implicitmeta.go`).

use std::sync::Arc;

use fabric_msp::Identity;
use fabric_protos::common::{implicit_meta_policy, ImplicitMetaPolicy};
use prost::Message;

use crate::error::PolicyError;
use crate::policy::Policy;

/// The rule of an implicit-meta policy as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplicitMetaRule {
    /// One sub-policy suffices.
    Any,
    /// Every sub-policy is needed.
    All,
    /// More than half of the sub-policies are needed.
    Majority,
    /// A value outside the enum. Fabric computes no threshold for it, which leaves the
    /// threshold at 0: such a policy holds only while none of its sub-policies is satisfied.
    Unknown(i32),
}

impl ImplicitMetaRule {
    /// Interprets the wire value of `ImplicitMetaPolicy.rule`.
    pub fn from_wire(value: i32) -> Self {
        match implicit_meta_policy::Rule::try_from(value) {
            Ok(implicit_meta_policy::Rule::Any) => Self::Any,
            Ok(implicit_meta_policy::Rule::All) => Self::All,
            Ok(implicit_meta_policy::Rule::Majority) => Self::Majority,
            Err(_) => Self::Unknown(value),
        }
    }

    /// How many of `sub_policies` sub-policies must be satisfied: ANY 1, ALL N, MAJORITY
    /// ⌊N/2⌋+1, unknown 0; and 0 whenever N = 0. (A threshold of 0 over N > 0 groups is only
    /// met when no sub-policy is satisfied: see [`ImplicitMeta::evaluate_identities`].)
    pub fn threshold(self, sub_policies: usize) -> usize {
        if sub_policies == 0 {
            return 0;
        }
        match self {
            Self::Any => 1,
            Self::All => sub_policies,
            Self::Majority => sub_policies / 2 + 1,
            Self::Unknown(_) => 0,
        }
    }
}

/// Parses the configtx text form `"<RULE> <SubPolicy>"`, e.g. `"MAJORITY Endorsement"`
/// (Fabric's `ImplicitMetaFromString`).
///
/// # Errors
/// [`PolicyError::ImplicitMetaTokenCount`] unless the text is exactly two tokens separated by
/// one space; [`PolicyError::ImplicitMetaUnknownRule`] unless the rule is `ANY`, `ALL` or
/// `MAJORITY` (case-sensitive).
pub fn implicit_meta_from_str(text: &str) -> Result<ImplicitMetaPolicy, PolicyError> {
    let tokens: Vec<&str> = text.split(' ').collect();
    let [rule, sub_policy] = tokens.as_slice() else {
        return Err(PolicyError::ImplicitMetaTokenCount(tokens.len()));
    };
    let rule = match *rule {
        "ANY" => implicit_meta_policy::Rule::Any,
        "ALL" => implicit_meta_policy::Rule::All,
        "MAJORITY" => implicit_meta_policy::Rule::Majority,
        other => return Err(PolicyError::ImplicitMetaUnknownRule(other.to_owned())),
    };
    Ok(ImplicitMetaPolicy {
        sub_policy: (*sub_policy).to_owned(),
        rule: rule as i32,
    })
}

/// One child group's contribution to an implicit-meta policy.
#[derive(Debug, Clone)]
pub struct SubPolicy {
    /// Name of the child group (e.g. `Org1`).
    pub group: String,
    /// The child's policy, or `None` when the child lacks it (Fabric's reject policy: it
    /// counts in N and is never satisfied).
    pub policy: Option<Arc<Policy>>,
}

/// A compiled implicit-meta policy over the direct child groups of one config group.
#[derive(Debug, Clone)]
pub struct ImplicitMeta {
    sub_policy_name: String,
    rule: ImplicitMetaRule,
    threshold: usize,
    sub_policies: Vec<SubPolicy>,
}

impl ImplicitMeta {
    /// Decodes `ImplicitMetaPolicy` bytes and binds it to the children's policies.
    /// `lookup(group)` is called for every child group, in order, and returns the child's
    /// policy named `sub_policy` if it has one.
    ///
    /// # Errors
    /// [`PolicyError::DecodeImplicitMetaPolicy`] when the bytes do not decode.
    pub(crate) fn from_bytes<'g>(
        bytes: &[u8],
        children: impl Iterator<Item = &'g str>,
        mut lookup: impl FnMut(&str, &str) -> Option<Arc<Policy>>,
    ) -> Result<Self, PolicyError> {
        let definition = ImplicitMetaPolicy::decode(bytes)
            .map_err(|e| PolicyError::DecodeImplicitMetaPolicy(e.to_string()))?;
        let sub_policies: Vec<SubPolicy> = children
            .map(|group| SubPolicy {
                group: group.to_owned(),
                policy: lookup(group, &definition.sub_policy),
            })
            .collect();
        let rule = ImplicitMetaRule::from_wire(definition.rule);
        Ok(Self {
            threshold: rule.threshold(sub_policies.len()),
            rule,
            sub_policy_name: definition.sub_policy,
            sub_policies,
        })
    }

    /// The sub-policy name, e.g. `Endorsement`.
    pub fn sub_policy_name(&self) -> &str {
        &self.sub_policy_name
    }

    /// The rule as found on the wire.
    pub fn rule(&self) -> ImplicitMetaRule {
        self.rule
    }

    /// Number of sub-policies that must be satisfied.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The sub-policies, one per child group, sorted by group name.
    pub fn sub_policies(&self) -> &[SubPolicy] {
        &self.sub_policies
    }

    /// Evaluates every sub-policy independently over the same identities and stops once the
    /// threshold is reached.
    ///
    /// # Errors
    /// [`PolicyError::ImplicitMetaNotSatisfied`] when fewer than the threshold are satisfied.
    pub fn evaluate_identities<I: Identity>(&self, identities: &[I]) -> Result<(), PolicyError> {
        // Fabric counts down from the threshold and succeeds only when the count is exactly
        // zero. With a known rule this is "at least `threshold` satisfied"; with an unknown
        // rule (threshold 0) over N > 0 groups it means "none satisfied", so it is kept as is.
        let threshold = i64::try_from(self.threshold).unwrap_or(i64::MAX);
        let mut remaining = threshold;
        for sub in &self.sub_policies {
            let Some(policy) = &sub.policy else { continue };
            if policy.evaluate_identities(identities).is_ok() {
                remaining -= 1;
                if remaining == 0 {
                    return Ok(());
                }
            }
        }
        if remaining == 0 {
            return Ok(());
        }
        Err(PolicyError::ImplicitMetaNotSatisfied {
            satisfied: usize::try_from(threshold - remaining).unwrap_or(usize::MAX),
            threshold: self.threshold,
            sub_policy: self.sub_policy_name.clone(),
        })
    }
}

//! The policy manager of a channel: every policy of the config tree, compiled, addressable by
//! path (spec 6.5, Fabric's `common/policies/policy.go` `ManagerImpl`).

use std::collections::BTreeMap;
use std::sync::Arc;

use fabric_msp::{Identity, IdentityDeserializer};
use fabric_protos::common::{policy::PolicyType, ConfigGroup};

use crate::error::PolicyError;
use crate::implicit_meta::ImplicitMeta;
use crate::policy::Policy;
use crate::signature_policy::CompiledSignaturePolicy;
use crate::signed_data::SignedData;

/// Path of the root manager, the channel group.
pub const CHANNEL_PATH: &str = "Channel";

/// Separator of policy paths.
pub const PATH_SEPARATOR: char = '/';

/// Compiled policies of one config group and, recursively, of its children.
#[derive(Debug, Clone)]
pub struct PolicyManager {
    path: String,
    /// Own policies under their names, then every child's policies under
    /// `child/<name>` (recursively), as in Fabric.
    policies: BTreeMap<String, Arc<Policy>>,
    managers: BTreeMap<String, PolicyManager>,
}

impl PolicyManager {
    /// Builds the manager of a channel from its channel group (the group named `Channel` in
    /// `Config.channel_group`).
    ///
    /// # Errors
    /// As [`PolicyManager::new`].
    pub fn from_channel_group(channel_group: &ConfigGroup) -> Result<Self, PolicyError> {
        Self::new(CHANNEL_PATH, channel_group)
    }

    /// Builds the manager of `group`, whose path is `path` (e.g. `Channel/Application`).
    /// Children are compiled first, so implicit-meta policies can refer to their policies.
    /// Supported policy types: SIGNATURE (1, version 0) and IMPLICIT_META (3); MSP (2) and
    /// anything else have no provider on the peer.
    ///
    /// # Errors
    /// [`PolicyError::NilConfigPolicy`], [`PolicyError::UnknownPolicyType`],
    /// [`PolicyError::ConfigPolicyDidNotCompile`] or
    /// [`PolicyError::ImplicitPolicyDidNotCompile`], each naming the policy and its path.
    pub fn new(path: &str, group: &ConfigGroup) -> Result<Self, PolicyError> {
        let mut managers = BTreeMap::new();
        for (name, child) in &group.groups {
            let child_path = format!("{path}{PATH_SEPARATOR}{name}");
            managers.insert(name.clone(), Self::new(&child_path, child)?);
        }

        let mut policies: BTreeMap<String, Arc<Policy>> = BTreeMap::new();
        for (name, config_policy) in &group.policies {
            let Some(policy) = &config_policy.policy else {
                return Err(PolicyError::NilConfigPolicy {
                    name: name.clone(),
                    path: path.to_owned(),
                });
            };
            let compiled =
                if policy.r#type == PolicyType::ImplicitMeta as i32 {
                    let meta = ImplicitMeta::from_bytes(
                        &policy.value,
                        managers.keys().map(String::as_str),
                        |child, sub_policy| {
                            managers
                                .get(child)
                                .and_then(|m: &PolicyManager| m.lookup(sub_policy).ok())
                                .map(|(_, policy)| Arc::clone(policy))
                        },
                    )
                    .map_err(|e| PolicyError::ImplicitPolicyDidNotCompile {
                        name: name.clone(),
                        path: path.to_owned(),
                        source: Box::new(e),
                    })?;
                    Policy::ImplicitMeta(meta)
                } else if policy.r#type == PolicyType::Signature as i32 {
                    let signature = CompiledSignaturePolicy::from_config_bytes(&policy.value)
                        .map_err(|e| PolicyError::ConfigPolicyDidNotCompile {
                            name: name.clone(),
                            path: path.to_owned(),
                            source: Box::new(e),
                        })?;
                    Policy::Signature(signature)
                } else {
                    return Err(PolicyError::UnknownPolicyType {
                        name: name.clone(),
                        path: path.to_owned(),
                        policy_type: policy.r#type,
                    });
                };
            policies.insert(name.clone(), Arc::new(compiled));
        }

        // Children's policies become reachable by relative path; like Fabric, these entries
        // are written after the group's own ones and win on a (pathological) name clash.
        for (child_name, manager) in &managers {
            for (policy_name, policy) in &manager.policies {
                policies.insert(
                    format!("{child_name}{PATH_SEPARATOR}{policy_name}"),
                    Arc::clone(policy),
                );
            }
        }

        Ok(Self {
            path: path.to_owned(),
            policies,
            managers,
        })
    }

    /// The path of this manager's group, e.g. `Channel` or `Channel/Application/Org1`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Names of every policy reachable by relative path, sorted.
    pub fn policy_names(&self) -> impl Iterator<Item = &str> {
        self.policies.keys().map(String::as_str)
    }

    /// The manager of a descendant group (`["Application", "Org1"]`); the empty path is this
    /// manager.
    pub fn manager(&self, path: &[&str]) -> Option<&PolicyManager> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.managers.get(*first)?.manager(rest),
        }
    }

    /// Resolves `id` to the stored policy or to the relative path that was not found.
    fn lookup<'a>(&self, id: &'a str) -> Result<(&'a str, &Arc<Policy>), String> {
        if id.is_empty() {
            return Err(String::new());
        }
        let relpath = if id.starts_with(PATH_SEPARATOR) {
            // Fabric checks only that `id` starts with "/<path>" and then cuts
            // 1 + len(path) + 1 bytes, without checking that the cut byte is a '/'. Keep
            // that: "/ChannelXApplication/Endorsement" resolves like
            // "/Channel/Application/Endorsement". Fabric panics on exactly "/<path>"; here
            // that (and a cut inside a UTF-8 character) is simply not found.
            let prefix_len = 1 + self.path.len();
            if !id[1..].starts_with(self.path.as_str()) {
                return Err(id.to_owned());
            }
            match id.get(prefix_len + 1..) {
                Some(rest) => rest,
                None => return Err(id.to_owned()),
            }
        } else {
            id
        };
        match self.policies.get(relpath) {
            Some(policy) => Ok((relpath, policy)),
            None => Err(relpath.to_owned()),
        }
    }

    /// Looks a policy up by path (Fabric's `GetPolicy`): `/Channel/Application/Endorsement`
    /// is absolute (it must start with this manager's path), `Application/Endorsement` is
    /// relative. An empty or unknown path gives a not-found [`PolicyRef`] that rejects
    /// everything with "no such policy".
    pub fn get_policy(&self, id: &str) -> PolicyRef<'_> {
        match self.lookup(id) {
            Ok((relpath, policy)) => PolicyRef::Found {
                name: format!("{PATH_SEPARATOR}{}{PATH_SEPARATOR}{relpath}", self.path),
                policy,
            },
            Err(relpath) => PolicyRef::NotFound { relpath },
        }
    }
}

/// Result of [`PolicyManager::get_policy`]: the policy, or Fabric's reject policy.
#[derive(Debug, Clone)]
pub enum PolicyRef<'m> {
    /// The policy exists.
    Found {
        /// Its absolute name, e.g. `/Channel/Application/Endorsement`.
        name: String,
        /// The compiled policy.
        policy: &'m Arc<Policy>,
    },
    /// No such policy; evaluating this rejects everything.
    NotFound {
        /// The path that was looked up, relative to the manager.
        relpath: String,
    },
}

impl PolicyRef<'_> {
    /// Whether the requested policy exists (Fabric's second return value of `GetPolicy`).
    pub fn is_found(&self) -> bool {
        matches!(self, Self::Found { .. })
    }

    /// The policy, if found.
    pub fn policy(&self) -> Option<&Policy> {
        match self {
            Self::Found { policy, .. } => Some(policy),
            Self::NotFound { .. } => None,
        }
    }

    /// Evaluates over verified identities.
    ///
    /// # Errors
    /// [`PolicyError::NoSuchPolicy`] when not found, else as [`Policy::evaluate_identities`].
    pub fn evaluate_identities<I: Identity>(&self, identities: &[I]) -> Result<(), PolicyError> {
        match self {
            Self::Found { policy, .. } => policy.evaluate_identities(identities),
            Self::NotFound { relpath } => Err(PolicyError::NoSuchPolicy(relpath.clone())),
        }
    }

    /// Verifies the signature set once and evaluates.
    ///
    /// # Errors
    /// [`PolicyError::NoSuchPolicy`] when not found, else as [`Policy::evaluate_signed_data`].
    pub fn evaluate_signed_data<D>(
        &self,
        signed_data: &[SignedData<'_>],
        deserializer: &D,
    ) -> Result<(), PolicyError>
    where
        D: IdentityDeserializer + ?Sized,
    {
        match self {
            Self::Found { policy, .. } => policy.evaluate_signed_data(signed_data, deserializer),
            Self::NotFound { relpath } => Err(PolicyError::NoSuchPolicy(relpath.clone())),
        }
    }
}

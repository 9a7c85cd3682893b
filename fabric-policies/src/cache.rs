//! Parsed `ApplicationPolicy` values by their bytes, so that a validator evaluating the same
//! chaincode policy for every transaction of a block decodes and compiles it once.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::application::ParsedApplicationPolicy;
use crate::error::PolicyError;

/// How many policies a cache holds by default: far more than the chaincode, collection and
/// key-level policies a channel's blocks usually name.
pub const DEFAULT_POLICY_CACHE_CAPACITY: usize = 1024;

/// A bounded, thread-safe map from `ApplicationPolicy` bytes to the parsed policy.
///
/// Only policies that parse are kept; bytes that do not parse are parsed (and fail) again on
/// every call, with the same error. A parsed policy holds no configuration (a channel-config
/// reference is resolved at evaluation time), so entries never go stale when the
/// configuration changes. When the cache is full it is emptied and refilled: eviction order
/// does not matter for a cache this large relative to its working set, and the bound keeps
/// policies read from transactions (key-level parameters) from growing it without limit.
#[derive(Debug)]
pub struct ApplicationPolicyCache {
    parsed: RwLock<HashMap<Box<[u8]>, Arc<ParsedApplicationPolicy>>>,
    capacity: usize,
}

impl Default for ApplicationPolicyCache {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_POLICY_CACHE_CAPACITY)
    }
}

impl ApplicationPolicyCache {
    /// A cache holding at most `capacity` policies (at least one).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            parsed: RwLock::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The parsed form of `policy_bytes`, from the cache or parsed now.
    ///
    /// # Errors
    /// As [`ParsedApplicationPolicy::from_bytes`].
    pub fn parsed(&self, policy_bytes: &[u8]) -> Result<Arc<ParsedApplicationPolicy>, PolicyError> {
        if let Some(hit) = self
            .parsed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(policy_bytes)
        {
            return Ok(Arc::clone(hit));
        }
        let parsed = Arc::new(ParsedApplicationPolicy::from_bytes(policy_bytes)?);
        let mut map = self.parsed.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(policy_bytes.into(), Arc::clone(&parsed));
        Ok(parsed)
    }

    /// How many policies the cache holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.parsed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether the cache holds no policy.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::ApplicationPolicyCache;
    use crate::lang::parse_policy;
    use fabric_protos::common::{application_policy, ApplicationPolicy};
    use prost::Message;

    fn policy_bytes(text: &str) -> Vec<u8> {
        ApplicationPolicy {
            r#type: Some(application_policy::Type::SignaturePolicy(
                parse_policy(text).unwrap(),
            )),
        }
        .encode_to_vec()
    }

    #[test]
    fn the_same_bytes_give_the_same_parsed_policy() {
        let cache = ApplicationPolicyCache::default();
        let bytes = policy_bytes("OR('Org1MSP.member')");
        let first = cache.parsed(&bytes).unwrap();
        let second = cache.parsed(&bytes).unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &second));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn bytes_that_do_not_parse_fail_every_time_and_are_not_kept() {
        let cache = ApplicationPolicyCache::default();
        let first = cache.parsed(b"\xff\xff").unwrap_err().to_string();
        let second = cache.parsed(b"\xff\xff").unwrap_err().to_string();
        assert_eq!(first, second);
        assert!(cache.is_empty());
    }

    #[test]
    fn a_full_cache_starts_over_and_stays_bounded() {
        let cache = ApplicationPolicyCache::with_capacity(2);
        for org in ["Org1MSP", "Org2MSP", "Org3MSP"] {
            cache
                .parsed(&policy_bytes(&format!("OR('{org}.member')")))
                .unwrap();
            assert!(cache.len() <= 2);
        }
        assert_eq!(cache.len(), 1);
    }
}

//! Fabric's read-set validation at commit (MVCC): every read of a valid transaction must see
//! the committed version, where a key written by an earlier valid transaction of the same block
//! counts as changed (MVCC_READ_CONFLICT), and range queries must return the same keys at the
//! same versions (PHANTOM_READ_CONFLICT). The writes of each transaction that stays valid join
//! the block's updates, which are applied to the state in block order at commit.

use std::collections::{BTreeMap, HashSet};

use bytes::Bytes;
use fabric_protos::kvrwset::{range_query_info::ReadsInfo, RangeQueryInfo, Version};
use fabric_protos::protos::TxValidationCode as Code;

use crate::rwset::RwSet;
use crate::state::{Height, KeyUpdate, Metadata, WorldState};

/// A range query the validator cannot re-check (Merkle summaries are not implemented).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("range query [{start}, {end}) in namespace {namespace} carries a Merkle summary, which this validator cannot check")]
pub struct UnsupportedRangeQuery {
    /// The namespace queried.
    pub namespace: String,
    /// The start key.
    pub start: String,
    /// The end key.
    pub end: String,
}

#[derive(Debug, Clone)]
struct PublicUpdate<'a> {
    namespace: &'a str,
    key: &'a str,
    update: KeyUpdate,
    height: Height,
}

#[derive(Debug, Clone)]
struct HashedUpdate<'a> {
    namespace: &'a str,
    collection: &'a str,
    key_hash: &'a Bytes,
    update: KeyUpdate,
    height: Height,
}

/// The writes of a block's valid transactions so far, in block order, borrowed from their
/// read-write sets (which outlive the commit).
#[derive(Debug, Default)]
pub struct BlockUpdates<'a> {
    public: Vec<PublicUpdate<'a>>,
    hashed: Vec<HashedUpdate<'a>>,
    public_keys: HashSet<(&'a str, &'a str)>,
    hashed_keys: HashSet<(&'a str, &'a str, &'a [u8])>,
}

fn same_version(committed: Option<Height>, read: Option<&Version>) -> bool {
    match (committed, read) {
        (None, None) => true,
        (Some(h), Some(v)) => h.block == v.block_num && h.tx == v.tx_num,
        _ => false,
    }
}

impl<'a> BlockUpdates<'a> {
    /// No updates yet.
    #[must_use]
    pub fn new() -> Self {
        BlockUpdates::default()
    }

    /// Checks the reads of `rwset` against `state` and the updates so far: `Valid`,
    /// `MvccReadConflict` or `PhantomReadConflict`.
    ///
    /// # Errors
    /// [`UnsupportedRangeQuery`] for a range query recorded as a Merkle summary.
    pub fn check_reads(
        &self,
        state: &WorldState,
        rwset: &RwSet,
    ) -> Result<Code, UnsupportedRangeQuery> {
        for ns in &rwset.namespaces {
            for read in &ns.public.reads {
                if self
                    .public_keys
                    .contains(&(ns.namespace.as_str(), read.key.as_str()))
                {
                    return Ok(Code::MvccReadConflict);
                }
                let committed = state.get(&ns.namespace, &read.key).map(|v| v.version);
                if !same_version(committed, read.version.as_ref()) {
                    return Ok(Code::MvccReadConflict);
                }
            }
            for query in &ns.public.range_queries_info {
                if !self.range_unchanged(state, &ns.namespace, query)? {
                    return Ok(Code::PhantomReadConflict);
                }
            }
            for coll in &ns.collections {
                for read in &coll.hashed.hashed_reads {
                    let key = (
                        ns.namespace.as_str(),
                        coll.name.as_str(),
                        read.key_hash.as_ref(),
                    );
                    if self.hashed_keys.contains(&key) {
                        return Ok(Code::MvccReadConflict);
                    }
                    let committed = state
                        .get_hashed(&ns.namespace, &coll.name, &read.key_hash)
                        .map(|v| v.version);
                    if !same_version(committed, read.version.as_ref()) {
                        return Ok(Code::MvccReadConflict);
                    }
                }
            }
        }
        Ok(Code::Valid)
    }

    /// Re-runs a range query over the committed state merged with this block's updates and
    /// compares keys and versions with what the transaction saw.
    fn range_unchanged(
        &self,
        state: &WorldState,
        namespace: &str,
        query: &RangeQueryInfo,
    ) -> Result<bool, UnsupportedRangeQuery> {
        let reads = match &query.reads_info {
            Some(ReadsInfo::RawReads(reads)) => &reads.kv_reads,
            None => &Vec::new(),
            Some(ReadsInfo::ReadsMerkleHashes(_)) => {
                return Err(UnsupportedRangeQuery {
                    namespace: namespace.to_owned(),
                    start: query.start_key.clone(),
                    end: query.end_key.clone(),
                })
            }
        };
        let in_range = |k: &str| {
            k >= query.start_key.as_str()
                && (query.end_key.is_empty() || k < query.end_key.as_str())
        };
        let mut now: BTreeMap<&str, Option<Height>> = state
            .range(namespace, &query.start_key, &query.end_key)
            .map(|(k, v)| (k.as_str(), Some(v.version)))
            .collect();
        for u in self
            .public
            .iter()
            .filter(|u| u.namespace == namespace && in_range(u.key))
        {
            match u.update {
                KeyUpdate::Delete => {
                    now.remove(u.key);
                }
                _ => {
                    now.insert(u.key, Some(u.height));
                }
            }
        }
        let mut current = now.into_iter();
        for read in reads {
            match current.next() {
                Some((key, version))
                    if key == read.key && same_version(version, read.version.as_ref()) => {}
                _ => return Ok(false),
            }
        }
        // A query that ran to its end must not see new keys after the last one it read.
        Ok(!query.itr_exhausted || current.next().is_none())
    }

    /// Adds the writes of `rwset` (a transaction that stays valid) at `height`.
    pub fn add(&mut self, rwset: &'a RwSet, height: Height) {
        for ns in &rwset.namespaces {
            for write in &ns.public.writes {
                let update = if write.is_delete {
                    KeyUpdate::Delete
                } else {
                    KeyUpdate::Put(write.value.clone())
                };
                self.push_public(&ns.namespace, &write.key, update, height);
            }
            for write in &ns.public.metadata_writes {
                let update = KeyUpdate::Metadata(metadata(&write.entries));
                self.push_public(&ns.namespace, &write.key, update, height);
            }
            for coll in &ns.collections {
                for write in &coll.hashed.hashed_writes {
                    let update = if write.is_delete {
                        KeyUpdate::Delete
                    } else {
                        KeyUpdate::Put(write.value_hash.clone())
                    };
                    self.push_hashed(&ns.namespace, &coll.name, &write.key_hash, update, height);
                }
                for write in &coll.hashed.metadata_writes {
                    let update = KeyUpdate::Metadata(metadata(&write.entries));
                    self.push_hashed(&ns.namespace, &coll.name, &write.key_hash, update, height);
                }
            }
        }
    }

    fn push_public(&mut self, namespace: &'a str, key: &'a str, update: KeyUpdate, height: Height) {
        self.public_keys.insert((namespace, key));
        self.public.push(PublicUpdate {
            namespace,
            key,
            update,
            height,
        });
    }

    fn push_hashed(
        &mut self,
        namespace: &'a str,
        collection: &'a str,
        key_hash: &'a Bytes,
        update: KeyUpdate,
        height: Height,
    ) {
        self.hashed_keys
            .insert((namespace, collection, key_hash.as_ref()));
        self.hashed.push(HashedUpdate {
            namespace,
            collection,
            key_hash,
            update,
            height,
        });
    }

    /// Applies every update to `state`, in block order.
    pub fn apply(self, state: &mut WorldState) {
        for u in self.public {
            state.apply(u.namespace, u.key, &u.update, u.height);
        }
        for u in self.hashed {
            state.apply_hashed(u.namespace, u.collection, u.key_hash, &u.update, u.height);
        }
    }
}

fn metadata(entries: &[fabric_protos::kvrwset::KvMetadataEntry]) -> Metadata {
    entries
        .iter()
        .map(|e| (e.name.clone(), e.value.to_vec()))
        .collect()
}

//! Per-block bookkeeping of the intra-block key-level dependency protocol (spec 4.5), made
//! deterministic (spec 11.4).
//!
//! For the block being validated the manager records, for every transaction up to the highest
//! position requested so far, which (namespace, collection, key) metadata it writes, and the
//! per-namespace validation result of every transaction once known. See the crate
//! documentation for the protocol as a whole.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use handlers_api::validation::BlockView;

use crate::artifacts::dependency_rwset;
use crate::error::V20Error;
use crate::rwset::{self, NamespaceWrites};

/// A key whose validation parameter may change: namespace, collection (`""` = public) and the
/// key (public: the key's bytes; private: the key hash).
pub type VpKey = (String, String, Vec<u8>);

/// Which transactions write the metadata of each key: namespace → collection → key → positions.
/// Nested so that a lookup borrows its key parts instead of building a [`VpKey`].
type Updaters = BTreeMap<String, BTreeMap<String, BTreeMap<Vec<u8>, BTreeSet<usize>>>>;

/// The result of one transaction for one (namespace, chaincode policy).
#[derive(Debug)]
struct SlotEntry {
    namespace: String,
    policy: Vec<u8>,
    slot: Slot,
}

/// One transaction's result for one namespace.
#[derive(Debug, Clone)]
pub enum Slot {
    /// Somebody is computing it.
    InProgress,
    /// Known (valid, or a policy error). Execution failures are never stored.
    Done(Result<(), V20Error>),
}

/// The state of one block.
#[derive(Debug)]
pub struct BlockMemo {
    /// The block number.
    pub number: u64,
    /// How many leading transactions had their dependencies extracted.
    extracted: usize,
    /// Which transactions write the metadata of each key.
    updaters: Updaters,
    /// Results per transaction, then per (namespace, chaincode policy): a host calling again
    /// with other policy bytes gets a fresh computation, never a result made under another
    /// policy. A transaction has one entry per namespace it writes, so the inner lists are
    /// short and are searched without building a key.
    results: BTreeMap<usize, Vec<SlotEntry>>,
}

impl BlockMemo {
    fn new(number: u64) -> Self {
        BlockMemo {
            number,
            extracted: 0,
            updaters: BTreeMap::new(),
            results: BTreeMap::new(),
        }
    }

    /// The transactions before `tx` that write the metadata of `key` (collection `coll`,
    /// `""` = public) in `namespace`, ascending.
    pub fn updaters_before(
        &self,
        namespace: &str,
        coll: &str,
        key: &[u8],
        tx: usize,
    ) -> Vec<usize> {
        self.updaters
            .get(namespace)
            .and_then(|colls| colls.get(coll))
            .and_then(|keys| keys.get(key))
            .map(|s| s.range(..tx).copied().collect())
            .unwrap_or_default()
    }

    /// The slot of (`tx`, `namespace`) under chaincode policy `policy`.
    pub fn slot(&self, tx: usize, namespace: &str, policy: &[u8]) -> Option<&Slot> {
        self.entry(tx, namespace, policy).map(|e| &e.slot)
    }

    fn entry(&self, tx: usize, namespace: &str, policy: &[u8]) -> Option<&SlotEntry> {
        self.results
            .get(&tx)?
            .iter()
            .find(|e| e.namespace == namespace && e.policy == policy)
    }

    fn entry_mut(&mut self, tx: usize, namespace: &str, policy: &[u8]) -> Option<&mut SlotEntry> {
        self.results
            .get_mut(&tx)?
            .iter_mut()
            .find(|e| e.namespace == namespace && e.policy == policy)
    }

    fn record_updater(&mut self, (namespace, coll, key): VpKey, tx: usize) {
        self.updaters
            .entry(namespace)
            .or_default()
            .entry(coll)
            .or_default()
            .entry(key)
            .or_default()
            .insert(tx);
    }
}

/// The dependency manager of one plugin instance.
#[derive(Debug, Default)]
pub struct DependencyManager {
    memo: Mutex<Option<BlockMemo>>,
    changed: Condvar,
    /// Threads waiting on `changed`; only changed with `memo` locked, so a publisher that
    /// reads zero under the lock has nobody to wake (and skips the wake-up system call).
    waiters: AtomicUsize,
}

impl DependencyManager {
    /// Locks the per-block state.
    ///
    /// # Errors
    ///
    /// An execution failure when a thread panicked while holding the lock.
    pub fn lock(&self) -> Result<MutexGuard<'_, Option<BlockMemo>>, V20Error> {
        self.memo
            .lock()
            .map_err(|_| V20Error::Execution("key-level dependency state poisoned".into()))
    }

    /// Waits until some slot changes.
    ///
    /// # Errors
    ///
    /// As [`DependencyManager::lock`].
    pub fn wait<'a>(
        &self,
        guard: MutexGuard<'a, Option<BlockMemo>>,
    ) -> Result<MutexGuard<'a, Option<BlockMemo>>, V20Error> {
        self.waiters.fetch_add(1, Ordering::Relaxed);
        let woken = self.changed.wait(guard);
        // Relocked (also when poisoned): the count is still only changed under the lock.
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        woken.map_err(|_| V20Error::Execution("key-level dependency state poisoned".into()))
    }

    /// Fabric's `PreValidate`: switches to `block` (resetting the state when its number is
    /// higher than the current one) and extracts the metadata-write dependencies of every
    /// transaction at positions `0..=tx_position` not extracted yet. A transaction whose
    /// envelope, payload, transaction, action or rwset does not parse has no dependency
    /// (Fabric returns early without signalling for some of these; spec 11.4). The decoding
    /// runs outside the lock and its results are inserted under it, so once this returns every
    /// earlier transaction counts as "inserted".
    ///
    /// # Errors
    ///
    /// An execution failure when `block` is older than the block currently tracked (Fabric
    /// panics: "programming error"; SB-13).
    ///
    /// `known` carries the metadata keys of `tx_position` when the caller already decoded that
    /// transaction the way this extraction would (its first action, read-write set parsed),
    /// so that it is not decoded twice.
    pub fn pre_validate(
        &self,
        block: &BlockView<'_>,
        tx_position: usize,
        mut known: Option<Vec<VpKey>>,
    ) -> Result<(), V20Error> {
        let upto = tx_position.saturating_add(1).min(block.len());
        let from = {
            let mut guard = self.lock()?;
            let tracked = guard.as_ref().map(|m| m.number);
            match tracked {
                Some(n) if n > block.number() => {
                    return Err(V20Error::Execution(format!(
                    "programming error: block with number {} validated after block with number {n}",
                    block.number()
                )))
                }
                Some(n) if n == block.number() => {}
                _ => *guard = Some(BlockMemo::new(block.number())),
            }
            let memo = current(&mut guard, block.number())?;
            if memo.extracted >= upto {
                return Ok(());
            }
            memo.extracted
        };
        // Decoding is the expensive part: it runs without the lock, so that threads validating
        // neighbouring transactions do not wait for each other. Two threads may extract the
        // same transaction; extraction is a function of the bytes, so the sets they insert are
        // the same.
        let extracted: Vec<(usize, Vec<VpKey>)> = (from..upto)
            .map(|i| {
                let keys = match known.take() {
                    Some(keys) if i == tx_position => keys,
                    _ => metadata_keys_of(block, i),
                };
                (i, keys)
            })
            .collect();
        let mut guard = self.lock()?;
        let memo = current(&mut guard, block.number())?;
        for (i, keys) in extracted {
            for key in keys {
                memo.record_updater(key, i);
            }
        }
        memo.extracted = memo.extracted.max(upto);
        Ok(())
    }

    /// Claims (`tx`, `namespace`, `policy`) for computation: `Ok(true)` when the caller must
    /// compute it, `Ok(false)` when the slot is already taken or known.
    ///
    /// # Errors
    ///
    /// As [`DependencyManager::lock`], or when the block changed underneath.
    pub fn claim(
        &self,
        block: u64,
        tx: usize,
        namespace: &str,
        policy: &[u8],
    ) -> Result<bool, V20Error> {
        let mut guard = self.lock()?;
        let memo = current(&mut guard, block)?;
        if memo.entry(tx, namespace, policy).is_some() {
            return Ok(false);
        }
        memo.results.entry(tx).or_default().push(SlotEntry {
            namespace: namespace.to_owned(),
            policy: policy.to_vec(),
            slot: Slot::InProgress,
        });
        Ok(true)
    }

    /// Fabric's `PostValidate`: publishes the result of (`tx`, `namespace`, `policy`) and wakes the
    /// waiters. An execution failure is not stored (the slot is freed, a later call computes
    /// again), so that a transient failure is not remembered.
    ///
    /// # Errors
    ///
    /// As [`DependencyManager::lock`], or when the block changed underneath.
    pub fn publish(
        &self,
        block: u64,
        tx: usize,
        namespace: &str,
        policy: &[u8],
        result: &Result<(), V20Error>,
    ) -> Result<(), V20Error> {
        let mut guard = self.lock()?;
        let memo = current(&mut guard, block)?;
        match result {
            Err(V20Error::Execution(_)) => {
                if let Some(entries) = memo.results.get_mut(&tx) {
                    entries.retain(|e| !(e.namespace == namespace && e.policy == policy));
                }
            }
            other => match memo.entry_mut(tx, namespace, policy) {
                Some(entry) => entry.slot = Slot::Done(other.clone()),
                None => memo.results.entry(tx).or_default().push(SlotEntry {
                    namespace: namespace.to_owned(),
                    policy: policy.to_vec(),
                    slot: Slot::Done(other.clone()),
                }),
            },
        }
        let anyone_waiting = self.waiters.load(Ordering::Relaxed) > 0;
        drop(guard);
        if anyone_waiting {
            self.changed.notify_all();
        }
        Ok(())
    }
}

/// The (namespace, collection, key) metadata that transaction `i` of `block` writes; none when
/// its envelope, payload, transaction, action or read-write set does not parse.
fn metadata_keys_of(block: &BlockView<'_>, i: usize) -> Vec<VpKey> {
    let Some(rw) = block.envelope(i).and_then(dependency_rwset) else {
        return Vec::new();
    };
    let Ok(namespaces) = rwset::parse(rw) else {
        return Vec::new();
    };
    metadata_keys(&namespaces)
}

/// The (namespace, collection, key) metadata that the parsed writes `namespaces` write.
pub fn metadata_keys(namespaces: &[NamespaceWrites]) -> Vec<VpKey> {
    namespaces
        .iter()
        .flat_map(|ns| {
            ns.metadata_keys()
                .map(|(coll, key)| (ns.namespace.clone(), coll.to_owned(), key.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The memo of `block`, or an execution failure when another block replaced it.
///
/// # Errors
///
/// When the tracked block is not `block`.
pub fn current<'a>(
    guard: &'a mut MutexGuard<'_, Option<BlockMemo>>,
    block: u64,
) -> Result<&'a mut BlockMemo, V20Error> {
    match guard.as_mut() {
        Some(m) if m.number == block => Ok(m),
        Some(m) => Err(V20Error::Execution(format!(
            "block {block} is being validated while the key-level state tracks block {}",
            m.number
        ))),
        None => Err(V20Error::Execution(format!(
            "block {block} is being validated without key-level state"
        ))),
    }
}

//! A bounded, thread-safe cache keyed by byte strings, with second-chance (CLOCK) eviction.
//!
//! Fabric's MSP caches use second-chance eviction with 100 entries. This one is split into
//! shards (each behind its own mutex, held only for a map lookup or insert, never while parsing
//! or verifying) so that validators running on a pool rarely contend. Each shard holds at most
//! `ceil(capacity / shards)` entries; when a full shard needs room, it walks its insertion ring:
//! an entry used since it was last passed gets its "referenced" bit cleared and moves to the
//! back, the first unreferenced entry is evicted.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Counters of a cache, for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Lookups that found an entry.
    pub hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Entries added.
    pub insertions: u64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// Entries currently held.
    pub entries: usize,
    /// The configured capacity (upper bound of `entries`, rounded up to whole shards).
    pub capacity: usize,
}

struct Entry<V> {
    value: V,
    referenced: bool,
}

struct Shard<V> {
    map: HashMap<Arc<[u8]>, Entry<V>>,
    ring: VecDeque<Arc<[u8]>>,
}

/// The cache itself.
pub(crate) struct SecondChanceCache<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    per_shard: usize,
    hasher: RandomState,
    hits: AtomicU64,
    misses: AtomicU64,
    insertions: AtomicU64,
    evictions: AtomicU64,
}

const SHARDS: usize = 16;

impl<V: Clone> SecondChanceCache<V> {
    /// A cache holding at most about `capacity` entries (at least one per shard).
    pub(crate) fn new(capacity: usize) -> Self {
        let shard_count = SHARDS.min(capacity.max(1));
        let per_shard = capacity.max(1).div_ceil(shard_count);
        let shards = (0..shard_count)
            .map(|_| {
                Mutex::new(Shard {
                    map: HashMap::new(),
                    ring: VecDeque::new(),
                })
            })
            .collect();
        Self {
            shards,
            per_shard,
            hasher: RandomState::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            insertions: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: &[u8]) -> &Mutex<Shard<V>> {
        // The modulo keeps the index below the shard count, which is at least 1.
        let index = (self.hasher.hash_one(key) % self.shards.len() as u64) as usize;
        &self.shards[index]
    }

    /// Looks `key` up, marking the entry as recently used.
    pub(crate) fn get(&self, key: &[u8]) -> Option<V> {
        let mut shard = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match shard.map.get_mut(key) {
            Some(entry) => {
                entry.referenced = true;
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(entry.value.clone())
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Inserts `value` unless another thread got there first; returns the value now cached.
    pub(crate) fn insert(&self, key: &[u8], value: V) -> V {
        let mut shard = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = shard.map.get(key) {
            return existing.value.clone();
        }
        while shard.map.len() >= self.per_shard {
            let Some(candidate) = shard.ring.pop_front() else {
                break;
            };
            let referenced = shard
                .map
                .get_mut(&candidate)
                .map(|e| std::mem::replace(&mut e.referenced, false));
            match referenced {
                Some(true) => shard.ring.push_back(candidate),
                Some(false) => {
                    shard.map.remove(&candidate);
                    self.evictions.fetch_add(1, Ordering::Relaxed);
                }
                None => {}
            }
        }
        let key: Arc<[u8]> = Arc::from(key);
        shard.ring.push_back(Arc::clone(&key));
        shard.map.insert(
            key,
            Entry {
                value: value.clone(),
                referenced: false,
            },
        );
        self.insertions.fetch_add(1, Ordering::Relaxed);
        value
    }

    /// Current counters.
    pub(crate) fn stats(&self) -> CacheStats {
        let entries = self
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).map.len())
            .sum();
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            insertions: self.insertions.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            entries,
            capacity: self.per_shard * self.shards.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_second_chance() {
        // One shard of two entries makes the eviction order observable.
        let cache = SecondChanceCache::new(1);
        assert_eq!(cache.stats().capacity, 1);
        cache.insert(b"a", 1);
        cache.insert(b"b", 2);
        assert_eq!(cache.get(b"a"), None);
        assert_eq!(cache.get(b"b"), Some(2));
        assert_eq!(cache.stats().evictions, 1);

        let big: SecondChanceCache<u8> = SecondChanceCache::new(4096);
        assert_eq!(big.stats().capacity, 4096);
    }

    #[test]
    fn referenced_entries_survive_one_pass() {
        let cache: SecondChanceCache<u32> = SecondChanceCache {
            shards: vec![Mutex::new(Shard {
                map: HashMap::new(),
                ring: VecDeque::new(),
            })]
            .into_boxed_slice(),
            per_shard: 2,
            hasher: RandomState::new(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            insertions: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
        };
        cache.insert(b"a", 1);
        cache.insert(b"b", 2);
        assert_eq!(cache.get(b"a"), Some(1)); // a gets a second chance
        cache.insert(b"c", 3); // evicts b, not a
        assert_eq!(cache.get(b"a"), Some(1));
        assert_eq!(cache.get(b"b"), None);
        assert_eq!(cache.get(b"c"), Some(3));
        // Insert of an existing key keeps the first value.
        assert_eq!(cache.insert(b"c", 99), 3);
        let stats = cache.stats();
        assert_eq!(stats.entries, 2);
        assert_eq!(stats.evictions, 1);
        assert_eq!(stats.insertions, 3);
    }
}

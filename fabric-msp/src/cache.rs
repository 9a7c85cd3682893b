//! A bounded, thread-safe cache keyed by byte strings, with second-chance (CLOCK) eviction.
//!
//! Fabric's MSP caches use second-chance eviction with 100 entries. This one is split into
//! shards (each behind its own mutex, held only for a map lookup or insert, never while parsing
//! or verifying) so that validators running on a pool rarely contend. Each shard holds at most
//! `ceil(capacity / shards)` entries; when a full shard needs room, it walks its insertion ring:
//! an entry used since it was last passed gets its "referenced" bit cleared and moves to the
//! back, the first unreferenced entry is evicted.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
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
    key: Arc<[u8]>,
    value: V,
    referenced: bool,
}

/// Passes a precomputed `u64` hash through: the shard maps are keyed by the cache's own keyed
/// hash of the bytes, so that a lookup hashes its (identity-sized) key once, not twice.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in rather than lose it.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Entries by the hash of their key; a bucket holds more than one entry only on a collision
/// of the keyed 64-bit hash.
type Buckets<V> = HashMap<u64, Vec<Entry<V>>, BuildHasherDefault<PassThrough>>;

struct Shard<V> {
    map: Buckets<V>,
    len: usize,
    ring: VecDeque<(u64, Arc<[u8]>)>,
}

impl<V> Shard<V> {
    fn new() -> Self {
        Shard {
            map: HashMap::default(),
            len: 0,
            ring: VecDeque::new(),
        }
    }

    fn get_mut(&mut self, hash: u64, key: &[u8]) -> Option<&mut Entry<V>> {
        self.map.get_mut(&hash)?.iter_mut().find(|e| *e.key == *key)
    }

    fn remove(&mut self, hash: u64, key: &[u8]) {
        if let Some(bucket) = self.map.get_mut(&hash) {
            let before = bucket.len();
            bucket.retain(|e| *e.key != *key);
            self.len -= before - bucket.len();
            if bucket.is_empty() {
                self.map.remove(&hash);
            }
        }
    }
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
        let shards = (0..shard_count).map(|_| Mutex::new(Shard::new())).collect();
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

    /// The key's hash (keyed per cache, so keys chosen by a sender cannot be made to collide)
    /// and its shard.
    fn locate(&self, key: &[u8]) -> (u64, &Mutex<Shard<V>>) {
        let hash = self.hasher.hash_one(key);
        // The modulo keeps the index below the shard count, which is at least 1.
        let index = (hash % self.shards.len() as u64) as usize;
        (hash, &self.shards[index])
    }

    /// Looks `key` up, marking the entry as recently used.
    pub(crate) fn get(&self, key: &[u8]) -> Option<V> {
        let (hash, shard) = self.locate(key);
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        match shard.get_mut(hash, key) {
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
        let (hash, shard) = self.locate(key);
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = shard.get_mut(hash, key) {
            return existing.value.clone();
        }
        while shard.len >= self.per_shard {
            let Some((candidate_hash, candidate)) = shard.ring.pop_front() else {
                break;
            };
            let referenced = shard
                .get_mut(candidate_hash, &candidate)
                .map(|e| std::mem::replace(&mut e.referenced, false));
            match referenced {
                Some(true) => shard.ring.push_back((candidate_hash, candidate)),
                Some(false) => {
                    shard.remove(candidate_hash, &candidate);
                    self.evictions.fetch_add(1, Ordering::Relaxed);
                }
                None => {}
            }
        }
        let key: Arc<[u8]> = Arc::from(key);
        shard.ring.push_back((hash, Arc::clone(&key)));
        shard.map.entry(hash).or_default().push(Entry {
            key,
            value: value.clone(),
            referenced: false,
        });
        shard.len += 1;
        self.insertions.fetch_add(1, Ordering::Relaxed);
        value
    }

    /// Current counters.
    pub(crate) fn stats(&self) -> CacheStats {
        let entries = self
            .shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len)
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
            shards: vec![Mutex::new(Shard::new())].into_boxed_slice(),
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

    #[test]
    fn keys_sharing_a_hash_stay_apart() {
        let mut shard: Shard<u32> = Shard::new();
        for (key, value) in [(&b"one"[..], 1), (&b"two"[..], 2)] {
            shard.map.entry(7).or_default().push(Entry {
                key: Arc::from(key),
                value,
                referenced: false,
            });
            shard.len += 1;
        }
        assert_eq!(shard.get_mut(7, b"one").map(|e| e.value), Some(1));
        assert_eq!(shard.get_mut(7, b"two").map(|e| e.value), Some(2));
        assert!(shard.get_mut(7, b"three").is_none());
        assert!(shard.get_mut(8, b"one").is_none());
        shard.remove(7, b"one");
        assert_eq!(shard.len, 1);
        assert!(shard.get_mut(7, b"one").is_none());
        assert_eq!(shard.get_mut(7, b"two").map(|e| e.value), Some(2));
        shard.remove(7, b"two");
        assert_eq!(shard.len, 0);
        assert!(shard.map.is_empty());
    }
}

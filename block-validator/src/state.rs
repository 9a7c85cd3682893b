//! The world state a replay builds: public keys, hashed private keys, their versions and
//! metadata, and the transaction IDs already in the ledger.
//!
//! Versions are Fabric's heights `(block number, tx number)`. Private data itself is never
//! available to a validator; what the block carries, and what is tracked here, is the hashed
//! private state (key hash → value hash) of each collection.

use std::collections::{BTreeMap, HashSet};

use bytes::Bytes;

/// A committed version: the block and transaction that last wrote the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Height {
    /// Block number.
    pub block: u64,
    /// Transaction position in the block.
    pub tx: u64,
}

impl Height {
    /// The height of transaction `tx` of block `block`.
    #[must_use]
    pub fn new(block: u64, tx: u64) -> Self {
        Height { block, tx }
    }
}

/// Key metadata entries (name → value), e.g. `VALIDATION_PARAMETER`.
pub type Metadata = BTreeMap<String, Vec<u8>>;

/// One committed value with its version and metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedValue {
    /// The value (for hashed private state: the value hash).
    pub value: Bytes,
    /// Who wrote it last.
    pub version: Height,
    /// The key's metadata.
    pub metadata: Metadata,
}

/// One write of a transaction, as applied at commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUpdate {
    /// Set the value (metadata is kept, as in Fabric, unless a metadata write follows).
    Put(Bytes),
    /// Delete the key (and its metadata).
    Delete,
    /// Replace the metadata of an existing key (ignored when the key does not exist).
    Metadata(Metadata),
}

/// The committed state of one channel.
#[derive(Debug, Clone, Default)]
pub struct WorldState {
    public: BTreeMap<String, BTreeMap<String, VersionedValue>>,
    hashed: BTreeMap<String, BTreeMap<String, BTreeMap<Bytes, VersionedValue>>>,
    txids: HashSet<String>,
}

impl WorldState {
    /// An empty state (a ledger replayed from its genesis block starts here).
    #[must_use]
    pub fn new() -> Self {
        WorldState::default()
    }

    /// The committed value of public key `key` in `namespace`.
    #[must_use]
    pub fn get(&self, namespace: &str, key: &str) -> Option<&VersionedValue> {
        self.public.get(namespace)?.get(key)
    }

    /// The committed entry of hashed private key `key_hash` of `collection` in `namespace`.
    #[must_use]
    pub fn get_hashed(
        &self,
        namespace: &str,
        collection: &str,
        key_hash: &[u8],
    ) -> Option<&VersionedValue> {
        self.hashed.get(namespace)?.get(collection)?.get(key_hash)
    }

    /// The public keys of `namespace` in `[start, end)` in key order (an empty `end` means no
    /// upper bound, as in Fabric's range queries).
    pub fn range<'a>(
        &'a self,
        namespace: &str,
        start: &'a str,
        end: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a VersionedValue)> + 'a {
        self.public
            .get(namespace)
            .into_iter()
            .flat_map(move |keys| {
                keys.range::<str, _>((std::ops::Bound::Included(start), std::ops::Bound::Unbounded))
            })
            .take_while(move |(k, _)| end.is_empty() || k.as_str() < end)
    }

    /// Whether transaction ID `txid` is already in the ledger.
    #[must_use]
    pub fn contains_txid(&self, txid: &str) -> bool {
        self.txids.contains(txid)
    }

    /// Records `txid` as committed (Fabric indexes the IDs of valid and invalid transactions).
    pub fn add_txid(&mut self, txid: &str) {
        if !txid.is_empty() {
            self.txids.insert(txid.to_owned());
        }
    }

    /// Applies a public update made by the transaction at `version`.
    pub fn apply(&mut self, namespace: &str, key: &str, update: &KeyUpdate, version: Height) {
        let keys = entry_of(&mut self.public, namespace);
        apply_to(keys, key, str::to_owned, update, version);
    }

    /// Applies a hashed private update made by the transaction at `version`.
    pub fn apply_hashed(
        &mut self,
        namespace: &str,
        collection: &str,
        key_hash: &Bytes,
        update: &KeyUpdate,
        version: Height,
    ) {
        let keys = entry_of(entry_of(&mut self.hashed, namespace), collection);
        apply_to(
            keys,
            key_hash.as_ref(),
            |_| key_hash.clone(),
            update,
            version,
        );
    }

    /// How many public keys are committed, over all namespaces.
    #[must_use]
    pub fn public_key_count(&self) -> usize {
        self.public.values().map(BTreeMap::len).sum()
    }
}

/// The value under `name`, created empty when missing (without allocating the name when it
/// is there).
fn entry_of<'m, V: Default>(map: &'m mut BTreeMap<String, V>, name: &str) -> &'m mut V {
    if !map.contains_key(name) {
        map.insert(name.to_owned(), V::default());
    }
    map.get_mut(name)
        .unwrap_or_else(|| unreachable!("inserted above"))
}

/// Applies `update` to `key`, keeping its metadata on a put; `owned` makes the map's key only
/// when the key is new.
fn apply_to<K, Q>(
    keys: &mut BTreeMap<K, VersionedValue>,
    key: &Q,
    owned: impl FnOnce(&Q) -> K,
    update: &KeyUpdate,
    version: Height,
) where
    K: Ord + std::borrow::Borrow<Q>,
    Q: Ord + ?Sized,
{
    match update {
        KeyUpdate::Put(value) => match keys.get_mut(key) {
            Some(existing) => {
                existing.value = value.clone();
                existing.version = version;
            }
            None => {
                keys.insert(
                    owned(key),
                    VersionedValue {
                        value: value.clone(),
                        version,
                        metadata: Metadata::new(),
                    },
                );
            }
        },
        KeyUpdate::Delete => {
            keys.remove(key);
        }
        KeyUpdate::Metadata(metadata) => {
            if let Some(existing) = keys.get_mut(key) {
                existing.metadata = metadata.clone();
                existing.version = version;
            }
        }
    }
}

//! The parts of a `TxReadWriteSet` that validation looks at: written keys, per namespace, in
//! Fabric's order (spec 4.3, 4.4). Reads are never policy-checked and are not kept.

use bytes::Bytes;
use fabric_protos::kvrwset::{HashedRwSet, KvrwSet};
use fabric_protos::rwset::TxReadWriteSet;
use prost::Message;

/// Why an rwset did not parse (Fabric's `rwset.FromProtoBytes`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RwsetError {
    /// The `TxReadWriteSet` itself.
    #[error("TxReadWriteSet does not parse: {0}")]
    Tx(String),
    /// A namespace's `KVRWSet`.
    #[error("KVRWSet of namespace {namespace} does not parse: {reason}")]
    Kv {
        /// The namespace.
        namespace: String,
        /// The decoder's reason.
        reason: String,
    },
    /// A collection's `HashedRWSet`.
    #[error(
        "HashedRWSet of collection {collection} of namespace {namespace} does not parse: {reason}"
    )]
    Hashed {
        /// The namespace.
        namespace: String,
        /// The collection.
        collection: String,
        /// The decoder's reason.
        reason: String,
    },
}

/// The written keys of one collection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionWrites {
    /// The collection name.
    pub collection: String,
    /// `KVWriteHash.key_hash` of every hashed write, in order.
    pub hashed_writes: Vec<Bytes>,
    /// `KVMetadataWriteHash.key_hash` of every hashed metadata write, in order.
    pub hashed_metadata_writes: Vec<Bytes>,
}

/// The written keys of one `NsReadWriteSet` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceWrites {
    /// The namespace (chaincode).
    pub namespace: String,
    /// `KVWrite.key` of every public write, in order.
    pub writes: Vec<String>,
    /// `KVMetadataWrite.key` of every public metadata write, in order.
    pub metadata_writes: Vec<String>,
    /// The collections, in order.
    pub collections: Vec<CollectionWrites>,
}

impl NamespaceWrites {
    /// Every (collection, key) a policy is selected for, in Fabric's order: public writes,
    /// public metadata writes, then hashed writes of each collection, then hashed metadata
    /// writes of each collection (collection `""` = public; hashed keys are the raw hash).
    pub fn policy_keys(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        let public = self
            .writes
            .iter()
            .chain(self.metadata_writes.iter())
            .map(|k| ("", k.as_bytes()));
        let hashed = self.collections.iter().flat_map(|c| {
            c.hashed_writes
                .iter()
                .map(move |k| (c.collection.as_str(), k.as_ref()))
        });
        let hashed_meta = self.collections.iter().flat_map(|c| {
            c.hashed_metadata_writes
                .iter()
                .map(move |k| (c.collection.as_str(), k.as_ref()))
        });
        public.chain(hashed).chain(hashed_meta)
    }

    /// Every (collection, key) whose metadata this entry writes (what may change a key-level
    /// validation parameter).
    pub fn metadata_keys(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        let public = self.metadata_writes.iter().map(|k| ("", k.as_bytes()));
        let hashed = self.collections.iter().flat_map(|c| {
            c.hashed_metadata_writes
                .iter()
                .map(move |k| (c.collection.as_str(), k.as_ref()))
        });
        public.chain(hashed)
    }
}

/// Parses a serialized `TxReadWriteSet` and its nested sets.
///
/// # Errors
///
/// [`RwsetError`] naming the first part that does not parse.
pub fn parse(bytes: Bytes) -> Result<Vec<NamespaceWrites>, RwsetError> {
    let tx = TxReadWriteSet::decode(bytes).map_err(|e| RwsetError::Tx(e.to_string()))?;
    tx.ns_rwset
        .into_iter()
        .map(|ns| {
            let kv = KvrwSet::decode(ns.rwset).map_err(|e| RwsetError::Kv {
                namespace: ns.namespace.clone(),
                reason: e.to_string(),
            })?;
            let collections = ns
                .collection_hashed_rwset
                .into_iter()
                .map(|c| {
                    let hashed =
                        HashedRwSet::decode(c.hashed_rwset).map_err(|e| RwsetError::Hashed {
                            namespace: ns.namespace.clone(),
                            collection: c.collection_name.clone(),
                            reason: e.to_string(),
                        })?;
                    Ok(CollectionWrites {
                        collection: c.collection_name,
                        hashed_writes: hashed
                            .hashed_writes
                            .into_iter()
                            .map(|w| w.key_hash)
                            .collect(),
                        hashed_metadata_writes: hashed
                            .metadata_writes
                            .into_iter()
                            .map(|w| w.key_hash)
                            .collect(),
                    })
                })
                .collect::<Result<Vec<_>, RwsetError>>()?;
            Ok(NamespaceWrites {
                namespace: ns.namespace,
                writes: kv.writes.into_iter().map(|w| w.key).collect(),
                metadata_writes: kv.metadata_writes.into_iter().map(|w| w.key).collect(),
                collections,
            })
        })
        .collect()
}

//! A transaction's read-write set, decoded once with every nested set (Fabric's
//! `TxRwSetFromProtoMsg`): what dispatch needs (which namespaces write) and what MVCC needs
//! (read versions, writes to apply).

use bytes::Bytes;
use fabric_protos::kvrwset::{HashedRwSet, KvrwSet};
use fabric_protos::rwset::TxReadWriteSet;
use prost::Message;

/// The decoded read-write set of one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RwSet {
    /// The namespaces in transaction order.
    pub namespaces: Vec<NamespaceRwSet>,
}

/// One namespace's public and hashed private reads and writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamespaceRwSet {
    /// The namespace (chaincode name).
    pub namespace: String,
    /// Public reads, range queries, writes and metadata writes.
    pub public: KvrwSet,
    /// Hashed reads and writes of each collection, in transaction order.
    pub collections: Vec<CollectionRwSet>,
}

/// One collection's hashed reads and writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectionRwSet {
    /// The collection name.
    pub name: String,
    /// Hashed reads, writes and metadata writes.
    pub hashed: HashedRwSet,
}

/// Why the results bytes are not a read-write set (Fabric's BAD_RWSET).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read-write set does not decode: {layer}: {reason}")]
pub struct RwSetError {
    /// Which layer failed, naming the namespace and collection.
    pub layer: String,
    /// The decoder's reason.
    pub reason: String,
}

impl RwSet {
    /// Decodes `ChaincodeAction.results`.
    ///
    /// # Errors
    /// [`RwSetError`] naming the set that does not decode.
    pub fn decode(results: &Bytes) -> Result<Self, RwSetError> {
        let tx = TxReadWriteSet::decode(results.clone()).map_err(|e| RwSetError {
            layer: "TxReadWriteSet".into(),
            reason: e.to_string(),
        })?;
        let namespaces = tx
            .ns_rwset
            .into_iter()
            .map(|ns| {
                let public = KvrwSet::decode(ns.rwset.clone()).map_err(|e| RwSetError {
                    layer: format!("KVRWSet of namespace {}", ns.namespace),
                    reason: e.to_string(),
                })?;
                let collections = ns
                    .collection_hashed_rwset
                    .into_iter()
                    .map(|c| {
                        let hashed = HashedRwSet::decode(c.hashed_rwset.clone()).map_err(|e| {
                            RwSetError {
                                layer: format!(
                                    "HashedRWSet of collection {} in namespace {}",
                                    c.collection_name, ns.namespace
                                ),
                                reason: e.to_string(),
                            }
                        })?;
                        Ok(CollectionRwSet {
                            name: c.collection_name,
                            hashed,
                        })
                    })
                    .collect::<Result<_, RwSetError>>()?;
                Ok(NamespaceRwSet {
                    namespace: ns.namespace,
                    public,
                    collections,
                })
            })
            .collect::<Result<_, RwSetError>>()?;
        Ok(RwSet { namespaces })
    }
}

impl NamespaceRwSet {
    /// Whether the namespace writes anything that needs endorsement (spec 5.6 step 10): public
    /// writes or metadata writes, or hashed writes or hashed metadata writes in any collection.
    #[must_use]
    pub fn writes(&self) -> bool {
        !self.public.writes.is_empty()
            || !self.public.metadata_writes.is_empty()
            || self
                .collections
                .iter()
                .any(|c| !c.hashed.hashed_writes.is_empty() || !c.hashed.metadata_writes.is_empty())
    }
}

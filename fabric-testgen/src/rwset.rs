//! Simulation results (`rwset.TxReadWriteSet`, KV data model) shaped like a Fabric 2.x peer's.

use bytes::Bytes;
use fabric_protos::common::SignaturePolicyEnvelope;
use fabric_protos::kvrwset::{
    HashedRwSet, KvMetadataEntry, KvMetadataWrite, KvRead, KvWrite, KvWriteHash, KvrwSet, Version,
};
use fabric_protos::rwset::{
    tx_read_write_set, CollectionHashedReadWriteSet, NsReadWriteSet, TxReadWriteSet,
};
use prost::Message;

/// The metadata entry name of a key-level endorsement policy (`MetaDataKeys` enum text).
pub const VALIDATION_PARAMETER: &str = "VALIDATION_PARAMETER";

/// One public read: key and the version read (`None` = the key did not exist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// Key.
    pub key: String,
    /// `(block_num, tx_num)` of the committed version.
    pub version: Option<(u64, u64)>,
}

/// One public write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    /// Key.
    pub key: String,
    /// Value (ignored for deletes).
    pub value: Vec<u8>,
    /// Delete instead of put.
    pub is_delete: bool,
}

/// A metadata write on one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataWrite {
    /// Key.
    pub key: String,
    /// `(name, value)` entries.
    pub entries: Vec<(String, Vec<u8>)>,
}

impl MetadataWrite {
    /// Sets the key-level endorsement policy of `key` (what the shim's
    /// `SetStateValidationParameter` produces): entry `VALIDATION_PARAMETER` = the policy bytes.
    #[must_use]
    pub fn validation_parameter(key: &str, policy: &SignaturePolicyEnvelope) -> Self {
        Self {
            key: key.to_owned(),
            entries: vec![(VALIDATION_PARAMETER.to_owned(), policy.encode_to_vec())],
        }
    }
}

/// Private writes to one collection; only their hashes go into the public rwset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionWrites {
    /// Collection name.
    pub collection: String,
    /// `(key, value)` pairs.
    pub writes: Vec<(String, Vec<u8>)>,
}

/// One namespace's reads and writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceRwSet {
    /// Namespace (chaincode name, or `_lifecycle`).
    pub namespace: String,
    /// Reads, in the order given (keep them sorted, as the peer does).
    pub reads: Vec<Read>,
    /// Writes, in the order given (keep them sorted, as the peer does).
    pub writes: Vec<Write>,
    /// Metadata writes.
    pub metadata_writes: Vec<MetadataWrite>,
    /// Hashed private writes per collection.
    pub collections: Vec<CollectionWrites>,
}

/// A whole transaction's simulation results.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RwSet {
    /// Namespaces in order.
    pub namespaces: Vec<NamespaceRwSet>,
}

impl RwSet {
    /// What invoking a `_lifecycle`-defined chaincode records: the read of its definition's
    /// `Sequence` (as a Fabric peer does before running it, here unversioned), then
    /// `chaincode`'s own namespace.
    #[must_use]
    pub fn invocation(chaincode: NamespaceRwSet) -> Self {
        let sequence = NamespaceRwSet {
            namespace: "_lifecycle".to_owned(),
            reads: vec![Read {
                key: format!("namespaces/fields/{}/Sequence", chaincode.namespace),
                version: None,
            }],
            ..Default::default()
        };
        RwSet {
            namespaces: vec![sequence, chaincode],
        }
    }

    /// The `TxReadWriteSet` message.
    #[must_use]
    pub fn to_proto(&self) -> TxReadWriteSet {
        TxReadWriteSet {
            data_model: tx_read_write_set::DataModel::Kv as i32,
            ns_rwset: self.namespaces.iter().map(namespace_proto).collect(),
        }
    }

    /// The serialized `TxReadWriteSet` (what goes into `ChaincodeAction.results`).
    #[must_use]
    pub fn encode(&self) -> Bytes {
        Bytes::from(self.to_proto().encode_to_vec())
    }
}

fn namespace_proto(ns: &NamespaceRwSet) -> NsReadWriteSet {
    let kv = KvrwSet {
        reads: ns
            .reads
            .iter()
            .map(|r| KvRead {
                key: r.key.clone(),
                version: r
                    .version
                    .map(|(block_num, tx_num)| Version { block_num, tx_num }),
            })
            .collect(),
        range_queries_info: Vec::new(),
        writes: ns
            .writes
            .iter()
            .map(|w| KvWrite {
                key: w.key.clone(),
                is_delete: w.is_delete,
                value: if w.is_delete {
                    Bytes::new()
                } else {
                    Bytes::from(w.value.clone())
                },
            })
            .collect(),
        metadata_writes: ns
            .metadata_writes
            .iter()
            .map(|m| KvMetadataWrite {
                key: m.key.clone(),
                entries: m
                    .entries
                    .iter()
                    .map(|(name, value)| KvMetadataEntry {
                        name: name.clone(),
                        value: Bytes::from(value.clone()),
                    })
                    .collect(),
            })
            .collect(),
    };
    NsReadWriteSet {
        namespace: ns.namespace.clone(),
        rwset: Bytes::from(kv.encode_to_vec()),
        collection_hashed_rwset: ns.collections.iter().map(collection_proto).collect(),
    }
}

fn collection_proto(c: &CollectionWrites) -> CollectionHashedReadWriteSet {
    let hashed = HashedRwSet {
        hashed_writes: c
            .writes
            .iter()
            .map(|(key, value)| KvWriteHash {
                key_hash: Bytes::copy_from_slice(&fabric_crypto::sha256(key.as_bytes())),
                is_delete: false,
                value_hash: Bytes::copy_from_slice(&fabric_crypto::sha256(value)),
                is_purge: false,
            })
            .collect(),
        ..Default::default()
    };
    let private = KvrwSet {
        writes: c
            .writes
            .iter()
            .map(|(key, value)| KvWrite {
                key: key.clone(),
                is_delete: false,
                value: Bytes::from(value.clone()),
            })
            .collect(),
        ..Default::default()
    };
    CollectionHashedReadWriteSet {
        collection_name: c.collection.clone(),
        hashed_rwset: Bytes::from(hashed.encode_to_vec()),
        pvt_rwset_hash: Bytes::copy_from_slice(&fabric_crypto::sha256(&private.encode_to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_protos() {
        let set = RwSet {
            namespaces: vec![NamespaceRwSet {
                namespace: "mycc".to_owned(),
                reads: vec![Read {
                    key: "a".to_owned(),
                    version: Some((3, 1)),
                }],
                writes: vec![Write {
                    key: "b".to_owned(),
                    value: b"v".to_vec(),
                    is_delete: false,
                }],
                metadata_writes: vec![MetadataWrite::validation_parameter(
                    "b",
                    &crate::policy::any_of(&[("Org1MSP", crate::policy::Role::Peer)]),
                )],
                collections: vec![CollectionWrites {
                    collection: "secret".to_owned(),
                    writes: vec![("k".to_owned(), b"private".to_vec())],
                }],
            }],
        };
        let decoded = TxReadWriteSet::decode(set.encode()).expect("TxReadWriteSet");
        let ns = &decoded.ns_rwset[0];
        assert_eq!(ns.namespace, "mycc");
        let kv = KvrwSet::decode(ns.rwset.clone()).expect("KVRWSet");
        assert_eq!(
            kv.reads[0].version,
            Some(Version {
                block_num: 3,
                tx_num: 1
            })
        );
        assert_eq!(kv.writes[0].value.as_ref(), b"v");
        assert_eq!(kv.metadata_writes[0].entries[0].name, VALIDATION_PARAMETER);
        SignaturePolicyEnvelope::decode(kv.metadata_writes[0].entries[0].value.clone())
            .expect("policy bytes");
        let hashed = HashedRwSet::decode(ns.collection_hashed_rwset[0].hashed_rwset.clone())
            .expect("HashedRWSet");
        assert_eq!(
            hashed.hashed_writes[0].key_hash.as_ref(),
            fabric_crypto::sha256(b"k").as_slice()
        );
        assert_eq!(
            hashed.hashed_writes[0].value_hash.as_ref(),
            fabric_crypto::sha256(b"private").as_slice()
        );
    }
}

//! Stand-in dependencies and a small transaction builder for the vscc-default tests.
#![allow(dead_code, clippy::unwrap_used)]

/// Metadata entries of one key.
pub type Meta = BTreeMap<String, Vec<u8>>;
/// One recorded signed-data entry: (data, identity, signature).
pub type SignedEntry = (Vec<u8>, Vec<u8>, Vec<u8>);
/// A private key's address: (namespace, collection, key hash).
pub type PrivateKey = (String, String, Vec<u8>);
/// A collection-resources answer.
pub type CollAnswer = Result<Vec<u8>, CollectionInfoError>;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fabric_protos::common::{
    ChannelHeader, Envelope, Header, HeaderType, Payload, SignaturePolicyEnvelope,
};
use fabric_protos::kvrwset::{
    HashedRwSet, KvMetadataWrite, KvMetadataWriteHash, KvRead, KvReadHash, KvWrite, KvWriteHash,
    KvrwSet,
};
use fabric_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEndorsedAction, Endorsement,
    ProposalResponsePayload, Transaction, TransactionAction,
};
use fabric_protos::rwset::{CollectionHashedReadWriteSet, NsReadWriteSet, TxReadWriteSet};
use handlers_api::validation::{
    ApplicationCapabilities, BlockView, Capabilities, CollectionInfoError, CollectionResources,
    Context, Dependencies, Identity, IdentityDeserializer, IdentityError, KvIterator, Plugin,
    PluginFactory, PolicyError, PolicyEvaluator, SerializedPolicy, SignedData, State, StateError,
    StateFetcher, ValidationError,
};
use prost::Message;
use vscc_default::DefaultValidationFactory;

/// The chaincode policy the tests pass as context (opaque to the stand-in evaluator).
pub const CC_EP: &[u8] = b"cc-ep";
/// A collection policy.
pub const COLL_EP: &[u8] = b"coll-ep";

// ---------------------------------------------------------------------------------------
// Transactions.

/// One collection's hashed writes/metadata writes/reads.
#[derive(Default, Clone)]
pub struct Coll {
    pub name: &'static str,
    pub writes: Vec<Vec<u8>>,
    pub meta_writes: Vec<Vec<u8>>,
    pub reads: Vec<Vec<u8>>,
}

/// One namespace's rwset.
#[derive(Default, Clone)]
pub struct Ns {
    pub ns: &'static str,
    pub reads: Vec<&'static str>,
    pub writes: Vec<&'static str>,
    pub meta_writes: Vec<&'static str>,
    pub colls: Vec<Coll>,
}

impl Ns {
    pub fn new(ns: &'static str) -> Self {
        Ns {
            ns,
            ..Default::default()
        }
    }
    pub fn write(mut self, k: &'static str) -> Self {
        self.writes.push(k);
        self
    }
    pub fn read(mut self, k: &'static str) -> Self {
        self.reads.push(k);
        self
    }
    pub fn meta(mut self, k: &'static str) -> Self {
        self.meta_writes.push(k);
        self
    }
    pub fn coll(mut self, c: Coll) -> Self {
        self.colls.push(c);
        self
    }
}

pub fn rwset(nss: &[Ns]) -> Bytes {
    let ns_rwset = nss
        .iter()
        .map(|n| NsReadWriteSet {
            namespace: n.ns.into(),
            rwset: KvrwSet {
                reads: n
                    .reads
                    .iter()
                    .map(|k| KvRead {
                        key: (*k).into(),
                        version: None,
                    })
                    .collect(),
                range_queries_info: vec![],
                writes: n
                    .writes
                    .iter()
                    .map(|k| KvWrite {
                        key: (*k).into(),
                        is_delete: false,
                        value: Bytes::from_static(b"v"),
                    })
                    .collect(),
                metadata_writes: n
                    .meta_writes
                    .iter()
                    .map(|k| KvMetadataWrite {
                        key: (*k).into(),
                        entries: vec![],
                    })
                    .collect(),
            }
            .encode_to_vec()
            .into(),
            collection_hashed_rwset: n
                .colls
                .iter()
                .map(|c| CollectionHashedReadWriteSet {
                    collection_name: c.name.into(),
                    hashed_rwset: HashedRwSet {
                        hashed_reads: c
                            .reads
                            .iter()
                            .map(|k| KvReadHash {
                                key_hash: k.clone().into(),
                                version: None,
                            })
                            .collect(),
                        hashed_writes: c
                            .writes
                            .iter()
                            .map(|k| KvWriteHash {
                                key_hash: k.clone().into(),
                                is_delete: false,
                                value_hash: Bytes::from_static(b"h"),
                                is_purge: false,
                            })
                            .collect(),
                        metadata_writes: c
                            .meta_writes
                            .iter()
                            .map(|k| KvMetadataWriteHash {
                                key_hash: k.clone().into(),
                                entries: vec![],
                            })
                            .collect(),
                    }
                    .encode_to_vec()
                    .into(),
                    pvt_rwset_hash: Bytes::new(),
                })
                .collect(),
        })
        .collect();
    TxReadWriteSet {
        data_model: 0,
        ns_rwset,
    }
    .encode_to_vec()
    .into()
}

/// The endorsement every stand-in transaction carries.
pub fn endorsements() -> Vec<Endorsement> {
    vec![
        Endorsement {
            endorser: Bytes::from_static(b"endorser-1"),
            signature: Bytes::from_static(b"sig-1"),
        },
        Endorsement {
            endorser: Bytes::from_static(b"endorser-2"),
            signature: Bytes::from_static(b"sig-2"),
        },
    ]
}

/// The proposal response payload bytes of [`envelope`] for `results`.
pub fn prp(results: &Bytes) -> Bytes {
    ProposalResponsePayload {
        proposal_hash: Bytes::from_static(b"proposal-hash"),
        extension: ChaincodeAction {
            results: results.clone(),
            ..Default::default()
        }
        .encode_to_vec()
        .into(),
    }
    .encode_to_vec()
    .into()
}

/// An endorser-transaction envelope whose rwset is `results` (raw bytes).
pub fn envelope_with_results(results: Bytes) -> Vec<u8> {
    envelope_with_prp(prp(&results), HeaderType::EndorserTransaction as i32)
}

pub fn envelope_with_prp(prp: Bytes, header_type: i32) -> Vec<u8> {
    let cap = ChaincodeActionPayload {
        chaincode_proposal_payload: Bytes::new(),
        action: Some(ChaincodeEndorsedAction {
            proposal_response_payload: prp,
            endorsements: endorsements(),
        }),
    };
    let tx = Transaction {
        actions: vec![TransactionAction {
            header: Bytes::new(),
            payload: cap.encode_to_vec().into(),
        }],
    };
    let payload = Payload {
        header: Some(Header {
            channel_header: ChannelHeader {
                r#type: header_type,
                channel_id: "ch".into(),
                tx_id: "tx".into(),
                ..Default::default()
            }
            .encode_to_vec()
            .into(),
            signature_header: Bytes::new(),
        }),
        data: tx.encode_to_vec().into(),
    };
    Envelope {
        payload: payload.encode_to_vec().into(),
        signature: Bytes::from_static(b"creator-sig"),
    }
    .encode_to_vec()
}

/// An envelope writing what `nss` say.
pub fn tx(nss: &[Ns]) -> Vec<u8> {
    envelope_with_results(rwset(nss))
}

/// A distinct key-level parameter (a `SignaturePolicyEnvelope`) labelled by `n`.
pub fn vp(n: i32) -> Vec<u8> {
    SignaturePolicyEnvelope {
        version: n,
        rule: None,
        identities: vec![],
    }
    .encode_to_vec()
}

/// The policy bytes the evaluator sees for stored parameter `vp(n)`.
pub fn vp_policy(n: i32) -> Vec<u8> {
    vscc_default::translate_vp(&vp(n)).unwrap()
}

// ---------------------------------------------------------------------------------------
// Policy evaluator that records calls and answers from a table.

#[derive(Default)]
pub struct Evaluator {
    pub verdicts: Mutex<HashMap<Vec<u8>, Result<(), PolicyError>>>,
    pub calls: Mutex<Vec<(Vec<u8>, Vec<SignedEntry>)>>,
}

impl Evaluator {
    pub fn set(&self, policy: &[u8], pass: bool) {
        let v = if pass {
            Ok(())
        } else {
            Err(PolicyError::NotSatisfied(format!(
                "{} rejects",
                String::from_utf8_lossy(policy)
            )))
        };
        self.verdicts.lock().unwrap().insert(policy.to_vec(), v);
    }
    pub fn set_err(&self, policy: &[u8], err: PolicyError) {
        self.verdicts
            .lock()
            .unwrap()
            .insert(policy.to_vec(), Err(err));
    }
    /// The policies evaluated so far, in order.
    pub fn evaluated(&self) -> Vec<Vec<u8>> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(p, _)| p.clone())
            .collect()
    }
    pub fn count(&self, policy: &[u8]) -> usize {
        self.evaluated()
            .iter()
            .filter(|p| p.as_slice() == policy)
            .count()
    }
}

impl PolicyEvaluator for Evaluator {
    fn evaluate(&self, policy: &[u8], set: &[SignedData<'_>]) -> Result<(), PolicyError> {
        self.calls.lock().unwrap().push((
            policy.to_vec(),
            set.iter()
                .map(|s| (s.data.to_vec(), s.identity.to_vec(), s.signature.to_vec()))
                .collect(),
        ));
        self.verdicts
            .lock()
            .unwrap()
            .get(policy)
            .cloned()
            .unwrap_or_else(|| {
                Err(PolicyError::NotSatisfied(format!(
                    "unknown policy {:?}",
                    String::from_utf8_lossy(policy)
                )))
            })
    }
}

// ---------------------------------------------------------------------------------------
// State with metadata and error injection.

#[derive(Default)]
pub struct Ledger {
    /// (ns, key) -> metadata entries.
    pub public_meta: Mutex<HashMap<(String, String), Meta>>,
    /// (ns, coll, key hash) -> metadata entries.
    pub private_meta: Mutex<HashMap<PrivateKey, Meta>>,
    /// Error for every metadata read, if set.
    pub meta_error: Mutex<Option<StateError>>,
    /// Error for fetch_state, if set.
    pub fetch_error: Mutex<Option<StateError>>,
    /// fetch_state fails once this many views were opened.
    pub fetch_fail_from: Mutex<Option<usize>>,
    pub fetched: Mutex<usize>,
    pub done: Mutex<usize>,
}

impl Ledger {
    pub fn set_public_vp(&self, ns: &str, key: &str, value: Vec<u8>) {
        self.public_meta.lock().unwrap().insert(
            (ns.into(), key.into()),
            BTreeMap::from([("VALIDATION_PARAMETER".to_owned(), value)]),
        );
    }
    pub fn set_private_vp(&self, ns: &str, coll: &str, key_hash: &[u8], value: Vec<u8>) {
        self.private_meta.lock().unwrap().insert(
            (ns.into(), coll.into(), key_hash.to_vec()),
            BTreeMap::from([("VALIDATION_PARAMETER".to_owned(), value)]),
        );
    }
    pub fn open_views(&self) -> usize {
        *self.fetched.lock().unwrap() - *self.done.lock().unwrap()
    }
}

pub struct LedgerFetcher(pub Arc<Ledger>);

struct View(Arc<Ledger>);

impl State for View {
    fn get_state_multiple_keys(
        &self,
        _: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        Ok(vec![None; keys.len()])
    }
    fn get_state_range_scan_iterator(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<KvIterator, StateError> {
        Ok(Box::new(std::iter::empty()))
    }
    fn get_state_metadata(
        &self,
        ns: &str,
        key: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        if let Some(e) = self.0.meta_error.lock().unwrap().clone() {
            return Err(e);
        }
        Ok(self
            .0
            .public_meta
            .lock()
            .unwrap()
            .get(&(ns.to_owned(), key.to_owned()))
            .cloned()
            .unwrap_or_default())
    }
    fn get_private_data_metadata_by_hash(
        &self,
        ns: &str,
        coll: &str,
        h: &[u8],
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        if let Some(e) = self.0.meta_error.lock().unwrap().clone() {
            return Err(e);
        }
        Ok(self
            .0
            .private_meta
            .lock()
            .unwrap()
            .get(&(ns.to_owned(), coll.to_owned(), h.to_vec()))
            .cloned()
            .unwrap_or_default())
    }
    fn done(&self) {
        *self.0.done.lock().unwrap() += 1;
    }
}

impl StateFetcher for LedgerFetcher {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        if let Some(e) = self.0.fetch_error.lock().unwrap().clone() {
            return Err(e);
        }
        if let Some(n) = *self.0.fetch_fail_from.lock().unwrap() {
            if *self.0.fetched.lock().unwrap() >= n {
                return Err(StateError::Ledger("ledger closed".into()));
            }
        }
        *self.0.fetched.lock().unwrap() += 1;
        Ok(Box::new(View(Arc::clone(&self.0))))
    }
}

// ---------------------------------------------------------------------------------------
// Collection resources and capabilities.

#[derive(Default)]
pub struct Collections {
    /// (ns, coll) -> answer; absent => empty policy (chaincode EP applies).
    pub answers: Mutex<HashMap<(String, String), CollAnswer>>,
    pub calls: Mutex<Vec<(String, String)>>,
}

impl Collections {
    pub fn set(&self, ns: &str, coll: &str, answer: Result<Vec<u8>, CollectionInfoError>) {
        self.answers
            .lock()
            .unwrap()
            .insert((ns.into(), coll.into()), answer);
    }
}

impl CollectionResources for Collections {
    fn collection_validation_info(
        &self,
        cc: &str,
        coll: &str,
        state: &mut dyn State,
    ) -> Result<Vec<u8>, CollectionInfoError> {
        // Read through the lent state, as Fabric's implementation does.
        state
            .get_state_multiple_keys("_lifecycle", &["namespaces/metadata/cc"])
            .map_err(|e| CollectionInfoError::Unexpected(e.to_string()))?;
        self.calls.lock().unwrap().push((cc.into(), coll.into()));
        self.answers
            .lock()
            .unwrap()
            .get(&(cc.to_owned(), coll.to_owned()))
            .cloned()
            .unwrap_or(Ok(Vec::new()))
    }
}

pub struct Caps(pub Mutex<ApplicationCapabilities>);

impl Capabilities for Caps {
    fn supported(&self) -> Result<(), String> {
        Ok(())
    }
    fn application(&self) -> ApplicationCapabilities {
        *self.0.lock().unwrap()
    }
}

pub struct NoIdentities;

impl IdentityDeserializer for NoIdentities {
    fn deserialize_identity(&self, _: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        Err(IdentityError::Deserialize(
            "no identities in this test".into(),
        ))
    }
}

// ---------------------------------------------------------------------------------------
// A plugin with stand-in dependencies.

pub struct Harness {
    pub plugin: Box<dyn Plugin>,
    pub evaluator: Arc<Evaluator>,
    pub ledger: Arc<Ledger>,
    pub collections: Arc<Collections>,
    pub caps: Arc<Caps>,
}

impl Harness {
    pub fn new() -> Self {
        let evaluator = Arc::new(Evaluator::default());
        let ledger = Arc::new(Ledger::default());
        let collections = Arc::new(Collections::default());
        let caps = Arc::new(Caps(Mutex::new(ApplicationCapabilities::v2_0())));
        let mut plugin = DefaultValidationFactory.new().unwrap();
        plugin
            .init(Self::deps(&evaluator, &ledger, &collections, &caps))
            .unwrap();
        Harness {
            plugin,
            evaluator,
            ledger,
            collections,
            caps,
        }
    }

    pub fn deps(
        evaluator: &Arc<Evaluator>,
        ledger: &Arc<Ledger>,
        collections: &Arc<Collections>,
        caps: &Arc<Caps>,
    ) -> Dependencies {
        Dependencies::new(
            Arc::new(NoIdentities),
            evaluator.clone(),
            Arc::new(LedgerFetcher(Arc::clone(ledger))),
        )
        .with_capabilities(caps.clone())
        .with_collection_resources(collections.clone())
    }

    /// Validates tx `t` of block `number` made of `txs` for `ns`.
    pub fn validate_in(
        &self,
        number: u64,
        txs: &[Vec<u8>],
        ns: &str,
        t: usize,
    ) -> Result<(), ValidationError> {
        let envs: Vec<&[u8]> = txs.iter().map(Vec::as_slice).collect();
        self.plugin.validate(
            &BlockView::new(number, &envs),
            ns,
            t,
            0,
            &Context::new(SerializedPolicy(CC_EP)),
        )
    }

    /// Validates a one-transaction block.
    pub fn validate_one(&self, envelope: Vec<u8>, ns: &str) -> Result<(), ValidationError> {
        self.validate_in(1, &[envelope], ns, 0)
    }
}

pub fn invalid(res: Result<(), ValidationError>) -> String {
    match res {
        Err(ValidationError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub fn exec_failure(res: Result<(), ValidationError>) -> String {
    match res {
        Err(ValidationError::ExecutionFailure(m)) => m,
        other => panic!("expected ExecutionFailure, got {other:?}"),
    }
}

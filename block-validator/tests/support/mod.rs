//! Shared fixtures of the block-validator acceptance tests: a deterministic channel (orgs,
//! genesis and config-update blocks from fabric-testgen), endorser transactions with real
//! signatures (built here layer by layer when a test needs fields testgen does not expose:
//! events, range queries, hashed metadata writes, a corrupted creator, a chosen tx ID), small
//! validation plugins, and helpers to run a `ChannelValidator`.
//!
//! Each test binary uses a subset of this module.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use block_validator::ValidatorOptions;
use block_validator::{BlockError, BlockVerdict, ChaincodeOverride, ChannelValidator};
use bytes::Bytes;
use fabric_protos::common::{self as cpb, HeaderType, SignaturePolicyEnvelope};
use fabric_protos::kvrwset::{
    range_query_info::ReadsInfo, HashedRwSet, KvMetadataEntry, KvMetadataWrite,
    KvMetadataWriteHash, KvRead, KvWrite, KvWriteHash, KvrwSet, QueryReads, RangeQueryInfo,
    Version,
};
use fabric_protos::lifecycle::{state_data, ChaincodeValidationInfo, StateData, StateMetadata};
use fabric_protos::protos::{self as ppb, application_policy, ApplicationPolicy};
use fabric_protos::rwset::{
    tx_read_write_set, CollectionHashedReadWriteSet, NsReadWriteSet, TxReadWriteSet,
};
use fabric_testgen::channel_config::{
    config_envelope, config_update, genesis_config, ChannelSpec, ConfigChange, EnvelopeHeader,
    UpdateSigners,
};
use fabric_testgen::msp::{Identity, OrgMaterial, OrgSpec};
use fabric_testgen::Seed;
use handlers_api::validation::{
    BlockView, Context, Dependencies, InitError, Plugin, PluginFactory, ValidationError,
};
use loader::ValidationInstances;
use prost::Message;
use prost_types::Timestamp;

pub use fabric_protos::protos::TxValidationCode as Code;

/// The channel every test uses.
pub const CHANNEL: &str = "testchannel";

/// The byte Fabric writes into TRANSACTIONS_FILTER for `code`.
pub fn byte(code: Code) -> u8 {
    code as i32 as u8
}

/// Codes as bytes.
pub fn bytes_of(codes: &[Code]) -> Vec<u8> {
    codes.iter().map(|c| byte(*c)).collect()
}

// ---------------------------------------------------------------------------------------------
// The network.

/// Four application organisations (NodeOUs on) and an orderer organisation; the genesis
/// configuration holds Org1MSP and Org2MSP (V2_5 application capability).
pub struct Net {
    /// Org1MSP .. Org4MSP.
    pub orgs: Vec<OrgMaterial>,
    /// The orderer organisation.
    pub orderer: OrgMaterial,
    /// The genesis configuration (Org1, Org2).
    pub genesis: cpb::Config,
    /// The genesis CONFIG envelope (block 0's only transaction).
    pub genesis_envelope: Bytes,
}

static NET: OnceLock<Net> = OnceLock::new();

/// The shared network (generated once per test binary).
pub fn net() -> &'static Net {
    NET.get_or_init(|| {
        let seed = Seed::new(b"block-validator/acceptance".to_vec());
        let orgs: Vec<OrgMaterial> = (1..=4)
            .map(|n| {
                OrgMaterial::generate(
                    &seed,
                    OrgSpec {
                        node_ous: true,
                        ..OrgSpec::application(n)
                    },
                )
                .unwrap()
            })
            .collect();
        let orderer = OrgMaterial::generate(
            &seed,
            OrgSpec {
                node_ous: true,
                ..OrgSpec::orderer()
            },
        )
        .unwrap();
        let genesis = genesis_config(
            &ChannelSpec::new(CHANNEL, "V2_5"),
            &[&orgs[0], &orgs[1]],
            &orderer,
        );
        let envelope = config_envelope(
            &EnvelopeHeader {
                channel_id: CHANNEL,
                timestamp: timestamp(),
                nonce: &nonce(),
            },
            &genesis,
            None,
            orderer.identity("orderer").unwrap(),
        );
        Net {
            orgs,
            orderer,
            genesis,
            genesis_envelope: Bytes::from(envelope.encode_to_vec()),
        }
    })
}

impl Net {
    /// Organisation `n` (1-based).
    pub fn org(&self, n: usize) -> &OrgMaterial {
        &self.orgs[n - 1]
    }

    /// `peer0` of org `n`.
    pub fn peer(&self, n: usize) -> &Identity {
        self.org(n).identity("peer0").unwrap()
    }

    /// `client` (User1) of org `n`.
    pub fn client(&self, n: usize) -> &Identity {
        self.org(n).identity("client").unwrap()
    }

    /// `admin` of org `n`.
    pub fn admin(&self, n: usize) -> &Identity {
        self.org(n).identity("admin").unwrap()
    }

    /// A config block's envelope that applies `change` to `current`; returns the new config
    /// and the CONFIG envelope.
    pub fn config_change(
        &self,
        current: &cpb::Config,
        change: ConfigChange<'_>,
    ) -> (cpb::Config, Bytes) {
        let nonce = nonce();
        let header = EnvelopeHeader {
            channel_id: CHANNEL,
            timestamp: timestamp(),
            nonce: &nonce,
        };
        let update = config_update(
            current,
            change,
            &header,
            &UpdateSigners {
                submitter: self.admin(1),
                signers: vec![self.admin(1), self.admin(2)],
            },
            &[],
        )
        .unwrap();
        let envelope = config_envelope(
            &header,
            &update.config,
            Some(update.update_envelope),
            self.orderer.identity("orderer").unwrap(),
        );
        (update.config, Bytes::from(envelope.encode_to_vec()))
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh 24-byte nonce (unique within the test binary).
pub fn nonce() -> Vec<u8> {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    fabric_crypto::sha256(format!("nonce/{n}").as_bytes())[..24].to_vec()
}

/// A fresh timestamp.
pub fn timestamp() -> Timestamp {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Timestamp {
        seconds: 1_717_200_000 + i64::try_from(n).unwrap(),
        nanos: 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Read-write sets.

/// One namespace of a read-write set, built field by field.
#[derive(Clone, Debug, Default)]
pub struct Ns {
    /// The namespace.
    pub name: String,
    /// Public reads, writes, range queries and metadata writes.
    pub kv: KvrwSet,
    /// Hashed collection sets.
    pub collections: Vec<(String, HashedRwSet)>,
}

/// An empty namespace `name`.
pub fn ns(name: &str) -> Ns {
    Ns {
        name: name.to_owned(),
        ..Ns::default()
    }
}

fn version(v: Option<(u64, u64)>) -> Option<Version> {
    v.map(|(block_num, tx_num)| Version { block_num, tx_num })
}

fn entries(list: &[(&str, &[u8])]) -> Vec<KvMetadataEntry> {
    list.iter()
        .map(|(name, value)| KvMetadataEntry {
            name: (*name).to_owned(),
            value: Bytes::copy_from_slice(value),
        })
        .collect()
}

impl Ns {
    /// Reads `key` at `version` (`None`: the key did not exist).
    pub fn read(mut self, key: &str, version_read: Option<(u64, u64)>) -> Self {
        self.kv.reads.push(KvRead {
            key: key.to_owned(),
            version: version(version_read),
        });
        self
    }

    /// Writes `value` to `key`.
    pub fn write(mut self, key: &str, value: &[u8]) -> Self {
        self.kv.writes.push(KvWrite {
            key: key.to_owned(),
            is_delete: false,
            value: Bytes::copy_from_slice(value),
        });
        self
    }

    /// Deletes `key`.
    pub fn delete(mut self, key: &str) -> Self {
        self.kv.writes.push(KvWrite {
            key: key.to_owned(),
            is_delete: true,
            value: Bytes::new(),
        });
        self
    }

    /// Writes metadata entries of `key`.
    pub fn metadata(mut self, key: &str, list: &[(&str, &[u8])]) -> Self {
        self.kv.metadata_writes.push(KvMetadataWrite {
            key: key.to_owned(),
            entries: entries(list),
        });
        self
    }

    /// A range query `[start, end)` that saw `seen` (key, version) and ran to its end when
    /// `exhausted`.
    pub fn range(
        mut self,
        start: &str,
        end: &str,
        exhausted: bool,
        seen: &[(&str, (u64, u64))],
    ) -> Self {
        self.kv.range_queries_info.push(RangeQueryInfo {
            start_key: start.to_owned(),
            end_key: end.to_owned(),
            itr_exhausted: exhausted,
            reads_info: Some(ReadsInfo::RawReads(QueryReads {
                kv_reads: seen
                    .iter()
                    .map(|(k, v)| KvRead {
                        key: (*k).to_owned(),
                        version: version(Some(*v)),
                    })
                    .collect(),
            })),
        });
        self
    }

    fn collection(&mut self, collection: &str) -> &mut HashedRwSet {
        if let Some(i) = self.collections.iter().position(|(c, _)| c == collection) {
            return &mut self.collections[i].1;
        }
        self.collections
            .push((collection.to_owned(), HashedRwSet::default()));
        &mut self.collections.last_mut().unwrap().1
    }

    /// A private write of `key` in `collection` (only hashes go into the rwset).
    pub fn private_write(mut self, collection: &str, key: &str, value: &[u8]) -> Self {
        self.collection(collection).hashed_writes.push(KvWriteHash {
            key_hash: Bytes::copy_from_slice(&fabric_crypto::sha256(key.as_bytes())),
            is_delete: false,
            value_hash: Bytes::copy_from_slice(&fabric_crypto::sha256(value)),
            is_purge: false,
        });
        self
    }

    /// A private metadata write of `key` in `collection`.
    pub fn private_metadata(mut self, collection: &str, key: &str, list: &[(&str, &[u8])]) -> Self {
        self.collection(collection)
            .metadata_writes
            .push(KvMetadataWriteHash {
                key_hash: Bytes::copy_from_slice(&fabric_crypto::sha256(key.as_bytes())),
                entries: entries(list),
            });
        self
    }

    fn proto(&self) -> NsReadWriteSet {
        NsReadWriteSet {
            namespace: self.name.clone(),
            rwset: Bytes::from(self.kv.encode_to_vec()),
            collection_hashed_rwset: self
                .collections
                .iter()
                .map(|(name, hashed)| CollectionHashedReadWriteSet {
                    collection_name: name.clone(),
                    hashed_rwset: Bytes::from(hashed.encode_to_vec()),
                    pvt_rwset_hash: Bytes::copy_from_slice(&fabric_crypto::sha256(name.as_bytes())),
                })
                .collect(),
        }
    }
}

/// The serialized `TxReadWriteSet` of `namespaces`, in the order given.
pub fn rwset(namespaces: &[Ns]) -> Bytes {
    Bytes::from(
        TxReadWriteSet {
            data_model: tx_read_write_set::DataModel::Kv as i32,
            ns_rwset: namespaces.iter().map(Ns::proto).collect(),
        }
        .encode_to_vec(),
    )
}

// ---------------------------------------------------------------------------------------------
// Policies and chaincode definitions.

/// `ApplicationPolicy{signature_policy}` bytes.
pub fn app_policy(envelope: &SignaturePolicyEnvelope) -> Bytes {
    Bytes::from(
        ApplicationPolicy {
            r#type: Some(application_policy::Type::SignaturePolicy(envelope.clone())),
        }
        .encode_to_vec(),
    )
}

/// A policy no signature set satisfies (Fabric's `RejectAllPolicy`: 1 out of no rules).
pub fn reject_all() -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(fabric_testgen::policy::n_out_of(1, Vec::new())),
        identities: Vec::new(),
    }
}

/// A policy every signature set satisfies (0 out of no rules).
pub fn accept_all_policy() -> SignaturePolicyEnvelope {
    SignaturePolicyEnvelope {
        version: 0,
        rule: Some(fabric_testgen::policy::n_out_of(0, Vec::new())),
        identities: Vec::new(),
    }
}

fn state_bytes(value: &impl Message) -> Vec<u8> {
    StateData {
        r#type: Some(state_data::Type::Bytes(Bytes::from(value.encode_to_vec()))),
    }
    .encode_to_vec()
}

/// The `_lifecycle` namespace writes that define chaincode `name` (sequence 1) with
/// validation plugin `plugin` and parameter `parameter`, as Fabric's `_lifecycle` commits a
/// definition.
pub fn define_chaincode(name: &str, plugin: &str, parameter: &[u8]) -> Ns {
    let metadata = StateMetadata {
        datatype: "ChaincodeDefinition".to_owned(),
        fields: vec![
            "Sequence".to_owned(),
            "EndorsementInfo".to_owned(),
            "ValidationInfo".to_owned(),
            "Collections".to_owned(),
        ],
    };
    let sequence = StateData {
        r#type: Some(state_data::Type::Int64(1)),
    };
    let validation = ChaincodeValidationInfo {
        validation_plugin: plugin.to_owned(),
        validation_parameter: Bytes::copy_from_slice(parameter),
    };
    ns("_lifecycle")
        .write(
            &format!("namespaces/fields/{name}/Sequence"),
            &sequence.encode_to_vec(),
        )
        .write(
            &format!("namespaces/fields/{name}/ValidationInfo"),
            &state_bytes(&validation),
        )
        .write(
            &format!("namespaces/metadata/{name}"),
            &metadata.encode_to_vec(),
        )
}

// ---------------------------------------------------------------------------------------------
// Endorser transactions.

/// One endorser transaction, built as Fabric's protoutil builds it (channel header with the
/// chaincode header extension, proposal, proposal response payload signed by each endorser
/// over `prp ‖ endorser`, the creator's signature over the payload bytes).
#[derive(Clone)]
pub struct Tx<'a> {
    /// The channel in the channel header.
    pub channel: String,
    /// The invoked chaincode (header extension and chaincode action).
    pub chaincode: String,
    /// The chaincode version in the chaincode action.
    pub version: String,
    /// The creator (signs the envelope).
    pub creator: &'a Identity,
    /// Replaces the creator's serialized identity in the signature header.
    pub creator_bytes: Option<Bytes>,
    /// Endorsers, in order.
    pub endorsers: Vec<&'a Identity>,
    /// `ChaincodeAction.results`.
    pub results: Bytes,
    /// `ChaincodeAction.events`.
    pub events: Bytes,
    /// Replaces the tx ID (otherwise hex(SHA-256(nonce ‖ creator))).
    pub txid: Option<String>,
    /// The nonce (fresh by default).
    pub nonce: Vec<u8>,
}

/// A built transaction.
#[derive(Clone, Debug)]
pub struct Built {
    /// The `common.Envelope` bytes.
    pub envelope: Bytes,
    /// The tx ID in the channel header.
    pub txid: String,
}

/// A transaction invoking `chaincode` created by `creator`, no endorsers, empty rwset.
pub fn tx<'a>(chaincode: &str, creator: &'a Identity) -> Tx<'a> {
    Tx {
        channel: CHANNEL.to_owned(),
        chaincode: chaincode.to_owned(),
        version: "1.0".to_owned(),
        creator,
        creator_bytes: None,
        endorsers: Vec::new(),
        results: rwset(&[]),
        events: Bytes::new(),
        txid: None,
        nonce: nonce(),
    }
}

impl<'a> Tx<'a> {
    /// Endorsed by `endorsers`.
    pub fn endorsed_by(mut self, endorsers: &[&'a Identity]) -> Self {
        self.endorsers = endorsers.to_vec();
        self
    }

    /// With read-write set `namespaces`.
    pub fn rw(mut self, namespaces: &[Ns]) -> Self {
        self.results = rwset(namespaces);
        self
    }

    /// Builds and signs.
    pub fn build(&self) -> Built {
        let creator = self
            .creator_bytes
            .clone()
            .unwrap_or_else(|| self.creator.serialized().clone());
        let mut hashed = self.nonce.clone();
        hashed.extend_from_slice(&creator);
        let txid = self
            .txid
            .clone()
            .unwrap_or_else(|| hex::encode(fabric_crypto::sha256(&hashed)));
        let chaincode_id = ppb::ChaincodeId {
            name: self.chaincode.clone(),
            ..Default::default()
        };
        let channel_header = Bytes::from(
            cpb::ChannelHeader {
                r#type: HeaderType::EndorserTransaction as i32,
                version: 0,
                timestamp: Some(timestamp()),
                channel_id: self.channel.clone(),
                tx_id: txid.clone(),
                epoch: 0,
                extension: Bytes::from(
                    ppb::ChaincodeHeaderExtension {
                        chaincode_id: Some(chaincode_id.clone()),
                    }
                    .encode_to_vec(),
                ),
                tls_cert_hash: Bytes::new(),
            }
            .encode_to_vec(),
        );
        let signature_header = Bytes::from(
            cpb::SignatureHeader {
                creator,
                nonce: Bytes::from(self.nonce.clone()),
            }
            .encode_to_vec(),
        );
        let proposal_payload = Bytes::from(
            ppb::ChaincodeProposalPayload {
                input: Bytes::from(
                    ppb::ChaincodeInvocationSpec {
                        chaincode_spec: Some(ppb::ChaincodeSpec {
                            r#type: ppb::chaincode_spec::Type::Golang as i32,
                            chaincode_id: Some(chaincode_id),
                            input: Some(ppb::ChaincodeInput {
                                args: vec![Bytes::from_static(b"invoke")],
                                ..Default::default()
                            }),
                            timeout: 0,
                        }),
                    }
                    .encode_to_vec(),
                ),
                transient_map: Default::default(),
            }
            .encode_to_vec(),
        );
        let mut hashed = channel_header.to_vec();
        hashed.extend_from_slice(&signature_header);
        hashed.extend_from_slice(&proposal_payload);
        let proposal_hash = fabric_crypto::sha256(&hashed);
        let prp = Bytes::from(
            ppb::ProposalResponsePayload {
                proposal_hash: Bytes::copy_from_slice(&proposal_hash),
                extension: Bytes::from(
                    ppb::ChaincodeAction {
                        results: self.results.clone(),
                        events: self.events.clone(),
                        response: Some(ppb::Response {
                            status: 200,
                            message: String::new(),
                            payload: Bytes::new(),
                        }),
                        chaincode_id: Some(ppb::ChaincodeId {
                            name: self.chaincode.clone(),
                            version: self.version.clone(),
                            path: String::new(),
                        }),
                    }
                    .encode_to_vec(),
                ),
            }
            .encode_to_vec(),
        );
        let endorsements = self
            .endorsers
            .iter()
            .map(|e| {
                let mut signed = prp.to_vec();
                signed.extend_from_slice(e.serialized());
                ppb::Endorsement {
                    endorser: e.serialized().clone(),
                    signature: Bytes::from(e.sign(&signed)),
                }
            })
            .collect();
        let action_payload = ppb::ChaincodeActionPayload {
            chaincode_proposal_payload: proposal_payload,
            action: Some(ppb::ChaincodeEndorsedAction {
                proposal_response_payload: prp,
                endorsements,
            }),
        };
        let payload = Bytes::from(
            cpb::Payload {
                header: Some(cpb::Header {
                    channel_header,
                    signature_header: signature_header.clone(),
                }),
                data: Bytes::from(
                    ppb::Transaction {
                        actions: vec![ppb::TransactionAction {
                            header: signature_header,
                            payload: Bytes::from(action_payload.encode_to_vec()),
                        }],
                    }
                    .encode_to_vec(),
                ),
            }
            .encode_to_vec(),
        );
        let signature = Bytes::from(self.creator.sign(&payload));
        Built {
            envelope: Bytes::from(cpb::Envelope { payload, signature }.encode_to_vec()),
            txid,
        }
    }

    /// Builds and returns only the envelope.
    pub fn envelope(&self) -> Bytes {
        self.build().envelope
    }
}

/// The serialized `ChaincodeEvent` of `chaincode`.
pub fn event(chaincode: &str) -> Bytes {
    Bytes::from(
        ppb::ChaincodeEvent {
            chaincode_id: chaincode.to_owned(),
            tx_id: String::new(),
            event_name: "evt".to_owned(),
            payload: Bytes::from_static(b"payload"),
        }
        .encode_to_vec(),
    )
}

// ---------------------------------------------------------------------------------------------
// Test plugins.

/// One call a scripted plugin received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The block number.
    pub block: u64,
    /// The tx position.
    pub tx: usize,
    /// The namespace.
    pub namespace: String,
    /// The validation parameter handed over.
    pub parameter: Vec<u8>,
}

/// What a scripted plugin answers for a call.
pub type Rule = Arc<dyn Fn(&Call) -> Result<(), ValidationError> + Send + Sync>;

/// A factory of plugins that answer by `rule` and record every call.
#[derive(Clone)]
pub struct Scripted {
    rule: Rule,
    /// Every call, in arrival order.
    pub calls: Arc<Mutex<Vec<Call>>>,
}

impl Scripted {
    /// Plugins answering by `rule`.
    pub fn new(
        rule: impl Fn(&Call) -> Result<(), ValidationError> + Send + Sync + 'static,
    ) -> Self {
        Scripted {
            rule: Arc::new(rule),
            calls: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Plugins that accept every transaction.
    pub fn accept() -> Self {
        Scripted::new(|_| Ok(()))
    }

    /// Plugins that flag every transaction invalid.
    pub fn reject() -> Self {
        Scripted::new(|_| Err(ValidationError::Invalid("rejected by test plugin".into())))
    }

    /// The calls so far, sorted by (block, tx, arrival).
    pub fn calls(&self) -> Vec<Call> {
        let mut calls = self.calls.lock().unwrap().clone();
        calls.sort_by_key(|c| (c.block, c.tx));
        calls
    }

    /// The latest call, in arrival order.
    pub fn last(&self) -> Call {
        self.calls.lock().unwrap().last().cloned().unwrap()
    }

    /// As a factory.
    pub fn factory(&self) -> Arc<dyn PluginFactory> {
        Arc::new(self.clone())
    }
}

struct ScriptedPlugin {
    rule: Rule,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl PluginFactory for Scripted {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(ScriptedPlugin {
            rule: Arc::clone(&self.rule),
            calls: Arc::clone(&self.calls),
        }))
    }
}

impl Plugin for ScriptedPlugin {
    fn init(&mut self, _deps: Dependencies) -> Result<(), InitError> {
        Ok(())
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        _action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let call = Call {
            block: block.number(),
            tx: tx_position,
            namespace: namespace.to_owned(),
            parameter: context.serialized_policy.bytes().to_vec(),
        };
        self.calls.lock().unwrap().push(call.clone());
        (self.rule)(&call)
    }
}

/// A factory whose plugins fail `init` with `reason`.
pub struct FailingInit(pub String);

struct FailingInitPlugin(String);

impl Plugin for FailingInitPlugin {
    fn init(&mut self, _deps: Dependencies) -> Result<(), InitError> {
        Err(InitError::Failed(self.0.clone()))
    }

    fn validate(
        &self,
        _block: &BlockView<'_>,
        _namespace: &str,
        _tx_position: usize,
        _action_position: usize,
        _context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        Ok(())
    }
}

impl PluginFactory for FailingInit {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(FailingInitPlugin(self.0.clone())))
    }
}

// ---------------------------------------------------------------------------------------------
// Running the validator.

/// The plugin registry: the real builtin default validation under `vscc`, plus `extra`.
pub fn plugins(extra: &[(&str, Arc<dyn PluginFactory>)]) -> Arc<ValidationInstances> {
    let mut factories: BTreeMap<String, Arc<dyn PluginFactory>> = BTreeMap::new();
    factories.insert(
        "vscc".to_owned(),
        Arc::new(vscc_default::DefaultValidationFactory),
    );
    for (name, factory) in extra {
        factories.insert((*name).to_owned(), Arc::clone(factory));
    }
    Arc::new(ValidationInstances::new(factories))
}

/// Options with `pool_size` threads, signatures and MVCC checked, and the chaincodes given as
/// (name, plugin, parameter).
pub fn options(pool_size: usize, chaincodes: &[(&str, &str, Option<Bytes>)]) -> ValidatorOptions {
    ValidatorOptions {
        pool_size,
        check_signatures: true,
        check_mvcc: true,
        chaincodes: chaincodes
            .iter()
            .map(|(name, plugin, parameter)| {
                (
                    (*name).to_owned(),
                    ChaincodeOverride {
                        plugin: (*plugin).to_owned(),
                        parameter: parameter.clone(),
                    },
                )
            })
            .collect(),
    }
}

/// A validator that has committed the genesis block (block 0).
pub fn started(plugins: Arc<ValidationInstances>, options: ValidatorOptions) -> ChannelValidator {
    let mut validator = ChannelValidator::new(CHANNEL, None, plugins, options);
    let verdict = validator
        .validate_block(0, std::slice::from_ref(&net().genesis_envelope))
        .unwrap();
    assert_eq!(verdict.codes, vec![0]);
    assert!(verdict.config_updated);
    validator
}

/// Validates block `number`, failing the test on a block error.
pub fn commit(validator: &mut ChannelValidator, number: u64, envelopes: &[Bytes]) -> BlockVerdict {
    match validator.validate_block(number, envelopes) {
        Ok(verdict) => verdict,
        Err(e) => panic!("block {number} did not commit: {e}"),
    }
}

/// Validates block `number`, expecting a block error.
pub fn halt(validator: &mut ChannelValidator, number: u64, envelopes: &[Bytes]) -> BlockError {
    match validator.validate_block(number, envelopes) {
        Ok(verdict) => panic!("block {number} committed unexpectedly: {verdict:?}"),
        Err(e) => e,
    }
}

/// The committed value of `key` in `namespace`.
pub fn value(validator: &ChannelValidator, namespace: &str, key: &str) -> Option<Vec<u8>> {
    validator
        .host()
        .state()
        .read()
        .unwrap()
        .get(namespace, key)
        .map(|v| v.value.to_vec())
}

/// The committed version of `key` in `namespace`.
pub fn version_of(validator: &ChannelValidator, namespace: &str, key: &str) -> Option<(u64, u64)> {
    validator
        .host()
        .state()
        .read()
        .unwrap()
        .get(namespace, key)
        .map(|v| (v.version.block, v.version.tx))
}

/// Whether `txid` is recorded as committed.
pub fn has_txid(validator: &ChannelValidator, txid: &str) -> bool {
    validator.host().state().read().unwrap().contains_txid(txid)
}

/// The tx ID in an envelope's channel header.
pub fn txid_of(envelope: &Bytes) -> String {
    let envelope = cpb::Envelope::decode(envelope.clone()).unwrap();
    let payload = cpb::Payload::decode(envelope.payload).unwrap();
    cpb::ChannelHeader::decode(payload.header.unwrap().channel_header)
        .unwrap()
        .tx_id
}

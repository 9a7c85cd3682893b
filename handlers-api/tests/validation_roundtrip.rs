//! A tiny validation plugin, wrapped into FFI objects the way the export macro does it
//! (`export_factory` -> `factory_to_ffi`) and called back through the host-side adapter.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use handlers_api::ffi::validation::{export_factory, factory_from_ffi};
use handlers_api::validation::{
    BlockView, Context, Dependencies, Identity, IdentityDeserializer, IdentityError,
    IdentityIdentifier, InitError, Kv, KvIterator, Plugin, PluginFactory, PolicyError,
    PolicyEvaluator, SerializedPolicy, SignedData, State, StateError, StateFetcher,
    ValidationError,
};

// ---------------------------------------------------------------------------------------------
// What the plugin saw (filled in by the plugin, read by the test).

#[derive(Debug, Default, Clone, PartialEq)]
struct Seen {
    number: u64,
    envelopes: Vec<Vec<u8>>,
    namespace: String,
    tx_position: usize,
    action_position: usize,
    policy: Vec<u8>,
}

#[derive(Debug, Default)]
struct DepResults {
    deserialize_err: Option<IdentityError>,
    msp_id: String,
    identifier: Option<IdentityIdentifier>,
    expires_at: Option<u64>,
    validate: Option<Result<(), IdentityError>>,
    principal_ok: Option<Result<(), IdentityError>>,
    principal_bad: Option<Result<(), IdentityError>>,
    verify_ok: Option<Result<(), IdentityError>>,
    verify_bad: Option<Result<(), IdentityError>>,
    policy: Option<Result<(), PolicyError>>,
    policy_empty: Option<Result<(), PolicyError>>,
    values: Vec<Option<Vec<u8>>>,
    kvs: Vec<Result<Kv, StateError>>,
    metadata: BTreeMap<String, Vec<u8>>,
    coll_config_missing: Option<Result<BTreeMap<String, Vec<u8>>, StateError>>,
    invalid_coll: Option<Result<BTreeMap<String, Vec<u8>>, StateError>>,
    private_ok: Option<Result<BTreeMap<String, Vec<u8>>, StateError>>,
}

#[derive(Default)]
struct Shared {
    seen: Mutex<Option<Seen>>,
    deps: Mutex<DepResults>,
}

// ---------------------------------------------------------------------------------------------
// The plugin: its behaviour is chosen by the namespace.

#[derive(Clone, Copy, Default)]
struct Faults {
    panic_in_factory: bool,
    panic_in_init: bool,
}

struct Checker {
    shared: Arc<Shared>,
    deps: Option<Dependencies>,
    faults: Faults,
}

impl Plugin for Checker {
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        if self.faults.panic_in_init {
            panic!("init exploded");
        }
        self.deps = Some(deps);
        Ok(())
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        *self.shared.seen.lock().expect("test mutex poisoned") = Some(Seen {
            number: block.number(),
            envelopes: block.envelopes().map(<[u8]>::to_vec).collect(),
            namespace: namespace.to_owned(),
            tx_position,
            action_position,
            policy: context.serialized_policy.bytes().to_vec(),
        });
        match namespace {
            "valid" => Ok(()),
            "invalid" => Err(ValidationError::Invalid(format!(
                "tx {tx_position} of block {} breaks the rules",
                block.number()
            ))),
            "failure" => Err(ValidationError::ExecutionFailure(format!(
                "ledger unavailable at tx {tx_position}"
            ))),
            "panic" => panic!("boom at tx {tx_position}"),
            "deps" => self.use_deps(block, tx_position, context),
            other => Err(ValidationError::Invalid(format!(
                "unknown namespace {other}"
            ))),
        }
    }
}

impl Checker {
    fn use_deps(
        &self,
        block: &BlockView<'_>,
        tx_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let deps = self
            .deps
            .as_ref()
            .ok_or_else(|| ValidationError::ExecutionFailure("not initialised".into()))?;
        let creator = block
            .envelope(tx_position)
            .ok_or_else(|| ValidationError::Invalid("no such tx".into()))?;
        let mut r = self.shared.deps.lock().expect("test mutex poisoned");

        r.deserialize_err = deps
            .identity_deserializer
            .deserialize_identity(b"Unknown:xyz")
            .err();
        let id = deps
            .identity_deserializer
            .deserialize_identity(creator)
            .map_err(|e| ValidationError::Invalid(e.to_string()))?;
        r.msp_id = id.msp_id();
        r.identifier = Some(id.identifier());
        r.expires_at = id.expires_at();
        r.validate = Some(id.validate());
        r.principal_ok = Some(id.satisfies_principal(b"member"));
        r.principal_bad = Some(id.satisfies_principal(b"admin"));
        r.verify_ok = Some(id.verify(b"hello", b"olleh"));
        r.verify_bad = Some(id.verify(b"hello", b"hello"));

        let set = [SignedData {
            data: b"signed bytes",
            identity: creator,
            signature: b"\x30\x45\x02",
        }];
        r.policy = Some(
            deps.policy_evaluator
                .evaluate(context.serialized_policy.bytes(), &set),
        );
        r.policy_empty = Some(
            deps.policy_evaluator
                .evaluate(context.serialized_policy.bytes(), &[]),
        );

        let state = deps
            .state_fetcher
            .fetch_state()
            .map_err(|e| ValidationError::ExecutionFailure(e.to_string()))?;
        r.values = state
            .get_state_multiple_keys("mycc", &["a", "missing", "b"])
            .map_err(|e| ValidationError::ExecutionFailure(e.to_string()))?;
        r.kvs = state
            .get_state_range_scan_iterator("mycc", "a", "c")
            .map_err(|e| ValidationError::ExecutionFailure(e.to_string()))?
            .collect();
        r.metadata = state
            .get_state_metadata("mycc", "a")
            .map_err(|e| ValidationError::ExecutionFailure(e.to_string()))?;
        r.coll_config_missing =
            Some(state.get_private_data_metadata_by_hash("nocollcc", "c1", &[0xAB; 32]));
        r.invalid_coll = Some(state.get_private_data_metadata_by_hash("mycc", "nope", &[1; 32]));
        r.private_ok = Some(state.get_private_data_metadata_by_hash("mycc", "c1", &[7; 32]));
        state.done();
        Ok(())
    }
}

struct CheckerFactory {
    shared: Arc<Shared>,
    faults: Faults,
}

impl PluginFactory for CheckerFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        if self.faults.panic_in_factory {
            panic!("factory exploded");
        }
        Ok(Box::new(Checker {
            shared: Arc::clone(&self.shared),
            deps: None,
            faults: self.faults,
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// The host's dependencies (fakes with observable behaviour).

struct FakeIdentity {
    mspid: String,
    id: String,
}

impl Identity for FakeIdentity {
    fn validate(&self) -> Result<(), IdentityError> {
        if self.id.starts_with("revoked") {
            Err(IdentityError::Invalid(format!("{} is revoked", self.id)))
        } else {
            Ok(())
        }
    }
    fn satisfies_principal(&self, principal: &[u8]) -> Result<(), IdentityError> {
        if principal == b"member" {
            Ok(())
        } else {
            Err(IdentityError::PrincipalNotSatisfied(format!(
                "{} is not {}",
                self.mspid,
                String::from_utf8_lossy(principal)
            )))
        }
    }
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        let mut reversed = msg.to_vec();
        reversed.reverse();
        if reversed == signature {
            Ok(())
        } else {
            Err(IdentityError::Verify(
                "signature is not the reversed message".into(),
            ))
        }
    }
    fn msp_id(&self) -> String {
        self.mspid.clone()
    }
    fn identifier(&self) -> IdentityIdentifier {
        IdentityIdentifier {
            mspid: self.mspid.clone(),
            id: self.id.clone(),
        }
    }
    fn expires_at(&self) -> Option<u64> {
        Some(1_900_000_000)
    }
}

struct FakeDeserializer;

impl IdentityDeserializer for FakeDeserializer {
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        let text = std::str::from_utf8(serialized)
            .map_err(|e| IdentityError::Deserialize(format!("not UTF-8: {e}")))?;
        match text.split_once(':') {
            Some((msp @ "Org1MSP", id)) => Ok(Box::new(FakeIdentity {
                mspid: msp.to_owned(),
                id: id.to_owned(),
            })),
            _ => Err(IdentityError::Deserialize(format!(
                "MSP of {text} is not a member of channel ch1"
            ))),
        }
    }
}

/// One evaluation as the host received it: policy bytes and (data, identity, signature) triples.
type Evaluation = (Vec<u8>, Vec<(Vec<u8>, Vec<u8>, Vec<u8>)>);

#[derive(Default)]
struct FakeEvaluator {
    received: Mutex<Vec<Evaluation>>,
}

impl PolicyEvaluator for FakeEvaluator {
    fn evaluate(&self, policy: &[u8], signature_set: &[SignedData<'_>]) -> Result<(), PolicyError> {
        self.received.lock().expect("test mutex poisoned").push((
            policy.to_vec(),
            signature_set
                .iter()
                .map(|s| (s.data.to_vec(), s.identity.to_vec(), s.signature.to_vec()))
                .collect(),
        ));
        if signature_set.is_empty() {
            Err(PolicyError::NotSatisfied("no signatures".into()))
        } else {
            Ok(())
        }
    }
}

#[derive(Default)]
struct FakeStateFetcher {
    done: Arc<AtomicUsize>,
}

struct FakeState {
    done: Arc<AtomicUsize>,
}

impl State for FakeState {
    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        Ok(keys
            .iter()
            .map(|k| (*k != "missing").then(|| format!("{namespace}/{k}").into_bytes()))
            .collect())
    }
    fn get_state_range_scan_iterator(
        &self,
        namespace: &str,
        start: &str,
        end: &str,
    ) -> Result<KvIterator, StateError> {
        let ns = namespace.to_owned();
        let items: Vec<Result<Kv, StateError>> = vec![
            Ok(Kv {
                namespace: ns.clone(),
                key: start.to_owned(),
                value: vec![0, 1, 2],
            }),
            Ok(Kv {
                namespace: ns,
                key: format!("{start}~"),
                value: vec![],
            }),
            Err(StateError::Ledger(format!("iterator broke before {end}"))),
        ];
        Ok(Box::new(items.into_iter()))
    }
    fn get_state_metadata(
        &self,
        _namespace: &str,
        key: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        Ok(BTreeMap::from([(
            "VALIDATION_PARAMETER".to_owned(),
            format!("vp-of-{key}").into_bytes(),
        )]))
    }
    fn get_private_data_metadata_by_hash(
        &self,
        namespace: &str,
        collection: &str,
        key_hash: &[u8],
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        match (namespace, collection) {
            ("nocollcc", _) => Err(StateError::CollConfigNotDefined {
                namespace: namespace.to_owned(),
            }),
            (_, "c1") => Ok(BTreeMap::from([("hash".to_owned(), key_hash.to_vec())])),
            _ => Err(StateError::InvalidCollName {
                namespace: namespace.to_owned(),
                collection: collection.to_owned(),
            }),
        }
    }
    fn done(&self) {
        self.done.fetch_add(1, Ordering::SeqCst);
    }
}

impl StateFetcher for FakeStateFetcher {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        Ok(Box::new(FakeState {
            done: Arc::clone(&self.done),
        }))
    }
}

struct Host {
    evaluator: Arc<FakeEvaluator>,
    state: Arc<FakeStateFetcher>,
}

fn host_deps() -> (Dependencies, Host) {
    let evaluator = Arc::new(FakeEvaluator::default());
    let state = Arc::new(FakeStateFetcher::default());
    let deps = Dependencies {
        identity_deserializer: Arc::new(FakeDeserializer),
        policy_evaluator: evaluator.clone(),
        state_fetcher: state.clone(),
        capabilities: None,
        collection_resources: None,
        channel_organizations: None,
    };
    (deps, Host { evaluator, state })
}

/// The factory as the host sees it after the plugin went through the FFI layer.
fn loaded_factory(shared: &Arc<Shared>, faults: Faults) -> Box<dyn PluginFactory> {
    let shared = Arc::clone(shared);
    let ffi = export_factory("Checker", move || CheckerFactory { shared, faults })
        .into_result()
        .expect("factory constructor should succeed");
    factory_from_ffi(ffi)
}

fn loaded_plugin(shared: &Arc<Shared>) -> (Box<dyn Plugin>, Host) {
    let mut plugin = loaded_factory(shared, Faults::default())
        .new()
        .expect("factory new");
    let (deps, host) = host_deps();
    plugin.init(deps).expect("init");
    (plugin, host)
}

const ENVELOPES: [&[u8]; 3] = [b"Org1MSP:alice", b"", b"\x00\xff\x10binary\x80"];

fn run(plugin: &dyn Plugin, namespace: &str, tx: usize) -> Result<(), ValidationError> {
    let block = BlockView::new(42, &ENVELOPES);
    plugin.validate(
        &block,
        namespace,
        tx,
        0,
        &Context::new(SerializedPolicy(b"\x0a\x04policy")),
    )
}

// ---------------------------------------------------------------------------------------------

#[test]
fn outcomes_round_trip_with_their_reasons() {
    let shared = Arc::new(Shared::default());
    let (plugin, _host) = loaded_plugin(&shared);
    assert_eq!(run(&*plugin, "valid", 0), Ok(()));
    assert_eq!(
        run(&*plugin, "invalid", 2),
        Err(ValidationError::Invalid(
            "tx 2 of block 42 breaks the rules".into()
        ))
    );
    assert_eq!(
        run(&*plugin, "failure", 1),
        Err(ValidationError::ExecutionFailure(
            "ledger unavailable at tx 1".into()
        ))
    );
}

#[test]
fn block_view_bytes_and_arguments_arrive_intact() {
    let shared = Arc::new(Shared::default());
    let (plugin, _host) = loaded_plugin(&shared);
    let envelopes: Vec<Vec<u8>> = ENVELOPES.iter().map(|e| e.to_vec()).collect();
    let block = BlockView::new(7_000_000_001, &ENVELOPES);
    let res = plugin.validate(
        &block,
        "valid",
        1,
        3,
        &Context::new(SerializedPolicy(b"\x00policy\xff")),
    );
    assert_eq!(res, Ok(()));
    let seen = shared
        .seen
        .lock()
        .expect("test mutex poisoned")
        .clone()
        .expect("plugin ran");
    assert_eq!(
        seen,
        Seen {
            number: 7_000_000_001,
            envelopes,
            namespace: "valid".into(),
            tx_position: 1,
            action_position: 3,
            policy: b"\x00policy\xff".to_vec(),
        }
    );
}

#[test]
fn panic_in_validate_is_an_execution_failure_naming_the_plugin() {
    let shared = Arc::new(Shared::default());
    let (plugin, _host) = loaded_plugin(&shared);
    match run(&*plugin, "panic", 1) {
        Err(ValidationError::ExecutionFailure(reason)) => {
            assert!(reason.contains("plugin Checker"), "{reason}");
            assert!(reason.contains("validate"), "{reason}");
            assert!(reason.contains("boom at tx 1"), "{reason}");
        }
        other => panic!("expected an execution failure, got {other:?}"),
    }
    // The process survived and the same instance keeps working.
    assert_eq!(run(&*plugin, "valid", 0), Ok(()));
}

#[test]
fn panic_in_init_is_an_execution_failure_naming_the_plugin() {
    let shared = Arc::new(Shared::default());
    let faults = Faults {
        panic_in_init: true,
        ..Faults::default()
    };
    let mut plugin = loaded_factory(&shared, faults).new().expect("factory new");
    let err = plugin.init(host_deps().0).expect_err("init must fail");
    assert!(matches!(err, InitError::Panicked(_)), "{err:?}");
    match ValidationError::from(err) {
        ValidationError::ExecutionFailure(reason) => {
            assert!(
                reason.contains("plugin Checker panicked in init: init exploded"),
                "{reason}"
            );
        }
        other => panic!("expected an execution failure, got {other:?}"),
    }
}

#[test]
fn panic_in_factory_is_an_execution_failure_naming_the_plugin() {
    let shared = Arc::new(Shared::default());
    let faults = Faults {
        panic_in_factory: true,
        ..Faults::default()
    };
    let err = loaded_factory(&shared, faults)
        .new()
        .err()
        .expect("factory must fail");
    assert_eq!(
        ValidationError::from(err),
        ValidationError::ExecutionFailure(
            "plugin Checker panicked in factory new: factory exploded".into()
        )
    );
}

#[test]
fn dependency_callbacks_cross_the_boundary_and_back() {
    let shared = Arc::new(Shared::default());
    let (plugin, host) = loaded_plugin(&shared);
    assert_eq!(run(&*plugin, "deps", 0), Ok(()));
    let r = shared.deps.lock().expect("test mutex poisoned");

    // Identities.
    assert_eq!(
        r.deserialize_err,
        Some(IdentityError::Deserialize(
            "MSP of Unknown:xyz is not a member of channel ch1".into()
        ))
    );
    assert_eq!(r.msp_id, "Org1MSP");
    assert_eq!(
        r.identifier,
        Some(IdentityIdentifier {
            mspid: "Org1MSP".into(),
            id: "alice".into()
        })
    );
    assert_eq!(r.expires_at, Some(1_900_000_000));
    assert_eq!(r.validate, Some(Ok(())));
    assert_eq!(r.principal_ok, Some(Ok(())));
    assert_eq!(
        r.principal_bad,
        Some(Err(IdentityError::PrincipalNotSatisfied(
            "Org1MSP is not admin".into()
        )))
    );
    assert_eq!(r.verify_ok, Some(Ok(())));
    assert!(matches!(r.verify_bad, Some(Err(IdentityError::Verify(_)))));

    // Policies: the host received the exact bytes.
    assert_eq!(r.policy, Some(Ok(())));
    assert_eq!(
        r.policy_empty,
        Some(Err(PolicyError::NotSatisfied("no signatures".into())))
    );
    let received = host.evaluator.received.lock().expect("test mutex poisoned");
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].0, b"\x0a\x04policy");
    assert_eq!(
        received[0].1,
        vec![(
            b"signed bytes".to_vec(),
            b"Org1MSP:alice".to_vec(),
            b"\x30\x45\x02".to_vec()
        )]
    );
    assert!(received[1].1.is_empty());

    // State.
    assert_eq!(
        r.values,
        vec![Some(b"mycc/a".to_vec()), None, Some(b"mycc/b".to_vec())]
    );
    assert_eq!(
        r.kvs,
        vec![
            Ok(Kv {
                namespace: "mycc".into(),
                key: "a".into(),
                value: vec![0, 1, 2]
            }),
            Ok(Kv {
                namespace: "mycc".into(),
                key: "a~".into(),
                value: vec![]
            }),
            Err(StateError::Ledger("iterator broke before c".into())),
        ]
    );
    assert_eq!(
        r.metadata,
        BTreeMap::from([("VALIDATION_PARAMETER".to_owned(), b"vp-of-a".to_vec())])
    );
    assert_eq!(
        r.coll_config_missing,
        Some(Err(StateError::CollConfigNotDefined {
            namespace: "nocollcc".into()
        }))
    );
    assert_eq!(
        r.invalid_coll,
        Some(Err(StateError::InvalidCollName {
            namespace: "mycc".into(),
            collection: "nope".into()
        }))
    );
    assert_eq!(
        r.private_ok,
        Some(Ok(BTreeMap::from([("hash".to_owned(), vec![7; 32])])))
    );
    assert_eq!(host.state.done.load(Ordering::SeqCst), 1);
}

#[test]
fn state_error_messages_match_fabric() {
    assert_eq!(
        StateError::CollConfigNotDefined {
            namespace: "mycc".into()
        }
        .to_string(),
        "collection config not defined for chaincode [mycc], pass the collection \
         configuration upon chaincode definition/instantiation"
    );
    assert_eq!(
        StateError::InvalidCollName {
            namespace: "mycc".into(),
            collection: "c9".into()
        }
        .to_string(),
        "collection [c9] not defined in the collection config for chaincode [mycc]"
    );
}

struct PanickingDeserializer;

impl IdentityDeserializer for PanickingDeserializer {
    fn deserialize_identity(&self, _: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        panic!("host MSP cache poisoned")
    }
}

#[test]
fn host_dependency_panic_becomes_an_error_on_the_plugin_side() {
    let shared = Arc::new(Shared::default());
    let mut plugin = loaded_factory(&shared, Faults::default())
        .new()
        .expect("factory new");
    let (mut deps, _host) = host_deps();
    deps.identity_deserializer = Arc::new(PanickingDeserializer);
    plugin.init(deps).expect("init");
    match run(&*plugin, "deps", 0) {
        Err(ValidationError::Invalid(reason)) => {
            assert!(
                reason.contains(
                    "host identity deserializer panicked in deserialize_identity: \
                     host MSP cache poisoned"
                ),
                "{reason}"
            );
        }
        other => panic!("expected the plugin's invalid verdict, got {other:?}"),
    }
}

#[test]
fn envelope_or_invalid_gives_the_envelope_or_fabrics_out_of_range_verdict() {
    let envelopes: [&[u8]; 2] = [b"first", b"second"];
    let block = BlockView::new(7, &envelopes);
    assert_eq!(block.envelope_or_invalid(1), Ok(&b"second"[..]));
    assert_eq!(
        block.envelope_or_invalid(2),
        Err(ValidationError::Invalid(
            "block has only 2 transactions, but requested tx at position 2".into()
        ))
    );
}

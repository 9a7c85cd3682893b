//! The example plugins and the project's default plugins as shared libraries dropped into a
//! temporary plugins directory, named in a core.yaml by relative `library:` paths, loaded with
//! [`Registry::load`] and run: DistinctOrgs on a valid and an invalid transaction, StatusGuard
//! on an accepted and a refused payload, DefaultValidation through [`ValidationInstances`]
//! with stand-in dependencies.
//!
//! The cdylibs are built by `cargo build --workspace` (`.ci/run` builds before testing); a
//! missing library fails the test with that instruction, it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use fabric_crypto::{verify_signature, SigningKey};
use fabric_msp::{
    Identity as _, IdentityDeserializer as _, ManagerOptions, MspManager, MspVersion,
};
use fabric_protos::protos::{ChaincodeAction, ProposalResponsePayload, Response};
use fabric_testgen::clock::FrozenClock;
use fabric_testgen::msp::{OrgMaterial, OrgSpec};
use fabric_testgen::rwset::{NamespaceRwSet, RwSet, Write};
use fabric_testgen::tx::{build_endorser_tx, BuiltTx, Chaincode, Fault, TxRequest};
use fabric_testgen::Seed;
use handlers_api::endorsement::{self, EndorsementError, SigningIdentity, SigningIdentityFetcher};
use handlers_api::ffi::library::INTERFACE_VERSION;
use handlers_api::validation::{
    ApplicationCapabilities, BlockView, Capabilities, CollectionInfoError, CollectionResources,
    Context, Dependencies, Identity, IdentityDeserializer, IdentityError, IdentityIdentifier,
    KvIterator, PolicyError, PolicyEvaluator, SerializedPolicy, SignedData, State, StateError,
    StateFetcher, ValidationError,
};
use loader::config::{ConfigOptions, HandlersConfig};
use loader::registry::{file_sha256, Builtins, HandlerKind, LoadedFrom, Registry};
use loader::ValidationInstances;
use prost::Message;

// ---------------------------------------------------------------------------------------
// The plugins directory.

/// `target/<profile>/<lib><stem>.so` of this test run, found from the test executable (in
/// `target/<profile>/deps/`), so that a custom `CARGO_TARGET_DIR` works too.
fn cdylib(stem: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join(file_name(stem));
    assert!(
        path.exists(),
        "{} is missing: build the plugin libraries first (cargo build --workspace)",
        path.display()
    );
    path
}

fn file_name(stem: &str) -> String {
    format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

const VALIDATION_EXAMPLE: &str = "example_validation_plugin";
const ENDORSEMENT_EXAMPLE: &str = "example_endorsement_plugin";
const VSCC: &str = "vscc_default_plugin";
const ESCC: &str = "escc_default_plugin";

/// A temporary plugins directory with copies of the four libraries, and the core.yaml (next to
/// it, not in it: relative paths resolve against the configured plugins directory).
struct Peer {
    _root: tempfile::TempDir,
    plugins: PathBuf,
    core_yaml: PathBuf,
}

fn peer() -> Peer {
    let root = tempfile::tempdir().unwrap();
    let plugins = root.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    for stem in [VALIDATION_EXAMPLE, ENDORSEMENT_EXAMPLE, VSCC, ESCC] {
        std::fs::copy(cdylib(stem), plugins.join(file_name(stem))).unwrap();
    }
    // The example libraries are pinned (the copies' digests, as an operator would write them).
    let pin = |stem: &str| file_sha256(&plugins.join(file_name(stem))).unwrap();
    let core_yaml = root.path().join("core.yaml");
    let text = format!(
        "peer:
  handlers:
    endorsers:
      escc:
        name: DefaultEndorsement
        library: {escc}
      StatusGuard:
        name: StatusGuard
        library: {eg}
        sha256: \"{eg_pin}\"
    validators:
      vscc:
        name: DefaultValidation
        library: {vscc}
      DistinctOrgs:
        library: {vg}
        sha256: \"{vg_pin}\"
",
        escc = file_name(ESCC),
        eg = file_name(ENDORSEMENT_EXAMPLE),
        eg_pin = pin(ENDORSEMENT_EXAMPLE),
        vscc = file_name(VSCC),
        vg = file_name(VALIDATION_EXAMPLE),
        vg_pin = pin(VALIDATION_EXAMPLE),
    );
    std::fs::write(&core_yaml, text).unwrap();
    Peer {
        _root: root,
        plugins,
        core_yaml,
    }
}

fn load(peer: &Peer) -> Registry {
    let options = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: Some(peer.plugins.clone()),
    };
    let config = HandlersConfig::from_file(&peer.core_yaml, &options).unwrap();
    Registry::load(&config, &Builtins::new()).unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------------------
// Stand-in host dependencies.

/// fabric-msp's identities seen through the validation API (real certificate checks and
/// signature verification).
struct Msps(MspManager);

struct MspId(fabric_msp::MspIdentity);

impl Identity for MspId {
    fn validate(&self) -> Result<(), IdentityError> {
        self.0
            .validate()
            .map_err(|e| IdentityError::Invalid(e.to_string()))
    }
    fn satisfies_principal(&self, _principal: &[u8]) -> Result<(), IdentityError> {
        Err(IdentityError::Provider("not needed in this test".into()))
    }
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        self.0
            .verify(msg, signature)
            .map_err(|e| IdentityError::Verify(e.to_string()))
    }
    fn msp_id(&self) -> String {
        self.0.msp_id().to_owned()
    }
    fn identifier(&self) -> IdentityIdentifier {
        IdentityIdentifier {
            mspid: self.0.msp_id().to_owned(),
            id: self.0.id().to_owned(),
        }
    }
    fn expires_at(&self) -> Option<u64> {
        None
    }
}

impl IdentityDeserializer for Msps {
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        self.0
            .deserialize_identity(serialized)
            .map(|id| Box::new(MspId(id)) as Box<dyn Identity>)
            .map_err(|e| IdentityError::Deserialize(e.to_string()))
    }
}

/// Accepts or refuses every policy, recording the policy bytes and signature-set sizes.
#[derive(Default)]
struct RecordingEvaluator {
    refuse: bool,
    calls: Mutex<Vec<(Vec<u8>, usize)>>,
}

impl PolicyEvaluator for RecordingEvaluator {
    fn evaluate(&self, policy: &[u8], set: &[SignedData<'_>]) -> Result<(), PolicyError> {
        self.calls
            .lock()
            .unwrap()
            .push((policy.to_vec(), set.len()));
        if self.refuse {
            Err(PolicyError::NotSatisfied("refused by the test".into()))
        } else {
            Ok(())
        }
    }
}

/// Committed state with nothing in it.
struct EmptyState;

impl State for EmptyState {
    fn get_state_multiple_keys(
        &self,
        _namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        Ok(vec![None; keys.len()])
    }
    fn get_state_range_scan_iterator(
        &self,
        _namespace: &str,
        _start: &str,
        _end: &str,
    ) -> Result<KvIterator, StateError> {
        Ok(Box::new(std::iter::empty()))
    }
    fn get_state_metadata(
        &self,
        _namespace: &str,
        _key: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        Ok(BTreeMap::new())
    }
    fn get_private_data_metadata_by_hash(
        &self,
        _namespace: &str,
        _collection: &str,
        _key_hash: &[u8],
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        Ok(BTreeMap::new())
    }
    fn done(&self) {}
}

struct EmptyLedger;

impl StateFetcher for EmptyLedger {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        Ok(Box::new(EmptyState))
    }
}

struct V20;

impl Capabilities for V20 {
    fn supported(&self) -> Result<(), String> {
        Ok(())
    }
    fn application(&self) -> ApplicationCapabilities {
        ApplicationCapabilities::v2_0()
    }
}

struct NoCollections;

impl CollectionResources for NoCollections {
    fn collection_validation_info(
        &self,
        _chaincode: &str,
        collection: &str,
        _state: &mut dyn State,
    ) -> Result<Vec<u8>, CollectionInfoError> {
        Err(CollectionInfoError::Validation(format!(
            "no such collection '{collection}'"
        )))
    }
}

struct Signer(SigningKey);

impl SigningIdentity for Signer {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        Ok(b"serialized endorser identity".to_vec())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        Ok(self.0.sign(msg))
    }
}

struct Fetcher(SigningKey);

impl SigningIdentityFetcher for Fetcher {
    fn signing_identity_for_request(
        &self,
        _signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        Ok(Box::new(Signer(self.0.clone())))
    }
}

// ---------------------------------------------------------------------------------------
// Transactions.

struct Orgs {
    org1: OrgMaterial,
    org2: OrgMaterial,
    msps: Arc<Msps>,
}

fn orgs() -> Orgs {
    let seed = Seed::new(b"loader plugins directory".to_vec());
    let org1 = OrgMaterial::generate(&seed, OrgSpec::application(1)).unwrap();
    let org2 = OrgMaterial::generate(&seed, OrgSpec::application(2)).unwrap();
    let manager = MspManager::from_configs(
        &[org1.fabric_msp_config(), org2.fabric_msp_config()],
        MspVersion::V1_4_3,
        ManagerOptions::default(),
    )
    .unwrap();
    Orgs {
        org1,
        org2,
        msps: Arc::new(Msps(manager)),
    }
}

/// A transaction of chaincode `mycc` writing one key, endorsed by the peers of `orgs`.
fn tx(o: &Orgs, endorsing_orgs: &[&OrgMaterial]) -> BuiltTx {
    let cc = Chaincode {
        name: "mycc".into(),
        version: "1.0".into(),
    };
    let req = TxRequest {
        channel_id: "ch",
        chaincode: &cc,
        creator: o.org1.identity("client").unwrap(),
        endorsers: endorsing_orgs
            .iter()
            .map(|org| org.identity("peer0").unwrap())
            .collect(),
        args: vec![b"invoke".to_vec()],
        rwset: RwSet {
            namespaces: vec![NamespaceRwSet {
                namespace: "mycc".into(),
                writes: vec![Write {
                    key: "asset1".into(),
                    value: b"blue".to_vec(),
                    is_delete: false,
                }],
                ..Default::default()
            }],
        },
        response_payload: b"ok".to_vec(),
        timestamp: FrozenClock::starting_at(1_700_000_000).tick(),
        nonce: vec![3; 24],
        fault: Fault::None,
    };
    build_endorser_tx(&req).unwrap()
}

fn validation_deps(o: &Orgs, evaluator: Arc<RecordingEvaluator>) -> Dependencies {
    Dependencies::new(o.msps.clone(), evaluator, Arc::new(EmptyLedger))
        .with_capabilities(Arc::new(V20))
        .with_collection_resources(Arc::new(NoCollections))
}

// ---------------------------------------------------------------------------------------
// The tests.

#[test]
fn the_loaded_records_name_each_library_its_version_and_digest() {
    let peer = peer();
    let registry = load(&peer);
    let got: Vec<(HandlerKind, &str, &str, &str, String, PathBuf)> = registry
        .loaded()
        .iter()
        .map(|h| match &h.from {
            LoadedFrom::Library {
                path,
                plugin_name,
                interface_version,
                sha256,
            } => (
                h.kind,
                h.key.as_str(),
                plugin_name.as_str(),
                interface_version.as_str(),
                sha256.to_string(),
                path.clone(),
            ),
            other => panic!("{} is not a library: {other:?}", h.key),
        })
        .collect();
    let expected = |kind, key, plugin, stem: &str| {
        let path = peer.plugins.join(file_name(stem));
        let digest = file_sha256(&path).unwrap().to_string();
        (kind, key, plugin, INTERFACE_VERSION, digest, path)
    };
    // Endorsers first, then validators, each in (lower-cased) key order.
    assert_eq!(
        got,
        vec![
            expected(HandlerKind::Endorsement, "escc", "DefaultEndorsement", ESCC),
            expected(
                HandlerKind::Endorsement,
                "statusguard",
                "StatusGuard",
                ENDORSEMENT_EXAMPLE
            ),
            expected(
                HandlerKind::Validation,
                "distinctorgs",
                "DistinctOrgs",
                VALIDATION_EXAMPLE
            ),
            expected(HandlerKind::Validation, "vscc", "DefaultValidation", VSCC),
        ]
    );
    // The copies are the built libraries, byte for byte.
    for stem in [VALIDATION_EXAMPLE, ENDORSEMENT_EXAMPLE, VSCC, ESCC] {
        assert_eq!(
            file_sha256(&cdylib(stem)).unwrap(),
            file_sha256(&peer.plugins.join(file_name(stem))).unwrap(),
            "{stem}"
        );
    }
}

#[test]
fn the_example_validation_library_accepts_two_orgs_and_flags_one() {
    let peer = peer();
    let registry = load(&peer);
    let o = orgs();
    let instances = ValidationInstances::new(registry.validation_factories());
    let evaluator = Arc::new(RecordingEvaluator::default());
    let plugin = instances
        .get("distinctorgs", "ch", || {
            Ok(validation_deps(&o, evaluator.clone()))
        })
        .unwrap();

    let valid = tx(&o, &[&o.org1, &o.org2]);
    let invalid = tx(&o, &[&o.org2]);
    let envelopes = [valid.envelope.as_ref(), invalid.envelope.as_ref()];
    let block = BlockView::new(7, &envelopes);
    let two_orgs = Context::new(SerializedPolicy(b"2"));
    plugin.validate(&block, "mycc", 0, 0, &two_orgs).unwrap();
    assert_eq!(
        plugin.validate(&block, "mycc", 1, 0, &two_orgs),
        Err(ValidationError::Invalid(
            "1 distinct MSPs endorsed ([Org2MSP]), chaincode mycc requires at least 2".into()
        ))
    );
    assert!(
        evaluator.calls.lock().unwrap().is_empty(),
        "DistinctOrgs evaluates no policy"
    );
}

#[test]
fn the_example_endorsement_library_signs_a_success_and_refuses_an_error_status() {
    let peer = peer();
    let registry = load(&peer);
    let key = SigningKey::from_seed(b"loader plugins dir endorser");
    let instances = loader::EndorsementInstances::new(registry.endorsement_factories());
    let plugin = instances
        .get("statusguard", "ch", || {
            Ok(endorsement::Dependencies {
                signing_identity_fetcher: Arc::new(Fetcher(key.clone())),
                state_fetcher: None,
            })
        })
        .unwrap();

    // Accepted: a real proposal response payload (status 200) from fabric-testgen.
    let o = orgs();
    let built = tx(&o, &[&o.org1]);
    let prp = built.proposal_response_payload.to_vec();
    let out = plugin.endorse(&prp, &built.signed_proposal).unwrap();
    assert_eq!(out.payload, prp);
    assert_eq!(out.endorsement.endorser, b"serialized endorser identity");
    let signed = [prp.as_slice(), &out.endorsement.endorser].concat();
    verify_signature(
        fabric_crypto::default_backend(),
        &key.public_key(),
        &signed,
        &out.endorsement.signature,
    )
    .unwrap();

    // Refused: the same payload with the chaincode response turned into a 500.
    let mut decoded = ProposalResponsePayload::decode(prp.as_slice()).unwrap();
    let mut action = ChaincodeAction::decode(decoded.extension.as_ref()).unwrap();
    action.response = Some(Response {
        status: 500,
        message: "asset1 is locked".into(),
        payload: Default::default(),
    });
    decoded.extension = action.encode_to_vec().into();
    let refused = decoded.encode_to_vec();
    assert_eq!(
        plugin.endorse(&refused, &built.signed_proposal),
        Err(EndorsementError::Failed(
            "StatusGuard refuses to endorse: chaincode response status 500 (>= 400): \
             \"asset1 is locked\""
                .into()
        ))
    );
}

#[test]
fn default_validation_from_its_library_runs_with_stand_in_dependencies() {
    let peer = peer();
    let registry = load(&peer);
    let o = orgs();
    let instances = ValidationInstances::new(registry.validation_factories());
    let accepting = Arc::new(RecordingEvaluator::default());
    let refusing = Arc::new(RecordingEvaluator {
        refuse: true,
        ..Default::default()
    });
    // Two channels, two instances, each with its own evaluator.
    let on_ch1 = instances
        .get("vscc", "ch1", || Ok(validation_deps(&o, accepting.clone())))
        .unwrap();
    let on_ch2 = instances
        .get("vscc", "ch2", || Ok(validation_deps(&o, refusing.clone())))
        .unwrap();

    let built = tx(&o, &[&o.org1, &o.org2]);
    let envelopes = [built.envelope.as_ref()];
    let block = BlockView::new(3, &envelopes);
    // Opaque to this test: whatever bytes the chaincode definition carries.
    let policy = b"\x0a\x04the chaincode's endorsement policy".to_vec();
    let context = Context::new(SerializedPolicy(&policy));

    on_ch1.validate(&block, "mycc", 0, 0, &context).unwrap();
    assert_eq!(
        *accepting.calls.lock().unwrap(),
        vec![(policy.clone(), 2)],
        "the chaincode policy, exactly as passed, over both endorsements"
    );

    match on_ch2.validate(&block, "mycc", 0, 0, &context) {
        Err(ValidationError::Invalid(reason)) => {
            assert!(reason.contains("refused by the test"), "{reason}")
        }
        other => panic!("expected an invalid transaction, got {other:?}"),
    }
    assert_eq!(*refusing.calls.lock().unwrap(), vec![(policy, 2)]);

    // The instance is cached: a second get on ch1 does not ask for dependencies again.
    let again = instances
        .get("vscc", "ch1", || Err("dependencies asked for twice".into()))
        .unwrap();
    assert!(Arc::ptr_eq(&again, &on_ch1));
}

#[test]
fn a_missing_library_in_the_plugins_directory_is_reported_with_its_key_and_path() {
    let peer = peer();
    let gone = peer.plugins.join(file_name(VALIDATION_EXAMPLE));
    std::fs::remove_file(&gone).unwrap();
    let options = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: Some(peer.plugins.clone()),
    };
    let config = HandlersConfig::from_file(&peer.core_yaml, &options).unwrap();
    let err = Registry::load(&config, &Builtins::new()).unwrap_err();
    let [failure] = err.failures() else {
        panic!("one failure expected: {err}");
    };
    assert_eq!(failure.key, "distinctorgs");
    assert_eq!(failure.source, gone.display().to_string());
    assert!(failure.to_string().contains("file not found"), "{failure}");
}

//! DistinctOrgs on real transactions (fabric-testgen endorsements by generated MSP identities,
//! checked by fabric-msp), used directly and through its own root module (the in-process view
//! of what the cdylib exports).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::sync::Arc;

use example_validation_plugin::{handlers_api_library, DistinctOrgsFactory, PLUGIN_NAME};
use fabric_msp::{
    Identity as _, IdentityDeserializer as _, ManagerOptions, MspManager, MspVersion,
};
use fabric_testgen::clock::FrozenClock;
use fabric_testgen::msp::{OrgMaterial, OrgSpec};
use fabric_testgen::rwset::{NamespaceRwSet, RwSet, Write};
use fabric_testgen::tx::{build_endorser_tx, Chaincode, Fault, TxRequest};
use fabric_testgen::Seed;
use handlers_api::validation::{
    BlockView, Context, Dependencies, Identity, IdentityDeserializer, IdentityError,
    IdentityIdentifier, Plugin, PluginFactory, PolicyError, PolicyEvaluator, SerializedPolicy,
    SignedData, State, StateError, StateFetcher, ValidationError,
};

/// fabric-msp's identities seen through the validation API.
struct Msps(MspManager);

struct MspId(fabric_msp::MspIdentity);

fn msp_err(e: fabric_msp::MspError) -> String {
    e.to_string()
}

impl Identity for MspId {
    fn validate(&self) -> Result<(), IdentityError> {
        self.0
            .validate()
            .map_err(|e| IdentityError::Invalid(msp_err(e)))
    }
    fn satisfies_principal(&self, _principal: &[u8]) -> Result<(), IdentityError> {
        Err(IdentityError::Provider("not used by DistinctOrgs".into()))
    }
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        self.0
            .verify(msg, signature)
            .map_err(|e| IdentityError::Verify(msp_err(e)))
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
            .map_err(|e| IdentityError::Deserialize(msp_err(e)))
    }
}

/// An identity provider that is down (a dependency failure).
struct Down;

impl IdentityDeserializer for Down {
    fn deserialize_identity(&self, _: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        Err(IdentityError::Provider("MSP cache unavailable".into()))
    }
}

/// Dependencies DistinctOrgs does not use: any call fails the test.
struct Unused;

impl PolicyEvaluator for Unused {
    fn evaluate(&self, _: &[u8], _: &[SignedData<'_>]) -> Result<(), PolicyError> {
        panic!("DistinctOrgs does not evaluate policies")
    }
}

impl StateFetcher for Unused {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        panic!("DistinctOrgs does not read state")
    }
}

struct World {
    org1: OrgMaterial,
    org2: OrgMaterial,
    msps: Arc<Msps>,
}

fn world() -> World {
    let seed = Seed::new(b"example validation plugin".to_vec());
    let org1 = OrgMaterial::generate(&seed, OrgSpec::application(1)).unwrap();
    let org2 = OrgMaterial::generate(&seed, OrgSpec::application(2)).unwrap();
    let manager = MspManager::from_configs(
        &[org1.fabric_msp_config(), org2.fabric_msp_config()],
        MspVersion::V1_4_3,
        ManagerOptions::default(),
    )
    .unwrap();
    World {
        org1,
        org2,
        msps: Arc::new(Msps(manager)),
    }
}

/// An envelope for chaincode `mycc` endorsed by `endorsers` ("org1/peer0", ...).
fn tx(w: &World, endorsers: &[&str], fault: Fault) -> Vec<u8> {
    let cc = Chaincode {
        name: "mycc".into(),
        version: "1.0".into(),
    };
    let endorsers = endorsers
        .iter()
        .map(|e| {
            let (org, name) = e.split_once('/').unwrap();
            let org = if org == "org1" { &w.org1 } else { &w.org2 };
            org.identity(name).unwrap()
        })
        .collect();
    let req = TxRequest {
        channel_id: "ch",
        chaincode: &cc,
        creator: w.org1.identity("client").unwrap(),
        endorsers,
        args: vec![b"invoke".to_vec()],
        rwset: RwSet {
            namespaces: vec![NamespaceRwSet {
                namespace: "mycc".into(),
                writes: vec![Write {
                    key: "k".into(),
                    value: b"v".to_vec(),
                    is_delete: false,
                }],
                ..Default::default()
            }],
        },
        response_payload: vec![],
        timestamp: FrozenClock::starting_at(1_700_000_000).tick(),
        nonce: vec![9; 24],
        fault,
    };
    build_endorser_tx(&req).unwrap().envelope.to_vec()
}

fn plugins(deserializer: Arc<dyn IdentityDeserializer>) -> Vec<(&'static str, Box<dyn Plugin>)> {
    let lib = handlers_api_library();
    assert_eq!(lib.plugin_name().as_str(), PLUGIN_NAME);
    let factories: Vec<(&'static str, Box<dyn PluginFactory>)> = vec![
        ("direct", Box::new(DistinctOrgsFactory)),
        ("ffi", lib.validation_factory().unwrap()),
    ];
    factories
        .into_iter()
        .map(|(how, f)| {
            let mut p = f.new().unwrap();
            let unused = Arc::new(Unused);
            p.init(Dependencies::new(
                Arc::clone(&deserializer),
                unused.clone(),
                unused,
            ))
            .unwrap();
            (how, p)
        })
        .collect()
}

fn validate(
    p: &dyn Plugin,
    envelope: &[u8],
    ns: &str,
    param: &[u8],
) -> Result<(), ValidationError> {
    let envelopes = [envelope];
    let block = BlockView::new(5, &envelopes);
    p.validate(&block, ns, 0, 0, &Context::new(SerializedPolicy(param)))
}

fn invalid(res: Result<(), ValidationError>) -> String {
    match res {
        Err(ValidationError::Invalid(reason)) => reason,
        other => panic!("expected an invalid transaction, got {other:?}"),
    }
}

#[test]
fn two_orgs_pass_and_one_org_does_not() {
    let w = world();
    let both = tx(&w, &["org1/peer0", "org2/peer0"], Fault::None);
    let one = tx(&w, &["org1/peer0"], Fault::None);
    for (how, p) in plugins(w.msps.clone()) {
        validate(p.as_ref(), &both, "mycc", b"2").unwrap();
        validate(p.as_ref(), &one, "mycc", b"1").unwrap();
        assert_eq!(
            invalid(validate(p.as_ref(), &one, "mycc", b"2")),
            "1 distinct MSPs endorsed ([Org1MSP]), chaincode mycc requires at least 2",
            "{how}"
        );
        assert_eq!(
            invalid(validate(p.as_ref(), &both, "mycc", b"3")),
            "2 distinct MSPs endorsed ([Org1MSP, Org2MSP]), chaincode mycc requires at least 3",
            "{how}"
        );
    }
}

#[test]
fn two_endorsements_from_one_msp_are_invalid_naming_the_msp() {
    let w = world();
    let same_org = tx(
        &w,
        &["org1/peer0", "org1/client", "org2/peer0"],
        Fault::None,
    );
    let same_peer = tx(&w, &["org2/peer0", "org1/peer0"], Fault::SameEndorserTwice);
    for (how, p) in plugins(w.msps.clone()) {
        assert_eq!(
            invalid(validate(p.as_ref(), &same_org, "mycc", b"2")),
            "endorsements 0 and 1 both come from MSP Org1MSP; each endorsement must come from \
             a distinct MSP",
            "{how}"
        );
        let reason = invalid(validate(p.as_ref(), &same_peer, "mycc", b"1"));
        assert!(
            reason.contains("both come from MSP Org2MSP"),
            "{how}: {reason}"
        );
    }
}

#[test]
fn a_signature_that_does_not_verify_is_invalid_naming_endorsement_and_msp() {
    let w = world();
    let bad = tx(
        &w,
        &["org2/peer0", "org1/peer0"],
        Fault::BadEndorsementSignature,
    );
    for (how, p) in plugins(w.msps.clone()) {
        let reason = invalid(validate(p.as_ref(), &bad, "mycc", b"1"));
        assert!(
            reason.starts_with("endorsement 0 (MSP Org2MSP): signature verification failed"),
            "{how}: {reason}"
        );
    }
}

#[test]
fn undecodable_transactions_wrong_namespace_and_bad_parameters_are_invalid() {
    let w = world();
    let good = tx(&w, &["org1/peer0", "org2/peer0"], Fault::None);
    for (how, p) in plugins(w.msps.clone()) {
        let reason = invalid(validate(p.as_ref(), b"\x0a\x02\xff\xff", "mycc", b"1"));
        assert!(
            reason.starts_with("block 5 tx 0: cannot decode the payload:"),
            "{how}: {reason}"
        );
        assert_eq!(
            invalid(validate(p.as_ref(), &good, "othercc", b"1")),
            "the action is for chaincode \"mycc\", validated as \"othercc\"",
            "{how}"
        );
        assert_eq!(
            invalid(validate(p.as_ref(), &good, "mycc", b"0")),
            "chaincode mycc: validation parameter \"0\" is not a positive decimal number of MSPs",
            "{how}"
        );
    }
}

#[test]
fn dependency_failures_and_host_mistakes_are_execution_failures() {
    let w = world();
    let good = tx(&w, &["org1/peer0", "org2/peer0"], Fault::None);
    for (how, p) in plugins(Arc::new(Down)) {
        assert_eq!(
            validate(p.as_ref(), &good, "mycc", b"1"),
            Err(ValidationError::ExecutionFailure(
                "endorsement 0 (MSP unknown): identity provider failed while deserializing: \
                 MSP cache unavailable"
                    .into()
            )),
            "{how}"
        );
        let envelopes = [good.as_slice()];
        let block = BlockView::new(5, &envelopes);
        assert_eq!(
            p.validate(&block, "mycc", 3, 0, &Context::new(SerializedPolicy(b"1"))),
            Err(ValidationError::ExecutionFailure(
                "block 5 has 1 transactions, none at position 3".into()
            )),
            "{how}"
        );
    }
    let uninitialised = DistinctOrgsFactory.new().unwrap();
    assert!(matches!(
        validate(uninitialised.as_ref(), &good, "mycc", b"1"),
        Err(ValidationError::ExecutionFailure(_))
    ));
}

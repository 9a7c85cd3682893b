//! V20-5 and an end-to-end run: real transactions from fabric-testgen (ECDSA endorsements by
//! generated MSP identities), a real `ApplicationPolicy` evaluator (fabric-policies over
//! fabric-msp), the plugin used directly and through the FFI layer (with the appended
//! capabilities and collection-resources dependencies crossing the boundary).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use fabric_msp::{ManagerOptions, MspManager, MspVersion};
use fabric_policies::{evaluate_application_policy, policydsl, PolicyManager};
use fabric_protos::common::{
    application_policy, ApplicationPolicy, ConfigGroup, SignaturePolicyEnvelope,
};
use fabric_testgen::clock::FrozenClock;
use fabric_testgen::msp::OrgMaterial;
use fabric_testgen::rwset::{CollectionWrites, MetadataWrite, NamespaceRwSet, RwSet, Write};
use fabric_testgen::tx::{build_endorser_tx, Chaincode, Fault, TxRequest};
use fabric_testgen::Seed;
use handlers_api::ffi::validation::{factory_from_ffi, factory_to_ffi};
use handlers_api::validation::{
    ApplicationCapabilities, BlockView, Context, Dependencies, Plugin, PluginFactory, PolicyError,
    PolicyEvaluator, SerializedPolicy, SignedData, ValidationError,
};
use prost::Message;
use support::*;
use vscc_default::DefaultValidationFactory;

/// `ApplicationPolicy` evaluation bound to a channel's MSPs (what the peer passes).
struct RealEvaluator {
    msps: MspManager,
    policies: PolicyManager,
    calls: Mutex<usize>,
}

impl PolicyEvaluator for RealEvaluator {
    fn evaluate(&self, policy: &[u8], set: &[SignedData<'_>]) -> Result<(), PolicyError> {
        *self.calls.lock().unwrap() += 1;
        let sd: Vec<fabric_policies::SignedData<'_>> = set
            .iter()
            .map(|s| fabric_policies::SignedData {
                data: s.data,
                identity: s.identity,
                signature: s.signature,
            })
            .collect();
        evaluate_application_policy("ch", Some(&self.policies), policy, &sd, &self.msps)
            .map_err(|e| PolicyError::NotSatisfied(e.to_string()))
    }
}

struct World {
    org1: OrgMaterial,
    org2: OrgMaterial,
    evaluator: Arc<RealEvaluator>,
}

fn world() -> World {
    let seed = Seed::new(b"vscc-default end-to-end".to_vec());
    let org1 = OrgMaterial::generate(&seed, fabric_testgen::msp::OrgSpec::application(1)).unwrap();
    let org2 = OrgMaterial::generate(&seed, fabric_testgen::msp::OrgSpec::application(2)).unwrap();
    let msps = MspManager::from_configs(
        &[org1.fabric_msp_config(), org2.fabric_msp_config()],
        MspVersion::V1_4_3,
        ManagerOptions::default(),
    )
    .unwrap();
    let policies = PolicyManager::new("Channel", &ConfigGroup::default()).unwrap();
    World {
        org1,
        org2,
        evaluator: Arc::new(RealEvaluator {
            msps,
            policies,
            calls: Mutex::new(0),
        }),
    }
}

fn app_policy(env: SignaturePolicyEnvelope) -> Vec<u8> {
    ApplicationPolicy {
        r#type: Some(application_policy::Type::SignaturePolicy(env)),
    }
    .encode_to_vec()
}

fn endorsed_tx(w: &World, rwset: RwSet, endorsers: &[&str]) -> Vec<u8> {
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
        rwset,
        response_payload: vec![],
        timestamp: FrozenClock::starting_at(1_700_000_000).tick(),
        nonce: vec![7; 24],
        fault: Fault::None,
    };
    build_endorser_tx(&req).unwrap().envelope.to_vec()
}

fn public_write(key: &str) -> RwSet {
    RwSet {
        namespaces: vec![NamespaceRwSet {
            namespace: "mycc".into(),
            writes: vec![Write {
                key: key.into(),
                value: b"1".to_vec(),
                is_delete: false,
            }],
            ..Default::default()
        }],
    }
}

fn harness(w: &World, through_ffi: bool) -> (Box<dyn Plugin>, Arc<Ledger>, Arc<Collections>) {
    let ledger = Arc::new(Ledger::default());
    let collections = Arc::new(Collections::default());
    let factory: Box<dyn PluginFactory> = if through_ffi {
        factory_from_ffi(factory_to_ffi(
            "DefaultValidation",
            Box::new(DefaultValidationFactory),
        ))
    } else {
        Box::new(DefaultValidationFactory)
    };
    let mut plugin = factory.new().unwrap();
    plugin
        .init(
            Dependencies::new(
                Arc::new(NoIdentities),
                w.evaluator.clone(),
                Arc::new(LedgerFetcher(Arc::clone(&ledger))),
            )
            .with_capabilities(Arc::new(Caps(Mutex::new(ApplicationCapabilities::v2_0()))))
            .with_collection_resources(collections.clone()),
        )
        .unwrap();
    (plugin, ledger, collections)
}

fn run(plugin: &dyn Plugin, env: &[u8], policy: &[u8]) -> Result<(), ValidationError> {
    let envs = [env];
    plugin.validate(
        &BlockView::new(3, &envs),
        "mycc",
        0,
        0,
        &Context::new(SerializedPolicy(policy)),
    )
}

#[test]
fn v20_5_real_transaction_endorsed_by_member_is_valid() {
    let w = world();
    let (plugin, _, _) = harness(&w, false);
    let env = endorsed_tx(&w, public_write("a"), &["org1/peer0"]);
    assert_eq!(
        run(
            &*plugin,
            &env,
            &app_policy(policydsl::signed_by_msp_member("Org1MSP"))
        ),
        Ok(())
    );
    let msg = invalid(run(
        &*plugin,
        &env,
        &app_policy(policydsl::signed_by_msp_member("Org2MSP")),
    ));
    assert!(
        msg.starts_with("validation of endorsement policy for chaincode mycc in tx 3:0 failed"),
        "{msg}"
    );
}

#[test]
fn end_to_end_key_level_and_collection_policies_through_ffi() {
    let w = world();
    for through_ffi in [false, true] {
        let (plugin, ledger, collections) = harness(&w, through_ffi);
        let org1 = app_policy(policydsl::signed_by_msp_member("Org1MSP"));
        // Key-level parameter on "a" requiring Org2: the Org1 endorsement no longer suffices,
        // an Org1+Org2 endorsement does, and the chaincode policy is then not needed.
        ledger.set_public_vp(
            "mycc",
            "a",
            policydsl::signed_by_msp_member("Org2MSP").encode_to_vec(),
        );
        let only_org1 = endorsed_tx(&w, public_write("a"), &["org1/peer0"]);
        let msg = invalid(run(&*plugin, &only_org1, &org1));
        assert!(
            msg.starts_with("validation of key a (coll'':ns'mycc') in tx 3:0 failed"),
            "{msg}"
        );
        let both = endorsed_tx(&w, public_write("a"), &["org1/peer0", "org2/peer0"]);
        let reject_all = app_policy(policydsl::reject_all_policy());
        // A new block (4) for a different transaction set.
        let envs = [both.as_slice()];
        assert_eq!(
            plugin.validate(
                &BlockView::new(4, &envs),
                "mycc",
                0,
                0,
                &Context::new(SerializedPolicy(&reject_all))
            ),
            Ok(())
        );

        // A private write whose collection policy (served through the lent state) needs Org2.
        collections.set(
            "mycc",
            "secret",
            Ok(app_policy(policydsl::signed_by_msp_member("Org2MSP"))),
        );
        let private = RwSet {
            namespaces: vec![NamespaceRwSet {
                namespace: "mycc".into(),
                collections: vec![CollectionWrites {
                    collection: "secret".into(),
                    writes: vec![("p".into(), b"x".to_vec())],
                }],
                ..Default::default()
            }],
        };
        let by_org1 = endorsed_tx(&w, private.clone(), &["org1/peer0"]);
        let by_org2 = endorsed_tx(&w, private, &["org2/peer0"]);
        let envs = [by_org1.as_slice(), by_org2.as_slice()];
        let block = BlockView::new(5, &envs);
        let ctx = Context::new(SerializedPolicy(&org1));
        let msg = invalid(plugin.validate(&block, "mycc", 0, 0, &ctx));
        assert!(msg.starts_with("validation of endorsement policy for collection secret chaincode mycc in tx 5:0 failed"), "{msg}");
        assert_eq!(plugin.validate(&block, "mycc", 1, 0, &ctx), Ok(()));
        assert_eq!(collections.calls.lock().unwrap().len(), 2);
        assert_eq!(ledger.open_views(), 0);

        // Intra-block: tx 0 (valid) sets a key-level parameter on "b", tx 1 writes "b".
        let mut set_vp = public_write("z");
        set_vp.namespaces[0]
            .metadata_writes
            .push(MetadataWrite::validation_parameter(
                "b",
                &policydsl::signed_by_msp_member("Org1MSP"),
            ));
        let tx0 = endorsed_tx(&w, set_vp, &["org1/peer0"]);
        let tx1 = endorsed_tx(&w, public_write("b"), &["org1/peer0"]);
        let envs = [tx0.as_slice(), tx1.as_slice()];
        let block = BlockView::new(6, &envs);
        let msg = invalid(plugin.validate(&block, "mycc", 1, 0, &ctx));
        assert_eq!(msg, "validation parameters for key [b] in namespace [mycc:] have been changed in transaction 1 of block 6");
        assert_eq!(plugin.validate(&block, "mycc", 0, 0, &ctx), Ok(()));
    }
    assert!(*w.evaluator.calls.lock().unwrap() > 0);
}

/// A testgen identity as the peer's signing identity for escc-default.
struct PeerSigner(fabric_testgen::msp::Identity);

impl handlers_api::endorsement::SigningIdentity for PeerSigner {
    fn serialize(&self) -> Result<Vec<u8>, handlers_api::validation::IdentityError> {
        Ok(self.0.serialized().to_vec())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, handlers_api::validation::IdentityError> {
        Ok(self.0.sign(msg))
    }
}

impl handlers_api::endorsement::SigningIdentityFetcher for PeerSigner {
    fn signing_identity_for_request(
        &self,
        _signed_proposal: &[u8],
    ) -> Result<
        Box<dyn handlers_api::endorsement::SigningIdentity>,
        handlers_api::validation::IdentityError,
    > {
        Ok(Box::new(PeerSigner(self.0.clone())))
    }
}

/// Issue 3 acceptance: an endorsement made by escc-default verifies under Fabric's rules and
/// passes the default validation.
#[test]
fn an_escc_default_endorsement_verifies_and_passes_default_validation() {
    use fabric_msp::{Identity as _, IdentityDeserializer as _};
    use handlers_api::endorsement::PluginFactory as _;

    let w = world();
    let peer = w.org1.identity("peer0").unwrap().clone();
    let cc = Chaincode {
        name: "mycc".into(),
        version: "1.0".into(),
    };
    let built = build_endorser_tx(&TxRequest {
        channel_id: "ch",
        chaincode: &cc,
        creator: w.org1.identity("client").unwrap(),
        endorsers: vec![&peer],
        args: vec![b"invoke".to_vec()],
        rwset: public_write("a"),
        response_payload: vec![],
        timestamp: FrozenClock::starting_at(1_700_000_000).tick(),
        nonce: vec![9; 24],
        fault: Fault::None,
    })
    .unwrap();

    // escc-default endorses the proposal response payload as the peer would.
    let mut escc = escc_default::DefaultEndorsementFactory.new().unwrap();
    escc.init(handlers_api::endorsement::Dependencies {
        signing_identity_fetcher: Arc::new(PeerSigner(peer)),
        state_fetcher: None,
    })
    .unwrap();
    let prp = built.proposal_response_payload.to_vec();
    let out = escc.endorse(&prp, &built.signed_proposal).unwrap();
    assert_eq!(out.payload, prp, "the payload comes back unchanged");

    // Fabric's rules: the endorser deserializes and validates in the channel's MSP, and the
    // signature is low-S ECDSA over prp || endorser under its certificate.
    let endorser = w
        .evaluator
        .msps
        .deserialize_identity(&out.endorsement.endorser)
        .unwrap();
    endorser.validate().unwrap();
    let signed = [prp.as_slice(), &out.endorsement.endorser].concat();
    endorser
        .verify(&signed, &out.endorsement.signature)
        .unwrap();

    // Signing is deterministic, so escc-default's endorsement is byte for byte the one the
    // transaction carries; default validation accepts that transaction.
    assert_eq!(
        out.endorsement.endorser,
        built.endorsements[0].endorser.to_vec()
    );
    assert_eq!(
        out.endorsement.signature,
        built.endorsements[0].signature.to_vec()
    );
    let (plugin, _, _) = harness(&w, true);
    assert_eq!(
        run(
            &*plugin,
            &built.envelope,
            &app_policy(policydsl::signed_by_msp_member("Org1MSP"))
        ),
        Ok(())
    );
}

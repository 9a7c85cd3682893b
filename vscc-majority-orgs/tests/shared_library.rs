//! The plugin built as a shared library (`libvscc_majority_orgs_plugin.so`, built by
//! `cargo build -p vscc-majority-orgs-plugin`; a missing library fails the test) loaded through
//! the loader gives the same verdicts as the builtin: plugin by plugin, and in the block
//! validator (Fabric's committer) over the scenario's ledger with its config blocks.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use block_validator::{ChaincodeOverride, ChannelHost, ChannelValidator, ValidatorOptions};
use bytes::Bytes;
use fabric_protos::protos::TxValidationCode as Code;
use fabric_testgen::tx::Fault;
use handlers_api::validation::{
    BlockView, Context, Dependencies, InitError, Plugin, PluginFactory, ValidationError,
};
use loader::config::{ConfigOptions, HandlersConfig};
use loader::registry::{Builtins, LoadedFrom, Registry};
use loader::ValidationInstances;
use support::{cdylib, consortium, Channel, Consortium, HostOrgs, CHANNEL, CMSCC};
use vscc_majority_orgs::{SignedByMajorityPeerOrgsFactory, PLUGIN_NAME};

/// A registry with the plugin twice: `majority` (the builtin) and `majority_so` (the
/// library), from a core.yaml written into a temporary plugins directory.
fn registry() -> (tempfile::TempDir, Registry) {
    let dir = tempfile::tempdir().unwrap();
    let library = cdylib("vscc_majority_orgs_plugin");
    let file = library.file_name().unwrap().to_owned();
    std::fs::copy(&library, dir.path().join(&file)).unwrap();
    let core_yaml = dir.path().join("core.yaml");
    std::fs::write(
        &core_yaml,
        format!(
            "peer:\n  handlers:\n    validators:\n      majority:\n        name: {PLUGIN_NAME}\n      \
             majority_so:\n        name: ignored\n        library: {}\n",
            file.to_string_lossy()
        ),
    )
    .unwrap();
    let options = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: None,
    };
    let config = HandlersConfig::from_file(&core_yaml, &options).unwrap();
    let builtins = Builtins::new().with_validation(PLUGIN_NAME, || {
        Ok(Box::new(SignedByMajorityPeerOrgsFactory))
    });
    let registry = Registry::load(&config, &builtins).unwrap();
    (dir, registry)
}

#[test]
fn the_library_exports_signed_by_majority_peer_orgs() {
    let (_dir, registry) = registry();
    let record = registry
        .loaded()
        .iter()
        .find(|r| r.key == "majority_so")
        .unwrap();
    match &record.from {
        LoadedFrom::Library { plugin_name, .. } => assert_eq!(plugin_name, PLUGIN_NAME),
        other => panic!("not a library: {other:?}"),
    }
    assert!(registry.endorsement_factory("majority_so").is_none());
}

/// Every transaction of the scenario with the configuration it is validated under.
fn scenario_txs() -> Vec<(u8, Bytes)> {
    let c = consortium();
    let (org1, org2, orgx, orgy, orgz) = (
        Consortium::peer(&c.org1),
        Consortium::peer(&c.org2),
        Consortium::peer(&c.orgx),
        Consortium::peer(&c.orgy),
        Consortium::peer(&c.orgz),
    );
    let org2_revoked = Consortium::id(&c.org2, "client3");
    let org1_client = Consortium::id(&c.org1, "client");
    vec![
        (0, c.tx(&[org1], Fault::None)),
        (0, c.tx(&[org1, org2], Fault::None)),
        (0, c.tx(&[org1, org2_revoked], Fault::None)),
        (0, c.tx(&[org1_client, org2], Fault::None)),
        (1, c.tx(&[org1, orgx], Fault::None)),
        (1, c.tx(&[orgx], Fault::None)),
        (1, c.tx(&[org2, orgy], Fault::None)),
        (1, c.tx_with_extra(&[org1], &[&c.org1_peer1])),
        (1, c.tx(&[orgx, org1], Fault::BadEndorsementSignature)),
        (1, c.tx(&[orgz, org2, orgx], Fault::None)),
        (2, c.tx(&[org1, org2], Fault::None)),
        (2, c.tx(&[org1, org2, orgy], Fault::None)),
        (2, Bytes::from_static(b"\x0a\x02no")),
    ]
}

#[test]
fn builtin_and_library_plugins_agree_verdict_by_verdict() {
    let c = consortium();
    let (_dir, registry) = registry();
    let builtin = registry.validation_factory("majority").unwrap();
    let library = registry.validation_factory("majority_so").unwrap();
    let configs = [&c.add_orgx, &c.add_orgy];
    for parameter in ["", "ALL", "ANY", "OutOf(2)", "OutOf(9)", "Majority"] {
        let a = Channel::new(builtin.as_ref(), &c.genesis);
        let b = Channel::new(library.as_ref(), &c.genesis);
        let mut in_force = 0;
        let mut verdicts = Vec::new();
        for (config, tx) in scenario_txs() {
            while in_force < config {
                a.commit_config(configs[usize::from(in_force)]);
                b.commit_config(configs[usize::from(in_force)]);
                in_force += 1;
            }
            let from_builtin = a.verdict(&tx, parameter);
            assert_eq!(from_builtin, b.verdict(&tx, parameter), "{parameter:?}");
            verdicts.push(from_builtin.is_ok());
        }
        // The comparison is not vacuous: every parameter here yields both outcomes but two.
        match parameter {
            "OutOf(9)" | "Majority" => assert!(verdicts.iter().all(|v| !v)),
            _ => assert!(
                verdicts.contains(&true) && verdicts.contains(&false),
                "{parameter:?}"
            ),
        }
    }
}

/// A factory that hands its plugins the channel's organisations from the validator's own host
/// when the host does not provide them (the block validator's host gains that dependency
/// separately).
struct WithHostOrgs {
    inner: Arc<dyn PluginFactory>,
    host: Arc<OnceLock<ChannelHost>>,
}

struct WithHostOrgsPlugin {
    inner: Box<dyn Plugin>,
    host: Arc<OnceLock<ChannelHost>>,
}

impl PluginFactory for WithHostOrgs {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(WithHostOrgsPlugin {
            inner: self.inner.new()?,
            host: Arc::clone(&self.host),
        }))
    }
}

impl Plugin for WithHostOrgsPlugin {
    fn init(&mut self, mut deps: Dependencies) -> Result<(), InitError> {
        if deps.channel_organizations.is_none() {
            let host = self
                .host
                .get()
                .ok_or_else(|| InitError::Failed("test host not set".into()))?;
            deps = deps.with_channel_organizations(Arc::new(HostOrgs(host.clone())));
        }
        self.inner.init(deps)
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        self.inner
            .validate(block, namespace, tx_position, action_position, context)
    }
}

/// The scenario as a ledger: genesis, txs, +OrgX, txs, +OrgY, txs.
fn ledger() -> Vec<Vec<Bytes>> {
    let c = consortium();
    let mut blocks = vec![vec![c.genesis.clone()]];
    let mut current = Vec::new();
    let mut in_force = 0;
    for (config, tx) in scenario_txs() {
        if config != in_force {
            blocks.push(std::mem::take(&mut current));
            blocks.push(vec![
                [&c.add_orgx, &c.add_orgy][usize::from(in_force)].clone()
            ]);
            in_force = config;
        }
        current.push(tx);
    }
    blocks.push(current);
    blocks
}

/// The codes the block validator gives the ledger with cmscc validated by `plugin`.
fn committer_codes(registry: &Registry, plugin: &str, parameter: &[u8]) -> Vec<Vec<u8>> {
    let host = Arc::new(OnceLock::new());
    let factory = WithHostOrgs {
        inner: registry.validation_factory(plugin).unwrap(),
        host: Arc::clone(&host),
    };
    let instances = ValidationInstances::new(BTreeMap::from([(
        plugin.to_owned(),
        Arc::new(factory) as Arc<dyn PluginFactory>,
    )]));
    let options = ValidatorOptions {
        pool_size: 2,
        chaincodes: BTreeMap::from([(
            CMSCC.to_owned(),
            ChaincodeOverride {
                plugin: plugin.to_owned(),
                parameter: Some(Bytes::copy_from_slice(parameter)),
            },
        )]),
        ..ValidatorOptions::default()
    };
    let mut validator = ChannelValidator::new(CHANNEL, None, Arc::new(instances), options);
    host.set(validator.host().clone()).unwrap();
    ledger()
        .iter()
        .enumerate()
        .map(|(number, envelopes)| {
            validator
                .validate_block(u64::try_from(number).unwrap(), envelopes)
                .unwrap()
                .codes
        })
        .collect()
}

#[test]
fn the_block_validator_gives_the_same_codes_with_builtin_and_library() {
    let (_dir, registry) = registry();
    let valid = Code::Valid as u8;
    let fail = Code::EndorsementPolicyFailure as u8;
    let config = Code::Valid as u8;
    let bad_payload = Code::BadPayload as u8;
    let expected: Vec<Vec<u8>> = vec![
        vec![config],
        // M=2: Org1 | Org1+Org2 | Org1+revoked Org2 | Org1 client+Org2.
        vec![fail, valid, fail, fail],
        vec![config],
        // M=3: Org1+OrgX | OrgX | Org2+OrgY | Org1 twice | bad OrgX+Org1 | OrgZ+Org2+OrgX.
        vec![valid, fail, fail, fail, fail, valid],
        vec![config],
        // M=4: Org1+Org2 | Org1+Org2+OrgY | garbage.
        vec![fail, valid, bad_payload],
    ];
    let builtin = committer_codes(&registry, "majority", b"MAJORITY");
    let library = committer_codes(&registry, "majority_so", b"MAJORITY");
    assert_eq!(builtin, expected);
    assert_eq!(library, expected);
    // Fabric's committer rejects a chaincode definition with an empty validation parameter
    // before any plugin runs, so the plugin's "empty means MAJORITY" never applies there.
    let invalid_cc = Code::InvalidChaincode as u8;
    assert_eq!(
        committer_codes(&registry, "majority", b"")[1],
        vec![invalid_cc; 4]
    );
    // Another rule through both: ANY.
    let builtin_any = committer_codes(&registry, "majority", b"ANY");
    assert_eq!(
        builtin_any,
        committer_codes(&registry, "majority_so", b"ANY")
    );
    assert_eq!(
        builtin_any[3],
        vec![valid, valid, valid, valid, valid, valid]
    );
    assert_eq!(builtin_any[1], vec![valid, valid, valid, valid]);
}

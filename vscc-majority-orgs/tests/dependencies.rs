//! The plugin's dependencies: `channel_organizations` is required at `init`, and failures of
//! the host's callbacks (errors and panics, in process and across the FFI layer) halt the
//! block instead of flagging the transaction.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use block_validator::ChannelHost;
use fabric_testgen::tx::Fault;
use handlers_api::ffi::validation::{factory_from_ffi, factory_to_ffi};
use handlers_api::validation::{
    ApplicationOrg, BlockView, ChannelOrganizations, Context, Dependencies, InitError,
    OrganizationsError, Plugin, PluginFactory, SerializedPolicy, ValidationError,
};
use loader::{InstanceError, ValidationInstances};
use support::{config, consortium, execution_failure, Consortium, CHANNEL, CMSCC};
use vscc_majority_orgs::{SignedByMajorityPeerOrgsFactory, PLUGIN_NAME};

fn genesis_host() -> ChannelHost {
    ChannelHost::new(CHANNEL, Some(config(&consortium().genesis)), Arc::default())
}

/// The dependencies of a host that predates `channel_organizations` (the appended field left
/// unset), as an older peer would pass them.
fn older_host_dependencies(host: &ChannelHost) -> Dependencies {
    let mut deps = host.dependencies();
    deps.channel_organizations = None;
    deps
}

/// How a test host's organisation list behaves.
enum OrgsBehaviour {
    List(Vec<ApplicationOrg>),
    Fail,
    Panic,
}

struct TestOrgs(OrgsBehaviour);

impl ChannelOrganizations for TestOrgs {
    fn application_orgs(&self) -> Result<Vec<ApplicationOrg>, OrganizationsError> {
        match &self.0 {
            OrgsBehaviour::List(orgs) => Ok(orgs.clone()),
            OrgsBehaviour::Fail => Err(OrganizationsError::Provider(
                "config store unreachable".into(),
            )),
            OrgsBehaviour::Panic => panic!("config lock poisoned"),
        }
    }
}

fn two_orgs() -> OrgsBehaviour {
    OrgsBehaviour::List(vec![
        ApplicationOrg::new("Org1", "Org1MSP", true),
        ApplicationOrg::new("Org2", "Org2MSP", false),
    ])
}

/// The builtin factory as it is, and as a host sees it through the FFI layer.
fn factories() -> [(&'static str, Box<dyn PluginFactory>); 2] {
    [
        ("builtin", Box::new(SignedByMajorityPeerOrgsFactory)),
        (
            "ffi",
            factory_from_ffi(factory_to_ffi(
                PLUGIN_NAME,
                Box::new(SignedByMajorityPeerOrgsFactory),
            )),
        ),
    ]
}

fn validate_one(plugin: &dyn Plugin, tx: &[u8]) -> Result<(), ValidationError> {
    let refs: [&[u8]; 1] = [tx];
    plugin.validate(
        &BlockView::new(1, &refs),
        CMSCC,
        0,
        0,
        &Context::new(SerializedPolicy(b"")),
    )
}

#[test]
fn init_requires_channel_organizations() {
    for (how, factory) in factories() {
        let mut plugin = factory.new().unwrap();
        let err = plugin
            .init(older_host_dependencies(&genesis_host()))
            .unwrap_err();
        assert_eq!(
            err,
            InitError::MissingDependency("channel organizations".into()),
            "{how}"
        );
        assert_eq!(
            err.to_string(),
            "dependency channel organizations not passed in init"
        );
    }
}

#[test]
fn the_loader_reports_the_missing_dependency_as_unusable() {
    let instances = ValidationInstances::new(BTreeMap::from([(
        "majority".to_owned(),
        Arc::new(SignedByMajorityPeerOrgsFactory) as Arc<dyn PluginFactory>,
    )]));
    let host = genesis_host();
    let err = instances
        .get("majority", CHANNEL, || Ok(older_host_dependencies(&host)))
        .err()
        .unwrap();
    assert!(
        matches!(err, InstanceError::CouldNotBeUsed { .. }),
        "{err:?}"
    );
    let failure = err.to_execution_failure();
    assert!(
        matches!(&failure, ValidationError::ExecutionFailure(m) if m.contains("channel organizations")),
        "{failure:?}"
    );
    // With the host's own dependency the same table gives a working instance.
    let plugin = instances
        .get("majority", CHANNEL, || Ok(host.dependencies()))
        .unwrap();
    let c = consortium();
    let tx = c.tx(
        &[Consortium::peer(&c.org1), Consortium::peer(&c.org2)],
        Fault::None,
    );
    validate_one(plugin.as_ref(), &tx).unwrap();
}

#[test]
fn validate_before_init_is_an_execution_failure() {
    for (how, factory) in factories() {
        let plugin = factory.new().unwrap();
        let reason = execution_failure(validate_one(plugin.as_ref(), b"anything"));
        assert!(reason.contains("used before init"), "{how}: {reason}");
    }
}

#[test]
fn failing_organisation_lists_halt_the_block() {
    let c = consortium();
    let tx = c.tx(
        &[Consortium::peer(&c.org1), Consortium::peer(&c.org2)],
        Fault::None,
    );
    for (how, factory) in factories() {
        let host = genesis_host();
        let mut plugin = factory.new().unwrap();
        plugin
            .init(
                host.dependencies()
                    .with_channel_organizations(Arc::new(TestOrgs(OrgsBehaviour::Fail))),
            )
            .unwrap();
        let reason = execution_failure(validate_one(plugin.as_ref(), &tx));
        assert_eq!(
            reason, "channel organisations unavailable: config store unreachable",
            "{how}"
        );
    }
    // A host panic: across the FFI layer the host's guard turns it into an error.
    let host = genesis_host();
    let [_, (_, ffi)] = factories();
    let mut plugin = ffi.new().unwrap();
    plugin
        .init(
            host.dependencies()
                .with_channel_organizations(Arc::new(TestOrgs(OrgsBehaviour::Panic))),
        )
        .unwrap();
    let reason = execution_failure(validate_one(plugin.as_ref(), &tx));
    assert!(reason.contains("config lock poisoned"), "{reason}");
    assert!(reason.contains("host channel organizations"), "{reason}");
}

#[test]
fn identity_provider_failures_halt_the_block() {
    // A host that lists organisations but has no MSPs yet: deserialization is a provider
    // failure, not a verdict on the endorsement.
    let c = consortium();
    let tx = c.tx(
        &[Consortium::peer(&c.org1), Consortium::peer(&c.org2)],
        Fault::None,
    );
    for (how, factory) in factories() {
        let host = ChannelHost::new(CHANNEL, None, Arc::default());
        let mut plugin = factory.new().unwrap();
        plugin
            .init(
                host.dependencies()
                    .with_channel_organizations(Arc::new(TestOrgs(two_orgs()))),
            )
            .unwrap();
        let reason = execution_failure(validate_one(plugin.as_ref(), &tx));
        assert!(
            reason.starts_with("tx at position 0: identity provider failed on endorsement 0: "),
            "{how}: {reason}"
        );
        assert!(reason.contains("no configuration yet"), "{how}: {reason}");
    }
}

#[test]
fn organisations_come_from_the_dependency_not_from_the_msps() {
    // The MSPs know Org1 and Org2, but the host says only Org1 is an application
    // organisation: M=1, so Org1 alone is a majority and Org2 does not count.
    let c = consortium();
    let host = genesis_host();
    let mut plugin = SignedByMajorityPeerOrgsFactory.new().unwrap();
    plugin
        .init(
            host.dependencies()
                .with_channel_organizations(Arc::new(TestOrgs(OrgsBehaviour::List(vec![
                    ApplicationOrg::new("Org1", "Org1MSP", true),
                ])))),
        )
        .unwrap();
    validate_one(
        plugin.as_ref(),
        &c.tx(&[Consortium::peer(&c.org1)], Fault::None),
    )
    .unwrap();
    let reason = support::invalid(validate_one(
        plugin.as_ref(),
        &c.tx(&[Consortium::peer(&c.org2)], Fault::None),
    ));
    assert!(
        reason.contains("endorsement 0 (Org2MSP): not an application organisation"),
        "{reason}"
    );
    // And the NodeOUs flag too: reported off for Org1, its client counts as a member.
    let mut plugin = SignedByMajorityPeerOrgsFactory.new().unwrap();
    plugin
        .init(
            host.dependencies()
                .with_channel_organizations(Arc::new(TestOrgs(OrgsBehaviour::List(vec![
                    ApplicationOrg::new("Org1", "Org1MSP", false),
                ])))),
        )
        .unwrap();
    validate_one(
        plugin.as_ref(),
        &c.tx(&[Consortium::id(&c.org1, "client")], Fault::None),
    )
    .unwrap();
}

#[test]
fn the_hosts_organisations_follow_the_configuration_in_force() {
    let c = consortium();
    let host = ChannelHost::new(CHANNEL, None, Arc::default());
    let orgs = host.dependencies().channel_organizations.unwrap();
    // No configuration known yet: the host cannot tell, which halts rather than invalidates.
    let err = orgs.application_orgs().unwrap_err();
    assert!(err.to_string().contains(CHANNEL), "{err}");
    let listed = |orgs: &Arc<dyn ChannelOrganizations>| -> Vec<(String, bool)> {
        orgs.application_orgs()
            .unwrap()
            .into_iter()
            .map(|o| (o.msp_id, o.node_ous_enabled))
            .collect()
    };
    let entry = |msp: &str, node_ous: bool| (msp.to_owned(), node_ous);
    host.set_config(config(&c.genesis));
    assert_eq!(
        listed(&orgs),
        [entry("Org1MSP", true), entry("Org2MSP", false)]
    );
    // The dependency handed out before the commit sees every later configuration.
    host.set_config(config(&c.add_orgx));
    assert_eq!(
        listed(&orgs),
        [
            entry("Org1MSP", true),
            entry("Org2MSP", false),
            entry("OrgXMSP", true)
        ]
    );
    host.set_config(config(&c.add_orgy));
    host.set_config(config(&c.remove_org2));
    assert_eq!(
        listed(&orgs),
        [
            entry("Org1MSP", true),
            entry("OrgXMSP", true),
            entry("OrgYMSP", false)
        ]
    );
}

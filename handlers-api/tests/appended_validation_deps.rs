//! The validation dependencies appended after the original prefix (`capabilities`,
//! `collection_resources`, `channel_organizations`) cross the FFI layer both ways, the lent
//! state reaches the plugin's own state, the two collection error channels keep their meaning,
//! a host panic in a callback comes back as an error, a struct from an older host (prefix only,
//! or without `channel_organizations`) reads as "not provided", and a plugin built before
//! `channel_organizations` still reads today's struct.

#![allow(non_local_definitions)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use abi_stable::prefix_type::{PrefixRef, PrefixTypeTrait};
use abi_stable::StableAbi;
use handlers_api::ffi::validation::{
    deps_from_ffi, deps_to_ffi, FfiCapabilitiesBox, FfiCollectionResourcesBox,
    FfiIdentityDeserializerBox, FfiPolicyEvaluatorBox, FfiValidationDepsRef,
    FfiValidationDeps_Prefix, FfiValidationStateFetcherBox,
};
use handlers_api::validation::{
    ApplicationCapabilities, ApplicationOrg, Capabilities, ChannelOrganizations,
    CollectionInfoError, CollectionResources, Dependencies, Identity, IdentityDeserializer,
    IdentityError, KvIterator, OrganizationsError, PolicyError, PolicyEvaluator, SignedData, State,
    StateError, StateFetcher,
};

struct Msp;
impl IdentityDeserializer for Msp {
    fn deserialize_identity(&self, _: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        Err(IdentityError::Deserialize("none".into()))
    }
}
struct Pol;
impl PolicyEvaluator for Pol {
    fn evaluate(&self, _: &[u8], _: &[SignedData<'_>]) -> Result<(), PolicyError> {
        Ok(())
    }
}
struct St;
impl StateFetcher for St {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        Err(StateError::Ledger("closed".into()))
    }
}

struct Caps;
impl Capabilities for Caps {
    fn supported(&self) -> Result<(), String> {
        Err("capability V9_9 not supported".into())
    }
    fn application(&self) -> ApplicationCapabilities {
        let mut c = ApplicationCapabilities::v2_0();
        c.acls = false;
        c
    }
}

/// The host's collection resources: reads the definition through the lent state.
struct HostCollections;
impl CollectionResources for HostCollections {
    fn collection_validation_info(
        &self,
        chaincode: &str,
        collection: &str,
        state: &mut dyn State,
    ) -> Result<Vec<u8>, CollectionInfoError> {
        let meta = state
            .get_state_metadata(chaincode, collection)
            .map_err(|e| CollectionInfoError::Unexpected(e.to_string()))?;
        match collection {
            "missing" => Err(CollectionInfoError::Validation(format!(
                "no such collection '{collection}'"
            ))),
            _ => Ok(meta.get("EP").cloned().unwrap_or_default()),
        }
    }
}

/// The host's organisations: the answer changes between calls (a config block committed), and
/// `fail` makes the next call fail, `panic` makes it panic.
struct Orgs {
    calls: Mutex<u32>,
}
impl ChannelOrganizations for Orgs {
    fn application_orgs(&self) -> Result<Vec<ApplicationOrg>, OrganizationsError> {
        let mut calls = self.calls.lock().expect("test mutex");
        *calls += 1;
        match *calls {
            1 => Ok(vec![
                ApplicationOrg::new("Org1", "Org1MSP", true),
                ApplicationOrg::new("Org2", "Org2MSP", false),
            ]),
            2 => Ok(vec![
                ApplicationOrg::new("Org1", "Org1MSP", true),
                ApplicationOrg::new("Org2", "Org2MSP", false),
                ApplicationOrg::new("OrgX", "OrgXMSP", true),
            ]),
            3 => Err(OrganizationsError::Provider(
                "channel ch has no configuration yet".into(),
            )),
            _ => panic!("config lock poisoned"),
        }
    }
}

fn orgs() -> Arc<Orgs> {
    Arc::new(Orgs {
        calls: Mutex::new(0),
    })
}

/// The plugin's own state, lent to the host.
struct PluginState(Mutex<Vec<String>>);
impl State for PluginState {
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
        self.0
            .lock()
            .expect("test mutex")
            .push(format!("{ns}/{key}"));
        if key == "broken" {
            return Err(StateError::Ledger("disk".into()));
        }
        Ok(BTreeMap::from([(
            "EP".to_owned(),
            format!("ep-of-{key}").into_bytes(),
        )]))
    }
    fn get_private_data_metadata_by_hash(
        &self,
        _: &str,
        _: &str,
        _: &[u8],
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        Ok(BTreeMap::new())
    }
    fn done(&self) {
        self.0.lock().expect("test mutex").push("done".into());
    }
}

fn base() -> Dependencies {
    Dependencies::new(Arc::new(Msp), Arc::new(Pol), Arc::new(St))
}

#[test]
fn appended_dependencies_cross_the_boundary() {
    let deps = deps_from_ffi(deps_to_ffi(
        base()
            .with_capabilities(Arc::new(Caps))
            .with_collection_resources(Arc::new(HostCollections)),
    ));
    let caps = deps.capabilities.expect("capabilities");
    let mut want = ApplicationCapabilities::v2_0();
    want.acls = false;
    assert_eq!(caps.application(), want);
    assert_eq!(
        caps.supported(),
        Err("capability V9_9 not supported".to_owned())
    );

    let colls = deps.collection_resources.expect("collection resources");
    let mut state = PluginState(Mutex::new(Vec::new()));
    assert_eq!(
        colls.collection_validation_info("cc", "c1", &mut state),
        Ok(b"ep-of-c1".to_vec())
    );
    assert_eq!(
        colls.collection_validation_info("cc", "missing", &mut state),
        Err(CollectionInfoError::Validation(
            "no such collection 'missing'".into()
        ))
    );
    match colls.collection_validation_info("cc", "broken", &mut state) {
        Err(CollectionInfoError::Unexpected(m)) => assert!(m.contains("disk"), "{m}"),
        other => panic!("expected an unexpected error, got {other:?}"),
    }
    // The host read through the plugin's state and did not release it (the plugin does).
    assert_eq!(
        *state.0.lock().expect("test mutex"),
        vec!["cc/c1", "cc/missing", "cc/broken"]
    );
}

#[test]
fn channel_organizations_cross_the_boundary_and_follow_the_host() {
    let deps = deps_from_ffi(deps_to_ffi(base().with_channel_organizations(orgs())));
    let orgs = deps.channel_organizations.expect("channel organizations");
    assert_eq!(
        orgs.application_orgs(),
        Ok(vec![
            ApplicationOrg::new("Org1", "Org1MSP", true),
            ApplicationOrg::new("Org2", "Org2MSP", false),
        ])
    );
    // The host re-reads its configuration on every call: no copy was taken at init.
    let second = orgs.application_orgs().expect("second call");
    assert_eq!(
        second.iter().map(|o| o.msp_id.as_str()).collect::<Vec<_>>(),
        ["Org1MSP", "Org2MSP", "OrgXMSP"]
    );
    assert!(second[2].node_ous_enabled && !second[1].node_ous_enabled);
    assert_eq!(second[2].name, "OrgX");
    assert_eq!(
        orgs.application_orgs(),
        Err(OrganizationsError::Provider(
            "channel ch has no configuration yet".into()
        ))
    );
    // A host panic is caught on the host side of the boundary and reads as a provider error.
    match orgs.application_orgs() {
        Err(OrganizationsError::Provider(m)) => {
            assert!(m.contains("host channel organizations"), "{m}");
            assert!(m.contains("application_orgs"), "{m}");
            assert!(m.contains("config lock poisoned"), "{m}");
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
    assert!(deps.capabilities.is_none());
    assert!(deps.collection_resources.is_none());
}

#[test]
fn capability_bits_round_trip() {
    let mut c = ApplicationCapabilities::default();
    c.v1_3_validation = true;
    c.key_level_endorsement = true;
    assert_eq!(ApplicationCapabilities::from_bits(c.to_bits()), c);
    let all = ApplicationCapabilities::v2_0();
    assert_eq!(ApplicationCapabilities::from_bits(all.to_bits()), all);
    assert_ne!(c.to_bits(), all.to_bits());
}

#[test]
fn absent_appended_dependencies_read_as_none() {
    let deps = deps_from_ffi(deps_to_ffi(base()));
    assert!(deps.capabilities.is_none());
    assert!(deps.collection_resources.is_none());
    assert!(deps.channel_organizations.is_none());
}

/// Yesterday's dependency struct: the original prefix only.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = OldDepsRef)))]
#[sabi(missing_field(option))]
pub struct OldDeps {
    /// As then.
    pub identity_deserializer: &'static FfiIdentityDeserializerBox,
    /// As then.
    pub policy_evaluator: &'static FfiPolicyEvaluatorBox,
    /// As then.
    #[sabi(last_prefix_field)]
    pub state_fetcher: &'static FfiValidationStateFetcherBox,
}

#[test]
fn struct_from_an_older_host_has_no_appended_dependencies() {
    let today = deps_to_ffi(
        base()
            .with_capabilities(Arc::new(Caps))
            .with_collection_resources(Arc::new(HostCollections)),
    );
    let old = OldDeps {
        identity_deserializer: today.identity_deserializer(),
        policy_evaluator: today.policy_evaluator(),
        state_fetcher: today.state_fetcher(),
    }
    .leak_into_prefix();
    // SAFETY: OldDeps is exactly FfiValidationDeps's prefix; abi_stable's accessors check the
    // recorded field count before reading an appended field.
    let as_today: PrefixRef<FfiValidationDeps_Prefix> = unsafe { old.0.cast() };
    let deps = deps_from_ffi(FfiValidationDepsRef(as_today));
    assert!(deps.capabilities.is_none());
    assert!(deps.collection_resources.is_none());
    assert!(deps.channel_organizations.is_none());
    assert!(deps.state_fetcher.fetch_state().is_err());
}

/// The dependency struct as it was before `channel_organizations` was appended.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = BeforeOrgsDepsRef)))]
#[sabi(missing_field(option))]
pub struct BeforeOrgsDeps {
    /// As then.
    pub identity_deserializer: &'static FfiIdentityDeserializerBox,
    /// As then.
    pub policy_evaluator: &'static FfiPolicyEvaluatorBox,
    /// As then.
    #[sabi(last_prefix_field)]
    pub state_fetcher: &'static FfiValidationStateFetcherBox,
    /// As then.
    pub capabilities: Option<&'static FfiCapabilitiesBox>,
    /// As then.
    pub collection_resources: Option<&'static FfiCollectionResourcesBox>,
}

#[test]
fn host_without_channel_organizations_gives_none_to_a_new_plugin() {
    let today = deps_to_ffi(
        base()
            .with_capabilities(Arc::new(Caps))
            .with_channel_organizations(orgs()),
    );
    let before = BeforeOrgsDeps {
        identity_deserializer: today.identity_deserializer(),
        policy_evaluator: today.policy_evaluator(),
        state_fetcher: today.state_fetcher(),
        capabilities: today.capabilities().flatten(),
        collection_resources: None,
    }
    .leak_into_prefix();
    // SAFETY: BeforeOrgsDeps is exactly FfiValidationDeps without its last field; the accessor
    // of `channel_organizations` checks the recorded field count before reading it.
    let as_today: PrefixRef<FfiValidationDeps_Prefix> = unsafe { before.0.cast() };
    let deps = deps_from_ffi(FfiValidationDepsRef(as_today));
    assert!(deps.channel_organizations.is_none());
    let caps = deps.capabilities.expect("capabilities still cross");
    assert_eq!(
        caps.supported(),
        Err("capability V9_9 not supported".to_owned())
    );
}

#[test]
fn plugin_built_before_channel_organizations_reads_todays_struct() {
    let today = deps_to_ffi(
        base()
            .with_capabilities(Arc::new(Caps))
            .with_collection_resources(Arc::new(HostCollections))
            .with_channel_organizations(orgs()),
    );
    // SAFETY: an older plugin reads today's struct with its own type, whose fields are a
    // prefix of today's; it never looks past its last field.
    let old = BeforeOrgsDepsRef(unsafe { today.0.cast() });
    let caps = old
        .capabilities()
        .flatten()
        .expect("capabilities at their old place");
    assert_eq!(
        caps.application_bits().into_result(),
        Ok(ApplicationCapabilities::v2_0().to_bits() & !(1 << 1))
    );
    let colls = old
        .collection_resources()
        .flatten()
        .expect("collection resources at their old place");
    // The old plugin finds the very object today's reader finds, at the same place.
    let todays = today
        .collection_resources()
        .flatten()
        .expect("collection resources");
    assert!(std::ptr::eq(colls, todays));
    assert!(old
        .identity_deserializer()
        .deserialize_identity(abi_stable::std_types::RSlice::from_slice(b"x"))
        .into_result()
        .is_err());
}

//! Prefix-type evolution in process: a "newer" validation dependency struct (one appended field)
//! handed to today's plugin still works, and a "newer" reader of today's struct sees the
//! appended field as absent. This is what happens across a `cdylib` boundary when host and
//! plugin were built against different minor versions of handlers-api.

#![allow(non_local_definitions)]

use std::sync::{Arc, Mutex};

use abi_stable::prefix_type::{PrefixRef, PrefixTypeTrait};
use abi_stable::std_types::{RSlice, RStr};
use abi_stable::StableAbi;
use handlers_api::ffi::validation::{
    deps_to_ffi, factory_to_ffi, released_deps, FfiBlock, FfiCapabilitiesBox,
    FfiChannelOrganizationsBox, FfiCollectionResourcesBox, FfiIdentityDeserializerBox,
    FfiPolicyEvaluatorBox, FfiValidationDepsRef, FfiValidationDeps_Prefix, FfiValidationOutcome,
    FfiValidationStateFetcherBox,
};
use handlers_api::validation::{
    BlockView, Context, Dependencies, Identity, IdentityDeserializer, IdentityError, InitError,
    Plugin, PluginFactory, PolicyError, PolicyEvaluator, SignedData, State, StateError,
    StateFetcher, ValidationError,
};

/// Tomorrow's dependency struct: today's fields, then one appended field.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = DepsV2Ref)))]
#[sabi(missing_field(option))]
pub struct DepsV2 {
    /// As today.
    pub identity_deserializer: &'static FfiIdentityDeserializerBox,
    /// As today.
    pub policy_evaluator: &'static FfiPolicyEvaluatorBox,
    /// As today.
    #[sabi(last_prefix_field)]
    pub state_fetcher: &'static FfiValidationStateFetcherBox,
    /// As today.
    pub capabilities: Option<&'static FfiCapabilitiesBox>,
    /// As today.
    pub collection_resources: Option<&'static FfiCollectionResourcesBox>,
    /// As today.
    pub channel_organizations: Option<&'static FfiChannelOrganizationsBox>,
    /// The appended field.
    pub future_flags: u64,
}

struct Msp;
impl IdentityDeserializer for Msp {
    fn deserialize_identity(&self, b: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        Err(IdentityError::Deserialize(format!(
            "{} bytes from v2 host",
            b.len()
        )))
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

fn plain_deps() -> Dependencies {
    Dependencies {
        identity_deserializer: Arc::new(Msp),
        policy_evaluator: Arc::new(Pol),
        state_fetcher: Arc::new(St),
        capabilities: None,
        collection_resources: None,
        channel_organizations: None,
    }
}

struct UsesDeps {
    deps: Option<Dependencies>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Plugin for UsesDeps {
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        self.deps = Some(deps);
        Ok(())
    }
    fn validate(
        &self,
        _: &BlockView<'_>,
        _: &str,
        _: usize,
        _: usize,
        _: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let deps = self.deps.as_ref().expect("initialised");
        let mut log = self.log.lock().expect("test mutex poisoned");
        log.push(format!(
            "{:?}",
            deps.identity_deserializer
                .deserialize_identity(b"abc")
                .err()
        ));
        log.push(format!("{:?}", deps.policy_evaluator.evaluate(b"p", &[])));
        log.push(format!("{:?}", deps.state_fetcher.fetch_state().err()));
        Ok(())
    }
}

struct F(Arc<Mutex<Vec<String>>>);
impl PluginFactory for F {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(UsesDeps {
            deps: None,
            log: Arc::clone(&self.0),
        }))
    }
}

#[test]
fn older_plugin_accepts_newer_dependency_struct() {
    // Build today's objects, then a v2 struct around them with the extra field.
    let v1 = deps_to_ffi(plain_deps());
    let v2 = DepsV2 {
        identity_deserializer: v1.identity_deserializer(),
        policy_evaluator: v1.policy_evaluator(),
        state_fetcher: v1.state_fetcher(),
        capabilities: None,
        collection_resources: None,
        channel_organizations: None,
        future_flags: 0b101,
    }
    .leak_into_prefix();
    assert_eq!(v2.future_flags(), Some(0b101));

    // What crosses the boundary is a pointer; the older plugin reads it with its own type.
    // SAFETY: DepsV2 starts with exactly FfiValidationDeps's prefix fields.
    let as_v1: PrefixRef<FfiValidationDeps_Prefix> = unsafe { v2.0.cast() };
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut plugin = factory_to_ffi("Old", Box::new(F(Arc::clone(&log))))
        .new_plugin()
        .into_result()
        .expect("new");
    plugin
        .init(released_deps(FfiValidationDepsRef(as_v1)))
        .into_result()
        .expect("init");
    let envs: [RSlice<'_, u8>; 0] = [];
    let outcome = plugin.validate(
        FfiBlock {
            number: 1,
            envelopes: RSlice::from_slice(&envs),
        },
        RStr::from_str("cc"),
        0,
        0,
        RSlice::from_slice(b""),
    );
    assert_eq!(outcome, FfiValidationOutcome::Valid);
    assert_eq!(
        *log.lock().expect("test mutex poisoned"),
        vec![
            "Some(Deserialize(\"3 bytes from v2 host\"))".to_owned(),
            "Ok(())".to_owned(),
            "Some(Ledger(\"closed\"))".to_owned(),
        ]
    );
}

#[test]
fn newer_reader_sees_appended_field_as_absent_in_older_struct() {
    let v1 = deps_to_ffi(plain_deps());
    // SAFETY: a v2 reader of a v1 struct: the prefix is identical and abi_stable's accessor
    // checks the field count recorded with the struct before reading `future_flags`.
    let as_v2 = DepsV2Ref(unsafe { v1.0.cast() });
    assert_eq!(as_v2.future_flags(), None);
    assert!(as_v2
        .identity_deserializer()
        .deserialize_identity(RSlice::from_slice(b"xy"))
        .into_result()
        .is_err());
}

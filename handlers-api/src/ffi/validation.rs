//! Stable-ABI form of the validation API and the adapters both ways.
//!
//! Plugin side: [`export_factory`] / [`factory_to_ffi`] wrap a plain
//! [`PluginFactory`]; the host's dependencies arrive as an
//! [`FfiValidationDepsRef`] and are adapted back to plain traits. Host side: [`factory_from_ffi`]
//! turns an FFI factory into a plain `Box<dyn PluginFactory>`, and `init` leaks one
//! [`FfiValidationDeps`] per plugin instance (instances live for the process, Fabric §2.6).

use std::collections::BTreeMap;
use std::sync::Arc;

use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::sabi_trait;
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::sabi_types::RMut;
use abi_stable::std_types::{RBox, ROption, RResult, RSlice, RStr, RString, RVec};
use abi_stable::StableAbi;

use super::error::{FfiError, KIND_PANIC};
use super::panic_guard::guard;
use crate::validation::{
    ApplicationCapabilities, ApplicationOrg, BlockView, Capabilities, ChannelOrganizations,
    CollectionInfoError, CollectionResources, Context, Dependencies, Identity,
    IdentityDeserializer, IdentityError, IdentityIdentifier, InitError, Kv, KvIterator,
    OrganizationsError, Plugin, PluginFactory, PolicyError, PolicyEvaluator, SerializedPolicy,
    SignedData, State, StateError, StateFetcher, ValidationError,
};

/// The outcome of one `validate` call as it crosses the boundary.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, PartialEq, Eq)]
pub enum FfiValidationOutcome {
    /// The action is valid.
    Valid,
    /// The transaction is invalid, with the reason.
    Invalid(RString),
    /// Validity could not be determined (halt the block), with the reason.
    ExecutionFailure(RString),
}

/// The block as it crosses the boundary: its number and the raw envelope bytes.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct FfiBlock<'a> {
    /// `header.number`.
    pub number: u64,
    /// `data.data`, each the original bytes of one envelope.
    pub envelopes: RSlice<'a, RSlice<'a, u8>>,
}

/// `IdentityIdentifier` across the boundary.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiIdentityIdentifier {
    /// The MSP id.
    pub mspid: RString,
    /// The id within the MSP.
    pub id: RString,
}

/// One `SignedData` across the boundary (borrowed bytes).
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct FfiSignedData<'a> {
    /// The signed bytes.
    pub data: RSlice<'a, u8>,
    /// The serialized identity of the signer.
    pub identity: RSlice<'a, u8>,
    /// The signature.
    pub signature: RSlice<'a, u8>,
}

/// One range-scan result across the boundary.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiKv {
    /// The chaincode.
    pub namespace: RString,
    /// The key.
    pub key: RString,
    /// The value.
    pub value: RVec<u8>,
}

/// One metadata entry (name, value) across the boundary.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiMetadataEntry {
    /// The entry name (e.g. `VALIDATION_PARAMETER`).
    pub name: RString,
    /// The entry value.
    pub value: RVec<u8>,
}

/// [`Identity`] across the boundary.
#[sabi_trait]
pub trait FfiIdentity: Send + Sync {
    /// See [`Identity::validate`].
    fn validate(&self) -> RResult<(), FfiError>;
    /// See [`Identity::satisfies_principal`].
    fn satisfies_principal(&self, principal: RSlice<'_, u8>) -> RResult<(), FfiError>;
    /// See [`Identity::verify`].
    fn verify(&self, msg: RSlice<'_, u8>, signature: RSlice<'_, u8>) -> RResult<(), FfiError>;
    /// See [`Identity::msp_id`]; `RErr` only for a host panic.
    fn msp_id(&self) -> RResult<RString, FfiError>;
    /// See [`Identity::identifier`]; `RErr` only for a host panic.
    fn identifier(&self) -> RResult<FfiIdentityIdentifier, FfiError>;
    /// See [`Identity::expires_at`]; `RErr` only for a host panic.
    #[sabi(last_prefix_field)]
    fn expires_at(&self) -> RResult<ROption<u64>, FfiError>;
}

/// An owned [`FfiIdentity`] object.
pub type FfiIdentityBox = FfiIdentity_TO<'static, RBox<()>>;

/// [`IdentityDeserializer`] across the boundary.
#[sabi_trait]
pub trait FfiIdentityDeserializer: Send + Sync {
    /// See [`IdentityDeserializer::deserialize_identity`].
    #[sabi(last_prefix_field)]
    fn deserialize_identity(&self, serialized: RSlice<'_, u8>)
        -> RResult<FfiIdentityBox, FfiError>;
}

/// An owned [`FfiIdentityDeserializer`] object.
pub type FfiIdentityDeserializerBox = FfiIdentityDeserializer_TO<'static, RBox<()>>;

/// [`PolicyEvaluator`] across the boundary.
#[sabi_trait]
pub trait FfiPolicyEvaluator: Send + Sync {
    /// See [`PolicyEvaluator::evaluate`].
    #[sabi(last_prefix_field)]
    fn evaluate(
        &self,
        policy: RSlice<'_, u8>,
        signature_set: RSlice<'_, FfiSignedData<'_>>,
    ) -> RResult<(), FfiError>;
}

/// An owned [`FfiPolicyEvaluator`] object.
pub type FfiPolicyEvaluatorBox = FfiPolicyEvaluator_TO<'static, RBox<()>>;

/// A range-scan iterator across the boundary; dropping it closes it.
#[sabi_trait]
pub trait FfiKvIterator: Send {
    /// The next result, `RNone` when exhausted.
    #[sabi(last_prefix_field)]
    fn next_kv(&mut self) -> RResult<ROption<FfiKv>, FfiError>;
}

/// An owned [`FfiKvIterator`] object.
pub type FfiKvIteratorBox = FfiKvIterator_TO<'static, RBox<()>>;

/// Validation [`State`] across the boundary.
#[sabi_trait]
pub trait FfiValidationState: Send {
    /// See [`State::get_state_multiple_keys`].
    fn get_state_multiple_keys(
        &self,
        namespace: RStr<'_>,
        keys: RSlice<'_, RStr<'_>>,
    ) -> RResult<RVec<ROption<RVec<u8>>>, FfiError>;
    /// See [`State::get_state_range_scan_iterator`].
    fn get_state_range_scan_iterator(
        &self,
        namespace: RStr<'_>,
        start: RStr<'_>,
        end: RStr<'_>,
    ) -> RResult<FfiKvIteratorBox, FfiError>;
    /// See [`State::get_state_metadata`].
    fn get_state_metadata(
        &self,
        namespace: RStr<'_>,
        key: RStr<'_>,
    ) -> RResult<RVec<FfiMetadataEntry>, FfiError>;
    /// See [`State::get_private_data_metadata_by_hash`].
    fn get_private_data_metadata_by_hash(
        &self,
        namespace: RStr<'_>,
        collection: RStr<'_>,
        key_hash: RSlice<'_, u8>,
    ) -> RResult<RVec<FfiMetadataEntry>, FfiError>;
    /// See [`State::done`]; `RErr` only for a host panic.
    #[sabi(last_prefix_field)]
    fn done(&self) -> RResult<(), FfiError>;
}

/// An owned [`FfiValidationState`] object.
pub type FfiValidationStateBox = FfiValidationState_TO<'static, RBox<()>>;

/// Validation [`StateFetcher`] across the boundary.
#[sabi_trait]
pub trait FfiValidationStateFetcher: Send + Sync {
    /// See [`StateFetcher::fetch_state`].
    #[sabi(last_prefix_field)]
    fn fetch_state(&self) -> RResult<FfiValidationStateBox, FfiError>;
}

/// An owned [`FfiValidationStateFetcher`] object.
pub type FfiValidationStateFetcherBox = FfiValidationStateFetcher_TO<'static, RBox<()>>;

/// A validation [`State`] lent by the plugin for the duration of one host call (used by
/// [`FfiCollectionResources`]).
pub type FfiValidationStateMut<'a> = FfiValidationState_TO<'a, RMut<'a, ()>>;

/// [`Capabilities`] across the boundary.
#[sabi_trait]
pub trait FfiCapabilities: Send + Sync {
    /// See [`Capabilities::supported`].
    fn supported(&self) -> RResult<(), FfiError>;
    /// See [`Capabilities::application`], as [`ApplicationCapabilities::to_bits`].
    #[sabi(last_prefix_field)]
    fn application_bits(&self) -> RResult<u64, FfiError>;
}

/// An owned [`FfiCapabilities`] object.
pub type FfiCapabilitiesBox = FfiCapabilities_TO<'static, RBox<()>>;

/// [`CollectionResources`] across the boundary; the plugin lends its state for the call.
#[sabi_trait]
pub trait FfiCollectionResources: Send + Sync {
    /// See [`CollectionResources::collection_validation_info`]; errors carry
    /// `KIND_COLLECTION_UNEXPECTED` or `KIND_COLLECTION_VALIDATION`.
    #[sabi(last_prefix_field)]
    fn collection_validation_info(
        &self,
        chaincode: RStr<'_>,
        collection: RStr<'_>,
        state: FfiValidationStateMut<'_>,
    ) -> RResult<RVec<u8>, FfiError>;
}

/// An owned [`FfiCollectionResources`] object.
pub type FfiCollectionResourcesBox = FfiCollectionResources_TO<'static, RBox<()>>;

/// One [`ApplicationOrg`] across the boundary. Fixed layout: facts added to `ApplicationOrg`
/// later cross through a new method appended to [`FfiChannelOrganizations`], not here.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, PartialEq, Eq)]
pub struct FfiApplicationOrg {
    /// See [`ApplicationOrg::name`].
    pub name: RString,
    /// See [`ApplicationOrg::msp_id`].
    pub msp_id: RString,
    /// See [`ApplicationOrg::node_ous_enabled`].
    pub node_ous_enabled: bool,
}

/// [`ChannelOrganizations`] across the boundary.
#[sabi_trait]
pub trait FfiChannelOrganizations: Send + Sync {
    /// See [`ChannelOrganizations::application_orgs`]; every error (including a host panic)
    /// reads back as [`OrganizationsError::Provider`].
    #[sabi(last_prefix_field)]
    fn application_orgs(&self) -> RResult<RVec<FfiApplicationOrg>, FfiError>;
}

/// An owned [`FfiChannelOrganizations`] object.
pub type FfiChannelOrganizationsBox = FfiChannelOrganizations_TO<'static, RBox<()>>;

/// The validation dependencies across the boundary: a prefix type, so later versions append
/// fields after the last one and an older plugin still loads. The fields after
/// `state_fetcher` were appended (a plugin reading a struct from an older host sees them as
/// absent); each is also `None` when the host has no such dependency.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = FfiValidationDepsRef)))]
#[sabi(missing_field(option))]
pub struct FfiValidationDeps {
    /// See [`Dependencies::identity_deserializer`].
    pub identity_deserializer: &'static FfiIdentityDeserializerBox,
    /// See [`Dependencies::policy_evaluator`].
    pub policy_evaluator: &'static FfiPolicyEvaluatorBox,
    /// See [`Dependencies::state_fetcher`].
    #[sabi(last_prefix_field)]
    pub state_fetcher: &'static FfiValidationStateFetcherBox,
    /// See [`Dependencies::capabilities`] (appended).
    pub capabilities: Option<&'static FfiCapabilitiesBox>,
    /// See [`Dependencies::collection_resources`] (appended).
    pub collection_resources: Option<&'static FfiCollectionResourcesBox>,
    /// See [`Dependencies::channel_organizations`] (appended after `collection_resources`).
    pub channel_organizations: Option<&'static FfiChannelOrganizationsBox>,
}

/// The validation dependencies exactly as the first release of this interface declared them
/// (five fields): the type that `FfiValidationPlugin::init` names, and so the one abi_stable's
/// layout check compares when a library loads.
///
/// Why a frozen copy: abi_stable accepts a prefix type whose loaded layout has *more* fields
/// than the host's, never fewer (it was made for libraries newer than their host). The
/// dependencies flow the other way, from the host to the plugin, so a host that named its
/// grown [`FfiValidationDeps`] in the checked signature would refuse every plugin built before
/// the growth. The checked signature therefore never changes; the host builds the current
/// struct, whose prefix is this one, and passes it as this type; a plugin reads the fields
/// appended since through [`current_deps`], which sees them only when the host's struct has
/// them (the field accessibility travels with the value).
pub mod released {
    use abi_stable::StableAbi;

    use super::{
        FfiCapabilitiesBox, FfiCollectionResourcesBox, FfiIdentityDeserializerBox,
        FfiPolicyEvaluatorBox, FfiValidationStateFetcherBox,
    };

    /// The first release's dependency struct (see the module docs); never edit it.
    #[repr(C)]
    #[derive(StableAbi)]
    #[sabi(kind(Prefix(prefix_ref = FfiValidationDepsRef)))]
    #[sabi(missing_field(option))]
    pub struct FfiValidationDeps {
        /// See `Dependencies::identity_deserializer`.
        pub identity_deserializer: &'static FfiIdentityDeserializerBox,
        /// See `Dependencies::policy_evaluator`.
        pub policy_evaluator: &'static FfiPolicyEvaluatorBox,
        /// See `Dependencies::state_fetcher`.
        #[sabi(last_prefix_field)]
        pub state_fetcher: &'static FfiValidationStateFetcherBox,
        /// See `Dependencies::capabilities`.
        pub capabilities: Option<&'static FfiCapabilitiesBox>,
        /// See `Dependencies::collection_resources`.
        pub collection_resources: Option<&'static FfiCollectionResourcesBox>,
    }
}

/// The host's current dependency struct seen as the released one, for
/// `FfiValidationPlugin::init`.
#[must_use]
pub fn released_deps(deps: FfiValidationDepsRef) -> released::FfiValidationDepsRef {
    // SAFETY: both wrap a `PrefixRef` (one pointer to a `WithMetadata` value). The released
    // struct is a prefix of the current one: the same first five fields, in the same order,
    // with the same types and `repr(C)`, and the same prefix (`last_prefix_field`). Its
    // accessors read only those five fields, each after checking the field accessibility
    // stored with the value, which the host wrote for the current (longer) struct.
    released::FfiValidationDepsRef(unsafe { deps.0.cast() })
}

/// The released dependency struct a plugin receives, seen as the current one: fields appended
/// after the released five read as absent (`None`) unless the host that built the value had
/// them.
#[must_use]
pub fn current_deps(deps: released::FfiValidationDepsRef) -> FfiValidationDepsRef {
    // SAFETY: as in `released_deps`. The value may have been built by an older host with fewer
    // fields; the current struct's accessors for the appended fields check the field
    // accessibility stored with the value (`missing_field(option)`), which marks the fields
    // that host did not have as inaccessible, so they are never read.
    FfiValidationDepsRef(unsafe { deps.0.cast() })
}

/// A validation plugin instance across the boundary.
#[sabi_trait]
pub trait FfiValidationPlugin: Send + Sync {
    /// See [`Plugin::init`]. The dependencies are declared with their released layout (see
    /// [`released`]); [`current_deps`] gives the current view.
    fn init(&mut self, deps: released::FfiValidationDepsRef) -> RResult<(), FfiError>;
    /// See [`Plugin::validate`]; the policy is the `SerializedPolicy` context datum.
    #[sabi(last_prefix_field)]
    fn validate(
        &self,
        block: FfiBlock<'_>,
        namespace: RStr<'_>,
        tx_position: u64,
        action_position: u64,
        policy: RSlice<'_, u8>,
    ) -> FfiValidationOutcome;
}

/// An owned [`FfiValidationPlugin`] object.
pub type FfiValidationPluginBox = FfiValidationPlugin_TO<'static, RBox<()>>;

/// A validation plugin factory across the boundary.
#[sabi_trait]
pub trait FfiValidationFactory: Send + Sync {
    /// See [`PluginFactory::new`].
    #[sabi(last_prefix_field)]
    fn new_plugin(&self) -> RResult<FfiValidationPluginBox, FfiError>;
}

/// An owned [`FfiValidationFactory`] object.
pub type FfiValidationFactoryBox = FfiValidationFactory_TO<'static, RBox<()>>;

// ------------------------------------------------------------------------------------------
// Small conversions.

fn to_rvalues(values: Vec<Option<Vec<u8>>>) -> RVec<ROption<RVec<u8>>> {
    values
        .into_iter()
        .map(|v| ROption::from(v.map(RVec::from)))
        .collect()
}

fn from_rvalues(values: RVec<ROption<RVec<u8>>>) -> Vec<Option<Vec<u8>>> {
    values
        .into_iter()
        .map(|v| v.into_option().map(RVec::into_vec))
        .collect()
}

fn to_rmetadata(map: BTreeMap<String, Vec<u8>>) -> RVec<FfiMetadataEntry> {
    map.into_iter()
        .map(|(name, value)| FfiMetadataEntry {
            name: RString::from(name),
            value: RVec::from(value),
        })
        .collect()
}

fn from_rmetadata(entries: RVec<FfiMetadataEntry>) -> BTreeMap<String, Vec<u8>> {
    entries
        .into_iter()
        .map(|e| (e.name.into_string(), e.value.into_vec()))
        .collect()
}

pub(crate) fn rkeys<'a>(keys: &'a [&'a str]) -> Vec<RStr<'a>> {
    keys.iter().map(|k| RStr::from_str(k)).collect()
}

pub(crate) fn str_keys<'a>(keys: RSlice<'a, RStr<'a>>) -> Vec<&'a str> {
    keys.iter().map(|k| k.as_str()).collect()
}

/// Runs a host callback under the panic guard and flattens the result into an `RResult`.
pub(crate) fn host_call<T, E: Into<FfiError>>(
    what: &str,
    op: &str,
    f: impl FnOnce() -> Result<T, E>,
) -> RResult<T, FfiError> {
    match guard(what, op, f) {
        Ok(Ok(v)) => RResult::ROk(v),
        Ok(Err(e)) => RResult::RErr(e.into()),
        Err(panic) => RResult::RErr(FfiError::new(KIND_PANIC, panic)),
    }
}

/// Unwraps the result of an infallible-in-the-plain-API host callback; a host panic resumes as
/// a panic on the plugin side, where the plugin's entry guard turns it into a failure.
pub(crate) fn expect_host<T>(res: RResult<T, FfiError>) -> T {
    match res {
        RResult::ROk(v) => v,
        RResult::RErr(e) => panic!("{}", e.message),
    }
}

// ------------------------------------------------------------------------------------------
// Host side: plain dependencies -> FFI objects.

struct HostIdentity(Box<dyn Identity>);

const HOST_IDENTITY: &str = "host identity";

impl FfiIdentity for HostIdentity {
    fn validate(&self) -> RResult<(), FfiError> {
        host_call(HOST_IDENTITY, "validate", || self.0.validate())
    }
    fn satisfies_principal(&self, principal: RSlice<'_, u8>) -> RResult<(), FfiError> {
        host_call(HOST_IDENTITY, "satisfies_principal", || {
            self.0.satisfies_principal(principal.as_slice())
        })
    }
    fn verify(&self, msg: RSlice<'_, u8>, signature: RSlice<'_, u8>) -> RResult<(), FfiError> {
        host_call(HOST_IDENTITY, "verify", || {
            self.0.verify(msg.as_slice(), signature.as_slice())
        })
    }
    fn msp_id(&self) -> RResult<RString, FfiError> {
        host_call(HOST_IDENTITY, "msp_id", || {
            Ok::<_, FfiError>(RString::from(self.0.msp_id()))
        })
    }
    fn identifier(&self) -> RResult<FfiIdentityIdentifier, FfiError> {
        host_call(HOST_IDENTITY, "identifier", || {
            let IdentityIdentifier { mspid, id } = self.0.identifier();
            Ok::<_, FfiError>(FfiIdentityIdentifier {
                mspid: RString::from(mspid),
                id: RString::from(id),
            })
        })
    }
    fn expires_at(&self) -> RResult<ROption<u64>, FfiError> {
        host_call(HOST_IDENTITY, "expires_at", || {
            Ok::<_, FfiError>(ROption::from(self.0.expires_at()))
        })
    }
}

struct HostIdentityDeserializer(Arc<dyn IdentityDeserializer>);

impl FfiIdentityDeserializer for HostIdentityDeserializer {
    fn deserialize_identity(
        &self,
        serialized: RSlice<'_, u8>,
    ) -> RResult<FfiIdentityBox, FfiError> {
        host_call("host identity deserializer", "deserialize_identity", || {
            self.0
                .deserialize_identity(serialized.as_slice())
                .map(|id| FfiIdentity_TO::from_value(HostIdentity(id), TD_Opaque))
        })
    }
}

struct HostPolicyEvaluator(Arc<dyn PolicyEvaluator>);

impl FfiPolicyEvaluator for HostPolicyEvaluator {
    fn evaluate(
        &self,
        policy: RSlice<'_, u8>,
        signature_set: RSlice<'_, FfiSignedData<'_>>,
    ) -> RResult<(), FfiError> {
        host_call("host policy evaluator", "evaluate", || {
            let set: Vec<SignedData<'_>> = signature_set
                .iter()
                .map(|sd| SignedData {
                    data: sd.data.as_slice(),
                    identity: sd.identity.as_slice(),
                    signature: sd.signature.as_slice(),
                })
                .collect();
            self.0.evaluate(policy.as_slice(), &set)
        })
    }
}

struct HostKvIterator(KvIterator);

impl FfiKvIterator for HostKvIterator {
    fn next_kv(&mut self) -> RResult<ROption<FfiKv>, FfiError> {
        host_call("host range-scan iterator", "next", || {
            self.0.next().transpose().map(|kv| {
                ROption::from(kv.map(|kv| FfiKv {
                    namespace: RString::from(kv.namespace),
                    key: RString::from(kv.key),
                    value: RVec::from(kv.value),
                }))
            })
        })
    }
}

struct HostState(Box<dyn State>);

const HOST_STATE: &str = "host validation state";

impl FfiValidationState for HostState {
    fn get_state_multiple_keys(
        &self,
        namespace: RStr<'_>,
        keys: RSlice<'_, RStr<'_>>,
    ) -> RResult<RVec<ROption<RVec<u8>>>, FfiError> {
        host_call(HOST_STATE, "get_state_multiple_keys", || {
            self.0
                .get_state_multiple_keys(namespace.as_str(), &str_keys(keys))
                .map(to_rvalues)
        })
    }
    fn get_state_range_scan_iterator(
        &self,
        namespace: RStr<'_>,
        start: RStr<'_>,
        end: RStr<'_>,
    ) -> RResult<FfiKvIteratorBox, FfiError> {
        host_call(HOST_STATE, "get_state_range_scan_iterator", || {
            self.0
                .get_state_range_scan_iterator(namespace.as_str(), start.as_str(), end.as_str())
                .map(|it| FfiKvIterator_TO::from_value(HostKvIterator(it), TD_Opaque))
        })
    }
    fn get_state_metadata(
        &self,
        namespace: RStr<'_>,
        key: RStr<'_>,
    ) -> RResult<RVec<FfiMetadataEntry>, FfiError> {
        host_call(HOST_STATE, "get_state_metadata", || {
            self.0
                .get_state_metadata(namespace.as_str(), key.as_str())
                .map(to_rmetadata)
        })
    }
    fn get_private_data_metadata_by_hash(
        &self,
        namespace: RStr<'_>,
        collection: RStr<'_>,
        key_hash: RSlice<'_, u8>,
    ) -> RResult<RVec<FfiMetadataEntry>, FfiError> {
        host_call(HOST_STATE, "get_private_data_metadata_by_hash", || {
            self.0
                .get_private_data_metadata_by_hash(
                    namespace.as_str(),
                    collection.as_str(),
                    key_hash.as_slice(),
                )
                .map(to_rmetadata)
        })
    }
    fn done(&self) -> RResult<(), FfiError> {
        host_call(HOST_STATE, "done", || {
            self.0.done();
            Ok::<_, FfiError>(())
        })
    }
}

struct HostStateFetcher(Arc<dyn StateFetcher>);

impl FfiValidationStateFetcher for HostStateFetcher {
    fn fetch_state(&self) -> RResult<FfiValidationStateBox, FfiError> {
        host_call("host validation state fetcher", "fetch_state", || {
            self.0
                .fetch_state()
                .map(|s| FfiValidationState_TO::from_value(HostState(s), TD_Opaque))
        })
    }
}

/// Converts plain dependencies into the FFI struct. Leaks the struct and its objects
/// (a few words): called once per plugin instance, and instances live for the process.
pub fn deps_to_ffi(deps: Dependencies) -> FfiValidationDepsRef {
    let identity_deserializer: &'static FfiIdentityDeserializerBox =
        Box::leak(Box::new(FfiIdentityDeserializer_TO::from_value(
            HostIdentityDeserializer(deps.identity_deserializer),
            TD_Opaque,
        )));
    let policy_evaluator: &'static FfiPolicyEvaluatorBox = Box::leak(Box::new(
        FfiPolicyEvaluator_TO::from_value(HostPolicyEvaluator(deps.policy_evaluator), TD_Opaque),
    ));
    let state_fetcher: &'static FfiValidationStateFetcherBox = Box::leak(Box::new(
        FfiValidationStateFetcher_TO::from_value(HostStateFetcher(deps.state_fetcher), TD_Opaque),
    ));
    let capabilities: Option<&'static FfiCapabilitiesBox> = deps.capabilities.map(|c| {
        &*Box::leak(Box::new(FfiCapabilities_TO::from_value(
            HostCapabilities(c),
            TD_Opaque,
        )))
    });
    let collection_resources: Option<&'static FfiCollectionResourcesBox> =
        deps.collection_resources.map(|c| {
            &*Box::leak(Box::new(FfiCollectionResources_TO::from_value(
                HostCollectionResources(c),
                TD_Opaque,
            )))
        });
    let channel_organizations: Option<&'static FfiChannelOrganizationsBox> =
        deps.channel_organizations.map(|o| {
            &*Box::leak(Box::new(FfiChannelOrganizations_TO::from_value(
                HostChannelOrganizations(o),
                TD_Opaque,
            )))
        });
    FfiValidationDeps {
        identity_deserializer,
        policy_evaluator,
        state_fetcher,
        capabilities,
        collection_resources,
        channel_organizations,
    }
    .leak_into_prefix()
}

struct HostChannelOrganizations(Arc<dyn ChannelOrganizations>);

impl FfiChannelOrganizations for HostChannelOrganizations {
    fn application_orgs(&self) -> RResult<RVec<FfiApplicationOrg>, FfiError> {
        host_call("host channel organizations", "application_orgs", || {
            self.0.application_orgs().map(|orgs| {
                orgs.into_iter()
                    .map(|o| FfiApplicationOrg {
                        name: RString::from(o.name),
                        msp_id: RString::from(o.msp_id),
                        node_ous_enabled: o.node_ous_enabled,
                    })
                    .collect()
            })
        })
    }
}

struct HostCapabilities(Arc<dyn Capabilities>);

impl FfiCapabilities for HostCapabilities {
    fn supported(&self) -> RResult<(), FfiError> {
        host_call("host capabilities", "supported", || {
            self.0
                .supported()
                .map_err(|m| FfiError::new(super::error::KIND_OTHER, m))
        })
    }
    fn application_bits(&self) -> RResult<u64, FfiError> {
        host_call("host capabilities", "application", || {
            Ok::<_, FfiError>(self.0.application().to_bits())
        })
    }
}

struct HostCollectionResources(Arc<dyn CollectionResources>);

impl FfiCollectionResources for HostCollectionResources {
    fn collection_validation_info(
        &self,
        chaincode: RStr<'_>,
        collection: RStr<'_>,
        state: FfiValidationStateMut<'_>,
    ) -> RResult<RVec<u8>, FfiError> {
        host_call(
            "host collection resources",
            "collection_validation_info",
            || {
                let mut lent = LentState(state);
                self.0
                    .collection_validation_info(chaincode.as_str(), collection.as_str(), &mut lent)
                    .map(RVec::from)
            },
        )
    }
}

/// The plugin's state as the host's `CollectionResources` sees it during one call. `done` is
/// The four query methods of [`State`], forwarded to an FFI state object in `self.0` (a boxed
/// one for [`ImportedState`], a borrowed one for [`LentState`]); only `done` differs.
macro_rules! forward_state_queries {
    () => {
        fn get_state_multiple_keys(
            &self,
            namespace: &str,
            keys: &[&str],
        ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
            let keys = rkeys(keys);
            self.0
                .get_state_multiple_keys(RStr::from_str(namespace), RSlice::from_slice(&keys))
                .into_result()
                .map(from_rvalues)
                .map_err(Into::into)
        }
        fn get_state_range_scan_iterator(
            &self,
            namespace: &str,
            start: &str,
            end: &str,
        ) -> Result<KvIterator, StateError> {
            match self.0.get_state_range_scan_iterator(
                RStr::from_str(namespace),
                RStr::from_str(start),
                RStr::from_str(end),
            ) {
                RResult::ROk(it) => Ok(Box::new(ImportedKvIterator(it))),
                RResult::RErr(e) => Err(e.into()),
            }
        }
        fn get_state_metadata(
            &self,
            namespace: &str,
            key: &str,
        ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
            self.0
                .get_state_metadata(RStr::from_str(namespace), RStr::from_str(key))
                .into_result()
                .map(from_rmetadata)
                .map_err(Into::into)
        }
        fn get_private_data_metadata_by_hash(
            &self,
            namespace: &str,
            collection: &str,
            key_hash: &[u8],
        ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
            self.0
                .get_private_data_metadata_by_hash(
                    RStr::from_str(namespace),
                    RStr::from_str(collection),
                    RSlice::from_slice(key_hash),
                )
                .into_result()
                .map(from_rmetadata)
                .map_err(Into::into)
        }
    };
}

/// the plugin's business (it owns the state), so it is not forwarded.
struct LentState<'a>(FfiValidationStateMut<'a>);

impl State for LentState<'_> {
    forward_state_queries!();
    fn done(&self) {}
}

// ------------------------------------------------------------------------------------------
// Plugin side: FFI dependencies -> plain traits.

struct ImportedIdentity(FfiIdentityBox);

impl Identity for ImportedIdentity {
    fn validate(&self) -> Result<(), IdentityError> {
        self.0.validate().into_result().map_err(Into::into)
    }
    fn satisfies_principal(&self, principal: &[u8]) -> Result<(), IdentityError> {
        self.0
            .satisfies_principal(RSlice::from_slice(principal))
            .into_result()
            .map_err(Into::into)
    }
    fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<(), IdentityError> {
        self.0
            .verify(RSlice::from_slice(msg), RSlice::from_slice(signature))
            .into_result()
            .map_err(Into::into)
    }
    fn msp_id(&self) -> String {
        expect_host(self.0.msp_id()).into_string()
    }
    fn identifier(&self) -> IdentityIdentifier {
        let FfiIdentityIdentifier { mspid, id } = expect_host(self.0.identifier());
        IdentityIdentifier {
            mspid: mspid.into_string(),
            id: id.into_string(),
        }
    }
    fn expires_at(&self) -> Option<u64> {
        expect_host(self.0.expires_at()).into_option()
    }
}

struct ImportedIdentityDeserializer(&'static FfiIdentityDeserializerBox);

impl IdentityDeserializer for ImportedIdentityDeserializer {
    fn deserialize_identity(&self, serialized: &[u8]) -> Result<Box<dyn Identity>, IdentityError> {
        match self.0.deserialize_identity(RSlice::from_slice(serialized)) {
            RResult::ROk(id) => Ok(Box::new(ImportedIdentity(id))),
            RResult::RErr(e) => Err(e.into()),
        }
    }
}

struct ImportedPolicyEvaluator(&'static FfiPolicyEvaluatorBox);

impl PolicyEvaluator for ImportedPolicyEvaluator {
    fn evaluate(&self, policy: &[u8], signature_set: &[SignedData<'_>]) -> Result<(), PolicyError> {
        let set: Vec<FfiSignedData<'_>> = signature_set
            .iter()
            .map(|sd| FfiSignedData {
                data: RSlice::from_slice(sd.data),
                identity: RSlice::from_slice(sd.identity),
                signature: RSlice::from_slice(sd.signature),
            })
            .collect();
        self.0
            .evaluate(RSlice::from_slice(policy), RSlice::from_slice(&set))
            .into_result()
            .map_err(Into::into)
    }
}

struct ImportedKvIterator(FfiKvIteratorBox);

impl Iterator for ImportedKvIterator {
    type Item = Result<Kv, StateError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.0.next_kv() {
            RResult::ROk(ROption::RSome(kv)) => Some(Ok(Kv {
                namespace: kv.namespace.into_string(),
                key: kv.key.into_string(),
                value: kv.value.into_vec(),
            })),
            RResult::ROk(ROption::RNone) => None,
            RResult::RErr(e) => Some(Err(e.into())),
        }
    }
}

struct ImportedState(FfiValidationStateBox);

impl State for ImportedState {
    forward_state_queries!();
    fn done(&self) {
        expect_host(self.0.done());
    }
}

struct ImportedStateFetcher(&'static FfiValidationStateFetcherBox);

impl StateFetcher for ImportedStateFetcher {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        match self.0.fetch_state() {
            RResult::ROk(s) => Ok(Box::new(ImportedState(s))),
            RResult::RErr(e) => Err(e.into()),
        }
    }
}

struct ImportedCapabilities(&'static FfiCapabilitiesBox);

impl Capabilities for ImportedCapabilities {
    fn supported(&self) -> Result<(), String> {
        self.0
            .supported()
            .into_result()
            .map_err(|e| e.message.into_string())
    }
    fn application(&self) -> ApplicationCapabilities {
        ApplicationCapabilities::from_bits(expect_host(self.0.application_bits()))
    }
}

struct ImportedCollectionResources(&'static FfiCollectionResourcesBox);

impl CollectionResources for ImportedCollectionResources {
    fn collection_validation_info(
        &self,
        chaincode: &str,
        collection: &str,
        state: &mut dyn State,
    ) -> Result<Vec<u8>, CollectionInfoError> {
        let mut lent = PluginState(state);
        self.0
            .collection_validation_info(
                RStr::from_str(chaincode),
                RStr::from_str(collection),
                FfiValidationState_TO::from_ptr(&mut lent, TD_Opaque),
            )
            .into_result()
            .map(RVec::into_vec)
            .map_err(Into::into)
    }
}

struct ImportedChannelOrganizations(&'static FfiChannelOrganizationsBox);

impl ChannelOrganizations for ImportedChannelOrganizations {
    fn application_orgs(&self) -> Result<Vec<ApplicationOrg>, OrganizationsError> {
        self.0
            .application_orgs()
            .into_result()
            .map(|orgs| {
                orgs.into_iter()
                    .map(|o| {
                        ApplicationOrg::new(
                            o.name.into_string(),
                            o.msp_id.into_string(),
                            o.node_ous_enabled,
                        )
                    })
                    .collect()
            })
            .map_err(Into::into)
    }
}

/// The plugin's state lent to the host for one `collection_validation_info` call; calls back
/// into it run under the panic guard like every other host-to-plugin call.
struct PluginState<'a>(&'a mut dyn State);

const PLUGIN_STATE: &str = "plugin-lent validation state";

impl FfiValidationState for PluginState<'_> {
    fn get_state_multiple_keys(
        &self,
        namespace: RStr<'_>,
        keys: RSlice<'_, RStr<'_>>,
    ) -> RResult<RVec<ROption<RVec<u8>>>, FfiError> {
        host_call(PLUGIN_STATE, "get_state_multiple_keys", || {
            self.0
                .get_state_multiple_keys(namespace.as_str(), &str_keys(keys))
                .map(to_rvalues)
        })
    }
    fn get_state_range_scan_iterator(
        &self,
        namespace: RStr<'_>,
        start: RStr<'_>,
        end: RStr<'_>,
    ) -> RResult<FfiKvIteratorBox, FfiError> {
        host_call(PLUGIN_STATE, "get_state_range_scan_iterator", || {
            self.0
                .get_state_range_scan_iterator(namespace.as_str(), start.as_str(), end.as_str())
                .map(|it| FfiKvIterator_TO::from_value(HostKvIterator(it), TD_Opaque))
        })
    }
    fn get_state_metadata(
        &self,
        namespace: RStr<'_>,
        key: RStr<'_>,
    ) -> RResult<RVec<FfiMetadataEntry>, FfiError> {
        host_call(PLUGIN_STATE, "get_state_metadata", || {
            self.0
                .get_state_metadata(namespace.as_str(), key.as_str())
                .map(to_rmetadata)
        })
    }
    fn get_private_data_metadata_by_hash(
        &self,
        namespace: RStr<'_>,
        collection: RStr<'_>,
        key_hash: RSlice<'_, u8>,
    ) -> RResult<RVec<FfiMetadataEntry>, FfiError> {
        host_call(PLUGIN_STATE, "get_private_data_metadata_by_hash", || {
            self.0
                .get_private_data_metadata_by_hash(
                    namespace.as_str(),
                    collection.as_str(),
                    key_hash.as_slice(),
                )
                .map(to_rmetadata)
        })
    }
    fn done(&self) -> RResult<(), FfiError> {
        // The plugin owns the state and releases it itself after the call.
        RResult::ROk(())
    }
}

/// Converts the FFI dependencies received by a plugin into the plain struct. The appended
/// fields are `None` when the host's struct predates them or the host did not provide them.
pub fn deps_from_ffi(deps: FfiValidationDepsRef) -> Dependencies {
    Dependencies {
        identity_deserializer: Arc::new(ImportedIdentityDeserializer(deps.identity_deserializer())),
        policy_evaluator: Arc::new(ImportedPolicyEvaluator(deps.policy_evaluator())),
        state_fetcher: Arc::new(ImportedStateFetcher(deps.state_fetcher())),
        capabilities: deps
            .capabilities()
            .flatten()
            .map(|c| Arc::new(ImportedCapabilities(c)) as Arc<dyn Capabilities>),
        collection_resources: deps
            .collection_resources()
            .flatten()
            .map(|c| Arc::new(ImportedCollectionResources(c)) as Arc<dyn CollectionResources>),
        channel_organizations: deps
            .channel_organizations()
            .flatten()
            .map(|o| Arc::new(ImportedChannelOrganizations(o)) as Arc<dyn ChannelOrganizations>),
    }
}

// ------------------------------------------------------------------------------------------
// Plugin side: plain plugin -> FFI objects.

struct ExportedPlugin {
    who: String,
    inner: Box<dyn Plugin>,
}

impl FfiValidationPlugin for ExportedPlugin {
    fn init(&mut self, deps: released::FfiValidationDepsRef) -> RResult<(), FfiError> {
        let deps = current_deps(deps);
        let inner = &mut self.inner;
        match guard(&self.who, "init", || inner.init(deps_from_ffi(deps))) {
            Ok(res) => res.map_err(FfiError::from).into(),
            Err(panic) => RResult::RErr(FfiError::new(KIND_PANIC, panic)),
        }
    }

    fn validate(
        &self,
        block: FfiBlock<'_>,
        namespace: RStr<'_>,
        tx_position: u64,
        action_position: u64,
        policy: RSlice<'_, u8>,
    ) -> FfiValidationOutcome {
        let res = guard(&self.who, "validate", || {
            let view = BlockView::from_ffi(block.number, block.envelopes);
            let context = Context::new(SerializedPolicy(policy.as_slice()));
            self.inner.validate(
                &view,
                namespace.as_str(),
                usize::try_from(tx_position).unwrap_or(usize::MAX),
                usize::try_from(action_position).unwrap_or(usize::MAX),
                &context,
            )
        });
        match res {
            Ok(Ok(())) => FfiValidationOutcome::Valid,
            Ok(Err(ValidationError::Invalid(r))) => FfiValidationOutcome::Invalid(r.into()),
            Ok(Err(ValidationError::ExecutionFailure(r))) => {
                FfiValidationOutcome::ExecutionFailure(r.into())
            }
            Err(panic) => FfiValidationOutcome::ExecutionFailure(panic.into()),
        }
    }
}

struct ExportedFactory {
    who: String,
    inner: Box<dyn PluginFactory>,
}

impl FfiValidationFactory for ExportedFactory {
    fn new_plugin(&self) -> RResult<FfiValidationPluginBox, FfiError> {
        match guard(&self.who, "factory new", || self.inner.new()) {
            Ok(Ok(plugin)) => RResult::ROk(FfiValidationPlugin_TO::from_value(
                ExportedPlugin {
                    who: self.who.clone(),
                    inner: plugin,
                },
                TD_Opaque,
            )),
            Ok(Err(e)) => RResult::RErr(e.into()),
            Err(panic) => RResult::RErr(FfiError::new(KIND_PANIC, panic)),
        }
    }
}

/// Wraps a plain factory for plugin `name` into an FFI object; every call into it (factory,
/// `init`, `validate`) runs under the panic guard, and panic messages read
/// `plugin <name> panicked in <op>: <payload>`.
pub fn factory_to_ffi(name: &str, factory: Box<dyn PluginFactory>) -> FfiValidationFactoryBox {
    FfiValidationFactory_TO::from_value(
        ExportedFactory {
            who: format!("plugin {name}"),
            inner: factory,
        },
        TD_Opaque,
    )
}

/// What the export macros call: builds the factory with `ctor` under the panic guard.
///
/// # Errors
///
/// An [`FfiError`] of kind `KIND_PANIC` when `ctor` panics.
pub fn export_factory<F: PluginFactory + 'static>(
    name: &str,
    ctor: impl FnOnce() -> F,
) -> RResult<FfiValidationFactoryBox, FfiError> {
    match guard(&format!("plugin {name}"), "factory constructor", ctor) {
        Ok(f) => RResult::ROk(factory_to_ffi(name, Box::new(f))),
        Err(panic) => RResult::RErr(FfiError::new(KIND_PANIC, panic)),
    }
}

// ------------------------------------------------------------------------------------------
// Host side: FFI plugin -> plain traits.

struct ImportedPlugin(FfiValidationPluginBox);

impl Plugin for ImportedPlugin {
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        self.0
            .init(released_deps(deps_to_ffi(deps)))
            .into_result()
            .map_err(Into::into)
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let mut scratch = Vec::new();
        let envelopes = block.to_ffi(&mut scratch);
        let outcome = self.0.validate(
            FfiBlock {
                number: block.number(),
                envelopes,
            },
            RStr::from_str(namespace),
            tx_position as u64,
            action_position as u64,
            RSlice::from_slice(context.serialized_policy.bytes()),
        );
        match outcome {
            FfiValidationOutcome::Valid => Ok(()),
            FfiValidationOutcome::Invalid(r) => Err(ValidationError::Invalid(r.into_string())),
            FfiValidationOutcome::ExecutionFailure(r) => {
                Err(ValidationError::ExecutionFailure(r.into_string()))
            }
        }
    }
}

struct ImportedFactory(FfiValidationFactoryBox);

impl PluginFactory for ImportedFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        match self.0.new_plugin() {
            RResult::ROk(p) => Ok(Box::new(ImportedPlugin(p))),
            RResult::RErr(e) => Err(e.into()),
        }
    }
}

/// Turns an FFI factory (from a loaded library or [`factory_to_ffi`]) into a plain factory
/// for the host.
pub fn factory_from_ffi(factory: FfiValidationFactoryBox) -> Box<dyn PluginFactory> {
    Box::new(ImportedFactory(factory))
}

/// A [`BlockView`] over envelopes the host already holds as FFI slices (build the slice list
/// once per block; `validate` then passes it on without copying).
pub fn block_view_from_ffi<'a>(
    number: u64,
    envelopes: RSlice<'a, RSlice<'a, u8>>,
) -> BlockView<'a> {
    BlockView::from_ffi(number, envelopes)
}

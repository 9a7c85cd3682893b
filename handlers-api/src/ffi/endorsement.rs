//! Stable-ABI form of the endorsement API and the adapters both ways (same shape as
//! [`super::validation`]).

use std::sync::Arc;

use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::sabi_trait;
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::{RBox, ROption, RResult, RSlice, RStr, RVec};
use abi_stable::StableAbi;

use super::error::{FfiError, KIND_PANIC};
use super::panic_guard::guard;
use super::validation::{expect_host, host_call, rkeys, str_keys};
use crate::endorsement::{
    Dependencies, EndorseOutput, Endorsement, EndorsementError, Plugin, PluginFactory,
    SigningIdentity, SigningIdentityFetcher, State, StateFetcher,
};
use crate::validation::{IdentityError, StateError};

/// What `endorse` returns across the boundary.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiEndorseOutput {
    /// The endorser's serialized identity.
    pub endorser: RVec<u8>,
    /// The signature.
    pub signature: RVec<u8>,
    /// The payload for the `ProposalResponse`.
    pub payload: RVec<u8>,
}

/// [`SigningIdentity`] across the boundary.
#[sabi_trait]
pub trait FfiSigningIdentity: Send + Sync {
    /// See [`SigningIdentity::serialize`].
    fn serialize(&self) -> RResult<RVec<u8>, FfiError>;
    /// See [`SigningIdentity::sign`].
    #[sabi(last_prefix_field)]
    fn sign(&self, msg: RSlice<'_, u8>) -> RResult<RVec<u8>, FfiError>;
}

/// An owned [`FfiSigningIdentity`] object.
pub type FfiSigningIdentityBox = FfiSigningIdentity_TO<'static, RBox<()>>;

/// [`SigningIdentityFetcher`] across the boundary.
#[sabi_trait]
pub trait FfiSigningIdentityFetcher: Send + Sync {
    /// See [`SigningIdentityFetcher::signing_identity_for_request`].
    #[sabi(last_prefix_field)]
    fn signing_identity_for_request(
        &self,
        signed_proposal: RSlice<'_, u8>,
    ) -> RResult<FfiSigningIdentityBox, FfiError>;
}

/// An owned [`FfiSigningIdentityFetcher`] object.
pub type FfiSigningIdentityFetcherBox = FfiSigningIdentityFetcher_TO<'static, RBox<()>>;

/// Endorsement [`State`] across the boundary.
#[sabi_trait]
pub trait FfiEndorsementState: Send {
    /// See [`State::get_private_data_multiple_keys`].
    fn get_private_data_multiple_keys(
        &self,
        namespace: RStr<'_>,
        collection: RStr<'_>,
        keys: RSlice<'_, RStr<'_>>,
    ) -> RResult<RVec<ROption<RVec<u8>>>, FfiError>;
    /// See [`State::get_state_multiple_keys`].
    fn get_state_multiple_keys(
        &self,
        namespace: RStr<'_>,
        keys: RSlice<'_, RStr<'_>>,
    ) -> RResult<RVec<ROption<RVec<u8>>>, FfiError>;
    /// See [`State::get_transient_by_txid`].
    fn get_transient_by_txid(&self, txid: RStr<'_>) -> RResult<RVec<RVec<u8>>, FfiError>;
    /// See [`State::done`]; `RErr` only for a host panic.
    #[sabi(last_prefix_field)]
    fn done(&self) -> RResult<(), FfiError>;
}

/// An owned [`FfiEndorsementState`] object.
pub type FfiEndorsementStateBox = FfiEndorsementState_TO<'static, RBox<()>>;

/// Endorsement [`StateFetcher`] across the boundary.
#[sabi_trait]
pub trait FfiEndorsementStateFetcher: Send + Sync {
    /// See [`StateFetcher::fetch_state`].
    #[sabi(last_prefix_field)]
    fn fetch_state(&self) -> RResult<FfiEndorsementStateBox, FfiError>;
}

/// An owned [`FfiEndorsementStateFetcher`] object.
pub type FfiEndorsementStateFetcherBox = FfiEndorsementStateFetcher_TO<'static, RBox<()>>;

/// The endorsement dependencies across the boundary (a prefix type; fields are appended after
/// `state_fetcher`).
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = FfiEndorsementDepsRef)))]
#[sabi(missing_field(option))]
pub struct FfiEndorsementDeps {
    /// See [`Dependencies::signing_identity_fetcher`].
    pub signing_identity_fetcher: &'static FfiSigningIdentityFetcherBox,
    /// See [`Dependencies::state_fetcher`].
    #[sabi(last_prefix_field)]
    pub state_fetcher: ROption<&'static FfiEndorsementStateFetcherBox>,
}

/// An endorsement plugin instance across the boundary.
#[sabi_trait]
pub trait FfiEndorsementPlugin: Send + Sync {
    /// See [`Plugin::init`].
    fn init(&mut self, deps: FfiEndorsementDepsRef) -> RResult<(), FfiError>;
    /// See [`Plugin::endorse`].
    #[sabi(last_prefix_field)]
    fn endorse(
        &self,
        payload: RSlice<'_, u8>,
        signed_proposal: RSlice<'_, u8>,
    ) -> RResult<FfiEndorseOutput, FfiError>;
}

/// An owned [`FfiEndorsementPlugin`] object.
pub type FfiEndorsementPluginBox = FfiEndorsementPlugin_TO<'static, RBox<()>>;

/// An endorsement plugin factory across the boundary.
#[sabi_trait]
pub trait FfiEndorsementFactory: Send + Sync {
    /// See [`PluginFactory::new`].
    #[sabi(last_prefix_field)]
    fn new_plugin(&self) -> RResult<FfiEndorsementPluginBox, FfiError>;
}

/// An owned [`FfiEndorsementFactory`] object.
pub type FfiEndorsementFactoryBox = FfiEndorsementFactory_TO<'static, RBox<()>>;

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

// ------------------------------------------------------------------------------------------
// Host side: plain dependencies -> FFI objects.

struct HostSigningIdentity(Box<dyn SigningIdentity>);

impl FfiSigningIdentity for HostSigningIdentity {
    fn serialize(&self) -> RResult<RVec<u8>, FfiError> {
        host_call("host signing identity", "serialize", || {
            self.0.serialize().map(RVec::from)
        })
    }
    fn sign(&self, msg: RSlice<'_, u8>) -> RResult<RVec<u8>, FfiError> {
        host_call("host signing identity", "sign", || {
            self.0.sign(msg.as_slice()).map(RVec::from)
        })
    }
}

struct HostSigningIdentityFetcher(Arc<dyn SigningIdentityFetcher>);

impl FfiSigningIdentityFetcher for HostSigningIdentityFetcher {
    fn signing_identity_for_request(
        &self,
        signed_proposal: RSlice<'_, u8>,
    ) -> RResult<FfiSigningIdentityBox, FfiError> {
        host_call(
            "host signing identity fetcher",
            "signing_identity_for_request",
            || {
                self.0
                    .signing_identity_for_request(signed_proposal.as_slice())
                    .map(|s| FfiSigningIdentity_TO::from_value(HostSigningIdentity(s), TD_Opaque))
            },
        )
    }
}

struct HostState(Box<dyn State>);

const HOST_STATE: &str = "host endorsement state";

impl FfiEndorsementState for HostState {
    fn get_private_data_multiple_keys(
        &self,
        namespace: RStr<'_>,
        collection: RStr<'_>,
        keys: RSlice<'_, RStr<'_>>,
    ) -> RResult<RVec<ROption<RVec<u8>>>, FfiError> {
        host_call(HOST_STATE, "get_private_data_multiple_keys", || {
            self.0
                .get_private_data_multiple_keys(
                    namespace.as_str(),
                    collection.as_str(),
                    &str_keys(keys),
                )
                .map(to_rvalues)
        })
    }
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
    fn get_transient_by_txid(&self, txid: RStr<'_>) -> RResult<RVec<RVec<u8>>, FfiError> {
        host_call(HOST_STATE, "get_transient_by_txid", || {
            self.0
                .get_transient_by_txid(txid.as_str())
                .map(|sets| sets.into_iter().map(RVec::from).collect())
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

impl FfiEndorsementStateFetcher for HostStateFetcher {
    fn fetch_state(&self) -> RResult<FfiEndorsementStateBox, FfiError> {
        host_call("host endorsement state fetcher", "fetch_state", || {
            self.0
                .fetch_state()
                .map(|s| FfiEndorsementState_TO::from_value(HostState(s), TD_Opaque))
        })
    }
}

/// Converts plain dependencies into the FFI struct. Leaks the struct and its objects (a few
/// words): called once per plugin instance, and instances live for the process.
pub fn deps_to_ffi(deps: Dependencies) -> FfiEndorsementDepsRef {
    let signing_identity_fetcher: &'static FfiSigningIdentityFetcherBox =
        Box::leak(Box::new(FfiSigningIdentityFetcher_TO::from_value(
            HostSigningIdentityFetcher(deps.signing_identity_fetcher),
            TD_Opaque,
        )));
    let state_fetcher = deps.state_fetcher.map(|f| {
        let leaked: &'static FfiEndorsementStateFetcherBox = Box::leak(Box::new(
            FfiEndorsementStateFetcher_TO::from_value(HostStateFetcher(f), TD_Opaque),
        ));
        leaked
    });
    FfiEndorsementDeps {
        signing_identity_fetcher,
        state_fetcher: ROption::from(state_fetcher),
    }
    .leak_into_prefix()
}

// ------------------------------------------------------------------------------------------
// Plugin side: FFI dependencies -> plain traits.

struct ImportedSigningIdentity(FfiSigningIdentityBox);

impl SigningIdentity for ImportedSigningIdentity {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        self.0
            .serialize()
            .into_result()
            .map(RVec::into_vec)
            .map_err(Into::into)
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        self.0
            .sign(RSlice::from_slice(msg))
            .into_result()
            .map(RVec::into_vec)
            .map_err(Into::into)
    }
}

struct ImportedSigningIdentityFetcher(&'static FfiSigningIdentityFetcherBox);

impl SigningIdentityFetcher for ImportedSigningIdentityFetcher {
    fn signing_identity_for_request(
        &self,
        signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        match self
            .0
            .signing_identity_for_request(RSlice::from_slice(signed_proposal))
        {
            RResult::ROk(s) => Ok(Box::new(ImportedSigningIdentity(s))),
            RResult::RErr(e) => Err(e.into()),
        }
    }
}

struct ImportedState(FfiEndorsementStateBox);

impl State for ImportedState {
    fn get_private_data_multiple_keys(
        &self,
        namespace: &str,
        collection: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        let keys = rkeys(keys);
        self.0
            .get_private_data_multiple_keys(
                RStr::from_str(namespace),
                RStr::from_str(collection),
                RSlice::from_slice(&keys),
            )
            .into_result()
            .map(from_rvalues)
            .map_err(Into::into)
    }
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
    fn get_transient_by_txid(&self, txid: &str) -> Result<Vec<Vec<u8>>, StateError> {
        self.0
            .get_transient_by_txid(RStr::from_str(txid))
            .into_result()
            .map(|sets| sets.into_iter().map(RVec::into_vec).collect())
            .map_err(Into::into)
    }
    fn done(&self) {
        expect_host(self.0.done());
    }
}

struct ImportedStateFetcher(&'static FfiEndorsementStateFetcherBox);

impl StateFetcher for ImportedStateFetcher {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        match self.0.fetch_state() {
            RResult::ROk(s) => Ok(Box::new(ImportedState(s))),
            RResult::RErr(e) => Err(e.into()),
        }
    }
}

/// Converts the FFI dependencies received by a plugin into the plain struct.
pub fn deps_from_ffi(deps: FfiEndorsementDepsRef) -> Dependencies {
    Dependencies {
        signing_identity_fetcher: Arc::new(ImportedSigningIdentityFetcher(
            deps.signing_identity_fetcher(),
        )),
        state_fetcher: deps
            .state_fetcher()
            .into_option()
            .map(|f| Arc::new(ImportedStateFetcher(f)) as Arc<dyn StateFetcher>),
    }
}

// ------------------------------------------------------------------------------------------
// Plugin side: plain plugin -> FFI objects.

fn guarded<T>(
    who: &str,
    op: &str,
    f: impl FnOnce() -> Result<T, EndorsementError>,
) -> RResult<T, FfiError> {
    match guard(who, op, f) {
        Ok(res) => res.map_err(FfiError::from).into(),
        Err(panic) => RResult::RErr(FfiError::new(KIND_PANIC, panic)),
    }
}

struct ExportedPlugin {
    who: String,
    inner: Box<dyn Plugin>,
}

impl FfiEndorsementPlugin for ExportedPlugin {
    fn init(&mut self, deps: FfiEndorsementDepsRef) -> RResult<(), FfiError> {
        let inner = &mut self.inner;
        guarded(&self.who, "init", || inner.init(deps_from_ffi(deps)))
    }

    fn endorse(
        &self,
        payload: RSlice<'_, u8>,
        signed_proposal: RSlice<'_, u8>,
    ) -> RResult<FfiEndorseOutput, FfiError> {
        guarded(&self.who, "endorse", || {
            self.inner
                .endorse(payload.as_slice(), signed_proposal.as_slice())
                .map(|out| FfiEndorseOutput {
                    endorser: RVec::from(out.endorsement.endorser),
                    signature: RVec::from(out.endorsement.signature),
                    payload: RVec::from(out.payload),
                })
        })
    }
}

struct ExportedFactory {
    who: String,
    inner: Box<dyn PluginFactory>,
}

impl FfiEndorsementFactory for ExportedFactory {
    fn new_plugin(&self) -> RResult<FfiEndorsementPluginBox, FfiError> {
        guarded(&self.who, "factory new", || {
            self.inner.new().map(|plugin| {
                FfiEndorsementPlugin_TO::from_value(
                    ExportedPlugin {
                        who: self.who.clone(),
                        inner: plugin,
                    },
                    TD_Opaque,
                )
            })
        })
    }
}

/// Wraps a plain factory for plugin `name` into an FFI object; every call into it runs under
/// the panic guard (`plugin <name> panicked in <op>: <payload>`).
pub fn factory_to_ffi(name: &str, factory: Box<dyn PluginFactory>) -> FfiEndorsementFactoryBox {
    FfiEndorsementFactory_TO::from_value(
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
) -> RResult<FfiEndorsementFactoryBox, FfiError> {
    match guard(&format!("plugin {name}"), "factory constructor", ctor) {
        Ok(f) => RResult::ROk(factory_to_ffi(name, Box::new(f))),
        Err(panic) => RResult::RErr(FfiError::new(KIND_PANIC, panic)),
    }
}

// ------------------------------------------------------------------------------------------
// Host side: FFI plugin -> plain traits.

struct ImportedPlugin(FfiEndorsementPluginBox);

impl Plugin for ImportedPlugin {
    fn init(&mut self, deps: Dependencies) -> Result<(), EndorsementError> {
        self.0
            .init(deps_to_ffi(deps))
            .into_result()
            .map_err(Into::into)
    }

    fn endorse(
        &self,
        payload: &[u8],
        signed_proposal: &[u8],
    ) -> Result<EndorseOutput, EndorsementError> {
        match self.0.endorse(
            RSlice::from_slice(payload),
            RSlice::from_slice(signed_proposal),
        ) {
            RResult::ROk(out) => Ok(EndorseOutput {
                endorsement: Endorsement {
                    endorser: out.endorser.into_vec(),
                    signature: out.signature.into_vec(),
                },
                payload: out.payload.into_vec(),
            }),
            RResult::RErr(e) => Err(e.into()),
        }
    }
}

struct ImportedFactory(FfiEndorsementFactoryBox);

impl PluginFactory for ImportedFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, EndorsementError> {
        match self.0.new_plugin() {
            RResult::ROk(p) => Ok(Box::new(ImportedPlugin(p))),
            RResult::RErr(e) => Err(e.into()),
        }
    }
}

/// Turns an FFI factory into a plain factory for the host.
pub fn factory_from_ffi(factory: FfiEndorsementFactoryBox) -> Box<dyn PluginFactory> {
    Box::new(ImportedFactory(factory))
}

//! The export macro in a test binary: the root module it builds, the exported `LibHeader`
//! symbol (checked through abi_stable's own loading path, in process), both plugin kinds.

use handlers_api::endorsement::{self, EndorsementError};
use handlers_api::ffi::library::INTERFACE_VERSION;
use handlers_api::ffi::HandlersLibraryRef;
use handlers_api::validation::{
    self, BlockView, Context, InitError, SerializedPolicy, ValidationError,
};

#[derive(Default)]
struct CountTx;

impl validation::Plugin for CountTx {
    fn init(&mut self, _deps: validation::Dependencies) -> Result<(), InitError> {
        Ok(())
    }
    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        _action_position: usize,
        _context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        Err(ValidationError::Invalid(format!(
            "{namespace}: tx {tx_position} of {}",
            block.len()
        )))
    }
}

#[derive(Default)]
struct CountTxFactory;

impl validation::PluginFactory for CountTxFactory {
    fn new(&self) -> Result<Box<dyn validation::Plugin>, InitError> {
        Ok(Box::new(CountTx))
    }
}

#[derive(Default)]
struct Refuser;

impl endorsement::Plugin for Refuser {
    fn init(&mut self, _deps: endorsement::Dependencies) -> Result<(), EndorsementError> {
        Ok(())
    }
    fn endorse(&self, _: &[u8], _: &[u8]) -> Result<endorsement::EndorseOutput, EndorsementError> {
        Err(EndorsementError::Failed("refusing to endorse".into()))
    }
}

#[derive(Default)]
struct RefuserFactory;

impl endorsement::PluginFactory for RefuserFactory {
    fn new(&self) -> Result<Box<dyn endorsement::Plugin>, EndorsementError> {
        Ok(Box::new(Refuser))
    }
}

handlers_api::export_handlers_library!(
    name: "Both",
    validation: CountTxFactory::default,
    endorsement: RefuserFactory::default,
);

#[test]
fn root_module_fields() {
    let lib = handlers_api_library();
    assert_eq!(lib.plugin_name().as_str(), "Both");
    assert_eq!(lib.interface_version().as_str(), INTERFACE_VERSION);
    assert_eq!(INTERFACE_VERSION, env!("CARGO_PKG_VERSION"));
    assert!(lib.new_validation_factory().is_some());
    assert!(lib.new_endorsement_factory().is_some());
}

#[test]
fn exported_symbol_is_the_one_abi_stable_loads() {
    assert_eq!(
        handlers_api::__private::abi_stable::library::ROOT_MODULE_LOADER_NAME,
        "_1as_0lib_1header_0root_bmodule_bloader"
    );
    // abi_stable's loader path: version and layout check, then the constructor.
    let lib: HandlersLibraryRef = _1as_0lib_1header_0root_bmodule_bloader
        .init_root_module::<HandlersLibraryRef>()
        .expect("the header must pass abi_stable's checks");
    assert_eq!(lib.plugin_name().as_str(), "Both");
}

#[test]
fn both_factories_work_through_the_library() {
    let lib = handlers_api_library();
    let mut v = lib
        .validation_factory()
        .expect("validation")
        .new()
        .expect("new");
    v.init(validation::Dependencies {
        identity_deserializer: std::sync::Arc::new(NoIdentities),
        policy_evaluator: std::sync::Arc::new(NoPolicies),
        state_fetcher: std::sync::Arc::new(NoState),
        capabilities: None,
        collection_resources: None,
        channel_organizations: None,
    })
    .expect("init");
    let envs: [&[u8]; 2] = [b"a", b"b"];
    assert_eq!(
        v.validate(
            &BlockView::new(1, &envs),
            "cc",
            1,
            0,
            &Context::new(SerializedPolicy(b""))
        ),
        Err(ValidationError::Invalid("cc: tx 1 of 2".into()))
    );
    let e = lib
        .endorsement_factory()
        .expect("endorsement")
        .new()
        .expect("new");
    assert_eq!(
        e.endorse(b"", b""),
        Err(EndorsementError::Failed("refusing to endorse".into()))
    );
}

struct NoIdentities;
impl validation::IdentityDeserializer for NoIdentities {
    fn deserialize_identity(
        &self,
        _: &[u8],
    ) -> Result<Box<dyn validation::Identity>, validation::IdentityError> {
        Err(validation::IdentityError::Deserialize("none".into()))
    }
}
struct NoPolicies;
impl validation::PolicyEvaluator for NoPolicies {
    fn evaluate(
        &self,
        _: &[u8],
        _: &[validation::SignedData<'_>],
    ) -> Result<(), validation::PolicyError> {
        Err(validation::PolicyError::NotSatisfied("none".into()))
    }
}
struct NoState;
impl validation::StateFetcher for NoState {
    fn fetch_state(&self) -> Result<Box<dyn validation::State>, validation::StateError> {
        Err(validation::StateError::Ledger("none".into()))
    }
}

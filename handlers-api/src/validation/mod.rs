//! The validation (VSCC) plugin API in plain Rust: what a validation plugin implements and what
//! the host calls (Fabric's `core/handlers/validation/api`).
//!
//! A plugin never sees abi_stable types; the [`crate::ffi`] layer adapts these traits to the
//! stable ABI in both directions.

pub mod capabilities;
pub mod collections;
pub mod identities;
pub mod organizations;
pub mod policies;
pub mod state;

use std::sync::Arc;

use abi_stable::std_types::RSlice;

pub use capabilities::{ApplicationCapabilities, Capabilities};
pub use collections::{CollectionInfoError, CollectionResources};
pub use identities::{Identity, IdentityDeserializer, IdentityError, IdentityIdentifier};
pub use organizations::{ApplicationOrg, ChannelOrganizations, OrganizationsError};
pub use policies::{PolicyError, PolicyEvaluator, SignedData};
pub use state::{Kv, KvIterator, State, StateError, StateFetcher};

/// Why a transaction action did not pass validation.
///
/// The two variants are deliberately different types of outcome: `Invalid` flags the
/// transaction (Fabric's ENDORSEMENT_POLICY_FAILURE) and the block goes on; `ExecutionFailure`
/// means the plugin could not decide and the host must halt the block.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The transaction action does not satisfy validation: the transaction is marked invalid.
    #[error("transaction invalid: {0}")]
    Invalid(String),
    /// Validity could not be determined (I/O error, plugin panic, ...): the block must not be
    /// committed.
    #[error("validation execution failure: {0}")]
    ExecutionFailure(String),
}

/// Why a validation plugin (or its factory) could not be created or initialised.
///
/// The host turns this into an execution failure (Fabric §2.6: "plugin with name X couldn't be
/// used"), see the `From` impl.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    /// A dependency the plugin needs was not provided.
    #[error("dependency {0} not passed in init")]
    MissingDependency(String),
    /// The plugin rejected its initialisation for the given reason.
    #[error("failed initializing plugin: {0}")]
    Failed(String),
    /// The plugin panicked while being created or initialised; the text names the plugin and
    /// the panic payload.
    #[error("{0}")]
    Panicked(String),
}

impl From<InitError> for ValidationError {
    fn from(err: InitError) -> Self {
        ValidationError::ExecutionFailure(err.to_string())
    }
}

/// A view of the block being validated, decoded once by the host.
///
/// `envelope(i)` is the original serialized `common.Envelope` bytes of transaction `i`
/// (`block.data.data[i]`), never re-encoded.
#[derive(Clone, Copy)]
pub struct BlockView<'a> {
    number: u64,
    envelopes: Envelopes<'a>,
}

/// Where the envelope slices live: a plain Rust slice (builtin use) or the FFI slice handed
/// over by the host (no copy on the plugin side).
#[derive(Clone, Copy)]
enum Envelopes<'a> {
    Native(&'a [&'a [u8]]),
    Ffi(RSlice<'a, RSlice<'a, u8>>),
}

impl<'a> BlockView<'a> {
    /// A view of block `number` whose transactions are `envelopes` (each the raw bytes of one
    /// `common.Envelope`, in block order).
    pub fn new(number: u64, envelopes: &'a [&'a [u8]]) -> Self {
        BlockView {
            number,
            envelopes: Envelopes::Native(envelopes),
        }
    }

    pub(crate) fn from_ffi(number: u64, envelopes: RSlice<'a, RSlice<'a, u8>>) -> Self {
        BlockView {
            number,
            envelopes: Envelopes::Ffi(envelopes),
        }
    }

    /// The block number (`header.number`).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// How many transactions (envelopes) the block holds.
    pub fn len(&self) -> usize {
        match self.envelopes {
            Envelopes::Native(e) => e.len(),
            Envelopes::Ffi(e) => e.len(),
        }
    }

    /// Whether the block holds no transaction.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw envelope bytes of transaction `tx_position`, or `None` past the end.
    pub fn envelope(&self, tx_position: usize) -> Option<&'a [u8]> {
        match self.envelopes {
            Envelopes::Native(e) => e.get(tx_position).copied(),
            Envelopes::Ffi(e) => e.as_slice().get(tx_position).map(|s| s.as_slice()),
        }
    }

    /// The raw envelope bytes of transaction `tx_position`; past the end, the verdict
    /// Fabric's validation plugins give for a position the block does not have.
    ///
    /// # Errors
    /// [`ValidationError::Invalid`] ("block has only N transactions, but requested tx at
    /// position P") when the block has no transaction at `tx_position`.
    pub fn envelope_or_invalid(&self, tx_position: usize) -> Result<&'a [u8], ValidationError> {
        self.envelope(tx_position).ok_or_else(|| {
            ValidationError::Invalid(format!(
                "block has only {} transactions, but requested tx at position {tx_position}",
                self.len()
            ))
        })
    }

    /// Iterates over the raw envelope bytes in block order.
    pub fn envelopes(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let view = *self;
        (0..view.len()).filter_map(move |i| view.envelope(i))
    }

    /// The envelopes as an FFI slice; borrows when the view already came from FFI, otherwise
    /// builds the slice list into `scratch`.
    pub(crate) fn to_ffi<'s>(
        self,
        scratch: &'s mut Vec<RSlice<'a, u8>>,
    ) -> RSlice<'s, RSlice<'a, u8>>
    where
        'a: 's,
    {
        match self.envelopes {
            Envelopes::Ffi(e) => e,
            Envelopes::Native(e) => {
                scratch.clear();
                scratch.extend(e.iter().map(|s| RSlice::from_slice(s)));
                RSlice::from_slice(scratch.as_slice())
            }
        }
    }
}

impl std::fmt::Debug for BlockView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockView")
            .field("number", &self.number)
            .field("transactions", &self.len())
            .finish()
    }
}

/// The chaincode's validation parameter (Fabric's `SerializedPolicy` context datum): for v20
/// channels a serialized `ApplicationPolicy`, for v1.x a `SignaturePolicyEnvelope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerializedPolicy<'a>(pub &'a [u8]);

impl<'a> SerializedPolicy<'a> {
    /// The policy bytes exactly as stored in the chaincode definition.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }
}

/// Per-call data handed to [`Plugin::validate`] (Fabric's `ContextDatum...`; today exactly one
/// datum, the serialized policy).
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The chaincode's validation parameter.
    pub serialized_policy: SerializedPolicy<'a>,
}

impl<'a> Context<'a> {
    /// A context carrying the given validation parameter.
    pub fn new(serialized_policy: SerializedPolicy<'a>) -> Self {
        Context { serialized_policy }
    }
}

/// The dependencies a host passes to [`Plugin::init`], typed (not Fabric's list of `any`).
///
/// The first three are always present. `capabilities` and `collection_resources` were
/// appended later (Fabric passes them too), then `channel_organizations` (not in Fabric); they
/// are `None` when the host (or, across the FFI, an older host) does not provide them, and a
/// plugin that needs one fails its `init`.
#[derive(Clone)]
pub struct Dependencies {
    /// Deserialises identities with the channel's MSP manager.
    pub identity_deserializer: Arc<dyn IdentityDeserializer>,
    /// Evaluates endorsement policies bound to the channel.
    pub policy_evaluator: Arc<dyn PolicyEvaluator>,
    /// Opens views of the committed world state.
    pub state_fetcher: Arc<dyn StateFetcher>,
    /// The channel's application capabilities (Fabric's `Capabilities`).
    pub capabilities: Option<Arc<dyn Capabilities>>,
    /// Collection-level endorsement policies (Fabric's `CollectionResources`).
    pub collection_resources: Option<Arc<dyn CollectionResources>>,
    /// The channel's application organisations (appended; no Fabric counterpart).
    pub channel_organizations: Option<Arc<dyn ChannelOrganizations>>,
}

impl Dependencies {
    /// The three base dependencies, without any of the appended ones.
    pub fn new(
        identity_deserializer: Arc<dyn IdentityDeserializer>,
        policy_evaluator: Arc<dyn PolicyEvaluator>,
        state_fetcher: Arc<dyn StateFetcher>,
    ) -> Self {
        Dependencies {
            identity_deserializer,
            policy_evaluator,
            state_fetcher,
            capabilities: None,
            collection_resources: None,
            channel_organizations: None,
        }
    }

    /// The same dependencies with `capabilities` set.
    pub fn with_capabilities(mut self, capabilities: Arc<dyn Capabilities>) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// The same dependencies with `collection_resources` set.
    pub fn with_collection_resources(
        mut self,
        collection_resources: Arc<dyn CollectionResources>,
    ) -> Self {
        self.collection_resources = Some(collection_resources);
        self
    }

    /// The same dependencies with `channel_organizations` set.
    pub fn with_channel_organizations(
        mut self,
        channel_organizations: Arc<dyn ChannelOrganizations>,
    ) -> Self {
        self.channel_organizations = Some(channel_organizations);
        self
    }
}

impl std::fmt::Debug for Dependencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dependencies").finish_non_exhaustive()
    }
}

/// A validation plugin instance: one per (plugin name, channel), shared by concurrent
/// validations of all transactions of all blocks, hence `Send + Sync`.
pub trait Plugin: Send + Sync {
    /// Receives the dependencies once, before the first [`Plugin::validate`].
    ///
    /// # Errors
    ///
    /// [`InitError`] when a dependency is unusable; the host then fails (and retries later).
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError>;

    /// Decides whether action `action_position` of transaction `tx_position` of `block` is
    /// valid for chaincode `namespace` (the host always passes `action_position = 0`).
    ///
    /// # Errors
    ///
    /// [`ValidationError::Invalid`] when the transaction must be flagged,
    /// [`ValidationError::ExecutionFailure`] when validity could not be determined.
    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        action_position: usize,
        context: &Context<'_>,
    ) -> Result<(), ValidationError>;
}

/// Creates validation plugin instances (Fabric's `PluginFactory.New`).
pub trait PluginFactory: Send + Sync {
    /// A fresh, uninitialised plugin instance.
    ///
    /// # Errors
    ///
    /// [`InitError`] when no instance can be created (for a plugin loaded through the FFI, also
    /// when the factory panicked).
    #[allow(clippy::new_ret_no_self, clippy::wrong_self_convention)] // Fabric's name for the factory method.
    fn new(&self) -> Result<Box<dyn Plugin>, InitError>;
}

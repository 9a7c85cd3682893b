//! The one error value that crosses the boundary, and its mapping to the plain-Rust errors.

use abi_stable::std_types::RString;
use abi_stable::StableAbi;

use crate::endorsement::EndorsementError;
use crate::validation::{
    CollectionInfoError, IdentityError, InitError, OrganizationsError, PolicyError, StateError,
};

/// An error crossing the boundary: a numeric `kind` (see the `KIND_*` constants; unknown kinds
/// from a newer peer map to the "other/provider" variant), a message and, for state errors,
/// the namespace and collection.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, PartialEq, Eq)]
pub struct FfiError {
    /// What kind of error (a `KIND_*` constant).
    pub kind: u32,
    /// The message (for structured kinds, the reason text).
    pub message: RString,
    /// The chaincode, for state errors.
    pub namespace: RString,
    /// The collection, for state errors.
    pub collection: RString,
}

/// Any other failure.
pub const KIND_OTHER: u32 = 0;
/// User code panicked; the message names who and the payload.
pub const KIND_PANIC: u32 = 1;
/// A required dependency was missing.
pub const KIND_MISSING_DEPENDENCY: u32 = 2;
/// Identity deserialisation failed.
pub const KIND_DESERIALIZE: u32 = 10;
/// The identity is invalid.
pub const KIND_IDENTITY_INVALID: u32 = 11;
/// A principal is not satisfied.
pub const KIND_PRINCIPAL_NOT_SATISFIED: u32 = 12;
/// A signature does not verify.
pub const KIND_VERIFY: u32 = 13;
/// Signing failed.
pub const KIND_SIGN: u32 = 14;
/// A policy is not satisfied.
pub const KIND_POLICY_NOT_SATISFIED: u32 = 20;
/// Fabric's `CollConfigNotDefinedError`.
pub const KIND_COLL_CONFIG_NOT_DEFINED: u32 = 30;
/// Fabric's `InvalidCollNameError`.
pub const KIND_INVALID_COLL_NAME: u32 = 31;
/// A ledger query failed.
pub const KIND_LEDGER: u32 = 32;
/// `CollectionResources`: unexpected error (execution failure).
pub const KIND_COLLECTION_UNEXPECTED: u32 = 40;
/// `CollectionResources`: validation error (invalid transaction).
pub const KIND_COLLECTION_VALIDATION: u32 = 41;

impl FfiError {
    /// An error of `kind` with `message` and no namespace/collection.
    pub fn new(kind: u32, message: impl Into<String>) -> Self {
        FfiError {
            kind,
            message: RString::from(message.into()),
            namespace: RString::new(),
            collection: RString::new(),
        }
    }

    fn message_string(&self) -> String {
        self.message.as_str().to_owned()
    }
}

impl From<IdentityError> for FfiError {
    fn from(err: IdentityError) -> Self {
        let (kind, m) = match err {
            IdentityError::Deserialize(m) => (KIND_DESERIALIZE, m),
            IdentityError::Invalid(m) => (KIND_IDENTITY_INVALID, m),
            IdentityError::PrincipalNotSatisfied(m) => (KIND_PRINCIPAL_NOT_SATISFIED, m),
            IdentityError::Verify(m) => (KIND_VERIFY, m),
            IdentityError::Sign(m) => (KIND_SIGN, m),
            IdentityError::Provider(m) => (KIND_OTHER, m),
        };
        FfiError::new(kind, m)
    }
}

impl From<FfiError> for IdentityError {
    fn from(err: FfiError) -> Self {
        let m = err.message_string();
        match err.kind {
            KIND_DESERIALIZE => IdentityError::Deserialize(m),
            KIND_IDENTITY_INVALID => IdentityError::Invalid(m),
            KIND_PRINCIPAL_NOT_SATISFIED => IdentityError::PrincipalNotSatisfied(m),
            KIND_VERIFY => IdentityError::Verify(m),
            KIND_SIGN => IdentityError::Sign(m),
            _ => IdentityError::Provider(m),
        }
    }
}

impl From<PolicyError> for FfiError {
    fn from(err: PolicyError) -> Self {
        match err {
            PolicyError::NotSatisfied(m) => FfiError::new(KIND_POLICY_NOT_SATISFIED, m),
            PolicyError::Provider(m) => FfiError::new(KIND_OTHER, m),
        }
    }
}

impl From<FfiError> for PolicyError {
    fn from(err: FfiError) -> Self {
        match err.kind {
            KIND_POLICY_NOT_SATISFIED => PolicyError::NotSatisfied(err.message_string()),
            _ => PolicyError::Provider(err.message_string()),
        }
    }
}

impl From<StateError> for FfiError {
    fn from(err: StateError) -> Self {
        match err {
            StateError::CollConfigNotDefined { namespace } => FfiError {
                namespace: RString::from(namespace),
                ..FfiError::new(KIND_COLL_CONFIG_NOT_DEFINED, "")
            },
            StateError::InvalidCollName {
                namespace,
                collection,
            } => FfiError {
                namespace: RString::from(namespace),
                collection: RString::from(collection),
                ..FfiError::new(KIND_INVALID_COLL_NAME, "")
            },
            StateError::Ledger(m) => FfiError::new(KIND_LEDGER, m),
            StateError::Provider(m) => FfiError::new(KIND_OTHER, m),
        }
    }
}

impl From<FfiError> for StateError {
    fn from(err: FfiError) -> Self {
        match err.kind {
            KIND_COLL_CONFIG_NOT_DEFINED => StateError::CollConfigNotDefined {
                namespace: err.namespace.into_string(),
            },
            KIND_INVALID_COLL_NAME => StateError::InvalidCollName {
                namespace: err.namespace.into_string(),
                collection: err.collection.into_string(),
            },
            KIND_LEDGER => StateError::Ledger(err.message_string()),
            _ => StateError::Provider(err.message_string()),
        }
    }
}

impl From<InitError> for FfiError {
    fn from(err: InitError) -> Self {
        match err {
            InitError::MissingDependency(m) => FfiError::new(KIND_MISSING_DEPENDENCY, m),
            InitError::Failed(m) => FfiError::new(KIND_OTHER, m),
            InitError::Panicked(m) => FfiError::new(KIND_PANIC, m),
        }
    }
}

impl From<FfiError> for InitError {
    fn from(err: FfiError) -> Self {
        match err.kind {
            KIND_MISSING_DEPENDENCY => InitError::MissingDependency(err.message_string()),
            KIND_PANIC => InitError::Panicked(err.message_string()),
            _ => InitError::Failed(err.message_string()),
        }
    }
}

impl From<EndorsementError> for FfiError {
    fn from(err: EndorsementError) -> Self {
        match err {
            EndorsementError::MissingDependency(m) => FfiError::new(KIND_MISSING_DEPENDENCY, m),
            EndorsementError::Failed(m) => FfiError::new(KIND_OTHER, m),
            EndorsementError::Panicked(m) => FfiError::new(KIND_PANIC, m),
        }
    }
}

impl From<FfiError> for EndorsementError {
    fn from(err: FfiError) -> Self {
        match err.kind {
            KIND_MISSING_DEPENDENCY => EndorsementError::MissingDependency(err.message_string()),
            KIND_PANIC => EndorsementError::Panicked(err.message_string()),
            _ => EndorsementError::Failed(err.message_string()),
        }
    }
}

impl From<CollectionInfoError> for FfiError {
    fn from(err: CollectionInfoError) -> Self {
        match err {
            CollectionInfoError::Unexpected(m) => FfiError::new(KIND_COLLECTION_UNEXPECTED, m),
            CollectionInfoError::Validation(m) => FfiError::new(KIND_COLLECTION_VALIDATION, m),
        }
    }
}

impl From<FfiError> for CollectionInfoError {
    /// Every kind but `KIND_COLLECTION_VALIDATION` (including a host panic) is unexpected.
    fn from(err: FfiError) -> Self {
        match err.kind {
            KIND_COLLECTION_VALIDATION => CollectionInfoError::Validation(err.message_string()),
            _ => CollectionInfoError::Unexpected(err.message_string()),
        }
    }
}

impl From<OrganizationsError> for FfiError {
    fn from(err: OrganizationsError) -> Self {
        match err {
            OrganizationsError::Provider(m) => FfiError::new(KIND_OTHER, m),
        }
    }
}

impl From<FfiError> for OrganizationsError {
    /// Every kind (including a host panic) is a provider failure.
    fn from(err: FfiError) -> Self {
        OrganizationsError::Provider(err.message_string())
    }
}

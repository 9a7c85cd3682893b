//! The channel's MSP manager and the identity type it hands out (spec 7.1, 7.7).
//!
//! Caching, compared with Fabric's `msp/cache`:
//!
//! * **Deserialisation**: keyed by the full serialized identity bytes, only successes cached,
//!   bounded (default [`DEFAULT_CACHE_CAPACITY`] instead of Fabric's 100), second-chance
//!   eviction (see [`CacheStats`]). A cached entry is an [`MspIdentity`], an `Arc`, so an
//!   identity seen in thousands of transactions is parsed, sanitised and chained once.
//! * **Validation**: memoised on the identity object, success **and** failure. Fabric memoises
//!   both on the object and additionally caches successes by `mspid:id`; since the object is
//!   shared through the deserialisation cache, the outcome is the same. Differs only after an
//!   eviction: a re-deserialised identity is validated again (deterministically, same result).
//! * **Principals**: both outcomes memoised per identity object, keyed by (classification,
//!   principal bytes), at most [`PRINCIPAL_CACHE_LIMIT`] principals per identity (further ones
//!   are evaluated without being stored). Fabric keys by `mspid:id` ‖ classification ‖ bytes.
//! * Signature verification is never cached (as in Fabric).
//!
//! All caches belong to one manager; a configuration update builds a new manager, which is how
//! Fabric clears its caches on MSP re-setup.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use fabric_crypto::VerifyBackend;
use fabric_protos::common::MspPrincipal;
use fabric_protos::msp::{FabricMspConfig, SerializedIdentity};
use prost::Message;

use crate::cache::{CacheStats, SecondChanceCache};
use crate::cert::{Certificate, PublicKey};
use crate::identity::{Identity, IdentityDeserializer, MspError};
use crate::msp::{IdentityCore, Msp, OuIdentifier};
use crate::version::MspVersion;

/// Default number of cached deserialised identities per manager.
pub const DEFAULT_CACHE_CAPACITY: usize = 4096;

/// Most principal outcomes remembered per identity.
pub const PRINCIPAL_CACHE_LIMIT: usize = 64;

struct IdentityInner {
    msp: Arc<Msp>,
    core: IdentityCore,
    validation: OnceLock<Result<(), MspError>>,
    principals: Mutex<HashMap<(i32, Bytes), Result<(), MspError>>>,
}

/// A deserialised X.509 identity of an [`Msp`]. Cloning is cheap (an `Arc`).
#[derive(Clone)]
pub struct MspIdentity(Arc<IdentityInner>);

impl std::fmt::Debug for MspIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MspIdentity")
            .field("msp_id", &self.0.msp.name())
            .field("id", &self.0.core.id)
            .finish_non_exhaustive()
    }
}

impl MspIdentity {
    pub(crate) fn new(msp: Arc<Msp>, core: IdentityCore) -> Self {
        Self(Arc::new(IdentityInner {
            msp,
            core,
            validation: OnceLock::new(),
            principals: Mutex::new(HashMap::new()),
        }))
    }

    /// The sanitised certificate.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.0.core.cert
    }

    /// The MSP this identity belongs to.
    #[must_use]
    pub fn msp(&self) -> &Arc<Msp> {
        &self.0.msp
    }

    /// The (OU, certifiers identifier) pairs of the identity (spec 7.4); empty when no
    /// certification chain can be obtained.
    #[must_use]
    pub fn organizational_units(&self) -> Vec<OuIdentifier> {
        self.0.msp.organizational_units(&self.0.core)
    }

    /// Whether two handles share the same cached object.
    #[must_use]
    pub fn same_object(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Identity for MspIdentity {
    fn msp_id(&self) -> &str {
        self.0.msp.name()
    }

    fn id(&self) -> &str {
        &self.0.core.id
    }

    fn validate(&self) -> Result<(), MspError> {
        self.0
            .validation
            .get_or_init(|| self.0.msp.validate_core(&self.0.core))
            .clone()
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError> {
        match self.0.core.cert.public_key() {
            PublicKey::P256(key) => {
                fabric_crypto::verify_signature(self.0.msp.backend(), key, message, signature)
                    .map_err(|e| MspError::Signature(e.to_string()))
            }
            PublicKey::Unsupported(alg) => {
                Err(MspError::Signature(format!("{alg} keys are not supported")))
            }
        }
    }

    fn satisfies_principal(&self, principal: &MspPrincipal) -> Result<(), MspError> {
        let key = (
            principal.principal_classification,
            principal.principal.clone(),
        );
        {
            let cached = self
                .0
                .principals
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(outcome) = cached.get(&key) {
                return outcome.clone();
            }
        }
        let outcome = self
            .0
            .msp
            .satisfies_principal(&self.0.core, &|| self.validate(), principal);
        let mut cached = self
            .0
            .principals
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cached.len() < PRINCIPAL_CACHE_LIMIT {
            cached.insert(key, outcome.clone());
        }
        outcome
    }
}

impl Msp {
    /// Deserializes a `SerializedIdentity` of this MSP, without any cache.
    ///
    /// # Errors
    /// [`MspError::Deserialize`] for bad bytes, [`MspError::WrongMsp`] when the MSP ID differs,
    /// [`MspError::Certificate`] when the PEM, the certificate or its sanitisation fails.
    pub fn deserialize_identity(
        self: &Arc<Self>,
        serialized: &[u8],
    ) -> Result<MspIdentity, MspError> {
        let core = self.deserialize_core(serialized)?;
        Ok(MspIdentity::new(Arc::clone(self), core))
    }

    /// Builds an identity of this MSP from certificate bytes (PEM, decoded leniently).
    ///
    /// # Errors
    /// As [`Msp::deserialize_identity`], minus the envelope errors.
    pub fn identity_from_pem(self: &Arc<Self>, id_bytes: &[u8]) -> Result<MspIdentity, MspError> {
        let core = self.core_from_id_bytes(id_bytes)?;
        Ok(MspIdentity::new(Arc::clone(self), core))
    }
}

/// Options of an [`MspManager`].
#[derive(Debug, Clone, Copy)]
pub struct ManagerOptions {
    /// Verification backend used by MSPs the manager builds from configurations.
    pub backend: &'static dyn VerifyBackend,
    /// Capacity of the deserialisation cache (entries).
    pub cache_capacity: usize,
}

impl Default for ManagerOptions {
    fn default() -> Self {
        Self {
            backend: fabric_crypto::default_backend(),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
        }
    }
}

/// A channel's MSPs by MSP ID, with the identity cache (Fabric's channel MSP manager wrapped
/// in `msp/cache`). Thread-safe: share it behind an `Arc` across validator threads.
pub struct MspManager {
    msps: BTreeMap<String, Arc<Msp>>,
    cache: SecondChanceCache<MspIdentity>,
}

impl std::fmt::Debug for MspManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MspManager")
            .field("msps", &self.msps.keys().collect::<Vec<_>>())
            .field("cache", &self.cache.stats())
            .finish()
    }
}

impl MspManager {
    /// A manager over already set-up MSPs with a cache of `cache_capacity` identities.
    ///
    /// # Errors
    /// [`MspError::Config`] when two MSPs share an ID.
    pub fn new(
        msps: impl IntoIterator<Item = Msp>,
        cache_capacity: usize,
    ) -> Result<Self, MspError> {
        let mut map = BTreeMap::new();
        for msp in msps {
            let name = msp.name().to_owned();
            if map.insert(name.clone(), Arc::new(msp)).is_some() {
                return Err(MspError::Config(format!(
                    "duplicate MSP ID {name} on channel"
                )));
            }
        }
        Ok(Self {
            msps: map,
            cache: SecondChanceCache::new(cache_capacity),
        })
    }

    /// Sets up every configuration with `options.backend` and builds a manager.
    ///
    /// # Errors
    /// The first setup error ([`MspError::Config`] naming the MSP), or a duplicate MSP ID.
    pub fn from_configs(
        configs: &[FabricMspConfig],
        version: MspVersion,
        options: ManagerOptions,
    ) -> Result<Self, MspError> {
        let msps = configs
            .iter()
            .map(|c| Msp::with_backend(c, version, options.backend))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(msps, options.cache_capacity)
    }

    /// The MSP with ID `msp_id`.
    #[must_use]
    pub fn msp(&self, msp_id: &str) -> Option<&Arc<Msp>> {
        self.msps.get(msp_id)
    }

    /// The MSP IDs, sorted.
    pub fn msp_ids(&self) -> impl Iterator<Item = &str> {
        self.msps.keys().map(String::as_str)
    }

    /// Deserialisation cache counters.
    #[must_use]
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }
}

impl IdentityDeserializer for MspManager {
    type Identity = MspIdentity;

    fn deserialize_identity(&self, serialized: &[u8]) -> Result<MspIdentity, MspError> {
        if let Some(hit) = self.cache.get(serialized) {
            return Ok(hit);
        }
        let sid = SerializedIdentity::decode(serialized)
            .map_err(|e| MspError::Deserialize(e.to_string()))?;
        let msp = self
            .msps
            .get(&sid.mspid)
            .ok_or_else(|| MspError::UnknownMsp(sid.mspid.clone()))?;
        let core = msp.core_from_id_bytes(&sid.id_bytes)?;
        Ok(self
            .cache
            .insert(serialized, MspIdentity::new(Arc::clone(msp), core)))
    }
}

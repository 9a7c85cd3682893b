//! One organisation's verifying X.509 MSP: setup from a `FabricMSPConfig` (spec 7.2),
//! identity deserialisation (7.1) and validation (7.3, 7.4).

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use fabric_crypto::VerifyBackend;
use fabric_protos::msp::{FabricMspConfig, FabricOuIdentifier, MspConfig, SerializedIdentity};
use prost::Message;

use crate::cert::{Certificate, PublicKey};
use crate::chain::{self, Issuers, VerifyOptions};
use crate::crl::RevocationList;
use crate::identity::MspError;
use crate::pem;
use crate::sanitize;
use crate::version::MspVersion;

/// An (OU, certifiers identifier) pair. An empty certifiers identifier in a NodeOU means "any
/// certification path".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OuIdentifier {
    /// The OU string.
    pub organizational_unit: String,
    /// SHA-256 over the DER of the certification chain above the certificate (spec 7.4).
    pub certifiers_identifier: Vec<u8>,
}

/// The four NodeOU roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeRole {
    Client,
    Peer,
    Admin,
    Orderer,
}

impl NodeRole {
    fn name(self) -> &'static str {
        match self {
            Self::Client => "CLIENT",
            Self::Peer => "PEER",
            Self::Admin => "ADMIN",
            Self::Orderer => "ORDERER",
        }
    }
}

/// The NodeOU classification of an MSP.
#[derive(Debug, Clone, Default)]
struct NodeOus {
    enforced: bool,
    client: Option<OuIdentifier>,
    peer: Option<OuIdentifier>,
    admin: Option<OuIdentifier>,
    orderer: Option<OuIdentifier>,
}

impl NodeOus {
    fn get(&self, role: NodeRole) -> Option<&OuIdentifier> {
        match role {
            NodeRole::Client => self.client.as_ref(),
            NodeRole::Peer => self.peer.as_ref(),
            NodeRole::Admin => self.admin.as_ref(),
            NodeRole::Orderer => self.orderer.as_ref(),
        }
    }
}

/// A deserialised certificate identity, before it is bound to an `Arc<Msp>`.
#[derive(Debug, Clone)]
pub(crate) struct IdentityCore {
    /// The sanitised certificate.
    pub(crate) cert: Certificate,
    /// hex(SHA-256(sanitised DER)).
    pub(crate) id: String,
    /// Go's unique validation chain (without the leaf), or why there is none.
    pub(crate) chain: Result<Issuers, String>,
}

/// Work counters of one MSP (all monotonic).
#[derive(Debug, Default)]
pub(crate) struct MspCounters {
    pub(crate) deserializations: AtomicU64,
    pub(crate) validations: AtomicU64,
}

/// One organisation's verifying MSP (Fabric's `bccspmsp` as the committing peer uses it).
///
/// Built once per channel configuration; immutable afterwards and shareable across threads.
#[derive(Debug)]
pub struct Msp {
    name: String,
    version: MspVersion,
    backend: &'static dyn VerifyBackend,
    opts: VerifyOptions,
    roots: Vec<Arc<Certificate>>,
    intermediates: Vec<Arc<Certificate>>,
    admins: Vec<IdentityCore>,
    crls: Vec<RevocationList>,
    internal_nodes: HashSet<Vec<u8>>,
    ou_identifiers: BTreeMap<String, Vec<Vec<u8>>>,
    node_ous: NodeOus,
    pub(crate) counters: MspCounters,
}

impl Msp {
    /// Sets up an MSP from its `FabricMSPConfig` with the default verification backend.
    ///
    /// # Errors
    /// [`MspError::Config`] naming the rule of spec 7.2 that the configuration breaks.
    pub fn new(config: &FabricMspConfig, version: MspVersion) -> Result<Self, MspError> {
        Self::with_backend(config, version, fabric_crypto::default_backend())
    }

    /// Sets up an MSP from a channel-config `MSPConfig` value (type 0 = FABRIC only).
    ///
    /// # Errors
    /// [`MspError::Config`] for IDEMIX or unknown types, undecodable bytes, or any setup rule.
    pub fn from_msp_config(
        config: &MspConfig,
        version: MspVersion,
        backend: &'static dyn VerifyBackend,
    ) -> Result<Self, MspError> {
        match config.r#type {
            0 => {}
            1 => {
                return Err(MspError::Config(
                    "MSP type 1 (IDEMIX) is not supported".to_owned(),
                ))
            }
            other => return Err(MspError::Config(format!("unknown MSP type {other}"))),
        }
        let fabric = FabricMspConfig::decode(config.config.clone())
            .map_err(|e| MspError::Config(format!("could not decode FabricMSPConfig: {e}")))?;
        Self::with_backend(&fabric, version, backend)
    }

    /// Sets up an MSP from its `FabricMSPConfig`, verifying signatures with `backend`.
    ///
    /// Follows Fabric's setup order for the version: crypto config, CAs (each sanitised),
    /// admins (before v1.4.3), CRLs, CA checks and the certification tree, OU identifiers,
    /// NodeOUs, admins (v1.4.3+), then the admin rules.
    ///
    /// # Errors
    /// [`MspError::Config`] naming the rule of spec 7.2 that the configuration breaks.
    pub fn with_backend(
        config: &FabricMspConfig,
        version: MspVersion,
        backend: &'static dyn VerifyBackend,
    ) -> Result<Self, MspError> {
        let name = config.name.clone();
        let cfg_err = |what: String| MspError::Config(format!("MSP {name}: {what}"));
        check_crypto_config(config).map_err(&cfg_err)?;
        if config.root_certs.is_empty() {
            return Err(cfg_err("expected at least one CA certificate".into()));
        }

        let mut msp = Self {
            name: name.clone(),
            version,
            backend,
            opts: VerifyOptions::default(),
            roots: Vec::new(),
            intermediates: Vec::new(),
            admins: Vec::new(),
            crls: Vec::new(),
            internal_nodes: HashSet::new(),
            ou_identifiers: BTreeMap::new(),
            node_ous: NodeOus::default(),
            counters: MspCounters::default(),
        };

        msp.setup_cas(config).map_err(&cfg_err)?;
        if version < MspVersion::V1_4_3 {
            msp.setup_admins(config).map_err(&cfg_err)?;
        }
        for (i, crl) in config.revocation_list.iter().enumerate() {
            msp.crls
                .push(RevocationList::parse(crl, i).map_err(|e| cfg_err(e.to_string()))?);
        }
        msp.finalize_cas().map_err(&cfg_err)?;
        msp.setup_ou_identifiers(config).map_err(&cfg_err)?;
        match version {
            MspVersion::V1_0 => {}
            MspVersion::V1_1 | MspVersion::V1_3 => {
                msp.setup_node_ous_v11(config).map_err(&cfg_err)?
            }
            MspVersion::V1_4_3 | MspVersion::V3_0 => {
                msp.setup_node_ous_v142(config).map_err(&cfg_err)?;
                msp.setup_admins(config).map_err(&cfg_err)?;
                if msp.admins.is_empty() && (!msp.node_ous.enforced || msp.node_ous.admin.is_none())
                {
                    return Err(cfg_err(
                        "administrators must be declared when no admin ou classification is set"
                            .into(),
                    ));
                }
            }
        }
        msp.post_setup().map_err(&cfg_err)?;
        Ok(msp)
    }

    /// The MSP ID.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The MSP version this instance follows.
    #[must_use]
    pub fn version(&self) -> MspVersion {
        self.version
    }

    /// The verification backend.
    #[must_use]
    pub fn backend(&self) -> &'static dyn VerifyBackend {
        self.backend
    }

    /// Whether NodeOU classification is in force.
    #[must_use]
    pub fn node_ous_enforced(&self) -> bool {
        self.node_ous.enforced
    }

    /// The configured OU identifiers: OU string ⇒ allowed certifiers identifiers.
    #[must_use]
    pub fn ou_identifiers(&self) -> &BTreeMap<String, Vec<Vec<u8>>> {
        &self.ou_identifiers
    }

    /// The sanitised DER of the root certificates, in configuration order.
    pub fn root_certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.roots.iter().map(|c| c.der())
    }

    /// How many identities this MSP has parsed and sanitised so far (cache misses).
    #[must_use]
    pub fn deserialization_count(&self) -> u64 {
        self.counters.deserializations.load(Ordering::Relaxed)
    }

    /// How many full identity validations this MSP has computed so far.
    #[must_use]
    pub fn validation_count(&self) -> u64 {
        self.counters.validations.load(Ordering::Relaxed)
    }

    // ----- setup -------------------------------------------------------------------------

    fn setup_cas(&mut self, config: &FabricMspConfig) -> Result<(), String> {
        let roots = config
            .root_certs
            .iter()
            .enumerate()
            .map(|(i, pem)| cert_from_pem(pem).map_err(|e| format!("root certificate {i}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let intermediates = config
            .intermediate_certs
            .iter()
            .enumerate()
            .map(|(i, pem)| {
                cert_from_pem(pem).map_err(|e| format!("intermediate certificate {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;

        // Sanitisation needs the (unsanitised) pools first, exactly like Fabric.
        for c in &roots {
            self.opts.roots.add(Arc::new(c.clone()));
        }
        for c in &intermediates {
            self.opts.intermediates.add(Arc::new(c.clone()));
        }
        let mut sanitised_roots = Vec::with_capacity(roots.len());
        for (i, c) in roots.into_iter().enumerate() {
            let (c, _) = self
                .sanitize(c)
                .map_err(|e| format!("root certificate {i}: {e}"))?;
            sanitised_roots.push(Arc::new(c));
        }
        let mut sanitised_intermediates = Vec::with_capacity(intermediates.len());
        for (i, c) in intermediates.into_iter().enumerate() {
            let (c, _) = self
                .sanitize(c)
                .map_err(|e| format!("intermediate certificate {i}: {e}"))?;
            sanitised_intermediates.push(Arc::new(c));
        }

        self.opts = VerifyOptions::default();
        for c in &sanitised_roots {
            self.opts.roots.add(Arc::clone(c));
        }
        for c in &sanitised_intermediates {
            self.opts.intermediates.add(Arc::clone(c));
        }
        self.roots = sanitised_roots;
        self.intermediates = sanitised_intermediates;
        Ok(())
    }

    fn setup_admins(&mut self, config: &FabricMspConfig) -> Result<(), String> {
        self.admins = config
            .admins
            .iter()
            .enumerate()
            .map(|(i, pem)| {
                cert_from_pem(pem)
                    .and_then(|c| self.core_from_certificate(c))
                    .map_err(|e| format!("admin certificate {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(())
    }

    fn finalize_cas(&mut self) -> Result<(), String> {
        for ca in self.roots.iter().chain(&self.intermediates) {
            let sn = ca.serial_hex();
            if !ca.is_ca() {
                return Err(format!(
                    "CA Certificate did not have the CA attribute, (SN: {sn})"
                ));
            }
            if ca.subject_key_id().is_none() {
                return Err(format!(
                    "CA Certificate problem with Subject Key Identifier extension, (SN: {sn}): subjectKeyIdentifier not found in certificate"
                ));
            }
            let issuers = self.unique_chain(ca).map_err(|e| {
                format!("CA Certificate is not valid, (SN: {sn}): could not obtain certification chain: {e}")
            })?;
            if !issuers.is_empty() {
                self.check_revocation(ca, &issuers)
                    .map_err(|e| format!("CA Certificate is not valid, (SN: {sn}): {e}"))?;
            }
        }
        let mut internal = HashSet::new();
        for ca in &self.intermediates {
            let issuers = self.unique_chain(ca).map_err(|e| {
                format!(
                    "failed getting validation chain, (SN: {}): {e}",
                    ca.serial_hex()
                )
            })?;
            for issuer in issuers {
                internal.insert(issuer.der().to_vec());
            }
        }
        self.internal_nodes = internal;
        Ok(())
    }

    fn setup_ou_identifiers(&mut self, config: &FabricMspConfig) -> Result<(), String> {
        for (i, ou) in config.organizational_unit_identifiers.iter().enumerate() {
            let certifiers = self.certifiers_identifier(&ou.certificate).map_err(|e| {
                format!(
                    "failed getting certificate for OU identifier {i} ({}): {e}",
                    ou.organizational_unit_identifier
                )
            })?;
            let list = self
                .ou_identifiers
                .entry(ou.organizational_unit_identifier.clone())
                .or_default();
            if !list.contains(&certifiers) {
                list.push(certifiers);
            }
        }
        Ok(())
    }

    fn node_ou(&self, id: &FabricOuIdentifier, role: NodeRole) -> Result<OuIdentifier, String> {
        let certifiers_identifier = if id.certificate.is_empty() {
            Vec::new()
        } else {
            self.certifiers_identifier(&id.certificate)
                .map_err(|e| format!("NodeOUs {} certificate: {e}", role.name()))?
        };
        Ok(OuIdentifier {
            organizational_unit: id.organizational_unit_identifier.clone(),
            certifiers_identifier,
        })
    }

    fn setup_node_ous_v11(&mut self, config: &FabricMspConfig) -> Result<(), String> {
        let Some(node_ous) = &config.fabric_node_ous else {
            self.node_ous.enforced = false;
            return Ok(());
        };
        self.node_ous.enforced = node_ous.enable;
        let client = node_ous
            .client_ou_identifier
            .as_ref()
            .filter(|c| !c.organizational_unit_identifier.is_empty())
            .ok_or("Failed setting up NodeOUs. ClientOU must be different from nil.")?;
        let peer = node_ous
            .peer_ou_identifier
            .as_ref()
            .filter(|c| !c.organizational_unit_identifier.is_empty())
            .ok_or("Failed setting up NodeOUs. PeerOU must be different from nil.")?;
        self.node_ous.client = Some(self.node_ou(client, NodeRole::Client)?);
        self.node_ous.peer = Some(self.node_ou(peer, NodeRole::Peer)?);
        Ok(())
    }

    fn setup_node_ous_v142(&mut self, config: &FabricMspConfig) -> Result<(), String> {
        let Some(node_ous) = &config.fabric_node_ous else {
            self.node_ous.enforced = false;
            return Ok(());
        };
        let mut resolved = NodeOus {
            enforced: node_ous.enable,
            ..NodeOus::default()
        };
        let roles = [
            (&node_ous.client_ou_identifier, NodeRole::Client),
            (&node_ous.peer_ou_identifier, NodeRole::Peer),
            (&node_ous.admin_ou_identifier, NodeRole::Admin),
            (&node_ous.orderer_ou_identifier, NodeRole::Orderer),
        ];
        let mut count = 0;
        for (id, role) in roles {
            let Some(id) = id else { continue };
            let ou = Some(self.node_ou(id, role)?);
            match role {
                NodeRole::Client => resolved.client = ou,
                NodeRole::Peer => resolved.peer = ou,
                NodeRole::Admin => resolved.admin = ou,
                NodeRole::Orderer => resolved.orderer = ou,
            }
            count += 1;
        }
        if count == 0 {
            resolved.enforced = false;
        }
        self.node_ous = resolved;
        Ok(())
    }

    fn post_setup(&self) -> Result<(), String> {
        if self.version == MspVersion::V1_0 || !self.node_ous.enforced {
            for (i, admin) in self.admins.iter().enumerate() {
                self.validate_core(admin)
                    .map_err(|e| format!("admin {i} is invalid: {e}"))?;
            }
            return Ok(());
        }
        for (i, admin) in self.admins.iter().enumerate() {
            if self.version < MspVersion::V1_4_3 {
                // v1.1 / v1.3: the admin must satisfy ROLE CLIENT of this MSP.
                self.validate_core(admin)
                    .map_err(|e| format!("admin {i} is invalid: {e}"))?;
                self.has_ou_role(admin, NodeRole::Client)
                    .map_err(|e| format!("admin {i} is invalid: {e}"))?;
            } else {
                let as_client = self.has_ou_role(admin, NodeRole::Client);
                let as_admin = self.has_ou_role(admin, NodeRole::Admin);
                if let (Err(e1), Err(e2)) = (as_client, as_admin) {
                    return Err(format!("admin {i} is invalid [{e1},{e2}]"));
                }
            }
        }
        Ok(())
    }

    /// Fabric's `getCertifiersIdentifier` for a configured root or intermediate (PEM).
    fn certifiers_identifier(&self, pem_bytes: &[u8]) -> Result<Vec<u8>, String> {
        let cert = cert_from_pem(pem_bytes)?;
        let (cert, _) = self.sanitize(cert)?;
        if self.roots.iter().any(|r| r.der() == cert.der()) {
            return Ok(fabric_crypto::sha256(cert.der()).to_vec());
        }
        if !self.intermediates.iter().any(|c| c.der() == cert.der()) {
            return Err(format!(
                "failed adding OU. Certificate (SN: {}) not in root or intermediate certs",
                cert.serial_hex()
            ));
        }
        let issuers = self
            .unique_chain(&cert)
            .map_err(|e| format!("failed computing validation chain: {e}"))?;
        if issuers.is_empty() {
            return Err("expected a chain of length at least 2, got 1".into());
        }
        if self.internal_nodes.contains(cert.der()) {
            return Err(
                "invalid validation chain. Parent certificate should be a leaf of the certification tree"
                    .into(),
            );
        }
        Ok(chain_identifier(
            std::iter::once(cert.der()).chain(issuers.iter().map(|c| c.der())),
        ))
    }

    // ----- chains and sanitisation -------------------------------------------------------

    /// Go's `Verify` + "exactly one chain" + Fabric's legacy name-constraint rule.
    pub(crate) fn unique_chain(&self, cert: &Certificate) -> Result<Issuers, String> {
        self.unique_chain_with(cert, &self.opts)
    }

    fn unique_chain_with(
        &self,
        cert: &Certificate,
        opts: &VerifyOptions,
    ) -> Result<Issuers, String> {
        let mut chains = chain::verify(cert, opts, self.backend)
            .map_err(|e| format!("the supplied identity is not valid: {e}"))?;
        if chains.len() != 1 {
            return Err(format!(
                "this MSP only supports a single validation chain, got {}",
                chains.len()
            ));
        }
        let issuers = chains.pop().unwrap_or_default();
        verify_legacy_name_constraints(cert, &issuers)?;
        Ok(issuers)
    }

    /// Fabric's `sanitizeCert` (msp/mspimpl.go at the spec's snapshot, which is newer than
    /// spec 7.1's description): an ECDSA-signed certificate that is a CA and verifies under its
    /// own key is sanitised against itself and then validated with a root pool holding only
    /// the sanitised copy; any other ECDSA-signed certificate needs a unique chain of length
    /// at least 2 and is sanitised under its direct issuer. Returns the issuers when computed.
    fn sanitize(&self, cert: Certificate) -> Result<(Certificate, Option<Issuers>), String> {
        if !cert.signature_algorithm().is_ecdsa() {
            return Ok((cert, None));
        }
        if cert.is_ca() && chain::check_signature_from(&cert, &cert, self.backend).is_ok() {
            let own_key = cert.clone();
            let sanitised = sanitize::sanitize_with_issuer(cert, &own_key)?;
            let mut opts = VerifyOptions {
                roots: chain::CertPool::default(),
                intermediates: self.opts.intermediates.clone(),
            };
            opts.roots.add(Arc::new(sanitised.clone()));
            let issuers = self.unique_chain_with(&sanitised, &opts)?;
            return Ok((sanitised, Some(issuers)));
        }
        let issuers = self.unique_chain(&cert)?;
        let Some(parent) = issuers.first() else {
            return Err(format!(
                "failed to traverse certificate verification chain for leaf or intermediate certificate, with subject CN={}",
                cert.common_name()
            ));
        };
        let sanitised = sanitize::sanitize_with_issuer(cert, parent)?;
        Ok((sanitised, Some(issuers)))
    }

    /// Builds the identity core for a parsed (unsanitised) certificate.
    fn core_from_certificate(&self, cert: Certificate) -> Result<IdentityCore, String> {
        let (cert, chain) = self.sanitize(cert)?;
        let chain = match chain {
            Some(c) => Ok(c),
            None => self.unique_chain(&cert),
        };
        let id = hex::encode(fabric_crypto::sha256(cert.der()));
        Ok(IdentityCore { cert, id, chain })
    }

    /// Fabric's `bccspmsp.DeserializeIdentity` (spec 7.1 step 3), without caching.
    pub(crate) fn deserialize_core(&self, serialized: &[u8]) -> Result<IdentityCore, MspError> {
        let sid = SerializedIdentity::decode(serialized)
            .map_err(|e| MspError::Deserialize(e.to_string()))?;
        if sid.mspid != self.name {
            return Err(MspError::WrongMsp {
                expected: self.name.clone(),
                received: sid.mspid,
            });
        }
        self.core_from_id_bytes(&sid.id_bytes)
    }

    /// Decodes `id_bytes` (PEM), parses, sanitises and identifies the certificate.
    pub(crate) fn core_from_id_bytes(&self, id_bytes: &[u8]) -> Result<IdentityCore, MspError> {
        self.counters
            .deserializations
            .fetch_add(1, Ordering::Relaxed);
        let block = pem::decode_first_block(id_bytes)
            .ok_or_else(|| MspError::Certificate("could not decode the PEM structure".into()))?;
        let cert = Certificate::from_der(&block.contents)?;
        self.core_from_certificate(cert).map_err(|e| {
            MspError::Certificate(format!(
                "MSP {}: could not sanitise the certificate: {e}",
                self.name
            ))
        })
    }

    // ----- validation --------------------------------------------------------------------

    /// Fabric's `getCertificationChainForBCCSPIdentity` + `getValidationChain(cert, false)`.
    fn certification_chain<'c>(&self, core: &'c IdentityCore) -> Result<&'c Issuers, String> {
        if core.cert.is_ca() {
            return Err("An X509 certificate with Basic Constraint: Certificate Authority equals true cannot be used as an identity".into());
        }
        let issuers = core
            .chain
            .as_ref()
            .map_err(|e| format!("failed getting validation chain: {e}"))?;
        let Some(parent) = issuers.first() else {
            return Err("expected a chain of length at least 2, got 1".into());
        };
        if self.internal_nodes.contains(parent.der()) {
            return Err(
                "invalid validation chain. Parent certificate should be a leaf of the certification tree"
                    .into(),
            );
        }
        Ok(issuers)
    }

    /// Fabric's `validateIdentity` (spec 7.3), computed afresh (callers memoise).
    pub(crate) fn validate_core(&self, core: &IdentityCore) -> Result<(), MspError> {
        self.counters.validations.fetch_add(1, Ordering::Relaxed);
        let invalid = |what: String| MspError::Invalid(format!("MSP {}: {what}", self.name));
        if let PublicKey::Unsupported(alg) = core.cert.public_key() {
            return Err(invalid(format!("{alg} identities are not supported")));
        }
        let issuers = self
            .certification_chain(core)
            .map_err(|e| invalid(format!("could not obtain certification chain: {e}")))?;
        self.check_revocation(&core.cert, issuers).map_err(|e| {
            invalid(format!(
                "could not validate identity against certification chain: {e}"
            ))
        })?;
        self.validate_ous(core)
            .map_err(|e| invalid(format!("could not validate identity's OUs: {e}")))
    }

    /// Fabric's `validateCertAgainstChain` (spec 7.3 step 4).
    fn check_revocation(&self, cert: &Certificate, issuers: &Issuers) -> Result<(), String> {
        let Some(parent) = issuers.first() else {
            return Ok(());
        };
        let ski = parent.subject_key_id().ok_or(
            "could not obtain Subject Key Identifier for signer cert: subjectKeyIdentifier not found in certificate",
        )?;
        for crl in &self.crls {
            let aki = crl
                .authority_key_id()
                .map_err(|e| format!("could not obtain Authority Key Identifier for crl: {e}"))?;
            if aki == ski
                && crl.lists(cert.serial())
                && crl.check_signature_from(parent, self.backend).is_ok()
            {
                return Err("The certificate has been revoked".into());
            }
        }
        Ok(())
    }

    /// The identity's (OU, certifiers identifier) pairs; empty when no certification chain
    /// can be obtained (Fabric logs and returns nil).
    pub(crate) fn organizational_units(&self, core: &IdentityCore) -> Vec<OuIdentifier> {
        let Ok(issuers) = self.certification_chain(core) else {
            return Vec::new();
        };
        let certifiers = chain_identifier(issuers.iter().map(|c| c.der()));
        core.cert
            .organizational_units()
            .iter()
            .map(|ou| OuIdentifier {
                organizational_unit: ou.clone(),
                certifiers_identifier: certifiers.clone(),
            })
            .collect()
    }

    fn validate_ous(&self, core: &IdentityCore) -> Result<(), String> {
        let ous = self.organizational_units(core);
        let names = || {
            ous.iter()
                .map(|o| o.organizational_unit.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        // v1 rule: OU identifiers, when configured, must intersect.
        if !self.ou_identifiers.is_empty() {
            let found = ous.iter().any(|ou| {
                self.ou_identifiers
                    .get(&ou.organizational_unit)
                    .is_some_and(|ids| ids.contains(&ou.certifiers_identifier))
            });
            if !found {
                if ous.is_empty() {
                    return Err(
                        "the identity certificate does not contain an Organizational Unit (OU)"
                            .into(),
                    );
                }
                return Err(format!(
                    "none of the identity's organizational units [{}] are in MSP {}",
                    names(),
                    self.name
                ));
            }
        }
        if self.version == MspVersion::V1_0 || !self.node_ous.enforced {
            return Ok(());
        }
        let roles: Vec<&OuIdentifier> = if self.version < MspVersion::V1_4_3 {
            // v1.1 / v1.3: the client OU is matched before the peer OU.
            [self.node_ous.client.as_ref(), self.node_ous.peer.as_ref()]
                .into_iter()
                .flatten()
                .collect()
        } else {
            // v1.4.3: a map keyed by OU string; later roles overwrite earlier ones.
            let mut by_ou: BTreeMap<&str, &OuIdentifier> = BTreeMap::new();
            for id in [
                &self.node_ous.client,
                &self.node_ous.peer,
                &self.node_ous.admin,
                &self.node_ous.orderer,
            ]
            .into_iter()
            .flatten()
            {
                by_ou.insert(id.organizational_unit.as_str(), id);
            }
            by_ou.into_values().collect()
        };
        let mut count = 0;
        for ou in &ous {
            let Some(node_ou) = roles
                .iter()
                .find(|r| r.organizational_unit == ou.organizational_unit)
            else {
                continue;
            };
            if !node_ou.certifiers_identifier.is_empty()
                && node_ou.certifiers_identifier != ou.certifiers_identifier
            {
                return Err(format!(
                    "certifiersIdentifier does not match: [{}], MSP: [{}]",
                    names(),
                    self.name
                ));
            }
            count += 1;
            if count > 1 {
                break;
            }
        }
        let roles_text = if self.version < MspVersion::V1_4_3 {
            "client or peer"
        } else {
            "client, peer, orderer, or admin"
        };
        match count {
            1 => Ok(()),
            0 => Err(format!(
                "the identity does not have an OU that resolves to {roles_text} role. OUs: [{}], MSP: [{}]",
                names(),
                self.name
            )),
            _ => Err(format!(
                "the identity must have a {roles_text} OU role to be valid, not a combination of them. OUs: [{}], MSP: [{}]",
                names(),
                self.name
            )),
        }
    }

    /// Fabric's `hasOURole`: the OU string of `role` must be among the identity's OUs.
    pub(crate) fn has_ou_role(&self, core: &IdentityCore, role: NodeRole) -> Result<(), String> {
        if !self.node_ous.enforced {
            return Err("NodeOUs not activated. Cannot tell apart identities.".into());
        }
        let Some(node_ou) = self.node_ous.get(role) else {
            return Err(format!(
                "cannot test for classification, node ou for type [{}], not defined, msp: [{}]",
                role.name(),
                self.name
            ));
        };
        if self
            .organizational_units(core)
            .iter()
            .any(|ou| ou.organizational_unit == node_ou.organizational_unit)
        {
            Ok(())
        } else {
            Err(format!(
                "The identity is not a [{}] under this MSP [{}]",
                role.name(),
                self.name
            ))
        }
    }

    /// Whether the identity's sanitised certificate is one of the configured admins.
    pub(crate) fn is_in_admins(&self, core: &IdentityCore) -> bool {
        self.admins.iter().any(|a| a.cert.der() == core.cert.der())
    }
}

/// SHA-256 over the concatenation of the given DER certificates (spec 7.4).
fn chain_identifier<'a>(ders: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for der in ders {
        hasher.update(der);
    }
    hasher.finalize().to_vec()
}

/// Fabric's `getCertFromPem`.
fn cert_from_pem(bytes: &[u8]) -> Result<Certificate, String> {
    let block =
        pem::decode_first_block(bytes).ok_or("getCertFromPem error: could not decode pem bytes")?;
    Certificate::from_der(&block.contents).map_err(|e| format!("getCertFromPem error: {e}"))
}

fn check_crypto_config(config: &FabricMspConfig) -> Result<(), String> {
    let Some(crypto) = &config.crypto_config else {
        return Ok(());
    };
    match crypto.signature_hash_family.as_str() {
        "" | "SHA2" => {}
        other => {
            return Err(format!(
                "signature hash family {other:?} is not supported (only SHA2)"
            ))
        }
    }
    match crypto.identity_identifier_hash_function.as_str() {
        "" | "SHA256" => Ok(()),
        other => Err(format!(
            "identity identifier hash function {other:?} is not supported (only SHA256)"
        )),
    }
}

/// Fabric's `verifyLegacyNameConstraints` (the Go 1.14 rule).
fn verify_legacy_name_constraints(leaf: &Certificate, issuers: &Issuers) -> Result<(), String> {
    if issuers.is_empty() || leaf.subject_alt_name.is_some() || !valid_hostname(leaf.common_name())
    {
        return Ok(());
    }
    if issuers.iter().any(|c| c.has_name_constraints) {
        return Err("the supplied identity is not valid: x509: issuer has name constraints but leaf doesn't have a SAN extension".into());
    }
    Ok(())
}

/// Go 1.14's `validHostname`.
fn valid_hostname(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return false;
    }
    for (i, part) in host.split('.').enumerate() {
        if part.is_empty() {
            return false;
        }
        if i == 0 && part == "*" {
            continue;
        }
        for (j, c) in part.chars().enumerate() {
            let ok = c.is_ascii_alphanumeric() || (c == '-' && j != 0) || c == '_' || c == ':';
            if !ok {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_rule_matches_go() {
        assert!(valid_hostname("peer0.org1.example.com"));
        assert!(valid_hostname("*.example.com"));
        assert!(valid_hostname("example.com."));
        assert!(!valid_hostname("Admin@org1.example.com"));
        assert!(!valid_hostname("a..b"));
        assert!(!valid_hostname("-a.b"));
        assert!(!valid_hostname(""));
        assert!(!valid_hostname("my name"));
    }
}

//! MSP material for one organisation: CA(s), identities, CRL, the channel-config `MSPConfig`
//! and Fabric's MSP folder layout.

use bytes::Bytes;
use fabric_crypto::{P256PublicKey, SigningKey};
use fabric_protos::msp as pb;
use prost::Message;

use crate::files::FileSet;
use crate::seed::Seed;
use crate::x509::{
    serial_from, CertificateAuthority, IssuedCert, IssuedCrl, SubjectName, X509Error,
};

/// Errors from generating MSP material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MspError {
    /// A certificate or CRL could not be issued.
    #[error("MSP {msp_id}: {source}")]
    Certificate {
        /// The organisation.
        msp_id: String,
        /// What went wrong.
        source: X509Error,
    },
    /// `revoked` names an identity the organisation does not have.
    #[error("MSP {msp_id}: cannot revoke unknown identity {name:?} (known: {known:?})")]
    UnknownIdentity {
        /// The organisation.
        msp_id: String,
        /// The requested name.
        name: String,
        /// The identity names the organisation has.
        known: Vec<String>,
    },
}

/// The NodeOU role an identity has (and the OU its certificate carries with NodeOUs on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeRole {
    /// A peer (endorser).
    Peer,
    /// A client (transaction creator).
    Client,
    /// An administrator.
    Admin,
    /// An ordering node.
    Orderer,
}

impl NodeRole {
    /// The OU string cryptogen uses for this role.
    #[must_use]
    pub fn ou(self) -> &'static str {
        match self {
            NodeRole::Peer => "peer",
            NodeRole::Client => "client",
            NodeRole::Admin => "admin",
            NodeRole::Orderer => "orderer",
        }
    }
}

/// Application organisation (peers and clients) or orderer organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// Identities `peer0`, `client` (User1), `admin`, plus extra clients.
    Application,
    /// Identities `orderer` and `admin`.
    Orderer,
}

/// What to generate for one organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgSpec {
    /// MSP ID, e.g. `Org1MSP`.
    pub msp_id: String,
    /// DNS domain, e.g. `org1.example.com`.
    pub domain: String,
    /// Application or orderer organisation.
    pub kind: OrgKind,
    /// Put the role OU in every leaf and write NodeOUs into config.yaml and the MSP config.
    pub node_ous: bool,
    /// Issue leaves from an intermediate CA (`ica.<domain>`) instead of the root.
    pub intermediate_ca: bool,
    /// Extra client identities `client2`, `client3`... (`User2@<domain>`...).
    pub extra_clients: u32,
    /// Names of identities to revoke with a CRL from their issuing CA.
    pub revoked: Vec<String>,
}

impl OrgSpec {
    /// `Org<n>MSP` / `org<n>.example.com`, no NodeOUs, root CA only, nothing revoked.
    #[must_use]
    pub fn application(n: u32) -> Self {
        Self {
            msp_id: format!("Org{n}MSP"),
            domain: format!("org{n}.example.com"),
            kind: OrgKind::Application,
            node_ous: false,
            intermediate_ca: false,
            extra_clients: 0,
            revoked: Vec::new(),
        }
    }

    /// `OrdererMSP` / `example.com`.
    #[must_use]
    pub fn orderer() -> Self {
        Self {
            msp_id: "OrdererMSP".to_owned(),
            domain: "example.com".to_owned(),
            kind: OrgKind::Orderer,
            node_ous: false,
            intermediate_ca: false,
            extra_clients: 0,
            revoked: Vec::new(),
        }
    }

    /// (name, role, common name) of every identity, in generation order.
    fn identity_plan(&self) -> Vec<(String, NodeRole, String)> {
        let d = &self.domain;
        let mut plan = match self.kind {
            OrgKind::Application => vec![
                ("peer0".to_owned(), NodeRole::Peer, format!("peer0.{d}")),
                ("client".to_owned(), NodeRole::Client, format!("User1@{d}")),
                ("admin".to_owned(), NodeRole::Admin, format!("Admin@{d}")),
            ],
            OrgKind::Orderer => vec![
                (
                    "orderer".to_owned(),
                    NodeRole::Orderer,
                    format!("orderer.{d}"),
                ),
                ("admin".to_owned(), NodeRole::Admin, format!("Admin@{d}")),
            ],
        };
        for i in 0..self.extra_clients {
            let n = i + 2;
            plan.push((
                format!("client{n}"),
                NodeRole::Client,
                format!("User{n}@{d}"),
            ));
        }
        plan
    }
}

/// One identity: certificate, key, and its serialized form.
#[derive(Clone)]
pub struct Identity {
    msp_id: String,
    name: String,
    role: NodeRole,
    common_name: String,
    cert: IssuedCert,
    key: SigningKey,
    serialized: Bytes,
    revoked: bool,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("label", &self.label())
            .field("common_name", &self.common_name)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// MSP ID.
    #[must_use]
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// Short name inside its organisation (`peer0`, `client`, `admin`, `orderer`, `client2`...).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<msp_id>.<name>`, e.g. `Org1MSP.peer0` (the bench-corpus MANIFEST style).
    #[must_use]
    pub fn label(&self) -> String {
        format!("{}.{}", self.msp_id, self.name)
    }

    /// NodeOU role.
    #[must_use]
    pub fn role(&self) -> NodeRole {
        self.role
    }

    /// Certificate subject CN.
    #[must_use]
    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// The certificate.
    #[must_use]
    pub fn cert(&self) -> &IssuedCert {
        &self.cert
    }

    /// The private key.
    #[must_use]
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> P256PublicKey {
        self.key.public_key()
    }

    /// Whether a CRL of its organisation revokes this identity.
    #[must_use]
    pub fn is_revoked(&self) -> bool {
        self.revoked
    }

    /// `msp.SerializedIdentity{mspid, id_bytes = certificate PEM}` as bytes (what goes into
    /// `SignatureHeader.creator` and `Endorsement.endorser`).
    #[must_use]
    pub fn serialized(&self) -> &Bytes {
        &self.serialized
    }

    /// Signs SHA-256(`message`) (DER, low-S, deterministic).
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message)
    }
}

/// Everything generated for one organisation.
#[derive(Debug)]
pub struct OrgMaterial {
    spec: OrgSpec,
    root_ca: CertificateAuthority,
    intermediate_ca: Option<CertificateAuthority>,
    identities: Vec<Identity>,
    crl: Option<IssuedCrl>,
}

impl OrgMaterial {
    /// Generates the organisation from `seed`: keys from `seed.signing_key("/<msp_id>/<name>")`,
    /// serial numbers from the seed, certificates signed deterministically.
    ///
    /// # Errors
    /// [`MspError::UnknownIdentity`] when `spec.revoked` names an identity that is not planned;
    /// [`MspError::Certificate`] when a certificate or the CRL cannot be issued.
    pub fn generate(seed: &Seed, spec: OrgSpec) -> Result<Self, MspError> {
        let msp_id = spec.msp_id.clone();
        let cert_err = |source| MspError::Certificate {
            msp_id: msp_id.clone(),
            source,
        };
        let plan = spec.identity_plan();
        for name in &spec.revoked {
            if !plan.iter().any(|(n, _, _)| n == name) {
                return Err(MspError::UnknownIdentity {
                    msp_id: msp_id.clone(),
                    name: name.clone(),
                    known: plan.iter().map(|(n, _, _)| n.clone()).collect(),
                });
            }
        }
        let serial =
            |label: &str| serial_from(seed.bytes::<16>(&format!("/{msp_id}/{label}/serial")));

        let root_ca = CertificateAuthority::root(
            SubjectName::cryptogen(Some(&spec.domain), None, &format!("ca.{}", spec.domain)),
            seed.signing_key(&format!("/{msp_id}/ca")),
            &serial("ca"),
        )
        .map_err(cert_err)?;
        let intermediate_ca = if spec.intermediate_ca {
            Some(
                root_ca
                    .intermediate(
                        SubjectName::cryptogen(
                            Some(&spec.domain),
                            None,
                            &format!("ica.{}", spec.domain),
                        ),
                        seed.signing_key(&format!("/{msp_id}/ica")),
                        &serial("ica"),
                    )
                    .map_err(cert_err)?,
            )
        } else {
            None
        };
        let issuer = intermediate_ca.as_ref().unwrap_or(&root_ca);

        let mut identities = Vec::with_capacity(plan.len());
        for (name, role, common_name) in plan {
            let key = seed.signing_key(&format!("/{msp_id}/{name}"));
            let ou = spec.node_ous.then(|| role.ou());
            let subject = SubjectName::cryptogen(None, ou, &common_name);
            let cert = issuer
                .leaf(&subject, &key, &serial(&name))
                .map_err(cert_err)?;
            let serialized = pb::SerializedIdentity {
                mspid: msp_id.clone(),
                id_bytes: Bytes::from(cert.pem.clone().into_bytes()),
            }
            .encode_to_vec();
            identities.push(Identity {
                msp_id: msp_id.clone(),
                revoked: spec.revoked.contains(&name),
                name,
                role,
                common_name,
                cert,
                key,
                serialized: Bytes::from(serialized),
            });
        }
        let revoked_serials: Vec<Vec<u8>> = identities
            .iter()
            .filter(|i| i.revoked)
            .map(|i| i.cert.serial.clone())
            .collect();
        let crl = if revoked_serials.is_empty() {
            None
        } else {
            Some(issuer.crl(&revoked_serials, 1).map_err(cert_err)?)
        };
        Ok(Self {
            spec,
            root_ca,
            intermediate_ca,
            identities,
            crl,
        })
    }

    /// MSP ID.
    #[must_use]
    pub fn msp_id(&self) -> &str {
        &self.spec.msp_id
    }

    /// What this organisation was generated from.
    #[must_use]
    pub fn spec(&self) -> &OrgSpec {
        &self.spec
    }

    /// The root CA.
    #[must_use]
    pub fn root_ca(&self) -> &CertificateAuthority {
        &self.root_ca
    }

    /// The intermediate CA, when generated.
    #[must_use]
    pub fn intermediate_ca(&self) -> Option<&CertificateAuthority> {
        self.intermediate_ca.as_ref()
    }

    /// The CA that issued the leaves (the intermediate when there is one).
    #[must_use]
    pub fn issuing_ca(&self) -> &CertificateAuthority {
        self.intermediate_ca.as_ref().unwrap_or(&self.root_ca)
    }

    /// The CRL, when some identity is revoked.
    #[must_use]
    pub fn crl(&self) -> Option<&IssuedCrl> {
        self.crl.as_ref()
    }

    /// Every identity, in generation order.
    #[must_use]
    pub fn identities(&self) -> &[Identity] {
        &self.identities
    }

    /// The identity called `name` (`peer0`, `client`, `admin`, `orderer`, `client2`...).
    #[must_use]
    pub fn identity(&self, name: &str) -> Option<&Identity> {
        self.identities.iter().find(|i| i.name == name)
    }

    /// The admin certificates the MSP lists explicitly: the `admin` identity without NodeOUs;
    /// none with NodeOUs (the admin OU classifies admins, as cryptogen sets it up).
    #[must_use]
    pub fn explicit_admins(&self) -> Vec<&Identity> {
        if self.spec.node_ous {
            Vec::new()
        } else {
            self.identities
                .iter()
                .filter(|i| i.role == NodeRole::Admin)
                .collect()
        }
    }

    /// `FabricMSPConfig` as configtxgen builds it from the MSP folder: PEM root, intermediate
    /// and admin certificates; the CRL as DER (spec 7.2); crypto config SHA2 / SHA256; NodeOUs
    /// with every role's OU certified by the issuing CA, when enabled.
    #[must_use]
    pub fn fabric_msp_config(&self) -> pb::FabricMspConfig {
        let pem = |s: &str| Bytes::from(s.as_bytes().to_vec());
        let issuing_pem = pem(&self.issuing_ca().cert.pem);
        let ou = |role: NodeRole| {
            Some(pb::FabricOuIdentifier {
                certificate: issuing_pem.clone(),
                organizational_unit_identifier: role.ou().to_owned(),
            })
        };
        pb::FabricMspConfig {
            name: self.spec.msp_id.clone(),
            root_certs: vec![pem(&self.root_ca.cert.pem)],
            intermediate_certs: self
                .intermediate_ca
                .iter()
                .map(|ca| pem(&ca.cert.pem))
                .collect(),
            admins: self
                .explicit_admins()
                .into_iter()
                .map(|i| pem(&i.cert.pem))
                .collect(),
            revocation_list: self
                .crl
                .iter()
                .map(|crl| Bytes::from(crl.der.clone()))
                .collect(),
            crypto_config: Some(pb::FabricCryptoConfig {
                signature_hash_family: "SHA2".to_owned(),
                identity_identifier_hash_function: "SHA256".to_owned(),
            }),
            fabric_node_ous: self.spec.node_ous.then(|| pb::FabricNodeOUs {
                enable: true,
                client_ou_identifier: ou(NodeRole::Client),
                peer_ou_identifier: ou(NodeRole::Peer),
                admin_ou_identifier: ou(NodeRole::Admin),
                orderer_ou_identifier: ou(NodeRole::Orderer),
            }),
            ..Default::default()
        }
    }

    /// `MSPConfig{type 0 (FABRIC), config = FabricMSPConfig}` as bytes: the org's `MSP` value.
    #[must_use]
    pub fn msp_config_bytes(&self) -> Bytes {
        let config = pb::MspConfig {
            r#type: 0,
            config: Bytes::from(self.fabric_msp_config().encode_to_vec()),
        };
        Bytes::from(config.encode_to_vec())
    }

    fn ca_file_name(ca: &CertificateAuthority) -> String {
        format!("{}-cert.pem", ca.name.common_name)
    }

    /// The `config.yaml` cryptogen writes when NodeOUs are on (Fabric's YAML keys).
    #[must_use]
    pub fn config_yaml(&self) -> Option<String> {
        if !self.spec.node_ous {
            return None;
        }
        let cert_path = match &self.intermediate_ca {
            Some(ica) => format!("intermediatecerts/{}", Self::ca_file_name(ica)),
            None => format!("cacerts/{}", Self::ca_file_name(&self.root_ca)),
        };
        let mut yaml = String::from("NodeOUs:\n  Enable: true\n");
        for (key, role) in [
            ("ClientOUIdentifier", NodeRole::Client),
            ("PeerOUIdentifier", NodeRole::Peer),
            ("AdminOUIdentifier", NodeRole::Admin),
            ("OrdererOUIdentifier", NodeRole::Orderer),
        ] {
            yaml.push_str(&format!(
                "  {key}:\n    Certificate: {cert_path}\n    OrganizationalUnitIdentifier: {}\n",
                role.ou()
            ));
        }
        Some(yaml)
    }

    fn verifying_files(&self, files: &mut FileSet, msp_dir: &str) {
        files.insert(
            format!("{msp_dir}/cacerts/{}", Self::ca_file_name(&self.root_ca)),
            self.root_ca.cert.pem.clone(),
        );
        if let Some(ica) = &self.intermediate_ca {
            files.insert(
                format!("{msp_dir}/intermediatecerts/{}", Self::ca_file_name(ica)),
                ica.cert.pem.clone(),
            );
        }
        for admin in self.explicit_admins() {
            files.insert(
                format!("{msp_dir}/admincerts/{}-cert.pem", admin.common_name),
                admin.cert.pem.clone(),
            );
        }
        if let Some(crl) = &self.crl {
            files.insert(format!("{msp_dir}/crls/crl.pem"), crl.pem.clone());
        }
        if let Some(yaml) = self.config_yaml() {
            files.insert(format!("{msp_dir}/config.yaml"), yaml);
        }
    }

    /// Adds the organisation in Fabric's layout under `base`:
    /// * `base/msp/` — the verifying MSP: `cacerts/`, `intermediatecerts/`, `admincerts/`,
    ///   `crls/crl.pem`, `config.yaml` (each only when it has content);
    /// * `base/{peers,orderers,users}/<CN>/msp/` — each identity's local MSP: the same files
    ///   plus `signcerts/<CN>-cert.pem` and `keystore/priv_sk` (PKCS#8 PEM);
    /// * `base/ca/<CA CN>-key.pem` — the CA keys (outside Fabric's layout), so more identities
    ///   can be issued.
    pub fn add_files(&self, files: &mut FileSet, base: &str) {
        self.verifying_files(files, &format!("{base}/msp"));
        for identity in &self.identities {
            let group = match identity.role {
                NodeRole::Peer => "peers",
                NodeRole::Orderer => "orderers",
                NodeRole::Client | NodeRole::Admin => "users",
            };
            let dir = format!("{base}/{group}/{}/msp", identity.common_name);
            self.verifying_files(files, &dir);
            files.insert(
                format!("{dir}/signcerts/{}-cert.pem", identity.common_name),
                identity.cert.pem.clone(),
            );
            files.insert(
                format!("{dir}/keystore/priv_sk"),
                identity.key.to_pkcs8_pem(),
            );
        }
        for ca in std::iter::once(&self.root_ca).chain(self.intermediate_ca.iter()) {
            files.insert(
                format!("{base}/ca/{}-key.pem", ca.name.common_name),
                ca.key().to_pkcs8_pem(),
            );
        }
    }
}

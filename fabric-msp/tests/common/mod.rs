//! Test helpers: certificate authorities, leaves and CRLs made with rcgen, MSP configurations
//! and principals.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use fabric_crypto::SigningKey;
use fabric_protos::common::msp_principal::Classification;
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::{MspPrincipal, MspRole, OrganizationUnit};
use fabric_protos::msp::{FabricMspConfig, FabricNodeOUs, FabricOuIdentifier, SerializedIdentity};
use prost::Message;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SerialNumber,
};

static SEED: AtomicU64 = AtomicU64::new(1);

/// A fresh deterministic P-256 key (distinct per call) as both a fabric-crypto signer and an
/// rcgen key pair.
pub fn new_key() -> (SigningKey, KeyPair) {
    let n = SEED.fetch_add(1, Ordering::Relaxed);
    let signing = SigningKey::from_seed(format!("fabric-msp test key {n}").as_bytes());
    let pair = KeyPair::try_from(signing.to_pkcs8_der().as_slice()).expect("rcgen accepts PKCS#8");
    (signing, pair)
}

fn next_serial() -> Vec<u8> {
    let n = SEED.fetch_add(1, Ordering::Relaxed);
    let mut serial = vec![0x10];
    serial.extend_from_slice(&n.to_be_bytes());
    serial
}

/// A certificate authority (root or intermediate).
pub struct TestCa {
    pub params: CertificateParams,
    pub key: KeyPair,
    pub signing: SigningKey,
    pub pem: String,
    pub der: Vec<u8>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "example.com");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2040, 1, 1);
    params.serial_number = Some(SerialNumber::from_slice(&next_serial()));
    params
}

impl TestCa {
    /// A self-signed root CA.
    pub fn root(name: &str) -> Self {
        Self::root_with(name, |_| {})
    }

    /// A self-signed root CA with adjusted parameters.
    pub fn root_with(name: &str, adjust: impl FnOnce(&mut CertificateParams)) -> Self {
        let (signing, key) = new_key();
        let mut params = ca_params(name);
        adjust(&mut params);
        let cert = params.self_signed(&key).expect("self-signed root");
        let der = canonical_low_s(cert.der().to_vec());
        Self {
            pem: to_pem(&der),
            der,
            params,
            key,
            signing,
        }
    }

    /// An intermediate CA signed by `self`.
    pub fn intermediate(&self, name: &str) -> Self {
        self.intermediate_with(name, |_| {})
    }

    /// An intermediate CA signed by `self`, with adjusted parameters.
    pub fn intermediate_with(
        &self,
        name: &str,
        adjust: impl FnOnce(&mut CertificateParams),
    ) -> Self {
        let (signing, key) = new_key();
        let mut params = ca_params(name);
        params.use_authority_key_identifier_extension = true;
        adjust(&mut params);
        let cert = params
            .signed_by(&key, &self.issuer())
            .expect("intermediate");
        let der = canonical_low_s(cert.der().to_vec());
        Self {
            pem: to_pem(&der),
            der,
            params,
            key,
            signing,
        }
    }

    /// This CA as an rcgen issuer.
    pub fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    /// A leaf (CA:false, AKI set, like cryptogen) with the given CN and OUs.
    pub fn leaf(&self, cn: &str, ous: &[&str]) -> TestLeaf {
        self.leaf_with(cn, ous, |_| {})
    }

    /// A leaf with adjusted parameters.
    pub fn leaf_with(
        &self,
        cn: &str,
        ous: &[&str],
        adjust: impl FnOnce(&mut CertificateParams),
    ) -> TestLeaf {
        let (signing, key) = new_key();
        let serial = next_serial();
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::OrganizationName, "example.com");
        // rcgen keeps one value per DnType; a custom type with the OU OID gives a second OU.
        assert!(ous.len() <= 2, "at most two OUs per test certificate");
        for (i, ou) in ous.iter().enumerate() {
            let ty = if i == 0 {
                DnType::OrganizationalUnitName
            } else {
                DnType::CustomDnType(vec![2, 5, 4, 11])
            };
            params.distinguished_name.push(ty, *ou);
        }
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        params.not_before = rcgen::date_time_ymd(2021, 1, 1);
        params.not_after = rcgen::date_time_ymd(2031, 1, 1);
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        adjust(&mut params);
        let cert = params.signed_by(&key, &self.issuer()).expect("leaf");
        let der = canonical_low_s(cert.der().to_vec());
        TestLeaf {
            pem: to_pem(&der),
            der,
            key: signing,
            serial,
        }
    }

    /// A PEM CRL signed by this CA listing `serials`.
    pub fn crl(&self, serials: &[&[u8]]) -> String {
        crl_signed_by(&self.issuer(), serials)
    }
}

/// A PEM CRL signed by `issuer` listing `serials`.
pub fn crl_signed_by(issuer: &Issuer<'_, &KeyPair>, serials: &[&[u8]]) -> String {
    let params = CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2022, 1, 1),
        next_update: rcgen::date_time_ymd(2023, 1, 1),
        crl_number: SerialNumber::from_slice(&[1]),
        issuing_distribution_point: None,
        revoked_certs: serials
            .iter()
            .map(|s| RevokedCertParams {
                serial_number: SerialNumber::from_slice(s),
                revocation_time: rcgen::date_time_ymd(2022, 1, 1),
                reason_code: None,
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    };
    params
        .signed_by(issuer)
        .expect("crl")
        .pem()
        .expect("crl pem")
}

/// An end-entity certificate and its key.
pub struct TestLeaf {
    pub pem: String,
    pub der: Vec<u8>,
    pub key: SigningKey,
    pub serial: Vec<u8>,
}

/// A `FabricMSPConfig` with the given roots, intermediates and admins (PEM strings).
pub fn msp_config(
    name: &str,
    roots: &[&str],
    intermediates: &[&str],
    admins: &[&str],
) -> FabricMspConfig {
    let pems = |list: &[&str]| {
        list.iter()
            .map(|p| Bytes::from(p.as_bytes().to_vec()))
            .collect()
    };
    FabricMspConfig {
        name: name.to_owned(),
        root_certs: pems(roots),
        intermediate_certs: pems(intermediates),
        admins: pems(admins),
        ..FabricMspConfig::default()
    }
}

/// A `FabricOUIdentifier` without certificate.
pub fn ou_id(ou: &str) -> FabricOuIdentifier {
    FabricOuIdentifier {
        certificate: Bytes::new(),
        organizational_unit_identifier: ou.to_owned(),
    }
}

/// NodeOUs `client`/`peer`/`admin`/`orderer` (enabled).
pub fn standard_node_ous() -> FabricNodeOUs {
    FabricNodeOUs {
        enable: true,
        client_ou_identifier: Some(ou_id("client")),
        peer_ou_identifier: Some(ou_id("peer")),
        admin_ou_identifier: Some(ou_id("admin")),
        orderer_ou_identifier: Some(ou_id("orderer")),
    }
}

/// Serialized `SerializedIdentity` bytes.
pub fn serialize(mspid: &str, id_bytes: &[u8]) -> Vec<u8> {
    SerializedIdentity {
        mspid: mspid.to_owned(),
        id_bytes: Bytes::from(id_bytes.to_vec()),
    }
    .encode_to_vec()
}

/// A ROLE principal.
pub fn role(msp: &str, role: MspRoleType) -> MspPrincipal {
    MspPrincipal {
        principal_classification: Classification::Role as i32,
        principal: MspRole {
            msp_identifier: msp.to_owned(),
            role: role as i32,
        }
        .encode_to_vec()
        .into(),
    }
}

/// An ORGANIZATION_UNIT principal.
pub fn ou_principal(msp: &str, ou: &str, certifiers: &[u8]) -> MspPrincipal {
    MspPrincipal {
        principal_classification: Classification::OrganizationUnit as i32,
        principal: OrganizationUnit {
            msp_identifier: msp.to_owned(),
            organizational_unit_identifier: ou.to_owned(),
            certifiers_identifier: Bytes::from(certifiers.to_vec()),
        }
        .encode_to_vec()
        .into(),
    }
}

/// SHA-256 of the concatenation of `ders`.
pub fn chain_hash(ders: &[&[u8]]) -> Vec<u8> {
    fabric_crypto::sha256(&ders.concat()).to_vec()
}

/// EKU helper re-export for tests.
pub fn eku(purposes: Vec<ExtendedKeyUsagePurpose>) -> impl FnOnce(&mut CertificateParams) {
    move |p: &mut CertificateParams| p.extended_key_usages = purposes
}

/// DER of ecdsa-with-SHA256 without parameters (what rcgen writes for P-256 keys).
const ECDSA_SHA256: [u8; 12] = [
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
}

/// Re-assembles a certificate with a new signature value (TBS untouched).
pub fn replace_signature(der: &[u8], signature: &[u8]) -> Vec<u8> {
    let cert = fabric_msp::Certificate::from_der(der).expect("parse");
    let mut bit = vec![0x03];
    push_len(&mut bit, signature.len() + 1);
    bit.push(0);
    bit.extend_from_slice(signature);
    let mut body = cert.tbs_der().to_vec();
    body.extend_from_slice(&ECDSA_SHA256);
    body.extend_from_slice(&bit);
    let mut out = vec![0x30];
    push_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn signature_of(der: &[u8]) -> fabric_crypto::EcdsaSignature {
    let cert = fabric_msp::Certificate::from_der(der).expect("parse");
    fabric_crypto::EcdsaSignature::from_der(cert.signature_value()).expect("signature")
}

/// rcgen (ring) signs with random nonces, so half its certificates are high-S. Test material
/// is normalised to low-S so that outcomes do not depend on chance.
pub fn canonical_low_s(der: Vec<u8>) -> Vec<u8> {
    let sig = signature_of(&der);
    if sig.is_low_s() {
        der
    } else {
        replace_signature(&der, &sig.to_low_s().to_der())
    }
}

/// The certificate with its (low-S) signature replaced by the high-S twin.
pub fn with_high_s_signature(der: &[u8]) -> Vec<u8> {
    let sig = signature_of(der);
    assert!(sig.is_low_s(), "test material is low-S");
    replace_signature(der, &sig.to_high_s_twin().to_der())
}

/// PEM armour for a certificate.
pub fn to_pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

//! Certificates and CRLs in cryptogen's shape, signed deterministically.
//!
//! rcgen builds the TBS structures; every signature comes from fabric-crypto's RFC 6979 signer
//! through [`RcgenSigner`], so regenerating from the same seed gives byte-identical DER.
//!
//! Shapes (Fabric's `internal/cryptogen/ca`):
//! * CA: subject `C, ST, L, O, CN`; KeyUsage (critical) digitalSignature, keyEncipherment,
//!   keyCertSign, cRLSign; ExtKeyUsage clientAuth, serverAuth; BasicConstraints (critical)
//!   CA:TRUE; SubjectKeyIdentifier = SHA-256 of the uncompressed public point (32 bytes); an
//!   intermediate CA also carries the AuthorityKeyIdentifier of its issuer.
//! * Leaf: subject `C, ST, L, [OU], CN` (no O, as cryptogen); KeyUsage (critical)
//!   digitalSignature; BasicConstraints (critical) CA:FALSE; AuthorityKeyIdentifier; no SKI.
//! * Strings are PrintableString when Go would choose it, UTF8String otherwise (e.g. with `@`).

use fabric_crypto::SigningKey;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension,
    DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod,
    KeyUsagePurpose, PublicKeyData, RevocationReason, RevokedCertParams, SerialNumber,
    SignatureAlgorithm,
};

use crate::clock::VALIDITY_DAYS;

/// Errors from certificate and CRL issuance.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// rcgen refused to build the certificate or CRL for `subject`.
    #[error("could not issue {what} for {subject:?}: {reason}")]
    Issue {
        /// "certificate" or "CRL".
        what: &'static str,
        /// The subject (or issuer, for a CRL) common name.
        subject: String,
        /// rcgen's message.
        reason: String,
    },
}

/// Adapts a fabric-crypto [`SigningKey`] to rcgen's signing traits (ECDSA P-256 / SHA-256).
pub struct RcgenSigner<'a> {
    key: &'a SigningKey,
    public: [u8; 65],
}

impl<'a> RcgenSigner<'a> {
    /// Wraps `key`.
    #[must_use]
    pub fn new(key: &'a SigningKey) -> Self {
        Self {
            key,
            public: *key.public_key().as_sec1(),
        }
    }
}

impl PublicKeyData for RcgenSigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for RcgenSigner<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.key.sign(msg))
    }
}

/// A subject's public key only (what a leaf contributes to its certificate).
struct SubjectKey([u8; 65]);

impl PublicKeyData for SubjectKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

/// A distinguished name in cryptogen's attribute order (Go's `pkix.Name` order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectName {
    /// C.
    pub country: String,
    /// ST.
    pub province: String,
    /// L.
    pub locality: String,
    /// O (CAs only in cryptogen).
    pub organization: Option<String>,
    /// OU (the NodeOU role, when NodeOUs are enabled).
    pub organizational_unit: Option<String>,
    /// CN.
    pub common_name: String,
}

impl SubjectName {
    /// `C=US, ST=California, L=San Francisco` plus the given O, OU and CN.
    #[must_use]
    pub fn cryptogen(
        organization: Option<&str>,
        organizational_unit: Option<&str>,
        common_name: &str,
    ) -> Self {
        Self {
            country: "US".to_owned(),
            province: "California".to_owned(),
            locality: "San Francisco".to_owned(),
            organization: organization.map(str::to_owned),
            organizational_unit: organizational_unit.map(str::to_owned),
            common_name: common_name.to_owned(),
        }
    }

    fn to_rcgen(&self) -> DistinguishedName {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, go_string(&self.country));
        dn.push(DnType::StateOrProvinceName, go_string(&self.province));
        dn.push(DnType::LocalityName, go_string(&self.locality));
        if let Some(o) = &self.organization {
            dn.push(DnType::OrganizationName, go_string(o));
        }
        if let Some(ou) = &self.organizational_unit {
            dn.push(DnType::OrganizationalUnitName, go_string(ou));
        }
        dn.push(DnType::CommonName, go_string(&self.common_name));
        dn
    }
}

/// Go's choice of string type: PrintableString when every character allows it, else UTF8String.
fn go_string(s: &str) -> DnValue {
    let printable = s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '\'' | '(' | ')' | '+' | ',' | '-' | '.' | '/' | ':' | '=' | '?'
            )
    });
    if printable {
        if let Ok(p) = rcgen::string::PrintableString::try_from(s) {
            return DnValue::PrintableString(p);
        }
    }
    DnValue::Utf8String(s.to_owned())
}

/// An issued certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCert {
    /// DER.
    pub der: Vec<u8>,
    /// PEM (Go's layout).
    pub pem: String,
    /// Serial number content bytes (big-endian, positive).
    pub serial: Vec<u8>,
}

/// A certificate authority: its parameters (needed to issue), key, certificate and SKI.
pub struct CertificateAuthority {
    params: CertificateParams,
    key: SigningKey,
    /// The CA certificate.
    pub cert: IssuedCert,
    /// SubjectKeyIdentifier = SHA-256 of the uncompressed public point (cryptogen's `computeSKI`).
    pub ski: Vec<u8>,
    /// The subject.
    pub name: SubjectName,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("name", &self.name)
            .field("ski", &hex::encode(&self.ski))
            .finish_non_exhaustive()
    }
}

/// A CRL as DER and PEM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCrl {
    /// DER.
    pub der: Vec<u8>,
    /// PEM (`X509 CRL`).
    pub pem: String,
}

/// The frozen NotBefore plus `seconds` (rcgen takes `time` dates; `time` is not a dependency of
/// ours, so the value is built from rcgen's own constructor).
macro_rules! frozen_date {
    ($seconds:expr) => {
        rcgen::date_time_ymd(2024, 1, 1) + std::time::Duration::from_secs($seconds)
    };
}

/// Seconds of certificate validity.
const VALIDITY_SECONDS: u64 = VALIDITY_DAYS as u64 * 86_400;

fn base_params(name: &SubjectName, serial: &[u8]) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.not_before = frozen_date!(0);
    params.not_after = frozen_date!(VALIDITY_SECONDS);
    params.serial_number = Some(SerialNumber::from_slice(serial));
    params.distinguished_name = name.to_rcgen();
    params
}

fn ca_params(name: &SubjectName, serial: &[u8], ski: &[u8]) -> CertificateParams {
    let mut params = base_params(name, serial);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    params.key_identifier_method = KeyIdMethod::PreSpecified(ski.to_vec());
    params
}

fn issue_error<'a>(
    what: &'static str,
    subject: &'a str,
) -> impl FnOnce(rcgen::Error) -> X509Error + 'a {
    move |e| X509Error::Issue {
        what,
        subject: subject.to_owned(),
        reason: e.to_string(),
    }
}

fn issued(der: &[u8], serial: &[u8]) -> IssuedCert {
    IssuedCert {
        der: der.to_vec(),
        pem: crate::pem::encode("CERTIFICATE", der),
        serial: serial.to_vec(),
    }
}

/// Makes a serial number from 16 seed bytes: positive, no leading zero byte (Go's 128-bit
/// random serials look like this).
#[must_use]
pub fn serial_from(bytes: [u8; 16]) -> Vec<u8> {
    let mut serial = bytes.to_vec();
    serial[0] &= 0x7f;
    if serial[0] == 0 {
        serial[0] = 0x01;
    }
    serial
}

impl CertificateAuthority {
    /// A self-signed root CA.
    ///
    /// # Errors
    /// [`X509Error`] when rcgen refuses the parameters.
    pub fn root(name: SubjectName, key: SigningKey, serial: &[u8]) -> Result<Self, X509Error> {
        let ski = fabric_crypto::sha256(key.public_key().as_sec1()).to_vec();
        let params = ca_params(&name, serial, &ski);
        let cert = params
            .self_signed(&RcgenSigner::new(&key))
            .map_err(issue_error("certificate", &name.common_name))?;
        Ok(Self {
            cert: issued(cert.der(), serial),
            params,
            key,
            ski,
            name,
        })
    }

    /// An intermediate CA signed by `self`.
    ///
    /// # Errors
    /// [`X509Error`] when rcgen refuses the parameters.
    pub fn intermediate(
        &self,
        name: SubjectName,
        key: SigningKey,
        serial: &[u8],
    ) -> Result<Self, X509Error> {
        let ski = fabric_crypto::sha256(key.public_key().as_sec1()).to_vec();
        let mut params = ca_params(&name, serial, &ski);
        params.use_authority_key_identifier_extension = true;
        let subject = SubjectKey(*key.public_key().as_sec1());
        let issuer = Issuer::from_params(&self.params, RcgenSigner::new(&self.key));
        let cert = params
            .signed_by(&subject, &issuer)
            .map_err(issue_error("certificate", &name.common_name))?;
        Ok(Self {
            cert: issued(cert.der(), serial),
            params,
            key,
            ski,
            name,
        })
    }

    /// A leaf (identity) certificate for `subject_key`, signed by `self`.
    ///
    /// # Errors
    /// [`X509Error`] when rcgen refuses the parameters.
    pub fn leaf(
        &self,
        name: &SubjectName,
        subject_key: &SigningKey,
        serial: &[u8],
    ) -> Result<IssuedCert, X509Error> {
        let mut params = base_params(name, serial);
        // cryptogen's leaves: BasicConstraints CA:FALSE (critical) but no SKI. rcgen only writes
        // CA:FALSE together with an SKI, so the extension is added by hand: SEQUENCE {}.
        params.is_ca = IsCa::NoCa;
        let mut basic_constraints =
            CustomExtension::from_oid_content(&[2, 5, 29, 19], vec![0x30, 0x00]);
        basic_constraints.set_criticality(true);
        params.custom_extensions = vec![basic_constraints];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let subject = SubjectKey(*subject_key.public_key().as_sec1());
        let issuer = Issuer::from_params(&self.params, RcgenSigner::new(&self.key));
        let cert = params
            .signed_by(&subject, &issuer)
            .map_err(issue_error("certificate", &name.common_name))?;
        Ok(issued(cert.der(), serial))
    }

    /// A CRL signed by `self` revoking `serials` (reason keyCompromise), dated on the frozen clock.
    ///
    /// # Errors
    /// [`X509Error`] when rcgen refuses the parameters.
    pub fn crl(&self, serials: &[Vec<u8>], crl_number: u64) -> Result<IssuedCrl, X509Error> {
        let this_update = frozen_date!(86_400);
        let params = CertificateRevocationListParams {
            this_update,
            next_update: frozen_date!(VALIDITY_SECONDS),
            crl_number: SerialNumber::from(crl_number),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|serial| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(serial),
                    revocation_time: this_update,
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::PreSpecified(self.ski.clone()),
        };
        let issuer = Issuer::from_params(&self.params, RcgenSigner::new(&self.key));
        let crl = params
            .signed_by(&issuer)
            .map_err(issue_error("CRL", &self.name.common_name))?;
        let der: &[u8] = crl.der();
        Ok(IssuedCrl {
            der: der.to_vec(),
            pem: crate::pem::encode("X509 CRL", der),
        })
    }

    /// The CA's signing key.
    #[must_use]
    pub fn key(&self) -> &SigningKey {
        &self.key
    }
}

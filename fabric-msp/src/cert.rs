//! X.509 certificates, parsed once into the facts the MSP needs.
//!
//! Parsing uses `x509-parser` plus the extra rejections of Go's `crypto/x509.ParseCertificate`
//! that matter on Fabric's validation path (spec 7.8): trailing bytes after the certificate,
//! negative or non-minimal serial numbers, outer and inner signature algorithms that differ,
//! duplicate extensions, malformed known extensions, ECDSA keys on curves Go does not know and
//! P-256 points that are not on the curve. The original DER is kept verbatim.

use fabric_crypto::P256PublicKey;
use x509_parser::asn1_rs::Tag;
use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate, X509Name};

use crate::der;
use crate::identity::MspError;

/// The signature algorithm of a certificate or CRL, as far as this crate distinguishes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// ecdsa-with-SHA1 (rejected as insecure by Go's chain verification).
    EcdsaSha1,
    /// ecdsa-with-SHA256: the only algorithm whose signatures this crate verifies.
    EcdsaSha256,
    /// ecdsa-with-SHA384 (ECDSA-signed, so sanitised, but not verifiable here).
    EcdsaSha384,
    /// ecdsa-with-SHA512 (ECDSA-signed, so sanitised, but not verifiable here).
    EcdsaSha512,
    /// Anything else, by dotted OID.
    Other(String),
}

impl SignatureAlgorithm {
    pub(crate) fn from_oid(oid: &str) -> Self {
        match oid {
            "1.2.840.10045.4.1" => Self::EcdsaSha1,
            "1.2.840.10045.4.3.2" => Self::EcdsaSha256,
            "1.2.840.10045.4.3.3" => Self::EcdsaSha384,
            "1.2.840.10045.4.3.4" => Self::EcdsaSha512,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether this is one of the ECDSA algorithms Fabric sanitises (`isECDSASignedCert`).
    #[must_use]
    pub fn is_ecdsa(&self) -> bool {
        matches!(
            self,
            Self::EcdsaSha1 | Self::EcdsaSha256 | Self::EcdsaSha384 | Self::EcdsaSha512
        )
    }

    /// A short human-readable name.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::EcdsaSha1 => "ecdsa-with-SHA1".to_owned(),
            Self::EcdsaSha256 => "ecdsa-with-SHA256".to_owned(),
            Self::EcdsaSha384 => "ecdsa-with-SHA384".to_owned(),
            Self::EcdsaSha512 => "ecdsa-with-SHA512".to_owned(),
            Self::Other(oid) => format!("signature algorithm {oid}"),
        }
    }
}

/// The subject public key of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An ECDSA P-256 key: the only kind this crate can verify with.
    P256(P256PublicKey),
    /// A key Fabric would import but this crate does not support (RSA, other ECDSA curves,
    /// Ed25519); the text names the algorithm.
    Unsupported(String),
}

/// Extended key usage as Go's chain verification sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExtKeyUsage {
    /// No EKU extension, or one with no usages at all: unconstrained.
    Unconstrained,
    /// An EKU list; `true` when it contains serverAuth or anyExtendedKeyUsage.
    Constrained { allows_server_auth: bool },
}

/// A parsed X.509 certificate: the verbatim DER plus every fact the MSP uses.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    pub(crate) tbs: std::ops::Range<usize>,
    pub(crate) algorithm_tlv: std::ops::Range<usize>,
    pub(crate) signature: std::ops::Range<usize>,
    pub(crate) signature_algorithm: SignatureAlgorithm,
    pub(crate) subject_raw: Vec<u8>,
    pub(crate) issuer_raw: Vec<u8>,
    pub(crate) spki_raw: Vec<u8>,
    /// Serial number magnitude without leading zero octets.
    pub(crate) serial: Vec<u8>,
    /// X.509 version as Go numbers it (1, 2 or 3).
    pub(crate) version: u32,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) public_key: PublicKey,
    /// `Some((is_ca, path_len))` when the BasicConstraints extension is present.
    pub(crate) basic_constraints: Option<(bool, Option<u32>)>,
    /// KeyUsage bits when the extension is present and non-zero.
    pub(crate) key_usage: Option<u16>,
    pub(crate) ext_key_usage: ExtKeyUsage,
    pub(crate) subject_key_id: Option<Vec<u8>>,
    pub(crate) authority_key_id: Option<Vec<u8>>,
    /// The raw value of the SubjectAltName extension, when present.
    pub(crate) subject_alt_name: Option<Vec<u8>>,
    pub(crate) has_name_constraints: bool,
    /// The first critical extension Go would not handle, by dotted OID.
    pub(crate) unhandled_critical: Option<String>,
    pub(crate) common_name: String,
    pub(crate) organizational_units: Vec<String>,
}

/// KeyUsage bit for keyCertSign in x509-parser's flag layout (bit 5 of the named bits).
pub(crate) const KEY_USAGE_CERT_SIGN: u16 = 1 << 5;

impl Certificate {
    /// Parses DER bytes as an X.509 certificate with Go's rejections (see the module docs).
    ///
    /// # Errors
    /// [`MspError::Certificate`] saying what is malformed.
    pub fn from_der(der: &[u8]) -> Result<Self, MspError> {
        parse(der).map_err(|e| MspError::Certificate(format!("parseCertificate failed: {e}")))
    }

    /// The certificate DER, exactly as parsed (after sanitisation, for identities).
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER of the to-be-signed part.
    #[must_use]
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The raw signature value (an ASN.1 DER ECDSA signature for ECDSA certificates).
    #[must_use]
    pub fn signature_value(&self) -> &[u8] {
        &self.der[self.signature.clone()]
    }

    /// The complete TLV of the outer signature AlgorithmIdentifier.
    #[must_use]
    pub(crate) fn algorithm_der(&self) -> &[u8] {
        &self.der[self.algorithm_tlv.clone()]
    }

    /// The signature algorithm.
    #[must_use]
    pub fn signature_algorithm(&self) -> &SignatureAlgorithm {
        &self.signature_algorithm
    }

    /// The subject public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Whether BasicConstraints says `CA: true` (Go's `IsCA`).
    #[must_use]
    pub fn is_ca(&self) -> bool {
        matches!(self.basic_constraints, Some((true, _)))
    }

    /// The Subject OU attribute values, in order (Go's `Subject.OrganizationalUnit`).
    #[must_use]
    pub fn organizational_units(&self) -> &[String] {
        &self.organizational_units
    }

    /// The Subject common name (the last CN attribute, as Go keeps it).
    #[must_use]
    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// The SubjectKeyIdentifier, when present.
    #[must_use]
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }

    /// NotBefore as Unix seconds.
    #[must_use]
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// NotAfter as Unix seconds.
    #[must_use]
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Serial number magnitude (big-endian, no leading zero octets).
    #[must_use]
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// Hex serial for messages.
    pub(crate) fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }

    /// Whether BasicConstraints is present (Go's `BasicConstraintsValid`).
    pub(crate) fn basic_constraints_valid(&self) -> bool {
        self.basic_constraints.is_some()
    }
}

fn offset_of(outer: &[u8], inner: &[u8]) -> std::ops::Range<usize> {
    // `inner` is always a sub-slice of `outer` here (both come from `der::split_signed(outer)`).
    let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
    start..start + inner.len()
}

fn parse(der: &[u8]) -> Result<Certificate, String> {
    let parts = der::split_signed(der, false)?;
    let inner_alg = der::tbs_certificate_signature_algorithm(parts.tbs)?;
    if inner_alg != parts.algorithm {
        return Err("x509: inner and outer signature algorithm identifiers don't match".into());
    }

    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("x509: trailing data ({} bytes)", rest.len()));
    }
    let tbs = &cert.tbs_certificate;

    let serial = normalise_serial(tbs.raw_serial())?;
    let version = tbs.version.0.saturating_add(1);
    if version > 3 {
        return Err(format!("x509: invalid version {version}"));
    }

    let public_key = parse_public_key(tbs)?;

    let mut seen = Vec::new();
    let mut basic_constraints = None;
    let mut key_usage = None;
    let mut ext_key_usage = ExtKeyUsage::Unconstrained;
    let mut subject_key_id = None;
    let mut authority_key_id = None;
    let mut subject_alt_name = None;
    let mut has_name_constraints = false;
    let mut unhandled_critical = None;

    for ext in tbs.extensions() {
        let oid = ext.oid.to_id_string();
        if seen.contains(&oid) {
            return Err(format!(
                "x509: certificate contains duplicate extension {oid}"
            ));
        }
        seen.push(oid.clone());
        let mut handled = true;
        match ext.parsed_extension() {
            ParsedExtension::ParseError { error } => {
                return Err(format!("x509: malformed extension {oid}: {error}"));
            }
            ParsedExtension::BasicConstraints(bc) => {
                basic_constraints = Some((bc.ca, bc.path_len_constraint));
            }
            ParsedExtension::KeyUsage(ku) => {
                // Go reads only the nine named bits.
                let flags = ku.flags & 0x1ff;
                if flags != 0 {
                    key_usage = Some(flags);
                }
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let any_listed = eku.any
                    || eku.server_auth
                    || eku.client_auth
                    || eku.code_signing
                    || eku.email_protection
                    || eku.time_stamping
                    || eku.ocsp_signing
                    || !eku.other.is_empty();
                if any_listed {
                    ext_key_usage = ExtKeyUsage::Constrained {
                        allows_server_auth: eku.any || eku.server_auth,
                    };
                }
            }
            ParsedExtension::SubjectKeyIdentifier(ski) => subject_key_id = Some(ski.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                use x509_parser::extensions::GeneralName;
                subject_alt_name = Some(ext.value.to_vec());
                let has_names = san.general_names.iter().any(|n| {
                    matches!(
                        n,
                        GeneralName::DNSName(_)
                            | GeneralName::RFC822Name(_)
                            | GeneralName::IPAddress(_)
                            | GeneralName::URI(_)
                    )
                });
                handled = has_names;
            }
            ParsedExtension::NameConstraints(_) => has_name_constraints = true,
            _ => {
                handled = matches!(
                    oid.as_str(),
                    "2.5.29.31"
                        | "2.5.29.32"
                        | "2.5.29.33"
                        | "2.5.29.36"
                        | "2.5.29.54"
                        | "1.3.6.1.5.5.7.1.1"
                );
            }
        }
        if ext.critical && !handled && unhandled_critical.is_none() {
            unhandled_critical = Some(oid);
        }
    }

    check_name_strings(&tbs.issuer)?;
    check_name_strings(&tbs.subject)?;
    let (common_name, organizational_units) = subject_strings(&tbs.subject);

    Ok(Certificate {
        der: der.to_vec(),
        tbs: offset_of(der, parts.tbs),
        algorithm_tlv: offset_of(der, parts.algorithm),
        signature: offset_of(der, parts.signature),
        signature_algorithm: SignatureAlgorithm::from_oid(
            &cert.signature_algorithm.algorithm.to_id_string(),
        ),
        subject_raw: tbs.subject.as_raw().to_vec(),
        issuer_raw: tbs.issuer.as_raw().to_vec(),
        spki_raw: tbs.subject_pki.raw.to_vec(),
        serial,
        version,
        not_before: tbs.validity.not_before.timestamp(),
        not_after: tbs.validity.not_after.timestamp(),
        public_key,
        basic_constraints,
        key_usage,
        ext_key_usage,
        subject_key_id,
        authority_key_id,
        subject_alt_name,
        has_name_constraints,
        unhandled_critical,
        common_name,
        organizational_units,
    })
}

/// Go (1.23+) rejects negative serials; DER integers must be minimal.
pub(crate) fn normalise_serial(raw: &[u8]) -> Result<Vec<u8>, String> {
    match raw {
        [] => Err("x509: malformed serial number (empty)".into()),
        [first, ..] if first & 0x80 != 0 => Err("x509: negative serial number".into()),
        [0, second, ..] if second & 0x80 == 0 => {
            Err("x509: malformed serial number (non-minimal encoding)".into())
        }
        _ => {
            let skip = raw.iter().take_while(|&&b| b == 0).count();
            Ok(raw[skip..].to_vec())
        }
    }
}

fn parse_public_key(
    tbs: &x509_parser::certificate::TbsCertificate<'_>,
) -> Result<PublicKey, String> {
    let spki = &tbs.subject_pki;
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string())
                .ok_or_else(|| "x509: ECDSA key without a named curve".to_owned())?;
            let point = spki.subject_public_key.data.as_ref();
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => {
                    if point.len() != 65 || point[0] != 0x04 {
                        return Err("x509: failed to unmarshal elliptic curve point".into());
                    }
                    P256PublicKey::from_sec1(point)
                        .map(PublicKey::P256)
                        .map_err(|e| format!("x509: failed to unmarshal elliptic curve point: {e}"))
                }
                "1.3.132.0.33" => Ok(PublicKey::Unsupported("ECDSA P-224".into())),
                "1.3.132.0.34" => Ok(PublicKey::Unsupported("ECDSA P-384".into())),
                "1.3.132.0.35" => Ok(PublicKey::Unsupported("ECDSA P-521".into())),
                other => Err(format!("x509: unsupported elliptic curve {other}")),
            }
        }
        "1.2.840.113549.1.1.1" => Ok(PublicKey::Unsupported("RSA".into())),
        "1.3.101.112" => Ok(PublicKey::Unsupported("Ed25519".into())),
        other => Ok(PublicKey::Unsupported(format!(
            "public key algorithm {other}"
        ))),
    }
}

/// Go's `parseName`: every attribute value of a Subject or Issuer must be one of the string
/// types Go understands, with valid contents, or the whole certificate fails to parse.
fn check_name_strings(name: &X509Name<'_>) -> Result<(), String> {
    for attr in name.iter_attributes() {
        let any = attr.attr_value();
        let data = any.data;
        let problem = match any.tag() {
            Tag::PrintableString => {
                (!data.iter().all(|&b| is_go_printable(b))).then_some("invalid PrintableString")
            }
            Tag::Utf8String => std::str::from_utf8(data)
                .is_err()
                .then_some("invalid UTF-8 string"),
            Tag::Ia5String => (!data.is_ascii()).then_some("invalid IA5String"),
            Tag::NumericString => (!data.iter().all(|&b| b.is_ascii_digit() || b == b' '))
                .then_some("invalid NumericString"),
            Tag::BmpString => (data.len() % 2 != 0).then_some("invalid BMPString"),
            Tag::T61String => None,
            other => {
                return Err(format!(
                "x509: invalid RDNSequence: invalid attribute value: unsupported string type: {}",
                other.0
            ))
            }
        };
        if let Some(problem) = problem {
            return Err(format!(
                "x509: invalid RDNSequence: invalid attribute value: {problem}"
            ));
        }
    }
    Ok(())
}

/// Go's `isPrintable` for PrintableString, including the `*` and `&` it tolerates.
fn is_go_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || (b'\''..=b')').contains(&b)
        || (b'+'..=b'/').contains(&b)
        || matches!(b, b' ' | b':' | b'=' | b'?' | b'*' | b'&')
}

/// Go's `pkix.Name.FillFromRDNSequence` for CN (last wins) and OU (all, in order); attribute
/// values that are not strings are skipped.
fn subject_strings(name: &X509Name<'_>) -> (String, Vec<String>) {
    let mut common_name = String::new();
    let mut ous = Vec::new();
    for attr in name.iter_attributes() {
        let oid = attr.attr_type().to_id_string();
        let is_cn = oid == "2.5.4.3";
        let is_ou = oid == "2.5.4.11";
        if !is_cn && !is_ou {
            continue;
        }
        let Some(value) = attribute_string(attr) else {
            continue;
        };
        if is_cn {
            common_name = value;
        } else {
            ous.push(value);
        }
    }
    (common_name, ous)
}

fn attribute_string(attr: &x509_parser::x509::AttributeTypeAndValue<'_>) -> Option<String> {
    if let Ok(s) = attr.as_str() {
        return Some(s.to_owned());
    }
    let any = attr.attr_value();
    let data = any.data;
    match any.tag() {
        // Go decodes the defunct T.61 encoding as ISO 8859-1 (Latin-1).
        Tag::T61String => Some(data.iter().map(|&b| char::from(b)).collect()),
        // Go strips one trailing NUL code unit and replaces invalid surrogates.
        Tag::BmpString => {
            if data.len() % 2 != 0 {
                return None;
            }
            let data = data.strip_suffix(&[0, 0]).unwrap_or(data);
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_rules_follow_go() {
        assert_eq!(normalise_serial(&[0x00, 0x80]).expect("ok"), vec![0x80]);
        assert_eq!(normalise_serial(&[0x01]).expect("ok"), vec![0x01]);
        assert!(normalise_serial(&[0x80])
            .expect_err("neg")
            .contains("negative"));
        assert!(normalise_serial(&[0x00, 0x01])
            .expect_err("nm")
            .contains("non-minimal"));
        assert!(normalise_serial(&[]).is_err());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        let err = Certificate::from_der(&[0x30, 0x03, 0x02, 0x01, 0x01]).expect_err("garbage");
        assert!(matches!(err, MspError::Certificate(_)), "{err}");
    }
}

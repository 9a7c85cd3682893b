//! Certificate revocation lists as Fabric's MSP uses them (spec 7.2 `revocation_list`, 7.3 step 4).
//!
//! Fabric parses each configured CRL with Go's `x509.ParseCRL` (PEM with a leading
//! `-----BEGIN X509 CRL` is accepted as well as DER) and "massages" ECDSA signatures into
//! canonical DER at setup (a signature that does not parse fails the setup). Only three facts are
//! used later: the AuthorityKeyIdentifier, the revoked serial numbers and the signature, which
//! must verify under the direct issuer of the certificate being checked. Dates are ignored.

use fabric_crypto::{EcdsaSignature, VerifyBackend};
use x509_parser::prelude::{FromDer, ParsedExtension};
use x509_parser::revocation_list::CertificateRevocationList;

use crate::cert::{Certificate, PublicKey, SignatureAlgorithm};
use crate::der;
use crate::identity::MspError;
use crate::pem;

/// One parsed CRL.
#[derive(Debug, Clone)]
pub struct RevocationList {
    tbs: Vec<u8>,
    signature_algorithm: SignatureAlgorithm,
    /// The canonicalised ECDSA signature (`None` for non-ECDSA algorithms).
    signature: Option<EcdsaSignature>,
    /// `Err` with the reason when the AuthorityKeyIdentifier is missing or malformed; Fabric
    /// fails every validation against this MSP in that case.
    authority_key_id: Result<Vec<u8>, String>,
    /// Revoked serials (magnitudes without leading zeros); negative serials are dropped since
    /// they can never equal a certificate serial (Go rejects negative certificate serials).
    revoked_serials: Vec<Vec<u8>>,
}

impl RevocationList {
    /// Parses one `revocation_list` entry (PEM `X509 CRL` or DER). `index` is only used in
    /// error messages.
    ///
    /// # Errors
    /// [`MspError::Config`] naming the entry when it does not parse or its ECDSA signature is
    /// not a valid DER signature.
    pub fn parse(bytes: &[u8], index: usize) -> Result<Self, MspError> {
        let fail = |why: String| {
            MspError::Config(format!(
                "could not parse RevocationList entry {index}: {why}"
            ))
        };
        let decoded;
        let mut der_bytes = bytes;
        if bytes.starts_with(b"-----BEGIN X509 CRL") {
            if let Some(block) = pem::decode_first_block(bytes) {
                if block.label == "X509 CRL" {
                    decoded = block.contents;
                    der_bytes = &decoded;
                }
            }
        }
        let parts = der::split_signed(der_bytes, false).map_err(fail)?;
        let (rest, crl) = CertificateRevocationList::from_der(der_bytes)
            .map_err(|e| fail(format!("x509: {e}")))?;
        if !rest.is_empty() {
            return Err(fail("x509: trailing data after CRL".into()));
        }

        let signature_algorithm =
            SignatureAlgorithm::from_oid(&crl.signature_algorithm.algorithm.to_id_string());
        let signature = if signature_algorithm.is_ecdsa() {
            Some(EcdsaSignature::from_der(parts.signature).map_err(|e| fail(e.to_string()))?)
        } else {
            None
        };

        let authority_key_id = match crl
            .tbs_cert_list
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == "2.5.29.35")
        {
            None => Err("authorityKeyIdentifier not found in certificate".to_owned()),
            Some(ext) => match ext.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(aki) => Ok(aki
                    .key_identifier
                    .as_ref()
                    .map(|k| k.0.to_vec())
                    .unwrap_or_default()),
                _ => Err("failed to unmarshal AKI".to_owned()),
            },
        };

        let revoked_serials = crl
            .iter_revoked_certificates()
            .filter_map(|rc| {
                let raw = rc.raw_serial();
                match raw.first() {
                    Some(first) if first & 0x80 == 0 => {
                        let skip = raw.iter().take_while(|&&b| b == 0).count();
                        Some(raw[skip..].to_vec())
                    }
                    _ => None,
                }
            })
            .collect();

        Ok(Self {
            tbs: parts.tbs.to_vec(),
            signature_algorithm,
            signature,
            authority_key_id,
            revoked_serials,
        })
    }

    /// The AuthorityKeyIdentifier, or why it could not be read.
    pub(crate) fn authority_key_id(&self) -> Result<&[u8], &str> {
        self.authority_key_id.as_deref().map_err(String::as_str)
    }

    /// Whether `serial` (a magnitude without leading zeros) is listed.
    pub(crate) fn lists(&self, serial: &[u8]) -> bool {
        self.revoked_serials.iter().any(|s| s == serial)
    }

    /// Go's `Certificate.CheckCRLSignature`: the CRL signature must verify under `issuer`'s key
    /// (no key-usage or basic-constraints checks; SHA-1 would be allowed but is not supported
    /// here, nor is any algorithm other than ecdsa-with-SHA256).
    pub(crate) fn check_signature_from(
        &self,
        issuer: &Certificate,
        backend: &dyn VerifyBackend,
    ) -> Result<(), String> {
        let PublicKey::P256(key) = issuer.public_key() else {
            return Err("the issuer key is not an ECDSA P-256 key".into());
        };
        match (&self.signature_algorithm, &self.signature) {
            (SignatureAlgorithm::EcdsaSha256, Some(sig)) => {
                if backend.verify_p256_sha256(key, &self.tbs, sig) {
                    Ok(())
                } else {
                    Err("x509: ECDSA verification failure".into())
                }
            }
            (alg, _) => Err(format!("CRL {} is not supported", alg.name())),
        }
    }
}

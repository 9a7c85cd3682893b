//! Low-S sanitisation of ECDSA certificate signatures (Fabric's `sanitizeECDSASignedCert`,
//! spec 7.1).
//!
//! The signature value is parsed with Go `encoding/asn1` rules, its `s` is replaced by `n - s`
//! when above half the order of the **issuer's** curve, and it is re-encoded as canonical DER.
//! Only when that changed the bytes is the certificate re-assembled: the TBS and the signature
//! AlgorithmIdentifier are copied verbatim, only the outer SEQUENCE and the signature BIT STRING
//! are written anew. The identity ID is then computed over the new DER.

use fabric_crypto::EcdsaSignature;

use crate::cert::{Certificate, PublicKey};
use crate::der;

/// Returns `cert` with a canonical low-S signature, judged against `issuer`'s curve.
///
/// `issuer` is the certificate itself for a root.
pub(crate) fn sanitize_with_issuer(
    cert: Certificate,
    issuer: &Certificate,
) -> Result<Certificate, String> {
    if let PublicKey::Unsupported(alg) = issuer.public_key() {
        return Err(format!(
            "cannot sanitise a signature made with a {alg} issuer key: not supported"
        ));
    }
    let signature = EcdsaSignature::from_der(cert.signature_value())
        .map_err(|e| format!("could not parse the certificate's ECDSA signature: {e}"))?;
    let expected = signature.to_low_s().to_der();
    if expected == cert.signature_value() {
        return Ok(cert);
    }
    let rebuilt = der::assemble_signed(cert.tbs_der(), cert.algorithm_der(), &expected);
    Certificate::from_der(&rebuilt)
        .map_err(|e| format!("re-parsing the sanitised certificate: {e}"))
}

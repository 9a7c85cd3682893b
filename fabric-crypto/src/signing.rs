//! Signing as Fabric's software signer does it (spec 7.6), with deterministic nonces.

use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};

use crate::error::KeyError;
use crate::P256PublicKey;

/// A P-256 private key that makes Fabric-style signatures: ECDSA over SHA-256 of the message,
/// nonce from RFC 6979 (so the same key and message always give the same bytes), `s`
/// normalised to the low half of the order, DER encoded.
#[derive(Clone)]
pub struct SigningKey {
    inner: p256::ecdsa::SigningKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Derives a key deterministically from arbitrary seed bytes (for fixtures): the scalar is
    /// SHA-256(counter ‖ seed) for the first counter that gives a valid scalar.
    #[must_use]
    pub fn from_seed(seed: &[u8]) -> Self {
        let mut counter: u32 = 0;
        loop {
            let mut input = counter.to_be_bytes().to_vec();
            input.extend_from_slice(seed);
            let candidate = crate::sha256(&input);
            if let Ok(inner) = p256::ecdsa::SigningKey::from_slice(&candidate) {
                return Self { inner };
            }
            // Astronomically unlikely (the scalar is zero or not below n): try the next one.
            counter = counter.wrapping_add(1);
        }
    }

    /// Reads an unencrypted PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`KeyError::PrivateKey`] when the PEM is not a P-256 PKCS#8 key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map(|inner| Self { inner })
            .map_err(|e| KeyError::PrivateKey(format!("PKCS#8 PEM: {e}")))
    }

    /// Reads an unencrypted PKCS#8 DER private key.
    ///
    /// # Errors
    /// [`KeyError::PrivateKey`] when the DER is not a P-256 PKCS#8 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        p256::ecdsa::SigningKey::from_pkcs8_der(der)
            .map(|inner| Self { inner })
            .map_err(|e| KeyError::PrivateKey(format!("PKCS#8 DER: {e}")))
    }

    /// The key as PKCS#8 PEM (LF line endings), as Fabric's keystore holds it.
    #[must_use]
    pub fn to_pkcs8_pem(&self) -> String {
        match self.inner.to_pkcs8_pem(LineEnding::LF) {
            Ok(pem) => pem.to_string(),
            // Encoding a valid in-memory P-256 key cannot fail.
            Err(e) => unreachable!("PKCS#8 encoding of a P-256 key failed: {e}"),
        }
    }

    /// The key as PKCS#8 DER.
    #[must_use]
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        match self.inner.to_pkcs8_der() {
            Ok(doc) => doc.as_bytes().to_vec(),
            // Encoding a valid in-memory P-256 key cannot fail.
            Err(e) => unreachable!("PKCS#8 encoding of a P-256 key failed: {e}"),
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> P256PublicKey {
        P256PublicKey::from_p256(&p256::PublicKey::from(self.inner.verifying_key()))
    }

    /// Signs SHA-256(`message`): DER, low-S, deterministic.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer;
        let signature: p256::ecdsa::Signature = self.inner.sign(message);
        let low = signature.normalize_s().unwrap_or(signature);
        low.to_der().as_bytes().to_vec()
    }
}

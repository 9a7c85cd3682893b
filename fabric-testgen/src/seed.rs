//! The seed everything is derived from: signing keys, certificate serial numbers, nonces.
//!
//! Every derived value is a pure function of the seed bytes and a label naming what it is for
//! (`"/Org1MSP/peer0"`, `"/txs/block1"`...), so adding a new consumer never shifts the values of
//! another one.

use fabric_crypto::SigningKey;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// The generator's seed: arbitrary bytes (the binary takes them from `--seed`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Seed(Vec<u8>);

impl Seed {
    /// A seed from any bytes.
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The seed bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The signing key for `label`: fabric-crypto's `SigningKey::from_seed(seed ‖ "/key" ‖ label)`.
    #[must_use]
    pub fn signing_key(&self, label: &str) -> SigningKey {
        SigningKey::from_seed(&self.labelled(b"/key", label))
    }

    /// A ChaCha20 stream for `label`, keyed with SHA-256(seed ‖ "/rng" ‖ label).
    #[must_use]
    pub fn rng(&self, label: &str) -> ChaCha20Rng {
        ChaCha20Rng::from_seed(fabric_crypto::sha256(&self.labelled(b"/rng", label)))
    }

    /// `N` pseudo-random bytes for `label` (the start of [`Seed::rng`]'s stream).
    #[must_use]
    pub fn bytes<const N: usize>(&self, label: &str) -> [u8; N] {
        let mut out = [0u8; N];
        self.rng(label).fill_bytes(&mut out);
        out
    }

    fn labelled(&self, domain: &[u8], label: &str) -> Vec<u8> {
        let mut input = Vec::with_capacity(self.0.len() + domain.len() + label.len());
        input.extend_from_slice(&self.0);
        input.extend_from_slice(domain);
        input.extend_from_slice(label.as_bytes());
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_seeds_separate_values() {
        let a = Seed::new("a");
        let b = Seed::new("b");
        assert_eq!(a.bytes::<16>("x"), a.bytes::<16>("x"));
        assert_ne!(a.bytes::<16>("x"), a.bytes::<16>("y"));
        assert_ne!(a.bytes::<16>("x"), b.bytes::<16>("x"));
        assert_eq!(
            a.signing_key("k").public_key().as_sec1(),
            a.signing_key("k").public_key().as_sec1()
        );
        assert_ne!(
            a.signing_key("k").public_key().as_sec1(),
            b.signing_key("k").public_key().as_sec1()
        );
    }
}

//! P-256 public keys.

use p256::elliptic_curve::sec1::ToEncodedPoint;

use crate::error::KeyError;

/// A P-256 public key, checked to be a point on the curve, kept in uncompressed SEC1 form
/// (`0x04 ‖ X ‖ Y`, 65 bytes) so that every backend can take it as it is.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct P256PublicKey {
    sec1: [u8; 65],
}

impl std::fmt::Debug for P256PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P256PublicKey(")?;
        self.sec1.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
        write!(f, ")")
    }
}

impl P256PublicKey {
    /// Parses a SEC1 point, compressed (33 bytes) or uncompressed (65 bytes).
    ///
    /// # Errors
    /// [`KeyError::PublicKey`] when the bytes are not a valid P-256 point.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, KeyError> {
        let key = p256::PublicKey::from_sec1_bytes(bytes).map_err(|_| {
            KeyError::PublicKey(format!(
                "{} bytes are not a SEC1-encoded point on P-256",
                bytes.len()
            ))
        })?;
        Ok(Self::from_p256(&key))
    }

    pub(crate) fn from_p256(key: &p256::PublicKey) -> Self {
        let point = key.to_encoded_point(false);
        let mut sec1 = [0u8; 65];
        // An uncompressed P-256 point is always 65 bytes.
        sec1.copy_from_slice(point.as_bytes());
        Self { sec1 }
    }

    /// The uncompressed SEC1 encoding.
    #[must_use]
    pub fn as_sec1(&self) -> &[u8; 65] {
        &self.sec1
    }
}

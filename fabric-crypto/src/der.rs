//! ECDSA signatures in ASN.1 DER, parsed with Go `encoding/asn1` rules.
//!
//! Fabric unmarshals `SEQUENCE { r INTEGER, s INTEGER }` with Go's asn1 package, whose rules a
//! byte-compatible verifier must follow exactly (spec 7.5):
//! * lengths in DER form (no indefinite length, no non-minimal long form);
//! * INTEGERs non-empty and minimally encoded; negative values parse (and are then rejected
//!   because `r` and `s` must be positive);
//! * elements after `s` inside the SEQUENCE are ignored (Go allows extra trailing fields in a
//!   SEQUENCE decoded into a struct), and so are bytes after the SEQUENCE.

use crate::error::SignatureError;
use crate::scalar::{self, HALF_ORDER, ORDER};

const TAG_INTEGER: u8 = 0x02;
const TAG_SEQUENCE: u8 = 0x30;

/// An ECDSA P-256 signature: two scalars, each 32 bytes big-endian, `0 < r, s < n`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EcdsaSignature {
    r: [u8; 32],
    s: [u8; 32],
}

impl std::fmt::Debug for EcdsaSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EcdsaSignature {{ r: ")?;
        self.r.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
        write!(f, ", s: ")?;
        self.s.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
        write!(f, " }}")
    }
}

impl EcdsaSignature {
    /// Parses a DER signature with Go's rules (see the module docs).
    ///
    /// # Errors
    /// [`SignatureError::Der`] naming the offending byte offset, or the range errors when `r` or
    /// `s` is not in `1..n`.
    pub fn from_der(der: &[u8]) -> Result<Self, SignatureError> {
        let (tag, body, rest) = read_tlv(der, 0)?;
        if tag != TAG_SEQUENCE {
            return Err(SignatureError::Der(format!(
                "expected SEQUENCE (0x30) at offset 0, found tag 0x{tag:02x}"
            )));
        }
        let body_start = der.len() - rest.len() - body.len();
        let (tag, r_bytes, after_r) = read_tlv(body, body_start)?;
        expect_integer(tag, body_start, "r")?;
        let s_start = body_start + (body.len() - after_r.len());
        let (tag, s_bytes, _ignored_extra_elements) = read_tlv(after_r, s_start)?;
        expect_integer(tag, s_start, "s")?;
        let r = positive_scalar(r_bytes, body_start, "r")?;
        let s = positive_scalar(s_bytes, s_start, "s")?;
        Self::from_scalars(r, s)
    }

    /// Builds a signature from two big-endian scalars.
    ///
    /// # Errors
    /// When either scalar is zero or not below the curve order.
    pub fn from_scalars(r: [u8; 32], s: [u8; 32]) -> Result<Self, SignatureError> {
        if scalar::is_zero(&r) {
            return Err(SignatureError::RNotPositive);
        }
        if scalar::is_zero(&s) {
            return Err(SignatureError::SNotPositive);
        }
        if r >= ORDER {
            return Err(SignatureError::OutOfRange("r"));
        }
        if s >= ORDER {
            return Err(SignatureError::OutOfRange("s"));
        }
        Ok(Self { r, s })
    }

    /// The `r` scalar, big-endian.
    #[must_use]
    pub fn r(&self) -> &[u8; 32] {
        &self.r
    }

    /// The `s` scalar, big-endian.
    #[must_use]
    pub fn s(&self) -> &[u8; 32] {
        &self.s
    }

    /// Whether `s ≤ ⌊n/2⌋`, the only form Fabric accepts.
    #[must_use]
    pub fn is_low_s(&self) -> bool {
        self.s <= HALF_ORDER
    }

    /// The low-S form of this signature (`s → n − s` when `s > ⌊n/2⌋`); both verify alike.
    #[must_use]
    pub fn to_low_s(&self) -> Self {
        if self.is_low_s() {
            *self
        } else {
            self.to_high_s_twin()
        }
    }

    /// The twin `(r, n − s)`: mathematically valid whenever `self` is, but with the other parity
    /// of S. Tests use it to check that high-S signatures are refused.
    #[must_use]
    pub fn to_high_s_twin(&self) -> Self {
        Self {
            r: self.r,
            s: scalar::sub(&ORDER, &self.s),
        }
    }

    /// The signature as 64 bytes `r ‖ s` (the "fixed" encoding).
    #[must_use]
    pub fn to_fixed(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r);
        out[32..].copy_from_slice(&self.s);
        out
    }

    /// Canonical minimal DER `SEQUENCE { r, s }`.
    #[must_use]
    pub fn to_der(&self) -> Vec<u8> {
        let r = der_integer(&self.r);
        let s = der_integer(&self.s);
        let body_len = r.len() + s.len();
        let mut out = Vec::with_capacity(body_len + 3);
        out.push(TAG_SEQUENCE);
        push_len(&mut out, body_len);
        out.extend_from_slice(&r);
        out.extend_from_slice(&s);
        out
    }
}

fn expect_integer(tag: u8, offset: usize, name: &str) -> Result<(), SignatureError> {
    if tag == TAG_INTEGER {
        Ok(())
    } else {
        Err(SignatureError::Der(format!(
            "expected INTEGER (0x02) for {name} at offset {offset}, found tag 0x{tag:02x}"
        )))
    }
}

/// Reads one tag-length-value at the start of `input`; `base` is its offset in the whole
/// signature, for messages. Returns (tag, value, rest).
fn read_tlv(input: &[u8], base: usize) -> Result<(u8, &[u8], &[u8]), SignatureError> {
    let err =
        |at: usize, what: &str| SignatureError::Der(format!("{what} at offset {}", base + at));
    let (&tag, after_tag) = input.split_first().ok_or_else(|| err(0, "missing tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(err(0, "high-tag-number form is not allowed"));
    }
    let (&first, after_len) = after_tag
        .split_first()
        .ok_or_else(|| err(1, "missing length"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), after_len)
    } else if first == 0x80 {
        return Err(err(1, "indefinite length is not allowed in DER"));
    } else {
        let n = usize::from(first & 0x7f);
        if n > std::mem::size_of::<u32>() {
            return Err(err(1, "length too large"));
        }
        if after_len.len() < n {
            return Err(err(2, "truncated length"));
        }
        let (len_bytes, rest) = after_len.split_at(n);
        if len_bytes[0] == 0 {
            return Err(err(2, "non-minimal length (leading zero)"));
        }
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 {
            return Err(err(1, "non-minimal length (long form for a short length)"));
        }
        (len, rest)
    };
    if rest.len() < len {
        return Err(err(
            input.len() - rest.len(),
            &format!(
                "value of {len} bytes overruns the {} bytes left",
                rest.len()
            ),
        ));
    }
    let (value, rest) = rest.split_at(len);
    Ok((tag, value, rest))
}

/// Checks Go's INTEGER rules and returns the value as a 32-byte scalar.
fn positive_scalar(
    value: &[u8],
    offset: usize,
    name: &'static str,
) -> Result<[u8; 32], SignatureError> {
    let not_positive = || {
        if name == "r" {
            SignatureError::RNotPositive
        } else {
            SignatureError::SNotPositive
        }
    };
    match value {
        [] => {
            return Err(SignatureError::Der(format!(
                "empty INTEGER for {name} at offset {offset}"
            )))
        }
        [0x00, next, ..] if next & 0x80 == 0 => {
            return Err(SignatureError::Der(format!(
                "INTEGER {name} at offset {offset} is not minimally encoded"
            )))
        }
        [0xff, next, ..] if next & 0x80 != 0 => {
            return Err(SignatureError::Der(format!(
                "INTEGER {name} at offset {offset} is not minimally encoded"
            )))
        }
        [first, ..] if first & 0x80 != 0 => return Err(not_positive()),
        _ => {}
    }
    let magnitude = match value {
        [0x00, rest @ ..] => rest,
        all => all,
    };
    if magnitude.len() > 32 {
        return Err(SignatureError::OutOfRange(name));
    }
    let mut out = [0u8; 32];
    out[32 - magnitude.len()..].copy_from_slice(magnitude);
    Ok(out)
}

/// Minimal DER INTEGER (tag, length, value) for a non-negative 32-byte scalar.
fn der_integer(scalar: &[u8; 32]) -> Vec<u8> {
    let first_nonzero = scalar.iter().position(|&b| b != 0).unwrap_or(31);
    let magnitude = &scalar[first_nonzero..];
    let pad = magnitude[0] & 0x80 != 0;
    let len = magnitude.len() + usize::from(pad);
    let mut out = Vec::with_capacity(len + 2);
    out.push(TAG_INTEGER);
    push_len(&mut out, len);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(magnitude);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Checked just above: fits in 7 bits.
        out.push(len as u8);
    } else {
        // A P-256 signature body is at most 70 bytes, so one length byte is enough.
        out.push(0x81);
        out.push(len as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(r: &[u8], s: &[u8]) -> Vec<u8> {
        let mut body = vec![TAG_INTEGER, r.len() as u8];
        body.extend_from_slice(r);
        body.extend_from_slice(&[TAG_INTEGER, s.len() as u8]);
        body.extend_from_slice(s);
        let mut out = vec![TAG_SEQUENCE, body.len() as u8];
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn round_trips_through_canonical_der() {
        let der = sig(&[0x01], &[0x00, 0x80]);
        let parsed = EcdsaSignature::from_der(&der).unwrap();
        assert_eq!(parsed.r()[31], 1);
        assert_eq!(parsed.s()[31], 0x80);
        assert_eq!(parsed.to_der(), der);
    }

    #[test]
    fn trailing_bytes_and_extra_elements_are_ignored_like_go() {
        let mut der = sig(&[0x05], &[0x07]);
        der.extend_from_slice(b"trailing");
        assert!(EcdsaSignature::from_der(&der).is_ok());
        // An extra INTEGER inside the SEQUENCE after s.
        let mut body = vec![2, 1, 5, 2, 1, 7, 2, 1, 9];
        let mut with_extra = vec![TAG_SEQUENCE, body.len() as u8];
        with_extra.append(&mut body);
        let parsed = EcdsaSignature::from_der(&with_extra).unwrap();
        assert_eq!(parsed.s()[31], 7);
    }

    #[test]
    fn non_minimal_integers_are_rejected() {
        let err = EcdsaSignature::from_der(&sig(&[0x00, 0x01], &[0x07])).unwrap_err();
        assert!(err.to_string().contains("not minimally encoded"), "{err}");
        let err = EcdsaSignature::from_der(&sig(&[0x01], &[0xff, 0x80])).unwrap_err();
        assert!(err.to_string().contains("not minimally encoded"), "{err}");
    }

    #[test]
    fn zero_and_negative_scalars_are_rejected() {
        assert_eq!(
            EcdsaSignature::from_der(&sig(&[0x00], &[0x07])),
            Err(SignatureError::RNotPositive)
        );
        assert_eq!(
            EcdsaSignature::from_der(&sig(&[0x05], &[0x80])),
            Err(SignatureError::SNotPositive)
        );
    }

    #[test]
    fn structural_errors_name_the_offset() {
        let err = EcdsaSignature::from_der(&[0x31, 0x00]).unwrap_err();
        assert!(err.to_string().contains("offset 0"), "{err}");
        let err = EcdsaSignature::from_der(&[0x30, 0x80, 0, 0]).unwrap_err();
        assert!(err.to_string().contains("indefinite"), "{err}");
        let err = EcdsaSignature::from_der(&[0x30, 0x81, 0x03, 2, 1, 1]).unwrap_err();
        assert!(err.to_string().contains("non-minimal length"), "{err}");
        let err = EcdsaSignature::from_der(&[0x30, 0x06, 2, 1, 1, 2, 5, 1]).unwrap_err();
        assert!(err.to_string().contains("overruns"), "{err}");
        assert!(EcdsaSignature::from_der(&[]).is_err());
    }

    #[test]
    fn scalars_at_or_above_the_order_are_rejected() {
        let mut r = vec![0x00];
        r.extend_from_slice(&ORDER);
        let err = EcdsaSignature::from_der(&sig(&r, &[0x01])).unwrap_err();
        assert_eq!(err, SignatureError::OutOfRange("r"));
    }

    #[test]
    fn high_s_twin_flips_parity_and_back() {
        let low = EcdsaSignature::from_scalars([1; 32], [2; 32]).unwrap();
        assert!(low.is_low_s());
        let high = low.to_high_s_twin();
        assert!(!high.is_low_s());
        assert_eq!(high.to_low_s(), low);
        assert_eq!(high.to_high_s_twin(), low);
    }
}

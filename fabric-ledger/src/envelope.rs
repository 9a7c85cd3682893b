//! Fabric's envelope well-formedness rule (`protoutil.VerifyTransactionsAreWellFormed`): each
//! `common.Envelope{1: payload, 2: signature}` must unmarshal, carry a non-empty payload and
//! signature, and re-marshal to exactly its original bytes.
//!
//! Re-marshalling follows the Go runtime: known fields in field-number order, each once (the
//! last occurrence wins when decoding), empty `bytes` fields omitted, minimal tags and lengths,
//! then the unknown fields verbatim in their original order. The comparison is done piece by
//! piece against the original bytes, without building the re-encoded envelope.

use std::ops::Range;

use crate::wire::{check_message, encode_varint, Fields, Kind, WireError};

/// Why an envelope is not well formed, in Fabric's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeIssue {
    /// It does not unmarshal as an Envelope (offsets relative to the envelope's first byte).
    Invalid(WireError),
    /// The payload is absent or empty.
    NoPayload,
    /// The signature is absent or empty.
    NoSignature,
    /// Re-marshalling gives this many bytes fewer than the original.
    TrailingBytes(usize),
    /// Same length, different bytes (fields out of order, non-minimal encodings, ...); the
    /// offset of the first differing byte.
    NotCanonical {
        /// First byte (relative to the envelope) where the re-encoding differs.
        first_difference: usize,
    },
}

/// The decoded shape of an envelope: last payload/signature occurrences and unknown fields.
struct EnvelopeFields {
    payload: Range<usize>,
    signature: Range<usize>,
    unknown: Vec<Range<usize>>,
}

fn decode(env: &[u8]) -> Result<EnvelopeFields, WireError> {
    let mut out = EnvelopeFields {
        payload: 0..0,
        signature: 0..0,
        unknown: Vec::new(),
    };
    for field in Fields::new(env, 0) {
        let field = field?;
        match field.number {
            1 => out.payload = field.expect_bytes(0)?,
            2 => out.signature = field.expect_bytes(0)?,
            _ => out.unknown.push(field.span),
        }
    }
    Ok(out)
}

/// Compares the re-encoding, given as consecutive pieces, against `raw`; returns the first
/// differing offset, or `None` when they are identical.
fn first_difference<'a>(raw: &[u8], pieces: impl Iterator<Item = &'a [u8]>) -> Option<usize> {
    let mut pos = 0;
    for piece in pieces {
        let actual = raw.get(pos..).unwrap_or(&[]);
        if let Some(i) = actual.iter().zip(piece).position(|(a, b)| a != b) {
            return Some(pos + i);
        }
        if actual.len() < piece.len() {
            return Some(pos + actual.len());
        }
        pos += piece.len();
    }
    (pos != raw.len()).then_some(pos)
}

/// Checks one envelope against Fabric's well-formedness rule.
///
/// # Errors
/// The first [`EnvelopeIssue`], in the order Fabric checks them.
pub fn check_well_formed(env: &[u8]) -> Result<(), EnvelopeIssue> {
    let fields = decode(env).map_err(EnvelopeIssue::Invalid)?;
    if fields.payload.is_empty() {
        return Err(EnvelopeIssue::NoPayload);
    }
    if fields.signature.is_empty() {
        return Err(EnvelopeIssue::NoSignature);
    }
    let mut headers = [[0u8; 11]; 2];
    let mut header_lens = [0usize; 2];
    for (i, (tag, r)) in [(0x0au8, &fields.payload), (0x12, &fields.signature)]
        .iter()
        .enumerate()
    {
        let mut len = [0u8; 10];
        let n = encode_varint(r.len() as u64, &mut len);
        headers[i][0] = *tag;
        headers[i][1..=n].copy_from_slice(&len[..n]);
        header_lens[i] = n + 1;
    }
    let expected_len = header_lens[0]
        + fields.payload.len()
        + header_lens[1]
        + fields.signature.len()
        + fields
            .unknown
            .iter()
            .map(ExactSizeIterator::len)
            .sum::<usize>();
    if expected_len < env.len() {
        return Err(EnvelopeIssue::TrailingBytes(env.len() - expected_len));
    }
    let pieces = [
        &headers[0][..header_lens[0]],
        &env[fields.payload.clone()],
        &headers[1][..header_lens[1]],
        &env[fields.signature.clone()],
    ]
    .into_iter()
    .chain(fields.unknown.iter().map(|r| &env[r.clone()]));
    match first_difference(env, pieces) {
        None => Ok(()),
        Some(first_difference) => Err(EnvelopeIssue::NotCanonical { first_difference }),
    }
}

const TIMESTAMP: &[(u32, Kind)] = &[(1, Kind::Varint), (2, Kind::Varint)];
const CHANNEL_HEADER: &[(u32, Kind)] = &[
    (1, Kind::Varint),
    (2, Kind::Varint),
    (3, Kind::Message(TIMESTAMP)),
    (4, Kind::Str),
    (5, Kind::Str),
    (6, Kind::Varint),
    (7, Kind::Bytes),
    (8, Kind::Bytes),
];
const HEADER: &[(u32, Kind)] = &[(1, Kind::Bytes), (2, Kind::Bytes)];
const PAYLOAD: &[(u32, Kind)] = &[(1, Kind::Message(HEADER)), (2, Kind::Bytes)];

/// `HeaderType::CONFIG`.
const HEADER_TYPE_CONFIG: u32 = 1;

/// True when the envelope is a CONFIG transaction (Fabric's `HasConfigTx` test): the envelope,
/// its payload and the payload's channel header all unmarshal, the payload has a header, and the
/// channel header's `type` (an int32) is CONFIG.
#[must_use]
pub fn is_config_envelope(env: &[u8]) -> bool {
    let Ok(fields) = decode(env) else {
        return false;
    };
    let payload = &env[fields.payload];
    if check_message(payload, 0, PAYLOAD).is_err() {
        return false;
    }
    // Payload.header may occur several times: messages merge, so the last channel_header wins.
    let mut has_header = false;
    let mut channel_header: &[u8] = &[];
    for field in Fields::new(payload, 0).flatten() {
        if field.number != 1 {
            continue;
        }
        has_header = true;
        let Ok(r) = field.expect_bytes(0) else {
            return false;
        };
        let header = &payload[r];
        for hf in Fields::new(header, 0).flatten() {
            if let (1, Ok(cr)) = (hf.number, hf.expect_bytes(0)) {
                channel_header = &header[cr];
            }
        }
    }
    if !has_header || check_message(channel_header, 0, CHANNEL_HEADER).is_err() {
        return false;
    }
    let mut header_type: u64 = 0;
    for field in Fields::new(channel_header, 0).flatten() {
        if field.number == 1 {
            if let Ok(v) = field.expect_varint(0) {
                header_type = v;
            }
        }
    }
    // Go reads an int32 field by truncating the varint to its low 32 bits.
    (header_type & 0xffff_ffff) as u32 == HEADER_TYPE_CONFIG
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(payload: &[u8], signature: &[u8]) -> Vec<u8> {
        let mut out = vec![0x0a, u8::try_from(payload.len()).unwrap()];
        out.extend_from_slice(payload);
        out.push(0x12);
        out.push(u8::try_from(signature.len()).unwrap());
        out.extend_from_slice(signature);
        out
    }

    #[test]
    fn canonical_envelope_passes() {
        assert_eq!(check_well_formed(&env(b"pay", b"sig")), Ok(()));
        // Unknown fields after the known ones are kept verbatim by Go, so still canonical.
        let mut e = env(b"pay", b"sig");
        e.extend_from_slice(&[0x18, 0x05]);
        assert_eq!(check_well_formed(&e), Ok(()));
    }

    #[test]
    fn doubled_envelope_has_trailing_bytes() {
        let one = env(b"payload", b"signature");
        let two = [one.clone(), one.clone()].concat();
        assert_eq!(
            check_well_formed(&two),
            Err(EnvelopeIssue::TrailingBytes(one.len()))
        );
    }

    #[test]
    fn order_encoding_and_emptiness_are_enforced() {
        let mut swapped = vec![0x12, 0x03];
        swapped.extend_from_slice(b"sig");
        swapped.extend_from_slice(&[0x0a, 0x03]);
        swapped.extend_from_slice(b"pay");
        assert_eq!(
            check_well_formed(&swapped),
            Err(EnvelopeIssue::NotCanonical {
                first_difference: 0
            })
        );
        // Non-minimal length varint: one byte longer than the re-encoding.
        let mut long_len = vec![0x0a, 0x83, 0x00];
        long_len.extend_from_slice(b"pay");
        long_len.extend_from_slice(&[0x12, 0x03]);
        long_len.extend_from_slice(b"sig");
        assert_eq!(
            check_well_formed(&long_len),
            Err(EnvelopeIssue::TrailingBytes(1))
        );
        assert_eq!(
            check_well_formed(&env(b"", b"sig")),
            Err(EnvelopeIssue::NoPayload)
        );
        assert_eq!(
            check_well_formed(&env(b"pay", b"")),
            Err(EnvelopeIssue::NoSignature)
        );
        assert!(matches!(
            check_well_formed(&[0x08, 0x01]),
            Err(EnvelopeIssue::Invalid(_))
        ));
    }

    #[test]
    fn config_envelopes_are_recognised() {
        // ChannelHeader{type: 1} inside Header inside Payload inside Envelope.
        let channel_header = [0x08, 0x01];
        let header = [&[0x0a, 0x02][..], &channel_header].concat();
        let payload = [&[0x0a, 0x04][..], &header].concat();
        assert!(is_config_envelope(&env(&payload, b"s")));
        let endorser_header = [0x0a, 0x04, 0x0a, 0x02, 0x08, 0x03];
        assert!(!is_config_envelope(&env(&endorser_header, b"s")));
        // A payload without a header is not a config transaction.
        assert!(!is_config_envelope(&env(&[0x12, 0x01, 0x00], b"s")));
    }

    /// Go-style re-marshalling built as a byte vector (the slow, obvious way).
    fn naive_remarshal(env: &[u8]) -> Result<Vec<u8>, WireError> {
        let f = decode(env)?;
        let mut out = Vec::new();
        for (tag, r) in [(0x0au8, &f.payload), (0x12, &f.signature)] {
            if !r.is_empty() {
                let mut len = [0u8; 10];
                let n = encode_varint(r.len() as u64, &mut len);
                out.push(tag);
                out.extend_from_slice(&len[..n]);
                out.extend_from_slice(&env[r.clone()]);
            }
        }
        for r in &f.unknown {
            out.extend_from_slice(&env[r.clone()]);
        }
        Ok(out)
    }

    /// One field as raw bytes: payload / signature (possibly with a padded length), or unknown.
    fn field_strategy() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        (
            0u8..4,
            proptest::collection::vec(any::<u8>(), 0..20),
            any::<bool>(),
        )
            .prop_map(|(kind, body, pad)| {
                let tag = match kind {
                    0 => 0x0a,
                    1 => 0x12,
                    2 => 0x1a,
                    _ => return vec![0x20, body.first().copied().unwrap_or(0) & 0x7f],
                };
                let mut out = vec![tag];
                let len = u8::try_from(body.len()).unwrap();
                if pad {
                    out.extend_from_slice(&[len | 0x80, 0x00]);
                } else {
                    out.push(len);
                }
                out.extend_from_slice(&body);
                out
            })
    }

    proptest::proptest! {
        #[test]
        fn piecewise_check_agrees_with_naive_remarshal(
            fields in proptest::collection::vec(field_strategy(), 0..5),
        ) {
            let env = fields.concat();
            let expected = match naive_remarshal(&env) {
                Err(e) => Err(EnvelopeIssue::Invalid(e)),
                Ok(_) if decode(&env).unwrap().payload.is_empty() => Err(EnvelopeIssue::NoPayload),
                Ok(_) if decode(&env).unwrap().signature.is_empty() => {
                    Err(EnvelopeIssue::NoSignature)
                }
                Ok(re) if re.len() < env.len() => Err(EnvelopeIssue::TrailingBytes(env.len() - re.len())),
                Ok(re) if re != env => Err(EnvelopeIssue::NotCanonical {
                    first_difference: re.iter().zip(&env).position(|(a, b)| a != b).unwrap(),
                }),
                Ok(_) => Ok(()),
            };
            proptest::prop_assert_eq!(check_well_formed(&env), expected);
        }
    }
}

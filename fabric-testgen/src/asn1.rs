//! The few DER encodings Fabric hashes: the block header `SEQUENCE { INTEGER number,
//! OCTET STRING previous_hash, OCTET STRING data_hash }` (Go `encoding/asn1` with a
//! non-negative `big.Int`, spec 8.1).

/// DER of a block header as Fabric's `protoutil.BlockHeaderBytes` writes it.
#[must_use]
pub fn block_header_der(number: u64, previous_hash: &[u8], data_hash: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(16 + previous_hash.len() + data_hash.len());
    body.extend(tlv(0x02, &unsigned_integer(number)));
    body.extend(tlv(0x04, previous_hash));
    body.extend(tlv(0x04, data_hash));
    tlv(0x30, &body)
}

/// Minimal two's-complement content of a non-negative integer (0 → `00`; a leading `00` when
/// the top bit would otherwise be set).
fn unsigned_integer(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = Vec::with_capacity(9);
    if bytes[first] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[first..]);
    out
}

/// Tag, definite length (short form below 128, else minimal long form), content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 10);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        // Fits in seven bits by the branch condition.
        out.push(len as u8);
    } else {
        let len_bytes = (len as u64).to_be_bytes();
        let first = len_bytes.iter().position(|&b| b != 0).unwrap_or(7);
        // At most 8 length bytes, so the count fits in the low seven bits.
        out.push(0x80 | (8 - first) as u8);
        out.extend_from_slice(&len_bytes[first..]);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_non_negative() {
        assert_eq!(unsigned_integer(0), vec![0]);
        assert_eq!(unsigned_integer(127), vec![0x7f]);
        assert_eq!(unsigned_integer(128), vec![0x00, 0x80]);
        assert_eq!(unsigned_integer(256), vec![0x01, 0x00]);
        assert_eq!(
            unsigned_integer(u64::MAX),
            vec![0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn header_layout_matches_go_asn1() {
        let der = block_header_der(1, &[], &[0xaa; 32]);
        let mut expected = vec![0x30, 3 + 2 + 34, 0x02, 0x01, 0x01, 0x04, 0x00, 0x04, 0x20];
        expected.extend([0xaa; 32]);
        assert_eq!(der, expected);
    }

    #[test]
    fn long_lengths_use_long_form() {
        let der = tlv(0x04, &[0u8; 200]);
        assert_eq!(&der[..3], &[0x04, 0x81, 200]);
        let der = tlv(0x04, &[0u8; 300]);
        assert_eq!(&der[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}

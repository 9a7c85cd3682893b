//! The block header hash: SHA-256 over the ASN.1 DER encoding of
//! `SEQUENCE { INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash }`
//! (Fabric's `protoutil.BlockHeaderBytes` / `BlockHeaderHash`).

use sha2::{Digest, Sha256};

/// DER tag of SEQUENCE (constructed).
const TAG_SEQUENCE: u8 = 0x30;
/// DER tag of INTEGER.
const TAG_INTEGER: u8 = 0x02;
/// DER tag of OCTET STRING.
const TAG_OCTET_STRING: u8 = 0x04;

/// Appends a DER length: short form below 128, otherwise long form with the minimal number of
/// big-endian length bytes.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Checked just above: fits in 7 bits.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = &bytes[skip..];
    // At most size_of::<usize>() (<= 16) bytes, so the count fits in the low 7 bits.
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// The content octets of a non-negative INTEGER: minimal big-endian, with a leading zero when
/// the top bit would otherwise make it negative.
fn integer_content(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    // Keep at least one byte (zero is encoded as a single 0x00).
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut content = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[skip..]);
    content
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    push_len(out, content.len());
    out.extend_from_slice(content);
}

/// The DER bytes Fabric hashes for a block header.
///
/// Hashes are usually 32 bytes, but any length is encoded correctly (long-form lengths).
#[must_use]
pub fn header_der(number: u64, previous_hash: &[u8], data_hash: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(16 + previous_hash.len() + data_hash.len());
    push_tlv(&mut body, TAG_INTEGER, &integer_content(number));
    push_tlv(&mut body, TAG_OCTET_STRING, previous_hash);
    push_tlv(&mut body, TAG_OCTET_STRING, data_hash);
    let mut out = Vec::with_capacity(body.len() + 6);
    push_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

/// SHA-256 of [`header_der`]: the value the next block's `previous_hash` must equal.
#[must_use]
pub fn header_hash(number: u64, previous_hash: &[u8], data_hash: &[u8]) -> [u8; 32] {
    Sha256::digest(header_der(number, previous_hash, data_hash)).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_non_negative() {
        assert_eq!(integer_content(0), vec![0x00]);
        assert_eq!(integer_content(1), vec![0x01]);
        assert_eq!(integer_content(127), vec![0x7f]);
        assert_eq!(integer_content(128), vec![0x00, 0x80]);
        assert_eq!(integer_content(255), vec![0x00, 0xff]);
        assert_eq!(integer_content(256), vec![0x01, 0x00]);
        assert_eq!(integer_content(0x7fff), vec![0x7f, 0xff]);
        assert_eq!(
            integer_content(u64::MAX),
            vec![0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn lengths_switch_to_long_form_at_128() {
        let mut out = Vec::new();
        push_len(&mut out, 127);
        assert_eq!(out, vec![0x7f]);
        out.clear();
        push_len(&mut out, 128);
        assert_eq!(out, vec![0x81, 0x80]);
        out.clear();
        push_len(&mut out, 256);
        assert_eq!(out, vec![0x82, 0x01, 0x00]);
        out.clear();
        push_len(&mut out, 70_000);
        assert_eq!(out, vec![0x83, 0x01, 0x11, 0x70]);
    }

    #[test]
    fn genesis_header_layout() {
        // Block 0, empty previous hash, 32-byte data hash.
        let data_hash = [0xabu8; 32];
        let der = header_der(0, &[], &data_hash);
        let mut expected = vec![0x30, 39, 0x02, 0x01, 0x00, 0x04, 0x00, 0x04, 32];
        expected.extend_from_slice(&data_hash);
        assert_eq!(der, expected);
    }

    #[test]
    fn long_hashes_give_long_form_sequence_length() {
        let prev = [1u8; 100];
        let data = [2u8; 100];
        let der = header_der(300, &prev, &data);
        // body = INTEGER(2+2) + OCTET(2+100) + OCTET(2+100) = 208 bytes.
        assert_eq!(&der[..7], &[0x30, 0x81, 208, 0x02, 0x02, 0x01, 0x2c]);
        assert_eq!(der.len(), 3 + 208);
    }
}

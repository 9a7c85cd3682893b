//! A minimal DER reader and writer for the outer shape of signed X.509 objects.
//!
//! Certificates and CRLs are `SEQUENCE { tbs, signatureAlgorithm, signatureValue BIT STRING }`.
//! Verification and sanitisation need the exact original bytes of `tbs` and of the algorithm
//! identifier, so this module splits the outer SEQUENCE into borrowed slices and, for the
//! low-S re-assembly, writes a new outer SEQUENCE around the untouched pieces.

/// The three parts of a signed X.509 object, borrowed from the original DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedParts<'a> {
    /// The complete TLV of the to-be-signed structure (what the signature covers).
    pub tbs: &'a [u8],
    /// The complete TLV of the outer `signatureAlgorithm` AlgorithmIdentifier.
    pub algorithm: &'a [u8],
    /// The signature bytes (BIT STRING contents without the unused-bits octet).
    pub signature: &'a [u8],
}

/// One DER element read from the front of a buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The (single-octet) tag.
    pub tag: u8,
    /// The whole element: tag, length and contents.
    pub whole: &'a [u8],
    /// The contents octets.
    pub contents: &'a [u8],
    /// What follows the element.
    pub rest: &'a [u8],
}

/// Reads one DER TLV at the start of `input`.
///
/// Lengths must be definite and minimally encoded (DER), as Go's parsers require.
pub(crate) fn read_tlv(input: &[u8]) -> Result<Tlv<'_>, String> {
    let (&tag, after_tag) = input
        .split_first()
        .ok_or_else(|| "unexpected end of data while reading a tag".to_owned())?;
    if tag & 0x1f == 0x1f {
        return Err(format!(
            "high tag number form (tag byte 0x{tag:02x}) is not supported"
        ));
    }
    let (&first, after_len) = after_tag
        .split_first()
        .ok_or_else(|| "unexpected end of data while reading a length".to_owned())?;
    let (len, header_len, body) = if first < 0x80 {
        (usize::from(first), 2, after_len)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 {
            return Err("indefinite length is not allowed in DER".to_owned());
        }
        if count > 4 || after_len.len() < count {
            return Err(format!(
                "length of {count} octets is not supported or truncated"
            ));
        }
        let (len_bytes, body) = after_len.split_at(count);
        if len_bytes[0] == 0 {
            return Err("non-minimal length encoding (leading zero octet)".to_owned());
        }
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 {
            return Err(format!("non-minimal length encoding of {len}"));
        }
        (len, 2 + count, body)
    };
    if body.len() < len {
        return Err(format!(
            "element of {len} bytes is truncated (only {} available)",
            body.len()
        ));
    }
    let total = header_len + len;
    Ok(Tlv {
        tag,
        whole: &input[..total],
        contents: &body[..len],
        rest: &input[total..],
    })
}

/// Splits a signed object (certificate or CRL) into its three parts.
///
/// `allow_trailing` decides whether bytes after the outer SEQUENCE are accepted.
pub(crate) fn split_signed(der: &[u8], allow_trailing: bool) -> Result<SignedParts<'_>, String> {
    let Tlv {
        tag,
        contents,
        rest,
        ..
    } = read_tlv(der)?;
    if tag != 0x30 {
        return Err(format!("expected an outer SEQUENCE, found tag 0x{tag:02x}"));
    }
    if !allow_trailing && !rest.is_empty() {
        return Err(format!(
            "{} trailing bytes after the outer SEQUENCE",
            rest.len()
        ));
    }
    let Tlv {
        tag: tbs_tag,
        whole: tbs,
        rest: after_tbs,
        ..
    } = read_tlv(contents)?;
    if tbs_tag != 0x30 {
        return Err(format!(
            "expected the to-be-signed SEQUENCE, found tag 0x{tbs_tag:02x}"
        ));
    }
    let Tlv {
        tag: alg_tag,
        whole: algorithm,
        rest: after_alg,
        ..
    } = read_tlv(after_tbs)?;
    if alg_tag != 0x30 {
        return Err(format!(
            "expected the signature AlgorithmIdentifier SEQUENCE, found tag 0x{alg_tag:02x}"
        ));
    }
    let Tlv {
        tag: sig_tag,
        contents: sig_contents,
        rest: after_sig,
        ..
    } = read_tlv(after_alg)?;
    if sig_tag != 0x03 {
        return Err(format!(
            "expected the signature BIT STRING, found tag 0x{sig_tag:02x}"
        ));
    }
    if !after_sig.is_empty() {
        return Err(format!(
            "{} unexpected bytes after the signature BIT STRING",
            after_sig.len()
        ));
    }
    let (&unused_bits, signature) = sig_contents
        .split_first()
        .ok_or_else(|| "empty signature BIT STRING".to_owned())?;
    if unused_bits != 0 {
        return Err(format!(
            "signature BIT STRING has {unused_bits} unused bits"
        ));
    }
    Ok(SignedParts {
        tbs,
        algorithm,
        signature,
    })
}

/// Returns the complete TLV of the `signature` AlgorithmIdentifier inside a TBSCertificate
/// (after the optional `[0]` version and the serial number).
pub(crate) fn tbs_certificate_signature_algorithm(tbs: &[u8]) -> Result<&[u8], String> {
    let contents = read_tlv(tbs)?.contents;
    let first = read_tlv(contents)?;
    let mut rest = first.rest;
    if first.tag == 0xa0 {
        let serial = read_tlv(rest)?;
        if serial.tag != 0x02 {
            return Err(format!(
                "expected the serial INTEGER, found tag 0x{:02x}",
                serial.tag
            ));
        }
        rest = serial.rest;
    } else if first.tag != 0x02 {
        return Err(format!(
            "expected the serial INTEGER, found tag 0x{:02x}",
            first.tag
        ));
    }
    let algorithm = read_tlv(rest)?;
    if algorithm.tag != 0x30 {
        return Err(format!(
            "expected the TBS AlgorithmIdentifier, found tag 0x{:02x}",
            algorithm.tag
        ));
    }
    Ok(algorithm.whole)
}

/// Appends a DER length to `out`.
fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Fits in one octet by the branch condition.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let significant = &bytes[skip..];
    // At most size_of::<usize>() octets, so the count fits in 7 bits.
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// Builds `SEQUENCE { tbs, algorithm, BIT STRING(signature) }` from the original `tbs` and
/// `algorithm` TLVs (copied verbatim) and a new signature value.
pub(crate) fn assemble_signed(tbs: &[u8], algorithm: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut bit_string = Vec::with_capacity(signature.len() + 4);
    bit_string.push(0x03);
    push_length(&mut bit_string, signature.len() + 1);
    bit_string.push(0x00);
    bit_string.extend_from_slice(signature);

    let inner_len = tbs.len() + algorithm.len() + bit_string.len();
    let mut out = Vec::with_capacity(inner_len + 6);
    out.push(0x30);
    push_length(&mut out, inner_len);
    out.extend_from_slice(tbs);
    out.extend_from_slice(algorithm);
    out.extend_from_slice(&bit_string);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assemble_then_split_round_trips() {
        let tbs = [0x30, 0x03, 0x02, 0x01, 0x05];
        let alg = [0x30, 0x02, 0x05, 0x00];
        let sig = vec![0xAB; 200];
        let der = assemble_signed(&tbs, &alg, &sig);
        let parts = split_signed(&der, false).expect("split");
        assert_eq!(parts.tbs, &tbs);
        assert_eq!(parts.algorithm, &alg);
        assert_eq!(parts.signature, sig.as_slice());
    }

    #[test]
    fn non_minimal_lengths_and_trailing_bytes_are_reported() {
        assert!(read_tlv(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0])
            .expect_err("non-minimal")
            .contains("non-minimal"));
        assert!(read_tlv(&[0x30, 0x80])
            .expect_err("indefinite")
            .contains("indefinite"));
        assert!(read_tlv(&[0x30, 0x05, 0])
            .expect_err("truncated")
            .contains("truncated"));
        let mut der = assemble_signed(&[0x30, 0x00], &[0x30, 0x00], &[1, 2]);
        der.push(0);
        assert!(split_signed(&der, false)
            .expect_err("trailing")
            .contains("trailing"));
        assert!(split_signed(&der, true).is_ok());
    }
}

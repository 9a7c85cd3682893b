//! Lenient PEM decoding with the semantics of Go's `encoding/pem.Decode` (spec 7.1).
//!
//! Fabric decodes `SerializedIdentity.id_bytes` and every certificate of an MSP configuration
//! with `pem.Decode`, which is far more forgiving than RFC 7468:
//!
//! * the **first** well-formed block wins; anything before it (text, broken blocks) is skipped;
//! * `Key: value` header lines after the `BEGIN` line are allowed (and ignored by Fabric);
//! * the block **type is not checked** (`-----BEGIN FOO-----` is as good as `CERTIFICATE`), but
//!   the `END` line must repeat the `BEGIN` type;
//! * anything after the block is ignored;
//! * spaces and tabs inside the base64 body are removed, and the decoder ignores `\r` and `\n`;
//!   padding is required (Go's `base64.StdEncoding`), non-zero trailing bits are tolerated.
//!
//! A candidate block that fails any rule is skipped and the search goes on after its `BEGIN` line,
//! exactly as Go does.

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine;

/// Go's `base64.StdEncoding`: standard alphabet, padding required, trailing bits not checked.
const GO_STD_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

const PEM_START: &[u8] = b"\n-----BEGIN ";
const PEM_END: &[u8] = b"\n-----END ";
const PEM_END_OF_LINE: &[u8] = b"-----";

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The type from the `BEGIN` line (for example `CERTIFICATE`); never checked by Fabric.
    pub label: String,
    /// `Key: value` header lines, in order of appearance.
    pub headers: Vec<(String, String)>,
    /// The base64-decoded body.
    pub contents: Vec<u8>,
}

/// Decodes the first PEM block found in `data`, Go `pem.Decode` style.
///
/// Returns `None` when no well-formed block exists (Fabric: "could not decode the PEM
/// structure").
#[must_use]
pub fn decode_first_block(data: &[u8]) -> Option<PemBlock> {
    let mut rest = data;
    loop {
        // Find the next "-----BEGIN " at the very start or after a newline.
        if let Some(after) = rest.strip_prefix(&PEM_START[1..]) {
            rest = after;
        } else if let Some(pos) = find(rest, PEM_START) {
            rest = &rest[pos + PEM_START.len()..];
        } else {
            return None;
        }

        let (type_line, after_type) = get_line(rest);
        rest = after_type;
        let Some(label) = type_line.strip_suffix(PEM_END_OF_LINE) else {
            continue;
        };

        // Header lines: "key: value" until the first line without a colon.
        let mut headers = Vec::new();
        let mut body = rest;
        let mut truncated = false;
        loop {
            if body.is_empty() {
                truncated = true;
                break;
            }
            let (line, next) = get_line(body);
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                break;
            };
            let key = trim_space(&line[..colon]);
            let value = trim_space(&line[colon + 1..]);
            headers.push((
                String::from_utf8_lossy(key).into_owned(),
                String::from_utf8_lossy(value).into_owned(),
            ));
            body = next;
        }
        if truncated {
            // Go returns "no block" for the whole input here.
            return None;
        }

        // If there were no headers, the END line may follow immediately without a newline.
        let (end_index, end_trailer_index) =
            if headers.is_empty() && body.starts_with(&PEM_END[1..]) {
                (0, PEM_END.len() - 1)
            } else if let Some(i) = find(body, PEM_END) {
                (i, i + PEM_END.len())
            } else {
                continue;
            };

        // After "-----END " there must be the same type and five dashes, then only whitespace.
        let end_trailer = &body[end_trailer_index..];
        let end_trailer_len = label.len() + PEM_END_OF_LINE.len();
        if end_trailer.len() < end_trailer_len {
            continue;
        }
        let (trailer, rest_of_end_line) = end_trailer.split_at(end_trailer_len);
        if !trailer.starts_with(label) || !trailer.ends_with(PEM_END_OF_LINE) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }

        let base64_text: Vec<u8> = body[..end_index]
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        let Ok(contents) = GO_STD_BASE64.decode(&base64_text) else {
            continue;
        };
        return Some(PemBlock {
            label: String::from_utf8_lossy(label).into_owned(),
            headers,
            contents,
        });
    }
}

/// Go's `getLine`: the line up to `\n` (without a trailing `\r`), right-trimmed of spaces and
/// tabs, and the rest after the `\n`.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut line, rest) = match data.iter().position(|&b| b == b'\n') {
        // Go removes a `\r` only when a `\n` follows it: a lone `\r` at the very end of the
        // input stays part of the line (and then fails the END-line check, as in Go).
        Some(i) => {
            let line = &data[..i];
            (line.strip_suffix(b"\r").unwrap_or(line), &data[i + 1..])
        }
        None => (data, &data[data.len()..]),
    };
    while let Some((&last, init)) = line.split_last() {
        if last == b' ' || last == b'\t' {
            line = init;
        } else {
            break;
        }
    }
    (line, rest)
}

/// Go's `bytes.TrimSpace` for ASCII whitespace.
fn trim_space(mut s: &[u8]) -> &[u8] {
    while let Some((&first, tail)) = s.split_first() {
        if first.is_ascii_whitespace() || first == 0x0b {
            s = tail;
        } else {
            break;
        }
    }
    while let Some((&last, init)) = s.split_last() {
        if last.is_ascii_whitespace() || last == 0x0b {
            s = init;
        } else {
            break;
        }
    }
    s
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "AQIDBAUGBwgJ";

    #[test]
    fn a_lone_carriage_return_after_the_end_line_is_not_a_line_ending() {
        // Go's getLine strips `\r` only before `\n`; a lone trailing `\r` makes the END line
        // "-----END CERTIFICATE-----\r", which Go rejects (checked with Go's encoding/pem).
        let lone = format!("-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----\r");
        assert!(decode_first_block(lone.as_bytes()).is_none());
        let crlf =
            format!("-----BEGIN CERTIFICATE-----\r\n{BODY}\r\n-----END CERTIFICATE-----\r\n");
        assert!(decode_first_block(crlf.as_bytes()).is_some());
    }

    #[test]
    fn plain_block_decodes() {
        let pem = format!("-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----\n");
        let block = decode_first_block(pem.as_bytes()).expect("block");
        assert_eq!(block.label, "CERTIFICATE");
        assert_eq!(block.contents, vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn leading_text_headers_and_trailing_junk_are_tolerated() {
        let pem = format!(
            "some text\r\nmore\n-----BEGIN WHATEVER-----\nProc-Type: 4,ENCRYPTED\nX: y\n\n{BODY}\n-----END WHATEVER-----   \ntrailing junk"
        );
        let block = decode_first_block(pem.as_bytes()).expect("block");
        assert_eq!(block.label, "WHATEVER");
        assert_eq!(block.headers.len(), 2);
        assert_eq!(block.headers[0], ("Proc-Type".into(), "4,ENCRYPTED".into()));
        assert_eq!(block.contents.len(), 9);
    }

    #[test]
    fn broken_first_block_is_skipped() {
        let pem = format!(
            "-----BEGIN A-----\n!!notbase64!!\n-----END A-----\n-----BEGIN B-----\n{BODY}\n-----END B-----\n"
        );
        let block = decode_first_block(pem.as_bytes()).expect("block");
        assert_eq!(block.label, "B");
    }

    #[test]
    fn mismatched_end_type_and_missing_block_fail() {
        let pem = format!("-----BEGIN A-----\n{BODY}\n-----END B-----\n");
        assert!(decode_first_block(pem.as_bytes()).is_none());
        assert!(decode_first_block(b"no pem here").is_none());
        assert!(decode_first_block(b"").is_none());
    }

    #[test]
    fn spaces_and_crlf_inside_body_are_ignored_but_padding_is_required() {
        let pem = "-----BEGIN X-----\r\nAQID BAUG\tBwgJ\r\n-----END X-----\r\n";
        assert_eq!(
            decode_first_block(pem.as_bytes()).expect("block").contents,
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9]
        );
        let unpadded = "-----BEGIN X-----\nAQI\n-----END X-----\n";
        assert!(decode_first_block(unpadded.as_bytes()).is_none());
        let padded = "-----BEGIN X-----\nAQI=\n-----END X-----\n";
        assert_eq!(
            decode_first_block(padded.as_bytes())
                .expect("block")
                .contents,
            vec![1, 2]
        );
    }

    #[test]
    fn text_on_the_end_line_rejects_the_block() {
        let pem = format!("-----BEGIN A-----\n{BODY}\n-----END A----- extra\n");
        assert!(decode_first_block(pem.as_bytes()).is_none());
    }
}

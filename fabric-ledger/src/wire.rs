//! A tiny protobuf wire-format walker: varints, tags and length-delimited fields.
//!
//! It never copies: every value that is a byte string comes back as a `Range<usize>` into the
//! buffer being walked, so callers can slice the shared [`bytes::Bytes`] buffer. Every error
//! carries the absolute byte offset (the buffer's `base` plus the position inside it) at which
//! the problem starts.
//!
//! Decoding follows the Go protobuf runtime that Fabric uses: a varint has at most 10 bytes and
//! the 10th may only contribute one bit; non-minimal varints are accepted; field numbers are
//! `1..=2^29-1`; groups (wire types 3/4) of unknown fields are skipped with their contents.

use std::ops::Range;

/// Largest field number protobuf allows (2^29 - 1).
pub const MAX_FIELD_NUMBER: u64 = (1 << 29) - 1;

/// Deepest nesting of groups the walker follows (the Go runtime's recursion limit).
const MAX_GROUP_DEPTH: usize = 10_000;

/// A protobuf wire-format problem, with the absolute byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The buffer ends inside a varint.
    #[error("varint truncated at byte {offset}")]
    TruncatedVarint {
        /// Offset of the varint's first byte.
        offset: u64,
    },
    /// A varint longer than 10 bytes, or one whose value does not fit in 64 bits.
    #[error("varint at byte {offset} is longer than 10 bytes or overflows 64 bits")]
    OverlongVarint {
        /// Offset of the varint's first byte.
        offset: u64,
    },
    /// A length prefix points past the end of the enclosing buffer.
    #[error("length {declared} at byte {offset} overruns its buffer ({available} bytes remain)")]
    LengthOverrun {
        /// Offset of the length varint.
        offset: u64,
        /// The declared length.
        declared: u64,
        /// How many bytes actually follow the length varint.
        available: u64,
    },
    /// A field number of 0 or above 2^29-1.
    #[error("invalid field number {number} at byte {offset}")]
    InvalidFieldNumber {
        /// Offset of the tag.
        offset: u64,
        /// The decoded field number.
        number: u64,
    },
    /// Wire type 6 or 7, or an end-group marker without a start.
    #[error("invalid wire type {wire_type} at byte {offset}")]
    InvalidWireType {
        /// Offset of the tag.
        offset: u64,
        /// The wire type (low three bits of the tag).
        wire_type: u8,
    },
    /// A fixed-width value (4 or 8 bytes) cut short by the end of the buffer.
    #[error("{width}-byte fixed value truncated at byte {offset}")]
    TruncatedFixed {
        /// Offset of the value.
        offset: u64,
        /// 4 or 8.
        width: u8,
    },
    /// A group that is not closed by its end-group marker, or is nested too deeply.
    #[error("group (field {field}) starting at byte {offset} is not terminated")]
    UnterminatedGroup {
        /// Offset of the start-group tag.
        offset: u64,
        /// The group's field number.
        field: u32,
    },
    /// A known field encoded with the wrong wire type.
    #[error("field {field} at byte {offset} has wire type {found}, expected {expected}")]
    WrongWireType {
        /// Offset of the tag.
        offset: u64,
        /// The field number.
        field: u32,
        /// The wire type found.
        found: u8,
        /// What the schema requires ("varint" or "length-delimited").
        expected: &'static str,
    },
    /// A `string` field that is not valid UTF-8.
    #[error("string field {field} at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Offset of the field's tag.
        offset: u64,
        /// The field number.
        field: u32,
    },
}

impl WireError {
    /// The absolute byte offset at which the problem starts.
    #[must_use]
    pub fn offset(&self) -> u64 {
        match self {
            Self::TruncatedVarint { offset }
            | Self::OverlongVarint { offset }
            | Self::LengthOverrun { offset, .. }
            | Self::InvalidFieldNumber { offset, .. }
            | Self::InvalidWireType { offset, .. }
            | Self::TruncatedFixed { offset, .. }
            | Self::UnterminatedGroup { offset, .. }
            | Self::WrongWireType { offset, .. }
            | Self::InvalidUtf8 { offset, .. } => *offset,
        }
    }
}

/// The value of one field, as found on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1 (8 bytes, little endian).
    Fixed64(u64),
    /// Wire type 2: the range of the payload inside the walked buffer.
    Bytes(Range<usize>),
    /// Wire type 3: the range of the group's contents (without the end-group tag).
    Group(Range<usize>),
    /// Wire type 5 (4 bytes, little endian).
    Fixed32(u32),
}

impl FieldValue {
    /// The wire type number of this value.
    #[must_use]
    pub fn wire_type(&self) -> u8 {
        match self {
            Self::Varint(_) => 0,
            Self::Fixed64(_) => 1,
            Self::Bytes(_) => 2,
            Self::Group(_) => 3,
            Self::Fixed32(_) => 5,
        }
    }
}

/// One decoded field: its number, value and the range it occupies (tag included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field number.
    pub number: u32,
    /// The decoded value.
    pub value: FieldValue,
    /// The range of the whole field (tag through value) inside the walked buffer.
    pub span: Range<usize>,
}

impl Field {
    /// The payload range of a length-delimited field.
    ///
    /// # Errors
    /// [`WireError::WrongWireType`] when the field is not length-delimited; `base` is the absolute
    /// offset of the walked buffer, used for the error's offset.
    pub fn expect_bytes(&self, base: u64) -> Result<Range<usize>, WireError> {
        match &self.value {
            FieldValue::Bytes(r) => Ok(r.clone()),
            other => Err(self.wrong_type(base, other.wire_type(), "length-delimited")),
        }
    }

    /// The value of a varint field.
    ///
    /// # Errors
    /// [`WireError::WrongWireType`] when the field is not a varint.
    pub fn expect_varint(&self, base: u64) -> Result<u64, WireError> {
        match &self.value {
            FieldValue::Varint(v) => Ok(*v),
            other => Err(self.wrong_type(base, other.wire_type(), "varint")),
        }
    }

    fn wrong_type(&self, base: u64, found: u8, expected: &'static str) -> WireError {
        WireError::WrongWireType {
            offset: abs(base, self.span.start),
            field: self.number,
            found,
            expected,
        }
    }
}

/// Absolute offset of position `pos` in a buffer that starts at `base`.
#[must_use]
pub(crate) fn abs(base: u64, pos: usize) -> u64 {
    // usize -> u64 never truncates on the platforms Rust supports (pointer width <= 64).
    base.saturating_add(pos as u64)
}

/// Number of bytes the minimal varint encoding of `v` takes.
#[must_use]
pub fn varint_len(v: u64) -> usize {
    // 64 significant bits need ceil(64/7) = 10 bytes; `| 1` makes 0 take one byte.
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Writes the minimal varint encoding of `v` into `out`, returning the number of bytes used.
pub fn encode_varint(mut v: u64, out: &mut [u8; 10]) -> usize {
    let mut i = 0;
    loop {
        // Truncation to the low 7 bits is the point of the mask.
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out[i] = byte;
            return i + 1;
        }
        out[i] = byte | 0x80;
        i += 1;
    }
}

/// A forward-only reader over one buffer, reporting absolute offsets.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`, whose first byte sits at absolute offset `base`.
    #[must_use]
    pub fn new(buf: &'a [u8], base: u64) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Current position inside the buffer.
    #[must_use]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Absolute offset of the current position.
    #[must_use]
    pub fn offset(&self) -> u64 {
        abs(self.base, self.pos)
    }

    /// The absolute offset of the buffer's first byte.
    #[must_use]
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Bytes left after the current position.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when the whole buffer has been consumed.
    #[must_use]
    pub fn is_at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Reads one unsigned LEB128 varint (at most 10 bytes, value within 64 bits).
    ///
    /// # Errors
    /// [`WireError::TruncatedVarint`] or [`WireError::OverlongVarint`]; the cursor does not move.
    pub fn read_varint(&mut self) -> Result<u64, WireError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&byte) = self.buf.get(start + i) else {
                return Err(WireError::TruncatedVarint {
                    offset: self.offset(),
                });
            };
            if i == 9 && byte > 1 {
                return Err(WireError::OverlongVarint {
                    offset: self.offset(),
                });
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.pos = start + i + 1;
                return Ok(value);
            }
        }
        Err(WireError::OverlongVarint {
            offset: self.offset(),
        })
    }

    /// Reads a varint length followed by that many bytes; returns the bytes' range.
    ///
    /// # Errors
    /// Varint errors, or [`WireError::LengthOverrun`] when the length exceeds what remains.
    pub fn read_len_prefixed(&mut self) -> Result<Range<usize>, WireError> {
        let len_offset = self.offset();
        let save = self.pos;
        let declared = self.read_varint()?;
        let available = self.remaining();
        match usize::try_from(declared) {
            Ok(n) if n <= available => {
                let start = self.pos;
                self.pos += n;
                Ok(start..start + n)
            }
            _ => {
                self.pos = save;
                Err(WireError::LengthOverrun {
                    offset: len_offset,
                    declared,
                    available: available as u64,
                })
            }
        }
    }

    fn read_fixed(&mut self, width: u8) -> Result<u64, WireError> {
        let w = usize::from(width);
        if self.remaining() < w {
            return Err(WireError::TruncatedFixed {
                offset: self.offset(),
                width,
            });
        }
        let mut value = 0u64;
        for (i, b) in self.buf[self.pos..self.pos + w].iter().enumerate() {
            value |= u64::from(*b) << (8 * i);
        }
        self.pos += w;
        Ok(value)
    }

    /// Reads a tag, returning (field number, wire type).
    fn read_tag(&mut self) -> Result<(u32, u8), WireError> {
        let offset = self.offset();
        let key = self.read_varint()?;
        let number = key >> 3;
        // The mask keeps three bits, so the cast is exact.
        let wire_type = (key & 7) as u8;
        if number == 0 || number > MAX_FIELD_NUMBER {
            return Err(WireError::InvalidFieldNumber { offset, number });
        }
        // Checked against MAX_FIELD_NUMBER (< 2^32) just above.
        Ok((number as u32, wire_type))
    }

    /// Reads one complete field (tag and value). Groups are skipped as a whole.
    ///
    /// # Errors
    /// Any [`WireError`] found in the field; on error the cursor position is unspecified.
    pub fn read_field(&mut self) -> Result<Field, WireError> {
        let start = self.pos;
        let tag_offset = self.offset();
        let (number, wire_type) = self.read_tag()?;
        let value = match wire_type {
            0 => FieldValue::Varint(self.read_varint()?),
            1 => FieldValue::Fixed64(self.read_fixed(8)?),
            2 => FieldValue::Bytes(self.read_len_prefixed()?),
            3 => FieldValue::Group(self.skip_group(number, tag_offset)?),
            // A 4-byte value always fits in u32.
            5 => FieldValue::Fixed32(self.read_fixed(4)? as u32),
            other => {
                return Err(WireError::InvalidWireType {
                    offset: tag_offset,
                    wire_type: other,
                });
            }
        };
        Ok(Field {
            number,
            value,
            span: start..self.pos,
        })
    }

    /// Skips the contents of a group whose start tag was just read; returns the contents' range.
    fn skip_group(&mut self, field: u32, start_offset: u64) -> Result<Range<usize>, WireError> {
        let content_start = self.pos;
        // Field numbers of the open groups, innermost last.
        let mut open: Vec<u32> = vec![field];
        loop {
            if self.is_at_end() || open.len() > MAX_GROUP_DEPTH {
                return Err(WireError::UnterminatedGroup {
                    offset: start_offset,
                    field,
                });
            }
            let before = self.pos;
            let tag_offset = self.offset();
            let (number, wire_type) = self.read_tag()?;
            match wire_type {
                0 => {
                    self.read_varint()?;
                }
                1 => {
                    self.read_fixed(8)?;
                }
                2 => {
                    self.read_len_prefixed()?;
                }
                3 => open.push(number),
                4 => {
                    if open.last() != Some(&number) {
                        return Err(WireError::InvalidWireType {
                            offset: tag_offset,
                            wire_type,
                        });
                    }
                    open.pop();
                    if open.is_empty() {
                        return Ok(content_start..before);
                    }
                }
                5 => {
                    self.read_fixed(4)?;
                }
                _ => {
                    return Err(WireError::InvalidWireType {
                        offset: tag_offset,
                        wire_type,
                    })
                }
            }
        }
    }
}

/// Iterates over the fields of a message buffer until it is exhausted or an error occurs.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    cursor: Cursor<'a>,
    failed: bool,
}

impl<'a> Fields<'a> {
    /// Fields of `buf`, whose first byte sits at absolute offset `base`.
    #[must_use]
    pub fn new(buf: &'a [u8], base: u64) -> Self {
        Self {
            cursor: Cursor::new(buf, base),
            failed: false,
        }
    }
}

impl Iterator for Fields<'_> {
    type Item = Result<Field, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.cursor.is_at_end() {
            return None;
        }
        let field = self.cursor.read_field();
        self.failed = field.is_err();
        Some(field)
    }
}

/// What a schema expects of a known field (used to mimic Go's `proto.Unmarshal` checks).
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A varint scalar (int32, int64, uint64, enum, bool).
    Varint,
    /// A `bytes` field.
    Bytes,
    /// A `string` field: must be valid UTF-8.
    Str,
    /// An embedded message, checked recursively.
    Message(&'static [(u32, Kind)]),
}

/// Checks that `buf` would unmarshal as the message described by `schema`: the wire format is
/// sound, known fields have the right wire types, strings are UTF-8 and embedded messages are
/// themselves sound. Unknown fields are accepted, as the Go runtime does.
///
/// # Errors
/// The first [`WireError`] found.
pub fn check_message(buf: &[u8], base: u64, schema: &[(u32, Kind)]) -> Result<(), WireError> {
    for field in Fields::new(buf, base) {
        let field = field?;
        let Some((_, kind)) = schema.iter().find(|(n, _)| *n == field.number) else {
            continue;
        };
        match kind {
            Kind::Varint => {
                field.expect_varint(base)?;
            }
            Kind::Bytes => {
                field.expect_bytes(base)?;
            }
            Kind::Str => {
                let r = field.expect_bytes(base)?;
                if std::str::from_utf8(&buf[r]).is_err() {
                    return Err(WireError::InvalidUtf8 {
                        offset: abs(base, field.span.start),
                        field: field.number,
                    });
                }
            }
            Kind::Message(inner) => {
                let r = field.expect_bytes(base)?;
                check_message(&buf[r.clone()], abs(base, r.start), inner)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trip_and_length() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = [0u8; 10];
            let n = encode_varint(v, &mut out);
            assert_eq!(n, varint_len(v), "length of {v}");
            let mut c = Cursor::new(&out[..n], 0);
            assert_eq!(c.read_varint(), Ok(v));
            assert!(c.is_at_end());
        }
    }

    #[test]
    fn varint_errors_carry_offsets() {
        let mut c = Cursor::new(&[0x80, 0x80], 100);
        assert_eq!(
            c.read_varint(),
            Err(WireError::TruncatedVarint { offset: 100 })
        );
        let eleven = [0xffu8; 11];
        let mut c = Cursor::new(&eleven, 7);
        assert_eq!(
            c.read_varint(),
            Err(WireError::OverlongVarint { offset: 7 })
        );
        // 10th byte contributing more than one bit overflows 64 bits.
        let mut ten = [0xffu8; 10];
        ten[9] = 0x02;
        assert_eq!(
            Cursor::new(&ten, 0).read_varint(),
            Err(WireError::OverlongVarint { offset: 0 })
        );
        ten[9] = 0x01;
        assert_eq!(Cursor::new(&ten, 0).read_varint(), Ok(u64::MAX));
        // Non-minimal encodings are accepted (the Go runtime accepts them).
        assert_eq!(Cursor::new(&[0x80, 0x00], 0).read_varint(), Ok(0));
    }

    #[test]
    fn length_overrun_reports_the_length_offset() {
        let mut c = Cursor::new(&[0x01, 0x05, 0xaa], 10);
        assert_eq!(c.read_varint(), Ok(1));
        assert_eq!(
            c.read_len_prefixed(),
            Err(WireError::LengthOverrun {
                offset: 11,
                declared: 5,
                available: 1
            })
        );
    }

    #[test]
    fn fields_groups_and_bad_tags() {
        // field 1 varint 5, field 2 group { field 3 varint 1 }, field 4 fixed32.
        let buf = [0x08, 0x05, 0x13, 0x18, 0x01, 0x14, 0x25, 1, 2, 3, 4];
        let fields: Vec<Field> = Fields::new(&buf, 0).collect::<Result<_, _>>().unwrap();
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0].value, FieldValue::Varint(5));
        assert_eq!(fields[1].value, FieldValue::Group(3..5));
        assert_eq!(fields[2].value, FieldValue::Fixed32(0x0403_0201));
        assert_eq!(
            Fields::new(&[0x00, 0x01], 3).next(),
            Some(Err(WireError::InvalidFieldNumber {
                offset: 3,
                number: 0
            }))
        );
        assert_eq!(
            Fields::new(&[0x0e], 0).next(),
            Some(Err(WireError::InvalidWireType {
                offset: 0,
                wire_type: 6
            }))
        );
        assert_eq!(
            Fields::new(&[0x13, 0x18, 0x01], 0).next(),
            Some(Err(WireError::UnterminatedGroup {
                offset: 0,
                field: 2
            }))
        );
    }

    #[test]
    fn check_message_enforces_schema() {
        const INNER: &[(u32, Kind)] = &[(1, Kind::Str)];
        const OUTER: &[(u32, Kind)] = &[(1, Kind::Varint), (2, Kind::Message(INNER))];
        assert_eq!(
            check_message(&[0x08, 0x01, 0x12, 0x02, 0x0a, 0x00], 0, OUTER),
            Ok(())
        );
        assert_eq!(
            check_message(&[0x0a, 0x00], 0, OUTER),
            Err(WireError::WrongWireType {
                offset: 0,
                field: 1,
                found: 2,
                expected: "varint"
            })
        );
        assert_eq!(
            check_message(&[0x12, 0x03, 0x0a, 0x01, 0xff], 50, OUTER),
            Err(WireError::InvalidUtf8 {
                offset: 52,
                field: 1
            })
        );
    }
}

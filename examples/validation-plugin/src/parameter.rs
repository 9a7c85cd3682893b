//! The plugin's validation parameter: the minimum number of distinct endorsing MSPs.

use std::fmt;

/// Why the validation parameter is unusable.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParameterError {
    /// The parameter is not UTF-8 text.
    #[error("validation parameter is not UTF-8 text ({len} bytes)")]
    NotText {
        /// The parameter's length.
        len: usize,
    },
    /// The text is not a positive decimal integer.
    #[error("validation parameter {text:?} is not a positive decimal number of MSPs")]
    NotAPositiveNumber {
        /// The text as written.
        text: String,
    },
}

/// At least this many distinct MSPs must endorse (never 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinOrgs(u32);

impl MinOrgs {
    /// Parses the validation parameter: ASCII decimal, surrounding white space ignored.
    ///
    /// # Errors
    ///
    /// [`ParameterError`] when the bytes are not text or not a number of at least 1.
    pub fn parse(parameter: &[u8]) -> Result<Self, ParameterError> {
        let text = std::str::from_utf8(parameter).map_err(|_| ParameterError::NotText {
            len: parameter.len(),
        })?;
        match text.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(MinOrgs(n)),
            _ => Err(ParameterError::NotAPositiveNumber {
                text: text.to_owned(),
            }),
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for MinOrgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a panic is the failure report
mod tests {
    use super::*;

    #[test]
    fn parses_positive_decimal_and_refuses_the_rest() {
        assert_eq!(MinOrgs::parse(b" 2\n").map(MinOrgs::get), Ok(2));
        assert_eq!(
            MinOrgs::parse(b"0"),
            Err(ParameterError::NotAPositiveNumber { text: "0".into() })
        );
        assert_eq!(
            MinOrgs::parse(b"two"),
            Err(ParameterError::NotAPositiveNumber { text: "two".into() })
        );
        assert_eq!(
            MinOrgs::parse(&[0xff, 0xfe]),
            Err(ParameterError::NotText { len: 2 })
        );
    }
}

//! The rule a chaincode's validation parameter selects, parsed once per call into a [`Rule`].
//!
//! Grammar (the parameter is UTF-8 text; ASCII whitespace around the whole text and inside the
//! parentheses is ignored; keywords are case-sensitive):
//!
//! ```text
//! rule := ""  |  "MAJORITY"  |  "ALL"  |  "ANY"  |  "OutOf(" n ")"
//! n    := decimal digits, value 1 ..= 4294967295
//! ```

use std::fmt;

/// How many distinct application organisations must endorse, as a function of M, the number
/// of application organisations in the channel configuration in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// ⌊M/2⌋+1 (the default, also selected by an empty parameter).
    Majority,
    /// M.
    All,
    /// 1.
    Any,
    /// Exactly this many (at least 1). When it exceeds M no set of endorsements can satisfy it
    /// and every transaction is invalid (see [`RequirementError`]).
    OutOf(u32),
}

/// Why a validation parameter is not a [`Rule`]. The message quotes the parameter (escaped,
/// shortened past 64 characters).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The parameter is not UTF-8 text (for instance a serialized `ApplicationPolicy` meant
    /// for DefaultValidation).
    #[error(
        "validation parameter is not UTF-8 text ({len} bytes, invalid at byte {valid_up_to}): \
         expected MAJORITY, ALL, ANY or OutOf(n)"
    )]
    NotText {
        /// The parameter's length.
        len: usize,
        /// Where the first invalid byte is.
        valid_up_to: usize,
    },
    /// The text is not one of the rules.
    #[error(
        "validation parameter {0} is not a rule: expected MAJORITY, ALL, ANY or OutOf(n) \
         (empty means MAJORITY)"
    )]
    Unknown(Quoted),
    /// `OutOf(...)` whose count is not a number from 1 to 4294967295.
    #[error(
        "validation parameter {text}: the count {count} of OutOf is not a whole number from 1 \
         to {max}",
        max = u32::MAX
    )]
    BadCount {
        /// The whole parameter.
        text: Quoted,
        /// What stood between the parentheses.
        count: Quoted,
    },
}

/// Why a well-formed [`Rule`] cannot be applied to the channel's organisations. Both are
/// deterministic for every peer (they depend on the agreed parameter and the configuration),
/// so the transaction is invalid.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    /// M = 0.
    #[error("channel has no application organisations")]
    NoOrganizations,
    /// `OutOf(n)` with n > M.
    #[error(
        "rule OutOf({needed}) needs {needed} distinct application organisations but the channel \
         has only {available}: no set of endorsements can satisfy it"
    )]
    Unsatisfiable {
        /// n.
        needed: u32,
        /// M.
        available: usize,
    },
}

/// Parameter text shown in an error: Rust-escaped, quoted, and cut after 64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted(String);

impl Quoted {
    const MAX_CHARS: usize = 64;

    fn new(text: &str) -> Self {
        let mut shown: String = text.chars().take(Self::MAX_CHARS).collect();
        let cut = shown.len() < text.len();
        shown = format!("{shown:?}");
        if cut {
            shown.push_str("...");
        }
        Quoted(shown)
    }
}

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Rule {
    /// Parses a chaincode's validation parameter (the `SerializedPolicy` context bytes).
    ///
    /// # Errors
    ///
    /// [`RuleError`] when the bytes are not UTF-8 or the text is not a rule of the grammar in
    /// the module documentation.
    pub fn parse(parameter: &[u8]) -> Result<Rule, RuleError> {
        let text = std::str::from_utf8(parameter).map_err(|e| RuleError::NotText {
            len: parameter.len(),
            valid_up_to: e.valid_up_to(),
        })?;
        let trimmed = text.trim_ascii();
        match trimmed {
            "" | "MAJORITY" => return Ok(Rule::Majority),
            "ALL" => return Ok(Rule::All),
            "ANY" => return Ok(Rule::Any),
            _ => {}
        }
        let Some(inner) = trimmed
            .strip_prefix("OutOf(")
            .and_then(|rest| rest.strip_suffix(')'))
        else {
            return Err(RuleError::Unknown(Quoted::new(text)));
        };
        let count = inner.trim_ascii();
        let bad = || RuleError::BadCount {
            text: Quoted::new(text),
            count: Quoted::new(count),
        };
        // `u32::from_str` accepts a leading '+': only plain digits are a count here.
        if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match count.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Rule::OutOf(n)),
            _ => Err(bad()),
        }
    }

    /// How many distinct application organisations out of `orgs` (M) must endorse.
    ///
    /// # Errors
    ///
    /// [`RequirementError::NoOrganizations`] when M = 0,
    /// [`RequirementError::Unsatisfiable`] for `OutOf(n)` with n > M.
    pub fn required(self, orgs: usize) -> Result<usize, RequirementError> {
        if orgs == 0 {
            return Err(RequirementError::NoOrganizations);
        }
        match self {
            Rule::Majority => Ok(orgs / 2 + 1),
            Rule::All => Ok(orgs),
            Rule::Any => Ok(1),
            Rule::OutOf(n) => match usize::try_from(n) {
                Ok(needed) if needed <= orgs => Ok(needed),
                _ => Err(RequirementError::Unsatisfiable {
                    needed: n,
                    available: orgs,
                }),
            },
        }
    }
}

impl fmt::Display for Rule {
    /// The canonical spelling (`MAJORITY`, `ALL`, `ANY`, `OutOf(n)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Majority => f.write_str("MAJORITY"),
            Rule::All => f.write_str("ALL"),
            Rule::Any => f.write_str("ANY"),
            Rule::OutOf(n) => write!(f, "OutOf({n})"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keywords_and_default() {
        assert_eq!(Rule::parse(b""), Ok(Rule::Majority));
        assert_eq!(Rule::parse(b"  \n"), Ok(Rule::Majority));
        assert_eq!(Rule::parse(b"MAJORITY"), Ok(Rule::Majority));
        assert_eq!(Rule::parse(b"ALL\n"), Ok(Rule::All));
        assert_eq!(Rule::parse(b" ANY"), Ok(Rule::Any));
        assert_eq!(Rule::parse(b"OutOf(3)"), Ok(Rule::OutOf(3)));
        assert_eq!(Rule::parse(b"OutOf( 12 )"), Ok(Rule::OutOf(12)));
        assert_eq!(Rule::parse(b"OutOf(4294967295)"), Ok(Rule::OutOf(u32::MAX)));
    }

    #[test]
    fn canonical_spelling_parses_back() {
        for rule in [Rule::Majority, Rule::All, Rule::Any, Rule::OutOf(7)] {
            assert_eq!(Rule::parse(rule.to_string().as_bytes()), Ok(rule));
        }
    }

    #[test]
    fn unknown_texts_name_the_parameter() {
        for text in [
            "majority", "Majority", "ALL ANY", "OutOf", "outof(2)", "OutOf 2",
        ] {
            let err = Rule::parse(text.as_bytes()).unwrap_err();
            assert_eq!(err, RuleError::Unknown(Quoted::new(text)), "{text}");
            let msg = err.to_string();
            assert!(msg.contains(&format!("{text:?}")), "{msg}");
            assert!(msg.contains("MAJORITY, ALL, ANY or OutOf(n)"), "{msg}");
        }
    }

    #[test]
    fn bad_counts_are_reported_with_the_count() {
        for (text, count) in [
            ("OutOf(0)", "0"),
            ("OutOf(-1)", "-1"),
            ("OutOf(+2)", "+2"),
            ("OutOf()", ""),
            ("OutOf(two)", "two"),
            ("OutOf(1.5)", "1.5"),
            ("OutOf(4294967296)", "4294967296"),
        ] {
            let err = Rule::parse(text.as_bytes()).unwrap_err();
            assert_eq!(
                err,
                RuleError::BadCount {
                    text: Quoted::new(text),
                    count: Quoted::new(count),
                },
                "{text}"
            );
            assert!(err.to_string().contains("from 1 to 4294967295"), "{err}");
        }
    }

    #[test]
    fn non_utf8_is_not_text() {
        let err = Rule::parse(&[0x0a, 0x02, 0xff, 0xfe]).unwrap_err();
        assert_eq!(
            err,
            RuleError::NotText {
                len: 4,
                valid_up_to: 2
            }
        );
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }

    #[test]
    fn long_parameters_are_shortened_in_messages() {
        let text = "X".repeat(500);
        let msg = Rule::parse(text.as_bytes()).unwrap_err().to_string();
        assert!(msg.contains(&format!("\"{}\"...", "X".repeat(64))), "{msg}");
        assert!(!msg.contains(&"X".repeat(65)), "{msg}");
    }

    #[test]
    fn required_counts() {
        let majority: Vec<usize> = (1..=6)
            .map(|m| Rule::Majority.required(m).unwrap())
            .collect();
        assert_eq!(majority, [1, 2, 2, 3, 3, 4]);
        assert_eq!(Rule::All.required(5), Ok(5));
        assert_eq!(Rule::Any.required(5), Ok(1));
        assert_eq!(Rule::OutOf(5).required(5), Ok(5));
        assert_eq!(
            Rule::OutOf(6).required(5),
            Err(RequirementError::Unsatisfiable {
                needed: 6,
                available: 5
            })
        );
        for rule in [Rule::Majority, Rule::All, Rule::Any, Rule::OutOf(1)] {
            assert_eq!(rule.required(0), Err(RequirementError::NoOrganizations));
        }
    }
}

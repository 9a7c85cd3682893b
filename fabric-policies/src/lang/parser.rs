//! Recursive-descent parser of the policy language; see the module documentation of
//! [`crate::lang`] for the grammar.

use fabric_protos::common::{
    msp_role::MspRoleType, MspPrincipal, SignaturePolicy, SignaturePolicyEnvelope,
};

use super::LangError;
use crate::policydsl::{n_out_of, role_principal, signed_by};

/// How deep gates may nest. Each gate is two protobuf message levels, and prost refuses to
/// decode beyond 100 levels; 32 keeps every parsed envelope decodable (also inside an
/// `ApplicationPolicy` or a collection config).
pub const MAX_NESTING: usize = 32;

/// Parses a policy string into a `SignaturePolicyEnvelope` (version 0), byte-identical to
/// Fabric's `policydsl.FromString`.
///
/// # Errors
/// [`LangError`] with the character offset of the first offending character.
pub fn parse_policy(text: &str) -> Result<SignaturePolicyEnvelope, LangError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    parser.skip_whitespace();
    let gate = match parser.peek() {
        Some(quote @ ('\'' | '"')) => {
            let offset = parser.pos;
            // Report a malformed string first, then the missing gate.
            parser.quoted(quote)?;
            return Err(LangError::BarePrincipal { offset });
        }
        _ => parser.gate(1)?,
    };
    parser.skip_whitespace();
    if parser.peek().is_some() {
        return Err(parser.expected("end of input"));
    }

    let mut principals = Vec::new();
    let rule = gate.build(&mut principals)?;
    Ok(SignaturePolicyEnvelope {
        version: 0,
        rule: Some(rule),
        identities: principals,
    })
}

/// A parsed gate, before principals are numbered.
struct Gate {
    threshold: i32,
    args: Vec<Arg>,
}

enum Arg {
    Gate(Gate),
    Principal(MspPrincipal),
}

impl Gate {
    /// Numbers principals as Fabric does: nested gates first (left to right), then this
    /// gate's own principals; the rule keeps the written order.
    fn build(&self, principals: &mut Vec<MspPrincipal>) -> Result<SignaturePolicy, LangError> {
        let mut rules: Vec<Option<SignaturePolicy>> = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            rules.push(match arg {
                Arg::Gate(gate) => Some(gate.build(principals)?),
                Arg::Principal(_) => None,
            });
        }
        for (slot, arg) in rules.iter_mut().zip(&self.args) {
            if let Arg::Principal(principal) = arg {
                let index =
                    i32::try_from(principals.len()).map_err(|_| LangError::TooManyPrincipals)?;
                principals.push(principal.clone());
                *slot = Some(signed_by(index));
            }
        }
        Ok(n_out_of(
            self.threshold,
            rules.into_iter().flatten().collect(),
        ))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GateKind {
    And,
    Or,
    OutOf,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("'{c}'"),
            None => "end of input".to_owned(),
        }
    }

    fn expected(&self, expected: &'static str) -> LangError {
        LangError::Expected {
            expected,
            found: self.found(),
            offset: self.pos,
        }
    }

    /// `NAME ( args )` with the parser on the first character of NAME.
    fn gate(&mut self, depth: usize) -> Result<Gate, LangError> {
        let start = self.pos;
        if !self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            return Err(self.expected("a gate (AND, OR or OutOf)"));
        }
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        let kind = match name.as_str() {
            "And" | "and" | "AND" => GateKind::And,
            "Or" | "or" | "OR" => GateKind::Or,
            "OutOf" | "outof" | "OUTOF" => GateKind::OutOf,
            _ => {
                return Err(LangError::UnknownGate {
                    name,
                    offset: start,
                })
            }
        };
        if depth > MAX_NESTING {
            return Err(LangError::TooDeep {
                limit: MAX_NESTING,
                offset: start,
            });
        }
        self.skip_whitespace();
        if self.peek() != Some('(') {
            return Err(self.expected("'('"));
        }
        self.pos += 1;
        self.skip_whitespace();

        let threshold = if kind == GateKind::OutOf {
            let number = self.threshold()?;
            self.skip_whitespace();
            if self.peek() != Some(',') {
                return Err(self.expected("','"));
            }
            self.pos += 1;
            self.skip_whitespace();
            Some(number)
        } else {
            None
        };

        let mut args = Vec::new();
        loop {
            args.push(self.arg(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                Some(')') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.expected("',' or ')'")),
            }
        }

        let count = args.len();
        let threshold = match (kind, threshold) {
            (GateKind::OutOf, Some((t, offset))) => {
                if t < 0 || t > (count as i64) + 1 {
                    return Err(LangError::InvalidThreshold {
                        t,
                        n: count,
                        offset,
                    });
                }
                // 0 <= t <= count + 1 and count is bounded by the input length.
                i32::try_from(t).map_err(|_| LangError::InvalidThreshold {
                    t,
                    n: count,
                    offset,
                })?
            }
            (GateKind::Or, _) => 1,
            _ => i32::try_from(count).map_err(|_| LangError::TooManyPrincipals)?,
        };
        Ok(Gate { threshold, args })
    }

    /// One argument of a gate: a quoted principal or a nested gate.
    fn arg(&mut self, depth: usize) -> Result<Arg, LangError> {
        match self.peek() {
            Some(quote @ ('\'' | '"')) => {
                let (content, content_offset) = self.quoted(quote)?;
                principal(&content, content_offset).map(Arg::Principal)
            }
            Some(c) if c.is_alphabetic() || c == '_' => self.gate(depth + 1).map(Arg::Gate),
            _ => Err(self.expected("a quoted principal or a gate")),
        }
    }

    /// A quoted string starting at the current quote; returns its content and the offset of
    /// the content's first character.
    fn quoted(&mut self, quote: char) -> Result<(String, usize), LangError> {
        let open = self.pos;
        let start = open + 1;
        let Some(len) = self.chars[start..].iter().position(|&c| c == quote) else {
            return Err(LangError::UnterminatedString { offset: open });
        };
        self.pos = start + len + 1;
        Ok((self.chars[start..start + len].iter().collect(), start))
    }

    /// The threshold of `OutOf`: `[-]digits[.digits]`, optionally quoted; returns the value
    /// truncated toward zero and its offset.
    fn threshold(&mut self) -> Result<(i64, usize), LangError> {
        let offset = self.pos;
        let (text, text_offset) = match self.peek() {
            Some(quote @ ('\'' | '"')) => {
                let (content, content_offset) = self.quoted(quote)?;
                let trimmed_start = content.chars().take_while(|c| c.is_whitespace()).count();
                (content.trim().to_owned(), content_offset + trimmed_start)
            }
            _ => {
                let start = self.pos;
                if self.peek() == Some('-') {
                    self.pos += 1;
                }
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(self.expected("a threshold number"));
                }
                (self.chars[start..self.pos].iter().collect(), start)
            }
        };
        let invalid = || LangError::InvalidNumber {
            text: text.clone(),
            offset: text_offset,
        };
        let unsigned = text.strip_prefix('-').unwrap_or(&text);
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let digits_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits_ok(whole) || fraction.is_some_and(|f| !digits_ok(f)) {
            return Err(invalid());
        }
        // Values beyond i64 are far outside any valid threshold; report them as such.
        let magnitude: i64 = whole.parse().unwrap_or(i64::MAX);
        let value = if text.starts_with('-') {
            -magnitude
        } else {
            magnitude
        };
        Ok((value, offset))
    }
}

/// `<MSPID>.<role>`: the role follows the last dot; MSPID is `[A-Za-z0-9.-]+`.
fn principal(content: &str, offset: usize) -> Result<MspPrincipal, LangError> {
    let invalid = |offset: usize, reason: &'static str| LangError::InvalidPrincipal {
        principal: content.to_owned(),
        offset,
        reason,
    };
    let Some((msp_id, role)) = content.rsplit_once('.') else {
        return Err(invalid(offset, "expected '<MSPID>.<role>'"));
    };
    if msp_id.is_empty() {
        return Err(invalid(offset, "the MSP id is empty"));
    }
    if let Some(bad) = msp_id
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
    {
        return Err(invalid(
            offset + bad,
            "MSP ids may contain only ASCII letters, digits, '.' and '-'",
        ));
    }
    let role = match role {
        "member" => MspRoleType::Member,
        "admin" => MspRoleType::Admin,
        "client" => MspRoleType::Client,
        "peer" => MspRoleType::Peer,
        "orderer" => MspRoleType::Orderer,
        _ => {
            return Err(invalid(
                offset + msp_id.chars().count() + 1,
                "the role must be member, admin, client, peer or orderer",
            ))
        }
    };
    Ok(role_principal(msp_id, role))
}

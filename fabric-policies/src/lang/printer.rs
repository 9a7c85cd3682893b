//! Writes signature policies in the policy language.

use std::fmt::Write as _;

use fabric_protos::common::{
    msp_principal::Classification, msp_role::MspRoleType, signature_policy, MspPrincipal, MspRole,
    SignaturePolicy, SignaturePolicyEnvelope,
};
use prost::Message;

use super::LangError;

/// Writes `envelope` in the policy language, so that [`super::parse_policy`] accepts the
/// result and produces an equivalent policy: same rule shape, thresholds and principal per
/// leaf. For envelopes produced by the parser the re-parsed bytes are identical; an envelope
/// whose principals are listed in another order re-parses with Fabric's numbering instead.
///
/// Gates print as `AND(...)` when the threshold equals the argument count (two or more),
/// `OR(...)` when it is 1, `OutOf(t, ...)` otherwise; principals in single quotes.
///
/// # Errors
/// [`LangError::NotPrintable`] when the language cannot express the envelope: version other
/// than 0, missing or untyped rule, a `signed_by` at the top or out of range, a gate without
/// sub-rules or with a threshold outside `0 ..= k + 1`, a principal that is not a ROLE
/// principal with a known role and an MSP id of `[A-Za-z0-9.-]+`.
pub fn print_policy(envelope: &SignaturePolicyEnvelope) -> Result<String, LangError> {
    if envelope.version != 0 {
        return Err(not_printable(format!(
            "version is {}, the language always produces 0",
            envelope.version
        )));
    }
    let rule = envelope
        .rule
        .as_ref()
        .ok_or_else(|| not_printable("the envelope has no rule".to_owned()))?;
    if matches!(rule.r#type, Some(signature_policy::Type::SignedBy(_))) {
        return Err(not_printable(
            "the top-level rule is a single principal, not a gate".to_owned(),
        ));
    }
    let mut out = String::new();
    write_rule(&mut out, rule, &envelope.identities, true)?;
    Ok(out)
}

/// A best-effort rendering of any envelope for log and error messages; never fails. Parts the
/// language cannot express are shown in angle brackets (e.g. `<IDENTITY principal #0>`,
/// `OutOf(0)` for the accept-all policy).
pub fn describe_policy(envelope: &SignaturePolicyEnvelope) -> String {
    let mut out = String::new();
    match &envelope.rule {
        None => out.push_str("<no rule>"),
        // Writing into a String cannot fail and lenient mode reports nothing.
        Some(rule) => {
            let _ = write_rule(&mut out, rule, &envelope.identities, false);
        }
    }
    if envelope.version != 0 {
        let _ = write!(out, " <version {}>", envelope.version);
    }
    out
}

fn not_printable(reason: String) -> LangError {
    LangError::NotPrintable(reason)
}

fn write_rule(
    out: &mut String,
    rule: &SignaturePolicy,
    principals: &[MspPrincipal],
    strict: bool,
) -> Result<(), LangError> {
    match &rule.r#type {
        None => {
            if strict {
                return Err(not_printable("a rule has no type".to_owned()));
            }
            out.push_str("<untyped rule>");
        }
        Some(signature_policy::Type::SignedBy(index)) => {
            write_principal(out, *index, principals, strict)?
        }
        Some(signature_policy::Type::NOutOf(gate)) => {
            let count = gate.rules.len();
            let count_i64 = i64::try_from(count).unwrap_or(i64::MAX);
            let n = i64::from(gate.n);
            if strict && count == 0 {
                return Err(not_printable(format!(
                    "gate n_out_of({}) has no sub-rules",
                    gate.n
                )));
            }
            if strict && !(0..=count_i64 + 1).contains(&n) {
                return Err(not_printable(format!(
                    "gate threshold {} is outside 0..={} for {count} sub-rules",
                    gate.n,
                    count_i64 + 1
                )));
            }
            if count >= 2 && n == count_i64 {
                out.push_str("AND(");
            } else if n == 1 && count >= 1 {
                out.push_str("OR(");
            } else if count == 0 {
                let _ = write!(out, "OutOf({}", gate.n);
            } else {
                let _ = write!(out, "OutOf({}, ", gate.n);
            }
            for (i, sub) in gate.rules.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rule(out, sub, principals, strict)?;
            }
            out.push(')');
        }
    }
    Ok(())
}

fn write_principal(
    out: &mut String,
    index: i32,
    principals: &[MspPrincipal],
    strict: bool,
) -> Result<(), LangError> {
    match role_text(index, principals) {
        Ok(text) => {
            let _ = write!(out, "'{text}'");
            Ok(())
        }
        Err(reason) if strict => Err(not_printable(reason)),
        Err(reason) => {
            let _ = write!(out, "<{reason}>");
            Ok(())
        }
    }
}

/// `MSPID.role` of principal `index`, or why it cannot be written.
fn role_text(index: i32, principals: &[MspPrincipal]) -> Result<String, String> {
    let principal = usize::try_from(index)
        .ok()
        .and_then(|i| principals.get(i))
        .ok_or_else(|| {
            format!(
                "principal #{index} is out of range ({} principals)",
                principals.len()
            )
        })?;
    match Classification::try_from(principal.principal_classification) {
        Ok(Classification::Role) => {}
        Ok(other) => return Err(format!("{} principal #{index}", other.as_str_name())),
        Err(_) => {
            return Err(format!(
                "principal #{index} has unknown classification {}",
                principal.principal_classification
            ))
        }
    }
    let role = MspRole::decode(principal.principal.as_ref())
        .map_err(|e| format!("principal #{index} is not an MSPRole: {e}"))?;
    let role_name = match MspRoleType::try_from(role.role) {
        Ok(MspRoleType::Member) => "member",
        Ok(MspRoleType::Admin) => "admin",
        Ok(MspRoleType::Client) => "client",
        Ok(MspRoleType::Peer) => "peer",
        Ok(MspRoleType::Orderer) => "orderer",
        Err(_) => return Err(format!("principal #{index} has unknown role {}", role.role)),
    };
    let msp_ok = !role.msp_identifier.is_empty()
        && role
            .msp_identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !msp_ok {
        return Err(format!(
            "principal #{index} has MSP id {:?}, which the language cannot write",
            role.msp_identifier
        ));
    }
    Ok(format!("{}.{role_name}", role.msp_identifier))
}

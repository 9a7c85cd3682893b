//! Certificate chain building with the semantics of Go's `x509.Certificate.Verify`, as Fabric
//! calls it (spec 7.3 step 3, 7.8): roots and intermediates pools only, "now" fixed to the
//! certificate's NotBefore + 1 s, no DNS name, default key usage (serverAuth).
//!
//! Reproduced: candidate parents by raw issuer/subject name, ordered by key-identifier match
//! like Go's `findPotentialParents`; loop detection (`alreadyInChain`); a limit of 100 signature
//! checks; `CheckSignatureFrom` (parent must be a CA when it is v3 or has BasicConstraints,
//! keyCertSign required when KeyUsage is present, SHA-1 rejected, ecdsa-with-SHA256 only, strict
//! DER signatures, high-S accepted); `isValid` (unhandled critical extensions, validity window
//! at "now", intermediates must be CAs, path-length constraints); the EKU rule (every certificate
//! of a chain that lists usages must allow serverAuth or anyExtendedKeyUsage); all chains are
//! returned so that the caller can insist on exactly one.
//!
//! Not reproduced: name-constraint matching (a chain through a CA with NameConstraints is
//! rejected when any certificate below that CA carries a SubjectAltName, which is the only case
//! in which Go would have names to check), certificate-policy processing (Go 1.22+), and
//! signature algorithms other than ecdsa-with-SHA256.

use std::collections::HashMap;
use std::sync::Arc;

use fabric_crypto::{EcdsaSignature, VerifyBackend};

use crate::cert::{Certificate, ExtKeyUsage, PublicKey, SignatureAlgorithm, KEY_USAGE_CERT_SIGN};
use crate::der;

/// Go's `maxChainSignatureChecks`.
const MAX_SIGNATURE_CHECKS: u32 = 100;

/// A set of certificates indexed by raw subject name (Go's `CertPool`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CertPool {
    certs: Vec<Arc<Certificate>>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
}

impl CertPool {
    /// Adds `cert` unless a byte-identical certificate is already present.
    pub(crate) fn add(&mut self, cert: Arc<Certificate>) {
        if self.contains(&cert) {
            return;
        }
        self.by_subject
            .entry(cert.subject_raw.clone())
            .or_default()
            .push(self.certs.len());
        self.certs.push(cert);
    }

    /// Whether a byte-identical certificate is in the pool.
    pub(crate) fn contains(&self, cert: &Certificate) -> bool {
        self.by_subject
            .get(&cert.subject_raw)
            .is_some_and(|idx| idx.iter().any(|&i| self.certs[i].der() == cert.der()))
    }

    /// Candidates whose subject equals `child`'s issuer: matching key ids first, then those
    /// where only one side has a key id, then mismatching ones.
    fn potential_parents(&self, child: &Certificate) -> Vec<&Arc<Certificate>> {
        let Some(indices) = self.by_subject.get(&child.issuer_raw) else {
            return Vec::new();
        };
        let aki = child.authority_key_id.as_deref().unwrap_or_default();
        let mut matching = Vec::new();
        let mut one = Vec::new();
        let mut mismatch = Vec::new();
        for &i in indices {
            let candidate = &self.certs[i];
            let ski = candidate.subject_key_id.as_deref().unwrap_or_default();
            if ski == aki {
                matching.push(candidate);
            } else if ski.is_empty() != aki.is_empty() {
                one.push(candidate);
            } else {
                mismatch.push(candidate);
            }
        }
        matching.extend(one);
        matching.extend(mismatch);
        matching
    }
}

/// The verification options of one MSP: its roots and intermediates.
#[derive(Debug, Clone, Default)]
pub(crate) struct VerifyOptions {
    pub(crate) roots: CertPool,
    pub(crate) intermediates: CertPool,
}

/// A certification chain without its leaf: `issuers[0]` signed the leaf, the last is a root.
/// Empty when the certificate itself is a root.
pub(crate) type Issuers = Vec<Arc<Certificate>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CertType {
    Leaf,
    Intermediate,
    Root,
}

/// Go's `Certificate.Verify(opts)` with `CurrentTime = leaf.NotBefore + 1s`: every chain found.
pub(crate) fn verify(
    leaf: &Certificate,
    opts: &VerifyOptions,
    backend: &dyn VerifyBackend,
) -> Result<Vec<Issuers>, String> {
    let now = leaf.not_before.saturating_add(1);
    is_valid(leaf, CertType::Leaf, &[], now)?;

    let candidates = if opts.roots.contains(leaf) {
        vec![Vec::new()]
    } else {
        let mut builder = Builder {
            leaf,
            opts,
            backend,
            now,
            signature_checks: 0,
        };
        builder.build(&mut Vec::new())?
    };

    let chains: Vec<Issuers> = candidates
        .into_iter()
        .filter(|issuers| {
            std::iter::once(leaf)
                .chain(issuers.iter().map(AsRef::as_ref))
                .all(|c| match c.ext_key_usage {
                    ExtKeyUsage::Unconstrained => true,
                    ExtKeyUsage::Constrained { allows_server_auth } => allows_server_auth,
                })
        })
        .collect();
    if chains.is_empty() {
        return Err("x509: certificate specifies an incompatible key usage".into());
    }
    Ok(chains)
}

struct Builder<'a> {
    leaf: &'a Certificate,
    opts: &'a VerifyOptions,
    backend: &'a dyn VerifyBackend,
    now: i64,
    signature_checks: u32,
}

impl Builder<'_> {
    /// Go's `buildChains`; `current` holds the issuers found so far (the leaf is implicit).
    fn build(&mut self, current: &mut Issuers) -> Result<Vec<Issuers>, String> {
        let last = current.last().cloned();
        let child: &Certificate = last.as_deref().unwrap_or(self.leaf);
        let mut candidates: Vec<(CertType, Arc<Certificate>)> = self
            .opts
            .roots
            .potential_parents(child)
            .into_iter()
            .map(|c| (CertType::Root, Arc::clone(c)))
            .collect();
        candidates.extend(
            self.opts
                .intermediates
                .potential_parents(child)
                .into_iter()
                .map(|c| (CertType::Intermediate, Arc::clone(c))),
        );

        let mut chains = Vec::new();
        let mut hint: Option<String> = None;
        let mut last_error: Option<String> = None;
        for (kind, candidate) in candidates {
            if self.already_in_chain(&candidate, current) {
                continue;
            }
            self.signature_checks += 1;
            if self.signature_checks > MAX_SIGNATURE_CHECKS {
                return Err(
                    "x509: signature check attempts limit reached while verifying certificate chain"
                        .into(),
                );
            }
            let checked = check_signature_from(child, &candidate, self.backend).and_then(|()| {
                let chain_so_far: Vec<&Certificate> = std::iter::once(self.leaf)
                    .chain(current.iter().map(AsRef::as_ref))
                    .collect();
                is_valid(&candidate, kind, &chain_so_far, self.now)
            });
            if let Err(e) = checked {
                if hint.is_none() {
                    hint = Some(format!(
                        "{e} while trying to verify candidate authority certificate {:?}",
                        candidate.common_name
                    ));
                }
                continue;
            }
            current.push(candidate);
            match kind {
                CertType::Root => chains.push(current.clone()),
                _ => match self.build(current) {
                    Ok(found) => chains.extend(found),
                    Err(e) => last_error = Some(e),
                },
            }
            current.pop();
        }
        if !chains.is_empty() {
            return Ok(chains);
        }
        Err(last_error.unwrap_or_else(|| match hint {
            Some(h) => {
                format!("x509: certificate signed by unknown authority (possibly because of {h})")
            }
            None => "x509: certificate signed by unknown authority".to_owned(),
        }))
    }

    /// Go's `alreadyInChain`: same subject, same key and same SubjectAltName as a certificate
    /// already in the chain (leaf included).
    fn already_in_chain(&self, candidate: &Certificate, current: &Issuers) -> bool {
        std::iter::once(self.leaf)
            .chain(current.iter().map(AsRef::as_ref))
            .any(|c| {
                c.subject_raw == candidate.subject_raw
                    && c.spki_raw == candidate.spki_raw
                    && c.subject_alt_name == candidate.subject_alt_name
            })
    }
}

/// Go's `isValid` for one certificate about to join a chain (`chain` = the certificates below
/// it, leaf first).
fn is_valid(
    cert: &Certificate,
    kind: CertType,
    chain: &[&Certificate],
    now: i64,
) -> Result<(), String> {
    if let Some(oid) = &cert.unhandled_critical {
        return Err(format!("x509: unhandled critical extension {oid}"));
    }
    if now < cert.not_before || now > cert.not_after {
        return Err(format!(
            "x509: certificate has expired or is not yet valid: current time {now} is outside [{}, {}]",
            cert.not_before, cert.not_after
        ));
    }
    if kind != CertType::Leaf
        && cert.has_name_constraints
        && chain.iter().any(|c| c.subject_alt_name.is_some())
    {
        return Err(
            "x509: name constraints on a CA above a certificate with SubjectAltName are not supported"
                .into(),
        );
    }
    if kind == CertType::Intermediate && !cert.is_ca() {
        return Err("x509: certificate is not authorized to sign other certificates".into());
    }
    if let Some((_, Some(max_path_len))) = cert.basic_constraints {
        let intermediates = chain.len().saturating_sub(1);
        if u64::try_from(intermediates).unwrap_or(u64::MAX) > u64::from(max_path_len) {
            return Err("x509: too many intermediates for path length constraint".into());
        }
    }
    Ok(())
}

/// Go's `Certificate.CheckSignatureFrom(parent)`.
pub(crate) fn check_signature_from(
    child: &Certificate,
    parent: &Certificate,
    backend: &dyn VerifyBackend,
) -> Result<(), String> {
    let cannot_sign =
        "x509: invalid signature: parent certificate cannot sign this kind of certificate";
    if (parent.version == 3 && !parent.basic_constraints_valid())
        || (parent.basic_constraints_valid() && !parent.is_ca())
    {
        return Err(cannot_sign.into());
    }
    if parent
        .key_usage
        .is_some_and(|ku| ku & KEY_USAGE_CERT_SIGN == 0)
    {
        return Err(cannot_sign.into());
    }
    match child.signature_algorithm() {
        SignatureAlgorithm::EcdsaSha256 => {}
        SignatureAlgorithm::EcdsaSha1 => {
            return Err("x509: cannot verify signature: insecure algorithm ECDSA-SHA1".into())
        }
        other => {
            return Err(format!(
                "x509: cannot verify signature: {} is not supported",
                other.name()
            ))
        }
    }
    let PublicKey::P256(key) = parent.public_key() else {
        return Err("x509: cannot verify signature: issuer key is not ECDSA P-256".into());
    };
    let signature = strict_ecdsa_signature(child.signature_value())?;
    if backend.verify_p256_sha256(key, child.tbs_der(), &signature) {
        Ok(())
    } else {
        Err("x509: ECDSA verification failure".into())
    }
}

/// Go's `ecdsa.VerifyASN1` parsing: DER `SEQUENCE{r, s}` with nothing after it.
fn strict_ecdsa_signature(bytes: &[u8]) -> Result<EcdsaSignature, String> {
    let rest = der::read_tlv(bytes)
        .map_err(|e| format!("x509: ECDSA signature: {e}"))?
        .rest;
    if !rest.is_empty() {
        return Err("x509: ECDSA signature has trailing bytes".into());
    }
    EcdsaSignature::from_der(bytes).map_err(|e| format!("x509: ECDSA signature: {e}"))
}

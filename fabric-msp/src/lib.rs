//! Fabric's X.509 membership service provider (MSP), as the committing peer uses it.
//!
//! The contract every other crate codes against is in [`identity`]: [`Identity`] and
//! [`IdentityDeserializer`]. Policies (`fabric-policies`) are written against these traits only,
//! so that they can be tested with simple stand-in identities.
//!
//! # What is here
//!
//! * [`Msp`]: one organisation's verifying MSP, set up from a `FabricMSPConfig`
//!   ([`Msp::new`], [`Msp::with_backend`], [`Msp::from_msp_config`]) for an [`MspVersion`]
//!   ([`MspVersion::from_channel_capabilities`]), following Fabric's setup order and checks
//!   (spec 7.2): at least one root; roots and intermediates sanitised, CAs, with a
//!   SubjectKeyIdentifier, chaining to a root and not revoked; the certification tree's
//!   internal nodes; admins (sanitised; valid when NodeOUs are off; client or admin OU when on;
//!   v1.4.3+: may be empty only with an admin OU); CRLs; OU identifiers and NodeOUs with their
//!   certifiers identifiers; crypto config SHA2 / SHA256 only.
//! * [`load_msp_folder`]: a Fabric MSP folder (`cacerts/`, `intermediatecerts/`,
//!   `admincerts/`, `crls/`, `config.yaml`) to a `FabricMSPConfig`, so folders and config
//!   blocks share one setup path.
//! * [`MspManager`]: a channel's MSPs, implementing [`IdentityDeserializer`] with a bounded,
//!   thread-safe cache keyed by the serialized identity bytes ([`manager`] documents the
//!   caching and how it differs from Fabric's). It hands out [`MspIdentity`] (an `Arc`).
//! * [`MspIdentity`] implements [`Identity`]: `validate` (spec 7.3), `verify` through
//!   `fabric-crypto` (low-S enforced, key parsed once), `satisfies_principal` (spec 6.3).
//!
//! # Deserialisation (spec 7.1)
//!
//! `id_bytes` is decoded with Go `pem.Decode` semantics ([`pem`]), parsed as X.509 with Go's
//! extra rejections ([`Certificate`]), then **sanitised** as Fabric's current `sanitizeCert`
//! does (msp/mspimpl.go at the spec's snapshot; spec 7.1 describes an older version): a CA
//! certificate that verifies under its own key is made low-S against itself and must then
//! validate with a root pool holding only that sanitised copy; any other ECDSA-signed
//! certificate must have exactly one validation chain of length at least 2 *at deserialisation
//! time* and is made low-S under its direct issuer. The certificate is re-assembled only when
//! that changed the signature (TBS and algorithm identifier verbatim). The identity ID is
//! hex(SHA-256(sanitised DER)).
//!
//! # Go `crypto/x509` behaviour reproduced (spec 7.3 step 3, 7.8)
//!
//! Chain building follows `Certificate.Verify` with the MSP's pools and "now" = NotBefore + 1 s:
//! candidate parents by raw name with Go's key-identifier ordering; loop detection; at most 100
//! signature checks; parents must be CAs (v3 certificates need BasicConstraints) with
//! keyCertSign when KeyUsage is present; SHA-1 signatures rejected; strict DER signatures (no
//! trailing bytes), high-S accepted on certificates; unhandled critical extensions rejected;
//! every certificate of the chain must be within its validity window at "now" (so a leaf's
//! expiry never matters, but CAs must be valid at the leaf's NotBefore + 1 s); intermediates must
//! be CAs; path-length constraints; the EKU rule (each certificate that lists usages must allow
//! serverAuth or anyExtendedKeyUsage); all chains found are returned and Fabric's "exactly one
//! chain" is enforced, as are Fabric's legacy name-constraint rule (leaf without SAN whose CN
//! looks like a host name, under a CA with NameConstraints), chain length >= 2 and "Parent
//! certificate should be a leaf of the certification tree".
//!
//! Parsing rejects, like Go: trailing bytes, negative or non-minimal serials, inner/outer
//! signature algorithm mismatch, duplicate extensions, malformed known extensions, unknown
//! elliptic curves and invalid P-256 points.
//!
//! # Not reproduced (documented divergences)
//!
//! * **Name constraints** are not evaluated. A chain through a CA with NameConstraints is
//!   rejected when any certificate below that CA has a SubjectAltName (the only case where Go
//!   would compare names); without SANs there is nothing to compare and the chain is accepted,
//!   as in Go.
//! * Certificate-policy processing (Go 1.22+ policy graph) is not done.
//! * Only ecdsa-with-SHA256 signatures over P-256 keys are verified (certificates, CRLs, and
//!   `verify`). Certificates signed with ecdsa-with-SHA384/512 or RSA, and identities with RSA,
//!   P-224/384/521 or Ed25519 keys, are reported as not supported (Fabric would accept some of
//!   them; none occurs in the ledgers this project targets). Validation reports unsupported
//!   identity keys first (spec 7.3 step 1).
//! * Go's parser has further rejections not mirrored here (x509-parser decides), and Subject
//!   attribute strings other than UTF8/Printable/IA5/Numeric/T61/BMP are skipped.
//! * A root certificate that is not a CA makes Fabric panic during sanitisation; here the setup
//!   fails with an error. A CRL ECDSA signature with `r` or `s` not below the curve order fails
//!   the setup here (Fabric would only fail to verify it later).
//! * The folder loader fails, naming the file, where Fabric only logs (unreadable files, NodeOU
//!   certificates that cannot be read).

pub mod cache;
pub mod cert;
mod chain;
pub mod crl;
mod der;
pub mod folder;
pub mod identity;
pub mod manager;
pub mod msp;
pub mod pem;
mod principal;
mod sanitize;
pub mod version;

pub use cache::CacheStats;
pub use cert::{Certificate, PublicKey, SignatureAlgorithm};
pub use folder::{load_msp_folder, FolderError};
pub use identity::{Identity, IdentityDeserializer, MspError};
pub use manager::{ManagerOptions, MspIdentity, MspManager, DEFAULT_CACHE_CAPACITY};
pub use msp::{Msp, OuIdentifier};
pub use version::MspVersion;

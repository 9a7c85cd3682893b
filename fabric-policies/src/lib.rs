//! Fabric's policies with Fabric's exact semantics (spec section 6).
//!
//! * [`signed_data`]: [`SignedData`] and [`signature_set_to_valid_identities`] — deserialize,
//!   de-duplicate by `msp_id ‖ id` before verifying, verify, drop failures silently (6.2).
//! * [`signature_policy`]: [`CompiledSignaturePolicy`], a `SignaturePolicyEnvelope` compiled
//!   once and evaluated with Fabric's greedy `used[]` matching (6.1).
//! * [`implicit_meta`] and [`manager`]: [`PolicyManager`], every policy of a channel config
//!   tree compiled and addressable by path (`/Channel/Application/Endorsement`), with
//!   implicit-meta policies over child groups (6.4, 6.5). Composite policies verify each
//!   signature once (see [`Policy`]).
//! * [`application`]: `ApplicationPolicy` evaluation for chaincode and collection endorsement
//!   policies (6.6).
//! * [`policydsl`]: builders with Fabric's byte layouts (6.7).
//! * [`lang`]: the peer CLI policy language, `AND('Org1MSP.peer', 'Org2MSP.peer')`, parsed to
//!   byte-identical envelopes and printed back.
//!
//! Identities come from `fabric-msp` through its [`fabric_msp::Identity`] and
//! [`fabric_msp::IdentityDeserializer`] traits only.

pub mod application;
pub mod cache;
pub mod error;
pub mod implicit_meta;
pub mod lang;
pub mod manager;
pub mod policy;
pub mod policydsl;
pub mod signature_policy;
pub mod signed_data;

pub use application::{evaluate_application_policy, ParsedApplicationPolicy};
pub use cache::ApplicationPolicyCache;
pub use error::PolicyError;
pub use implicit_meta::{implicit_meta_from_str, ImplicitMeta, ImplicitMetaRule};
pub use lang::{describe_policy, parse_policy, print_policy, LangError};
pub use manager::{PolicyManager, PolicyRef};
pub use policy::Policy;
pub use signature_policy::{CompiledRule, CompiledSignaturePolicy};
pub use signed_data::{signature_set_to_valid_identities, SignedData};

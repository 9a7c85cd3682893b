//! Deterministic fixtures in Hyperledger Fabric's exact wire format.
//!
//! Everything is a pure function of a [`Seed`] and a frozen clock ([`clock`]): generating
//! twice gives byte-identical output, so fixtures can be committed and checked for drift.
//!
//! * [`msp`] — per organisation a root CA (optionally an intermediate), leaves `peer0`,
//!   `client` (User1), `admin` (and `orderer` for the orderer organisation) in cryptogen's
//!   certificate shape ([`x509`]), with or without NodeOUs, an optional CRL, the channel-config
//!   `MSPConfig`, and Fabric's MSP folder layout. Keys come from
//!   `fabric_crypto::SigningKey::from_seed`, and certificate signatures go through
//!   fabric-crypto's deterministic signer.
//! * [`policy`] — signature policies as policydsl compiles them, implicit meta policies.
//! * [`channel_config`] — the genesis config (configtxgen's layout), the CONFIG envelope,
//!   and config updates adding or removing an application organisation.
//! * [`rwset`] and [`tx`] — endorser transactions built as Fabric's protoutil builds them,
//!   with deliberate faults ([`tx::Fault`]).
//! * [`block`] — blocks with data hash, header-hash chain and the 5 empty metadata slots.
//! * [`files`] — `.block`, the bench-corpus `.bin` stream and Fabric's peer blockfile, and
//!   an in-memory [`files::FileSet`].
//! * [`sample`] — a whole sample ledger with MANIFEST.json (the binary `fabric-testgen` and
//!   the committed fixture `fixtures/sample-2org` use it).

pub mod block;
pub mod channel_config;
pub mod clock;
pub mod files;
pub mod msp;
pub mod pem;
pub mod policy;
pub mod rwset;
pub mod sample;
pub mod seed;
pub mod tx;
pub mod workload;
pub mod x509;

pub use seed::Seed;

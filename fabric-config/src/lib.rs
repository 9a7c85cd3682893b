//! A channel's configuration, as the committing peer needs it for validation.
//!
//! Two sources give the same [`ChannelConfig`]:
//! * a config block (or a config transaction envelope) from the ledger: [`ChannelConfig::from_config_block_envelope`];
//! * MSP folders in Fabric's layout, for ledgers that carry no config block (the bench corpus):
//!   [`ChannelConfig::from_msp_folders`], which builds the `Config` message that `configtxgen`
//!   would have produced for those organisations and then takes the same path as a config block.
//!
//! A [`ChannelConfig`] holds the organisations (application and orderer) with their MSP
//! configuration, the capabilities, the compiled policy tree ([`fabric_policies::PolicyManager`])
//! and the channel's MSP manager ([`fabric_msp::MspManager`]), which deserializes and validates
//! identities with a cache.

mod capabilities;
mod channel;
mod error;
mod extract;
mod folders;
mod organization;

pub use capabilities::Capabilities;
pub use channel::ChannelConfig;
pub use error::ConfigError;
pub use extract::{config_envelope_from_envelope, ConfigTransaction};
pub use folders::{FolderChannelOptions, MspFolder};
pub use organization::{MspKind, Organization};

/// Names of the config groups and values this crate reads (Fabric's `channelconfig` constants).
pub mod keys {
    /// The root group of a channel's config.
    pub const CHANNEL_GROUP: &str = "Channel";
    /// The application group.
    pub const APPLICATION_GROUP: &str = "Application";
    /// The orderer group.
    pub const ORDERER_GROUP: &str = "Orderer";
    /// The consortiums group of a system channel.
    pub const CONSORTIUMS_GROUP: &str = "Consortiums";
    /// An organisation's MSP value (`MSPConfig`).
    pub const MSP_VALUE: &str = "MSP";
    /// Capabilities value of a group.
    pub const CAPABILITIES_VALUE: &str = "Capabilities";
    /// Channel-level hashing algorithm value.
    pub const HASHING_ALGORITHM_VALUE: &str = "HashingAlgorithm";
    /// Channel-level block data hashing structure value.
    pub const BLOCK_DATA_HASHING_STRUCTURE_VALUE: &str = "BlockDataHashingStructure";
    /// Channel-level orderer addresses value.
    pub const ORDERER_ADDRESSES_VALUE: &str = "OrdererAddresses";
    /// Channel-level consortium value.
    pub const CONSORTIUM_VALUE: &str = "Consortium";
}

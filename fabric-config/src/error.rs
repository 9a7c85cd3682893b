//! Errors of channel-configuration parsing.

/// What can be wrong with a channel configuration. Each message names the element (group path,
/// value key, organisation, file) that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A protobuf message on the way to the config did not decode.
    #[error("could not decode {what}: {reason}")]
    Decode {
        /// Which message, e.g. "Payload of the config envelope".
        what: String,
        /// The decoder's message.
        reason: String,
    },
    /// The envelope is not a config transaction.
    #[error("not a config transaction: header type is {0} (expected CONFIG = 1, or ORDERER_TRANSACTION = 4 wrapping one)")]
    NotConfig(i32),
    /// A required element is absent.
    #[error("missing {0}")]
    Missing(String),
    /// A config value did not decode.
    #[error("config value {path}/{key} is malformed: {reason}")]
    BadValue {
        /// Path of the group holding the value, e.g. `Channel/Application/Org1`.
        path: String,
        /// The value's key, e.g. `MSP`.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// Two organisations claim the same MSP ID.
    #[error("MSP ID {msp_id} is used by both {first} and {second}")]
    DuplicateMspId {
        /// The MSP ID.
        msp_id: String,
        /// Path of the first organisation.
        first: String,
        /// Path of the second organisation.
        second: String,
    },
    /// An MSP folder could not be read; the text names the file.
    #[error("MSP folder: {0}")]
    MspFolder(String),
    /// The policy tree did not compile.
    #[error("channel policies: {0}")]
    Policies(#[from] fabric_policies::PolicyError),
    /// An organisation's MSP could not be set up.
    #[error("MSP of organisation {org}: {source}")]
    Msp {
        /// Path of the organisation's group.
        org: String,
        /// What the MSP said.
        source: fabric_msp::MspError,
    },
}

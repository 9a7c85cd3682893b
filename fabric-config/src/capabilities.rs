//! Channel, orderer and application capabilities.

use std::collections::BTreeSet;

/// The capability names switched on at each level of a channel's config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `Channel/Capabilities`.
    pub channel: BTreeSet<String>,
    /// `Channel/Orderer/Capabilities`.
    pub orderer: BTreeSet<String>,
    /// `Channel/Application/Capabilities`.
    pub application: BTreeSet<String>,
}

impl Capabilities {
    /// Whether the application capabilities select Fabric's v20 validation (`V2_0` or `V2_5`;
    /// spec 5.1).
    #[must_use]
    pub fn v20_validation(&self) -> bool {
        self.application.contains("V2_0") || self.application.contains("V2_5")
    }

    /// The MSP version that the channel-level capabilities select (spec 7.2).
    #[must_use]
    pub fn msp_version(&self) -> fabric_msp::MspVersion {
        let names: Vec<&str> = self.channel.iter().map(String::as_str).collect();
        fabric_msp::MspVersion::from_channel_capabilities(&names)
    }
}

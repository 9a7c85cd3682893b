//! MSP versions and how a channel's capabilities select one (spec 7.2).

/// The MSP behaviour version of a channel. Ordered: later versions compare greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum MspVersion {
    /// v1.0: no NodeOUs, no COMBINED / ANONYMITY principals.
    V1_0,
    /// v1.1: NodeOUs (client and peer) introduced.
    V1_1,
    /// v1.3: COMBINED and ANONYMITY principals.
    V1_3,
    /// v1.4.3: admin and orderer NodeOUs; admins may be declared by OU.
    V1_4_3,
    /// v3.0: v1.4.3 plus Ed25519 identities (which this crate does not support).
    V3_0,
}

impl MspVersion {
    /// Picks the MSP version from the names of a channel's **channel-level** capabilities
    /// (Fabric's `ChannelProvider.MSPVersion`): `V3_0` ⇒ v3.0; `V1_4_3` or `V2_0` ⇒ v1.4.3;
    /// `V1_3` or `V1_4_2` ⇒ v1.3; `V1_1` ⇒ v1.1; otherwise v1.0. Unknown names are ignored.
    #[must_use]
    pub fn from_channel_capabilities(capabilities: &[&str]) -> Self {
        let has = |name: &str| capabilities.contains(&name);
        if has("V3_0") {
            Self::V3_0
        } else if has("V1_4_3") || has("V2_0") {
            Self::V1_4_3
        } else if has("V1_3") || has("V1_4_2") {
            Self::V1_3
        } else if has("V1_1") {
            Self::V1_1
        } else {
            Self::V1_0
        }
    }

    /// Whether COMBINED and ANONYMITY principals are understood (v1.3 and later).
    #[must_use]
    pub fn supports_combined_principals(self) -> bool {
        self >= Self::V1_3
    }
}

impl std::fmt::Display for MspVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::V1_0 => "MSP v1.0",
            Self::V1_1 => "MSP v1.1",
            Self::V1_3 => "MSP v1.3",
            Self::V1_4_3 => "MSP v1.4.3",
            Self::V3_0 => "MSP v3.0",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_map_to_versions() {
        assert_eq!(MspVersion::from_channel_capabilities(&[]), MspVersion::V1_0);
        assert_eq!(
            MspVersion::from_channel_capabilities(&["V1_1"]),
            MspVersion::V1_1
        );
        assert_eq!(
            MspVersion::from_channel_capabilities(&["V1_1", "V1_3"]),
            MspVersion::V1_3
        );
        assert_eq!(
            MspVersion::from_channel_capabilities(&["V1_4_2"]),
            MspVersion::V1_3
        );
        assert_eq!(
            MspVersion::from_channel_capabilities(&["V1_4_3"]),
            MspVersion::V1_4_3
        );
        assert_eq!(
            MspVersion::from_channel_capabilities(&["V2_0"]),
            MspVersion::V1_4_3
        );
        assert_eq!(
            MspVersion::from_channel_capabilities(&["V2_0", "V3_0"]),
            MspVersion::V3_0
        );
        assert_eq!(
            MspVersion::from_channel_capabilities(&["V2_5"]),
            MspVersion::V1_0
        );
        assert!(!MspVersion::V1_1.supports_combined_principals());
        assert!(MspVersion::V1_3.supports_combined_principals());
    }
}

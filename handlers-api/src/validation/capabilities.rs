//! The channel's application capabilities as validation plugins see them (Fabric's
//! `validation/api/capabilities`).

/// A snapshot of the channel's application capabilities (Fabric's boolean methods, one field
/// each). `metadata_lifecycle` is always false in Fabric and kept for name parity.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplicationCapabilities {
    /// `ForbidDuplicateTXIdInBlock`.
    pub forbid_duplicate_txid_in_block: bool,
    /// `ACLs`.
    pub acls: bool,
    /// `PrivateChannelData`.
    pub private_channel_data: bool,
    /// `CollectionUpgrade`.
    pub collection_upgrade: bool,
    /// `V1_1Validation`.
    pub v1_1_validation: bool,
    /// `V1_2Validation`.
    pub v1_2_validation: bool,
    /// `V1_3Validation`.
    pub v1_3_validation: bool,
    /// `StorePvtDataOfInvalidTx`.
    pub store_pvt_data_of_invalid_tx: bool,
    /// `V2_0Validation`.
    pub v2_0_validation: bool,
    /// `MetadataLifecycle` (always false in Fabric).
    pub metadata_lifecycle: bool,
    /// `KeyLevelEndorsement`.
    pub key_level_endorsement: bool,
}

const FLAG_NAMES: usize = 11;

impl ApplicationCapabilities {
    /// All capabilities of a `V2_0` (or `V2_5`) channel switched on (as Fabric's capability
    /// provider reports them; `metadata_lifecycle` stays false).
    pub fn v2_0() -> Self {
        ApplicationCapabilities {
            forbid_duplicate_txid_in_block: true,
            acls: true,
            private_channel_data: true,
            collection_upgrade: true,
            v1_1_validation: true,
            v1_2_validation: true,
            v1_3_validation: true,
            store_pvt_data_of_invalid_tx: true,
            v2_0_validation: true,
            metadata_lifecycle: false,
            key_level_endorsement: true,
        }
    }

    fn as_array(&self) -> [bool; FLAG_NAMES] {
        [
            self.forbid_duplicate_txid_in_block,
            self.acls,
            self.private_channel_data,
            self.collection_upgrade,
            self.v1_1_validation,
            self.v1_2_validation,
            self.v1_3_validation,
            self.store_pvt_data_of_invalid_tx,
            self.v2_0_validation,
            self.metadata_lifecycle,
            self.key_level_endorsement,
        ]
    }

    /// The flags as a bit set (bit i = the i-th field in declaration order); what crosses the
    /// FFI boundary. Append-only: new capabilities take the next bit.
    pub fn to_bits(&self) -> u64 {
        self.as_array()
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, on)| if *on { acc | (1 << i) } else { acc })
    }

    /// The inverse of [`ApplicationCapabilities::to_bits`]; unknown bits (from a newer host)
    /// are ignored.
    pub fn from_bits(bits: u64) -> Self {
        let on = |i: u32| bits & (1u64 << i) != 0;
        ApplicationCapabilities {
            forbid_duplicate_txid_in_block: on(0),
            acls: on(1),
            private_channel_data: on(2),
            collection_upgrade: on(3),
            v1_1_validation: on(4),
            v1_2_validation: on(5),
            v1_3_validation: on(6),
            store_pvt_data_of_invalid_tx: on(7),
            v2_0_validation: on(8),
            metadata_lifecycle: on(9),
            key_level_endorsement: on(10),
        }
    }
}

/// The channel's application capabilities, re-read from the current channel configuration on
/// every call (Fabric's capabilities are dynamic).
pub trait Capabilities: Send + Sync {
    /// Fabric's `Supported()`: whether this peer supports every capability the channel
    /// requires.
    ///
    /// # Errors
    ///
    /// The text naming the unsupported capability.
    fn supported(&self) -> Result<(), String>;

    /// The current application capabilities.
    fn application(&self) -> ApplicationCapabilities;
}

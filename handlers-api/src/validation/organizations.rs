//! The channel's application organisations as validation plugins see them (no Fabric
//! counterpart: appended for rules that count organisations, such as
//! `SignedByMajorityPeerOrgs`).

/// One application organisation of the channel configuration in force.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationOrg {
    /// The organisation's name (its config group key under `Application`).
    pub name: String,
    /// The organisation's MSP ID.
    pub msp_id: String,
    /// Whether the organisation's MSP has NodeOUs enabled (so peers carry the `peer` OU and
    /// a principal of role PEER can be satisfied).
    pub node_ous_enabled: bool,
}

impl ApplicationOrg {
    /// An organisation called `name` whose MSP is `msp_id`, with NodeOUs on or off.
    pub fn new(name: impl Into<String>, msp_id: impl Into<String>, node_ous_enabled: bool) -> Self {
        ApplicationOrg {
            name: name.into(),
            msp_id: msp_id.into(),
            node_ous_enabled,
        }
    }
}

/// Why [`ChannelOrganizations::application_orgs`] gave no answer.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrganizationsError {
    /// The host could not tell (no configuration known yet, host panic, ...): validity cannot
    /// be determined.
    #[error("channel organisations unavailable: {0}")]
    Provider(String),
}

/// The application organisations of the channel, read from the configuration in force at
/// call time.
pub trait ChannelOrganizations: Send + Sync {
    /// The application organisations of the channel configuration in force for the block
    /// being validated (the host switches configuration between blocks), sorted by MSP ID.
    ///
    /// # Errors
    ///
    /// [`OrganizationsError::Provider`] when the host cannot tell.
    fn application_orgs(&self) -> Result<Vec<ApplicationOrg>, OrganizationsError>;
}

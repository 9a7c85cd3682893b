//! The channel's application organisations as the rule counts them: one entry per MSP ID, each
//! with the principal its endorsers must satisfy.

use std::collections::BTreeMap;
use std::fmt;

use fabric_protos::common::msp_principal::Classification;
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::{MspPrincipal, MspRole};
use handlers_api::validation::ApplicationOrg;
use prost::Message;

/// The role an endorser must have in its organisation's MSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndorserRole {
    /// `MSPRole PEER` (the organisation has NodeOUs enabled).
    Peer,
    /// `MSPRole MEMBER` (NodeOUs disabled: peers cannot be told from other members).
    Member,
}

impl fmt::Display for EndorserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndorserRole::Peer => "peer",
            EndorserRole::Member => "member",
        })
    }
}

/// One organisation that can count towards the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedOrg {
    role: EndorserRole,
    principal: Vec<u8>,
}

impl CountedOrg {
    fn new(msp_id: &str, node_ous_enabled: bool) -> Self {
        let (role, role_type) = if node_ous_enabled {
            (EndorserRole::Peer, MspRoleType::Peer)
        } else {
            (EndorserRole::Member, MspRoleType::Member)
        };
        let principal = MspPrincipal {
            principal_classification: Classification::Role as i32,
            principal: MspRole {
                msp_identifier: msp_id.to_owned(),
                role: role_type as i32,
            }
            .encode_to_vec()
            .into(),
        }
        .encode_to_vec();
        CountedOrg { role, principal }
    }

    /// The role its endorsers must have.
    pub fn role(&self) -> EndorserRole {
        self.role
    }

    /// The serialized `MSPPrincipal{ROLE, MSPRole{msp_id, role}}` an endorser must satisfy.
    pub fn principal(&self) -> &[u8] {
        &self.principal
    }
}

/// The application organisations of the configuration in force, keyed (and counted) by MSP
/// ID: M is the number of distinct MSP IDs. Should two organisation groups share an MSP ID
/// (Fabric's configuration rejects that), they are one organisation and the first one's
/// NodeOUs setting applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelOrgs {
    by_msp_id: BTreeMap<String, CountedOrg>,
}

impl ChannelOrgs {
    /// The organisations as the host lists them.
    pub fn new(orgs: &[ApplicationOrg]) -> Self {
        let mut by_msp_id = BTreeMap::new();
        for org in orgs {
            by_msp_id
                .entry(org.msp_id.clone())
                .or_insert_with(|| CountedOrg::new(&org.msp_id, org.node_ous_enabled));
        }
        ChannelOrgs { by_msp_id }
    }

    /// M: how many organisations there are.
    pub fn len(&self) -> usize {
        self.by_msp_id.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.by_msp_id.is_empty()
    }

    /// The organisation whose MSP ID is `msp_id`.
    pub fn get(&self, msp_id: &str) -> Option<&CountedOrg> {
        self.by_msp_id.get(msp_id)
    }

    /// The MSP IDs, sorted.
    pub fn msp_ids(&self) -> impl Iterator<Item = &str> {
        self.by_msp_id.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn principal_is_role_peer_or_member_of_the_org() {
        let orgs = ChannelOrgs::new(&[
            ApplicationOrg::new("Org2", "Org2MSP", false),
            ApplicationOrg::new("Org1", "Org1MSP", true),
        ]);
        assert_eq!(orgs.msp_ids().collect::<Vec<_>>(), ["Org1MSP", "Org2MSP"]);
        for (msp_id, role, role_type) in [
            ("Org1MSP", EndorserRole::Peer, MspRoleType::Peer),
            ("Org2MSP", EndorserRole::Member, MspRoleType::Member),
        ] {
            let org = orgs.get(msp_id).unwrap();
            assert_eq!(org.role(), role);
            let principal = MspPrincipal::decode(org.principal()).unwrap();
            assert_eq!(
                principal.principal_classification,
                Classification::Role as i32
            );
            let msp_role = MspRole::decode(principal.principal).unwrap();
            assert_eq!(msp_role.msp_identifier, msp_id);
            assert_eq!(msp_role.role, role_type as i32);
        }
    }

    #[test]
    fn organisations_sharing_an_msp_id_count_once() {
        let orgs = ChannelOrgs::new(&[
            ApplicationOrg::new("A", "SharedMSP", true),
            ApplicationOrg::new("B", "SharedMSP", false),
            ApplicationOrg::new("C", "OtherMSP", false),
        ]);
        assert_eq!(orgs.len(), 2);
        assert_eq!(orgs.get("SharedMSP").unwrap().role(), EndorserRole::Peer);
        assert!(orgs.get("ThirdMSP").is_none());
        assert!(ChannelOrgs::new(&[]).is_empty());
    }
}

//! `SatisfiesPrincipal` of the X.509 MSP (spec 6.3), per MSP version.
//!
//! COMBINED principals are flattened first (an error for v1.0/v1.1, and for an empty
//! combination) and every part must hold. Then, per part:
//!
//! * before v1.3: ROLE (MEMBER = validate; ADMIN = configured admin certificate; CLIENT/PEER =
//!   validate + NodeOU role; anything else is an invalid role), ORGANIZATION_UNIT, IDENTITY;
//! * v1.3 adds ANONYMITY (NOMINAL holds, ANONYMOUS never holds for X.509);
//! * v1.4.3 / v3.0 with NodeOUs in force: ADMIN also holds for a valid identity carrying the
//!   admin OU, ORDERER = validate + orderer OU; without NodeOUs it behaves like v1.3.

use fabric_protos::common::msp_identity_anonymity::MspIdentityAnonymityType;
use fabric_protos::common::msp_principal::Classification;
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::{
    CombinedPrincipal, MspIdentityAnonymity, MspPrincipal, MspRole, OrganizationUnit,
};
use prost::Message;

use crate::identity::MspError;
use crate::msp::{IdentityCore, Msp, NodeRole};
use crate::version::MspVersion;

fn not_satisfied(text: impl Into<String>) -> MspError {
    MspError::PrincipalNotSatisfied(text.into())
}

/// Fabric's `collectPrincipals`: flattens COMBINED principals recursively.
fn collect_principals(
    principal: &MspPrincipal,
    version: MspVersion,
    out: &mut Vec<MspPrincipal>,
) -> Result<(), MspError> {
    if principal.principal_classification != Classification::Combined as i32 {
        out.push(principal.clone());
        return Ok(());
    }
    if !version.supports_combined_principals() {
        return Err(not_satisfied(format!(
            "invalid principal type {}",
            principal.principal_classification
        )));
    }
    let combined = CombinedPrincipal::decode(principal.principal.clone()).map_err(|e| {
        not_satisfied(format!(
            "could not unmarshal CombinedPrincipal from principal: {e}"
        ))
    })?;
    if combined.principals.is_empty() {
        return Err(not_satisfied("No principals in CombinedPrincipal"));
    }
    for inner in &combined.principals {
        collect_principals(inner, version, out)?;
    }
    Ok(())
}

impl Msp {
    /// Evaluates `principal` for the identity `core`. `validate` is the identity's memoised
    /// `Validate()`.
    pub(crate) fn satisfies_principal(
        &self,
        core: &IdentityCore,
        validate: &dyn Fn() -> Result<(), MspError>,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        let mut parts = Vec::new();
        collect_principals(principal, self.version(), &mut parts)?;
        for part in &parts {
            if self.version() >= MspVersion::V1_4_3 {
                self.satisfies_v142(core, validate, part)?;
            } else if self.version() == MspVersion::V1_3 {
                self.satisfies_v13(core, validate, part)?;
            } else {
                self.satisfies_pre_v13(core, validate, part)?;
            }
        }
        Ok(())
    }

    fn decode_role(&self, principal: &MspPrincipal) -> Result<MspRole, MspError> {
        let role = MspRole::decode(principal.principal.clone()).map_err(|e| {
            not_satisfied(format!("could not unmarshal MSPRole from principal: {e}"))
        })?;
        if role.msp_identifier != self.name() {
            return Err(not_satisfied(format!(
                "the identity is a member of a different MSP (expected {}, got {})",
                role.msp_identifier,
                self.name()
            )));
        }
        Ok(role)
    }

    fn satisfies_v142(
        &self,
        core: &IdentityCore,
        validate: &dyn Fn() -> Result<(), MspError>,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        if principal.principal_classification == Classification::Role as i32
            && self.node_ous_enforced()
        {
            let role = self.decode_role(principal)?;
            if role.role == MspRoleType::Admin as i32 {
                if self.is_in_admins(core) {
                    return Ok(());
                }
                validate()?;
                return self.has_ou_role(core, NodeRole::Admin).map_err(|e| {
                    not_satisfied(format!(
                        "The identity is not an admin under this MSP [{}]: {e}",
                        self.name()
                    ))
                });
            }
            if role.role == MspRoleType::Orderer as i32 {
                validate()?;
                return self.has_ou_role(core, NodeRole::Orderer).map_err(|e| {
                    not_satisfied(format!(
                        "The identity is not a [ORDERER] under this MSP [{}]: {e}",
                        self.name()
                    ))
                });
            }
        }
        self.satisfies_v13(core, validate, principal)
    }

    fn satisfies_v13(
        &self,
        core: &IdentityCore,
        validate: &dyn Fn() -> Result<(), MspError>,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        if principal.principal_classification == Classification::Anonymity as i32 {
            let anonymity =
                MspIdentityAnonymity::decode(principal.principal.clone()).map_err(|e| {
                    not_satisfied(format!(
                        "could not unmarshal MSPIdentityAnonymity from principal: {e}"
                    ))
                })?;
            return match MspIdentityAnonymityType::try_from(anonymity.anonymity_type) {
                Ok(MspIdentityAnonymityType::Nominal) => Ok(()),
                Ok(MspIdentityAnonymityType::Anonymous) => Err(not_satisfied(
                    "Principal is anonymous, but X.509 MSP does not support anonymous identities",
                )),
                Err(_) => Err(not_satisfied(format!(
                    "Unknown principal anonymity type: {}",
                    anonymity.anonymity_type
                ))),
            };
        }
        // COMBINED parts were flattened by the caller.
        self.satisfies_pre_v13(core, validate, principal)
    }

    fn satisfies_pre_v13(
        &self,
        core: &IdentityCore,
        validate: &dyn Fn() -> Result<(), MspError>,
        principal: &MspPrincipal,
    ) -> Result<(), MspError> {
        match Classification::try_from(principal.principal_classification) {
            Ok(Classification::Role) => {
                let role = self.decode_role(principal)?;
                match MspRoleType::try_from(role.role) {
                    Ok(MspRoleType::Member) => validate(),
                    Ok(MspRoleType::Admin) => {
                        if self.is_in_admins(core) {
                            Ok(())
                        } else {
                            Err(not_satisfied("This identity is not an admin"))
                        }
                    }
                    Ok(r @ (MspRoleType::Client | MspRoleType::Peer)) => {
                        validate()?;
                        let node_role = if r == MspRoleType::Client {
                            NodeRole::Client
                        } else {
                            NodeRole::Peer
                        };
                        self.has_ou_role(core, node_role).map_err(|e| {
                            not_satisfied(format!(
                                "The identity is not a [{}] under this MSP [{}]: {e}",
                                r.as_str_name(),
                                self.name()
                            ))
                        })
                    }
                    _ => Err(not_satisfied(format!(
                        "invalid MSP role type {}",
                        role.role
                    ))),
                }
            }
            Ok(Classification::Identity) => {
                let other = self.deserialize_core(&principal.principal).map_err(|e| {
                    not_satisfied(format!(
                        "invalid identity principal, not a certificate: {e}"
                    ))
                })?;
                if other.cert.der() == core.cert.der() {
                    self.validate_core(&other)
                } else {
                    Err(not_satisfied("The identities do not match"))
                }
            }
            Ok(Classification::OrganizationUnit) => {
                let ou = OrganizationUnit::decode(principal.principal.clone()).map_err(|e| {
                    not_satisfied(format!(
                        "could not unmarshal OrganizationUnit from principal: {e}"
                    ))
                })?;
                if ou.msp_identifier != self.name() {
                    return Err(not_satisfied(format!(
                        "the identity is a member of a different MSP (expected {}, got {})",
                        ou.msp_identifier,
                        self.name()
                    )));
                }
                validate()?;
                let matched = self.organizational_units(core).iter().any(|mine| {
                    mine.organizational_unit == ou.organizational_unit_identifier
                        && mine.certifiers_identifier == ou.certifiers_identifier.as_ref()
                });
                if matched {
                    Ok(())
                } else {
                    Err(not_satisfied("The identities do not match"))
                }
            }
            _ => Err(not_satisfied(format!(
                "invalid principal type {}",
                principal.principal_classification
            ))),
        }
    }
}

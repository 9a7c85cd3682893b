//! Stand-in identities for policy tests: they implement fabric-msp's traits with simple,
//! inspectable rules instead of X.509.
//!
//! Serialized form: `"<MSPID>|<name>|<role>,<role>..."` (roles: member, admin, client, peer,
//! orderer). The identity id is `<name>`. A signature over `data` is valid iff it equals
//! [`sign`]`(serialized, data)`.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use fabric_msp::{Identity, IdentityDeserializer, MspError};
use fabric_policies::SignedData;
use fabric_protos::common::{
    msp_principal::Classification, msp_role::MspRoleType, MspPrincipal, MspRole,
};
use prost::Message;

/// A stand-in identity.
#[derive(Debug, Clone)]
pub struct FakeIdentity {
    msp: String,
    name: String,
    serialized: Bytes,
    roles: Vec<MspRoleType>,
    verify_calls: Arc<AtomicUsize>,
}

impl FakeIdentity {
    /// The name part of the identity (its id).
    pub fn id_name(&self) -> String {
        self.name.clone()
    }

    /// An identity straight from its serialized form (no MSP check).
    pub fn new(serialized: &str) -> Self {
        parse(serialized.as_bytes(), Arc::new(AtomicUsize::new(0)))
            .expect("well-formed test identity")
    }
}

fn role_from(name: &str) -> Option<MspRoleType> {
    Some(match name {
        "member" => MspRoleType::Member,
        "admin" => MspRoleType::Admin,
        "client" => MspRoleType::Client,
        "peer" => MspRoleType::Peer,
        "orderer" => MspRoleType::Orderer,
        _ => return None,
    })
}

fn parse(serialized: &[u8], verify_calls: Arc<AtomicUsize>) -> Result<FakeIdentity, MspError> {
    let text = std::str::from_utf8(serialized).map_err(|e| MspError::Deserialize(e.to_string()))?;
    let parts: Vec<&str> = text.split('|').collect();
    let [msp, name, roles] = parts.as_slice() else {
        return Err(MspError::Deserialize(format!(
            "expected msp|name|roles, got {text:?}"
        )));
    };
    let roles = roles
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| role_from(r).ok_or_else(|| MspError::Deserialize(format!("unknown role {r}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FakeIdentity {
        msp: (*msp).to_owned(),
        name: (*name).to_owned(),
        serialized: Bytes::copy_from_slice(serialized),
        roles,
        verify_calls,
    })
}

/// The only signature [`FakeIdentity::verify`] accepts.
pub fn sign(serialized: &[u8], data: &[u8]) -> Vec<u8> {
    [b"sig(".as_slice(), serialized, b",", data, b")"].concat()
}

impl Identity for FakeIdentity {
    fn msp_id(&self) -> &str {
        &self.msp
    }

    fn id(&self) -> &str {
        &self.name
    }

    fn validate(&self) -> Result<(), MspError> {
        Ok(())
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), MspError> {
        self.verify_calls.fetch_add(1, Ordering::SeqCst);
        if signature == sign(&self.serialized, message).as_slice() {
            Ok(())
        } else {
            Err(MspError::Signature("stand-in signature mismatch".into()))
        }
    }

    fn satisfies_principal(&self, principal: &MspPrincipal) -> Result<(), MspError> {
        let refuse = |why: &str| Err(MspError::PrincipalNotSatisfied(why.to_owned()));
        match Classification::try_from(principal.principal_classification) {
            Ok(Classification::Identity) => {
                if principal.principal == self.serialized {
                    Ok(())
                } else {
                    refuse("different identity")
                }
            }
            Ok(Classification::Role) => {
                let role = MspRole::decode(principal.principal.as_ref())
                    .map_err(|e| MspError::PrincipalNotSatisfied(e.to_string()))?;
                if role.msp_identifier != self.msp {
                    return refuse("different MSP");
                }
                let wanted = MspRoleType::try_from(role.role)
                    .map_err(|e| MspError::PrincipalNotSatisfied(e.to_string()))?;
                if wanted == MspRoleType::Member || self.roles.contains(&wanted) {
                    Ok(())
                } else {
                    refuse("role not held")
                }
            }
            _ => refuse("unsupported principal"),
        }
    }
}

/// A stand-in channel MSP manager knowing a fixed list of MSP ids; counts verifications.
#[derive(Debug, Clone, Default)]
pub struct FakeMsp {
    known: Vec<String>,
    pub verify_calls: Arc<AtomicUsize>,
}

impl FakeMsp {
    pub fn new(known: &[&str]) -> Self {
        Self {
            known: known.iter().map(|s| (*s).to_owned()).collect(),
            verify_calls: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn verifications(&self) -> usize {
        self.verify_calls.load(Ordering::SeqCst)
    }
}

impl IdentityDeserializer for FakeMsp {
    type Identity = FakeIdentity;

    fn deserialize_identity(&self, serialized: &[u8]) -> Result<FakeIdentity, MspError> {
        let identity = parse(serialized, Arc::clone(&self.verify_calls))?;
        if !self.known.contains(&identity.msp) {
            return Err(MspError::UnknownMsp(identity.msp));
        }
        Ok(identity)
    }
}

/// An owned signature-set entry, to borrow [`SignedData`] from.
#[derive(Debug, Clone)]
pub struct Sig {
    pub data: Vec<u8>,
    pub identity: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Sig {
    /// A correctly signed entry by `serialized` over `data`.
    pub fn good(serialized: &str, data: &[u8]) -> Self {
        Self {
            data: data.to_vec(),
            identity: serialized.as_bytes().to_vec(),
            signature: sign(serialized.as_bytes(), data),
        }
    }

    /// An entry by `serialized` whose signature does not verify.
    pub fn bad(serialized: &str, data: &[u8]) -> Self {
        Self {
            data: data.to_vec(),
            identity: serialized.as_bytes().to_vec(),
            signature: b"forged".to_vec(),
        }
    }
}

/// Borrows a signature set.
pub fn signed(set: &[Sig]) -> Vec<SignedData<'_>> {
    set.iter()
        .map(|s| SignedData {
            data: &s.data,
            identity: &s.identity,
            signature: &s.signature,
        })
        .collect()
}

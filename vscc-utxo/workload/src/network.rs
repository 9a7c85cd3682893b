//! The channel a workload runs on: organisations, parties (coin owners), the issuer, the
//! endorsers, the policies and the genesis configuration.

use fabric_protos::common::SignaturePolicyEnvelope;
use fabric_protos::protos::{application_policy, ApplicationPolicy};
use fabric_testgen::channel_config::{genesis_config, ChannelSpec};
use fabric_testgen::msp::{Identity, OrgMaterial, OrgSpec};
use fabric_testgen::policy::{out_of, Role};
use fabric_testgen::Seed;
use vscc_utxo::UtxoValidationParameter;

use crate::error::WorkloadError;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadSpec {
    /// Everything (keys, certificates, nonces) derives from these bytes.
    pub seed: Vec<u8>,
    /// Application organisations `Org1MSP` … `Org<n>MSP` (NodeOUs on), at least 1.
    pub orgs: u32,
    /// Client identities per organisation that own coins (`client`, `client2`, …), at least 1.
    pub clients_per_org: u32,
    /// How many endorsements each UTXO transaction carries: `peer0` of the first
    /// `endorsers` organisations. The endorsement policy requires all of them
    /// (`OutOf(endorsers, 'Org1MSP.peer', …)`), so that validation checks every one.
    pub endorsers: u32,
    /// The channel.
    pub channel_id: String,
    /// The UTXO chaincode (the namespace the plugin guards).
    pub chaincode: String,
    /// The core.yaml `validators:` key the chaincode definition names (lower case, as the
    /// loader keys handlers), e.g. `utxo` for `validators: utxo: name: UTXO`.
    pub plugin_key: String,
}

impl WorkloadSpec {
    /// `orgs` organisations, 3 clients each, every organisation endorsing, channel
    /// `utxochannel`, chaincode `utxo`, plugin key `utxo`.
    #[must_use]
    pub fn new(seed: &[u8], orgs: u32) -> Self {
        WorkloadSpec {
            seed: seed.to_vec(),
            orgs,
            clients_per_org: 3,
            endorsers: orgs,
            channel_id: "utxochannel".to_owned(),
            chaincode: "utxo".to_owned(),
            plugin_key: "utxo".to_owned(),
        }
    }

    /// The same spec with `k` endorsements per transaction (needs `k <= orgs`).
    #[must_use]
    pub fn with_endorsers(mut self, k: u32) -> Self {
        self.endorsers = k;
        self
    }
}

/// A coin owner: one client identity of the channel, by position in [`Network::parties`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Party(pub usize);

/// The generated channel members and policies.
#[derive(Debug)]
pub struct Network {
    pub(crate) spec: WorkloadSpec,
    pub(crate) seed: Seed,
    pub(crate) orgs: Vec<OrgMaterial>,
    pub(crate) orderer: OrgMaterial,
    /// (org index, identity name) of every party.
    parties: Vec<(usize, String)>,
}

impl Network {
    /// Generates the organisations of `spec`.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Spec`] for a spec with no organisation, no client or more endorsers
    /// than organisations; [`WorkloadError::Msp`] when certificates cannot be made.
    pub fn generate(spec: WorkloadSpec) -> Result<Self, WorkloadError> {
        if spec.orgs == 0 || spec.clients_per_org == 0 {
            return Err(WorkloadError::Spec(format!(
                "need at least one organisation and one client per organisation, got {} and {}",
                spec.orgs, spec.clients_per_org
            )));
        }
        if spec.endorsers == 0 || spec.endorsers > spec.orgs {
            return Err(WorkloadError::Spec(format!(
                "endorsers must be between 1 and the {} organisations, got {}",
                spec.orgs, spec.endorsers
            )));
        }
        let seed = Seed::new(spec.seed.clone());
        let mut orgs = Vec::new();
        let mut parties = Vec::new();
        for n in 1..=spec.orgs {
            let org_spec = OrgSpec {
                node_ous: true,
                extra_clients: spec.clients_per_org - 1,
                ..OrgSpec::application(n)
            };
            let org = OrgMaterial::generate(&seed, org_spec)?;
            let index = orgs.len();
            parties.extend(
                org.identities()
                    .iter()
                    .filter(|i| i.name().starts_with("client"))
                    .map(|i| (index, i.name().to_owned())),
            );
            orgs.push(org);
        }
        let orderer = OrgMaterial::generate(&seed, OrgSpec::orderer())?;
        Ok(Network {
            spec,
            seed,
            orgs,
            orderer,
            parties,
        })
    }

    /// The spec it was made from.
    #[must_use]
    pub fn spec(&self) -> &WorkloadSpec {
        &self.spec
    }

    /// The application organisations.
    #[must_use]
    pub fn orgs(&self) -> &[OrgMaterial] {
        &self.orgs
    }

    /// Every coin owner, organisation by organisation.
    #[must_use]
    pub fn parties(&self) -> Vec<Party> {
        (0..self.parties.len()).map(Party).collect()
    }

    /// The identity of `party`.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::UnknownParty`].
    pub fn party(&self, party: Party) -> Result<&Identity, WorkloadError> {
        let (org, name) = self
            .parties
            .get(party.0)
            .ok_or(WorkloadError::UnknownParty(party.0))?;
        self.identity(*org, name)
    }

    /// `Org<n>MSP.<name>` of `party`.
    #[must_use]
    pub fn party_label(&self, party: Party) -> String {
        self.party(party)
            .map(Identity::label)
            .unwrap_or_else(|_| format!("party #{}", party.0))
    }

    fn identity(&self, org: usize, name: &str) -> Result<&Identity, WorkloadError> {
        self.orgs
            .get(org)
            .and_then(|o| o.identity(name))
            .ok_or_else(|| WorkloadError::MissingIdentity(format!("org #{org} {name}")))
    }

    /// The issuer: `Org1MSP`'s admin (the issuer policy is `OR('Org1MSP.admin')`).
    ///
    /// # Errors
    ///
    /// [`WorkloadError::MissingIdentity`] (not for a generated network).
    pub fn issuer(&self) -> Result<&Identity, WorkloadError> {
        self.identity(0, "admin")
    }

    /// The orderer that signs config blocks.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::MissingIdentity`] (not for a generated network).
    pub fn orderer(&self) -> Result<&Identity, WorkloadError> {
        self.orderer
            .identity("orderer")
            .ok_or_else(|| WorkloadError::MissingIdentity("OrdererMSP orderer".into()))
    }

    /// `peer0` of the first `spec.endorsers` organisations.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::MissingIdentity`] (not for a generated network).
    pub fn endorsers(&self) -> Result<Vec<&Identity>, WorkloadError> {
        (0..self.spec.endorsers as usize)
            .map(|o| self.identity(o, "peer0"))
            .collect()
    }

    /// `peer0` of every organisation (they endorse the `_lifecycle` definition).
    ///
    /// # Errors
    ///
    /// [`WorkloadError::MissingIdentity`] (not for a generated network).
    pub fn all_peers(&self) -> Result<Vec<&Identity>, WorkloadError> {
        (0..self.orgs.len())
            .map(|o| self.identity(o, "peer0"))
            .collect()
    }

    /// `OutOf(endorsers, 'Org1MSP.peer', …)` over the endorsing organisations.
    #[must_use]
    pub fn endorsement_policy(&self) -> SignaturePolicyEnvelope {
        let ids: Vec<&str> = self
            .orgs
            .iter()
            .take(self.spec.endorsers as usize)
            .map(OrgMaterial::msp_id)
            .collect();
        let principals: Vec<(&str, Role)> = ids.iter().map(|id| (*id, Role::Peer)).collect();
        let n = i32::try_from(principals.len()).unwrap_or(i32::MAX);
        out_of(n, &principals)
    }

    /// `OR('Org1MSP.admin')`.
    #[must_use]
    pub fn issuer_policy(&self) -> SignaturePolicyEnvelope {
        let org1 = self
            .orgs
            .first()
            .map(OrgMaterial::msp_id)
            .unwrap_or("Org1MSP");
        out_of(1, &[(org1, Role::Admin)])
    }

    /// The chaincode's validation parameter: both policies as signature policies.
    #[must_use]
    pub fn validation_parameter(&self) -> UtxoValidationParameter {
        let app = |p: SignaturePolicyEnvelope| ApplicationPolicy {
            r#type: Some(application_policy::Type::SignaturePolicy(p)),
        };
        UtxoValidationParameter::new(&app(self.endorsement_policy()), &app(self.issuer_policy()))
    }

    /// The genesis configuration (capabilities V2_0) of the channel.
    #[must_use]
    pub fn genesis(&self) -> fabric_protos::common::Config {
        let spec = ChannelSpec::new(&self.spec.channel_id, "V2_0");
        let orgs: Vec<&OrgMaterial> = self.orgs.iter().collect();
        genesis_config(&spec, &orgs, &self.orderer)
    }
}

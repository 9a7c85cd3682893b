//! A whole sample ledger: organisations, genesis config block, blocks of valid and
//! deliberately invalid endorser transactions, optionally a config update adding an
//! organisation and a block after it, plus MANIFEST.json with the code Fabric would assign to
//! every transaction.

use std::collections::BTreeSet;

use bytes::Bytes;
use fabric_protos::common::Block;
use fabric_protos::protos::TxValidationCode;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use serde_json::json;

use crate::block::{header_hash, BlockChain};
use crate::channel_config::{
    config_envelope, config_update, genesis_config, ChannelSpec, ConfigChange, ConfigError,
    EnvelopeHeader, UpdateSigners,
};
use crate::clock::FrozenClock;
use crate::files::{block_file, block_stream, fabric_blockfile, FileSet};
use crate::msp::{Identity, MspError, NodeRole, OrgMaterial, OrgSpec};
use crate::policy::{any_of, Role};
use crate::rwset::{MetadataWrite, NamespaceRwSet, Read, RwSet, Write};
use crate::seed::Seed;
use crate::tx::{build_endorser_tx, Chaincode, Fault, TxError, TxRequest};

/// Errors from generating a sample ledger.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// MSP material could not be generated.
    #[error(transparent)]
    Msp(#[from] MspError),
    /// The config update could not be computed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A transaction could not be built.
    #[error("transaction {index} of block {block}: {source}")]
    Tx {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// What went wrong.
        source: TxError,
    },
    /// The spec cannot produce a ledger.
    #[error("invalid sample spec: {0}")]
    Spec(String),
}

/// What a generated transaction is: valid, or which defect it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TxKind {
    /// Well formed, endorsed by a majority of organisations' peers.
    Valid,
    /// Valid, and also sets a key-level endorsement policy (VALIDATION_PARAMETER metadata).
    KeyLevelPolicyWrite,
    /// [`Fault::BadEndorsementSignature`].
    BadEndorsementSig,
    /// [`Fault::HighSEndorsementSignature`].
    HighSEndorsementSig,
    /// [`Fault::BadCreatorSignature`].
    BadCreatorSig,
    /// [`Fault::WrongTxid`].
    WrongTxid,
    /// [`Fault::SingleEndorsement`].
    SingleOrgEndorsement,
    /// [`Fault::NoEndorsements`].
    NoEndorsements,
    /// [`Fault::SameEndorserTwice`].
    SamePeerEndorsesTwice,
    /// [`Fault::TwoActions`].
    TwoActions,
    /// [`Fault::GarbageRwset`].
    GarbageRwset,
    /// [`Fault::BadProposalHash`].
    BadProposalHash,
    /// Byte-exact copy of an earlier valid transaction of the same block.
    DuplicateTxidInBlock,
    /// Created by an identity its organisation's CRL revokes.
    RevokedCreator,
    /// Created by a client of an organisation that is not (yet) in the channel.
    CreatorOrgNotInChannel,
    /// The first endorser is a client instead of a peer (fails `OR('OrgX.peer')` with NodeOUs).
    EndorsedByClient,
    /// After the config update: created and endorsed by the added organisation.
    AddedOrgParticipates,
}

impl TxKind {
    /// The MANIFEST name (bench-corpus style where one exists).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            TxKind::Valid => "valid",
            TxKind::KeyLevelPolicyWrite => "key_level_policy_write",
            TxKind::BadEndorsementSig => "bad_endorsement_sig",
            TxKind::HighSEndorsementSig => "high_s_endorsement_sig",
            TxKind::BadCreatorSig => "bad_creator_sig",
            TxKind::WrongTxid => "wrong_txid",
            TxKind::SingleOrgEndorsement => "single_org_endorsement",
            TxKind::NoEndorsements => "no_endorsements",
            TxKind::SamePeerEndorsesTwice => "same_peer_endorses_twice",
            TxKind::TwoActions => "two_actions",
            TxKind::GarbageRwset => "garbage_rwset",
            TxKind::BadProposalHash => "bad_proposal_hash",
            TxKind::DuplicateTxidInBlock => "duplicate_txid_in_block",
            TxKind::RevokedCreator => "revoked_creator",
            TxKind::CreatorOrgNotInChannel => "creator_org_not_in_channel",
            TxKind::EndorsedByClient => "endorsed_by_client",
            TxKind::AddedOrgParticipates => "added_org_participates",
        }
    }

    /// The byte-level fault this kind applies.
    #[must_use]
    pub fn fault(self) -> Fault {
        match self {
            TxKind::BadEndorsementSig => Fault::BadEndorsementSignature,
            TxKind::HighSEndorsementSig => Fault::HighSEndorsementSignature,
            TxKind::BadCreatorSig => Fault::BadCreatorSignature,
            TxKind::WrongTxid => Fault::WrongTxid,
            TxKind::SingleOrgEndorsement => Fault::SingleEndorsement,
            TxKind::NoEndorsements => Fault::NoEndorsements,
            TxKind::SamePeerEndorsesTwice => Fault::SameEndorserTwice,
            TxKind::TwoActions => Fault::TwoActions,
            TxKind::GarbageRwset => Fault::GarbageRwset,
            TxKind::BadProposalHash => Fault::BadProposalHash,
            _ => Fault::None,
        }
    }

    /// Kinds drawn at random once the coverage schedule is used up.
    const RANDOM_FAULTS: [TxKind; 10] = [
        TxKind::BadEndorsementSig,
        TxKind::HighSEndorsementSig,
        TxKind::BadCreatorSig,
        TxKind::WrongTxid,
        TxKind::SingleOrgEndorsement,
        TxKind::SamePeerEndorsesTwice,
        TxKind::TwoActions,
        TxKind::GarbageRwset,
        TxKind::BadProposalHash,
        TxKind::DuplicateTxidInBlock,
    ];
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleSpec {
    /// Seed of everything.
    pub seed: Seed,
    /// Channel settings.
    pub channel: ChannelSpec,
    /// The invoked chaincode.
    pub chaincode: Chaincode,
    /// Application organisations in the genesis config.
    pub app_orgs: Vec<OrgSpec>,
    /// An application organisation added by a config update after the first transactions.
    pub added_org: Option<OrgSpec>,
    /// The orderer organisation.
    pub orderer_org: OrgSpec,
    /// Endorser transactions before the config update.
    pub txs: u32,
    /// Transactions per block.
    pub txs_per_block: u32,
    /// Endorser transactions after the config update (only with `added_org`).
    pub txs_after_update: u32,
    /// Also write a Fabric peer blockfile (`blockfile_000000`).
    pub blockfile: bool,
}

impl SampleSpec {
    /// `orgs` application organisations (`Org1MSP`...), NodeOUs as given, root CAs only,
    /// channel `testchannel` (application capability V2_5), chaincode `mycc` 1.0, 20
    /// transactions in blocks of 10, no config update, no blockfile.
    #[must_use]
    pub fn new(seed: &[u8], orgs: u32, node_ous: bool) -> Self {
        let org = |n| OrgSpec {
            node_ous,
            ..OrgSpec::application(n)
        };
        Self {
            seed: Seed::new(seed),
            channel: ChannelSpec::new("testchannel", "V2_5"),
            chaincode: Chaincode {
                name: "mycc".to_owned(),
                version: "1.0".to_owned(),
            },
            app_orgs: (1..=orgs).map(org).collect(),
            added_org: None,
            orderer_org: OrgSpec {
                node_ous,
                ..OrgSpec::orderer()
            },
            txs: 20,
            txs_per_block: 10,
            txs_after_update: 4,
            blockfile: false,
        }
    }

    /// The committed fixture `fixtures/sample-2org`: seed `fabric-testgen/sample-2org`, two
    /// organisations with NodeOUs, `Org2MSP` issuing from an intermediate CA and revoking its
    /// extra client `client2` (User2) by CRL; 20 transactions covering every kind; then a
    /// config update adding `Org3MSP` and 4 more transactions.
    #[must_use]
    pub fn sample_2org() -> Self {
        let mut spec = Self::new(b"fabric-testgen/sample-2org", 2, true);
        if let Some(org2) = spec.app_orgs.get_mut(1) {
            org2.intermediate_ca = true;
            org2.extra_clients = 1;
            org2.revoked = vec!["client2".to_owned()];
        }
        spec.added_org = Some(OrgSpec {
            node_ous: true,
            ..OrgSpec::application(3)
        });
        spec
    }
}

/// One transaction as recorded in the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxRecord {
    /// Block number.
    pub block: u64,
    /// Position in the block.
    pub index: usize,
    /// `ChannelHeader.tx_id`.
    pub txid: String,
    /// What was done to it.
    pub kind: TxKind,
    /// Creator label (`Org1MSP.client`).
    pub creator: String,
    /// Endorser labels in endorsement order.
    pub endorsers: Vec<String>,
    /// The TxValidationCode Fabric's v20 committer assigns.
    pub code: TxValidationCode,
    /// For duplicates: index of the original in the same block.
    pub dup_of_index: Option<usize>,
}

/// A generated sample ledger.
#[derive(Debug)]
pub struct SampleLedger {
    /// Application organisations (genesis ones, then the added one).
    pub app_orgs: Vec<OrgMaterial>,
    /// The orderer organisation.
    pub orderer_org: OrgMaterial,
    /// Every block from 0.
    pub blocks: Vec<Block>,
    /// Number of the config update block, if any.
    pub config_update_block: Option<u64>,
    /// Every endorser transaction.
    pub txs: Vec<TxRecord>,
    /// Every output file (MSP folders, block files, MANIFEST.json).
    pub files: FileSet,
}

/// Who is in the channel while a block is being made.
struct Network<'a> {
    members: Vec<&'a OrgMaterial>,
    outsiders: Vec<&'a OrgMaterial>,
}

impl Network<'_> {
    fn required_endorsements(&self) -> usize {
        self.members.len() / 2 + 1
    }

    fn is_member(&self, msp_id: &str) -> bool {
        self.members.iter().any(|o| o.msp_id() == msp_id)
    }

    fn org(&self, msp_id: &str) -> Option<&OrgMaterial> {
        self.members.iter().copied().find(|o| o.msp_id() == msp_id)
    }
}

fn pick<'a, T>(rng: &mut ChaCha20Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        return None;
    }
    let i = (rng.next_u32() as usize) % items.len();
    items.get(i)
}

/// `n` distinct members in random order.
fn distinct_members<'a>(
    rng: &mut ChaCha20Rng,
    members: &[&'a OrgMaterial],
    n: usize,
) -> Vec<&'a OrgMaterial> {
    let mut pool: Vec<&OrgMaterial> = members.to_vec();
    let mut out = Vec::with_capacity(n);
    while out.len() < n && !pool.is_empty() {
        let i = (rng.next_u32() as usize) % pool.len();
        out.push(pool.remove(i));
    }
    out
}

/// The code Fabric's v20 committer assigns (spec 5.4–5.6): creator problems first (4), then
/// txid (8), transaction structure (5), rwset (22), then the endorsement policy
/// `MAJORITY Endorsement` over the member organisations (10 when fewer organisations than a
/// majority have a valid endorsement from an identity their `Endorsement` policy accepts).
fn expected_code(
    fault: Fault,
    creator: &Identity,
    endorsements: &[(&Identity, bool)],
    network: &Network<'_>,
) -> TxValidationCode {
    if fault == Fault::BadCreatorSignature
        || !network.is_member(creator.msp_id())
        || creator.is_revoked()
    {
        return TxValidationCode::BadCreatorSignature;
    }
    match fault {
        Fault::WrongTxid => return TxValidationCode::BadProposalTxid,
        Fault::TwoActions | Fault::BadProposalHash => {
            return TxValidationCode::InvalidEndorserTransaction
        }
        Fault::GarbageRwset => return TxValidationCode::BadRwset,
        _ => {}
    }
    let satisfied: BTreeSet<&str> = endorsements
        .iter()
        .filter(|(endorser, signature_ok)| {
            *signature_ok
                && !endorser.is_revoked()
                && network
                    .org(endorser.msp_id())
                    .is_some_and(|org| !org.spec().node_ous || endorser.role() == NodeRole::Peer)
        })
        .map(|(endorser, _)| endorser.msp_id())
        .collect();
    if satisfied.len() >= network.required_endorsements() {
        TxValidationCode::Valid
    } else {
        TxValidationCode::EndorsementPolicyFailure
    }
}

/// Per-transaction content drawn from its own RNG stream.
fn tx_rwset(
    rng: &mut ChaCha20Rng,
    chaincode: &str,
    key_level: Option<&str>,
) -> (RwSet, Vec<Vec<u8>>, Vec<u8>) {
    let asset = |rng: &mut ChaCha20Rng| format!("asset{:07}", rng.next_u32() % 10_000_000);
    let mut read_keys: Vec<String> = (0..2).map(|_| asset(rng)).collect();
    read_keys.sort();
    let mut write_keys: Vec<String> = (0..3).map(|_| asset(rng)).collect();
    write_keys.sort();
    let owner = format!("owner{}", rng.next_u32() % 100);
    let reads = read_keys
        .iter()
        // Fresh keys, read before they exist (version None): the ledger replays from its
        // genesis block without read conflicts, so the codes are the validator's.
        .map(|key| Read {
            key: key.clone(),
            version: None,
        })
        .collect();
    let writes = write_keys
        .iter()
        .map(|key| Write {
            key: key.clone(),
            value: format!(
                r#"{{"ID":"{key}","Color":"blue","Size":{},"Owner":"{owner}","AppraisedValue":{}}}"#,
                rng.next_u32() % 20,
                rng.next_u32() % 1000
            )
            .into_bytes(),
            is_delete: false,
        })
        .collect();
    let metadata_writes = match (key_level, write_keys.first()) {
        (Some(msp_id), Some(key)) => vec![MetadataWrite::validation_parameter(
            key,
            &any_of(&[(msp_id, Role::Peer)]),
        )],
        _ => Vec::new(),
    };
    let rwset = RwSet::invocation(NamespaceRwSet {
        namespace: chaincode.to_owned(),
        reads,
        writes,
        metadata_writes,
        collections: Vec::new(),
    });
    let first_write = write_keys.first().cloned().unwrap_or_default();
    let args = vec![
        b"TransferAsset".to_vec(),
        first_write.clone().into_bytes(),
        owner.into_bytes(),
    ];
    let response = format!(r#"{{"asset":"{first_write}","status":"transferred"}}"#).into_bytes();
    (rwset, args, response)
}

/// Builds the transactions of one block.
struct BlockBuilder<'s, 'n> {
    spec: &'s SampleSpec,
    network: &'s Network<'n>,
    clock: &'s mut FrozenClock,
    block_number: u64,
    envelopes: Vec<Bytes>,
    records: Vec<TxRecord>,
}

impl BlockBuilder<'_, '_> {
    fn add(&mut self, mut kind: TxKind, tx_counter: u64) -> Result<(), SampleError> {
        let index = self.envelopes.len();
        if kind == TxKind::DuplicateTxidInBlock {
            let original = self
                .records
                .iter()
                .position(|r| r.code == TxValidationCode::Valid && r.dup_of_index.is_none());
            if let Some(original) = original {
                let record = self.records[original].clone();
                self.envelopes.push(self.envelopes[original].clone());
                self.records.push(TxRecord {
                    index,
                    kind,
                    code: TxValidationCode::DuplicateTxid,
                    dup_of_index: Some(original),
                    ..record
                });
                return Ok(());
            }
            kind = TxKind::Valid;
        }
        let mut rng = self.spec.seed.rng(&format!("/tx/{tx_counter}"));
        let members = &self.network.members;
        let required = self.network.required_endorsements();
        let creator_org = *pick(&mut rng, members)
            .ok_or_else(|| SampleError::Spec("no application organisation".to_owned()))?;
        let mut creator = creator_org
            .identity("client")
            .ok_or_else(|| SampleError::Spec(format!("{} has no client", creator_org.msp_id())))?;
        let mut endorser_orgs = distinct_members(&mut rng, members, required);
        match kind {
            TxKind::RevokedCreator => {
                if let Some(revoked) = members
                    .iter()
                    .flat_map(|o| o.identities())
                    .find(|i| i.is_revoked() && i.role() == NodeRole::Client)
                {
                    creator = revoked;
                }
            }
            TxKind::CreatorOrgNotInChannel => {
                if let Some(outsider) = self
                    .network
                    .outsiders
                    .first()
                    .and_then(|o| o.identity("client"))
                {
                    creator = outsider;
                }
            }
            TxKind::AddedOrgParticipates => {
                if let Some(newest) = members.last() {
                    if let Some(client) = newest.identity("client") {
                        creator = client;
                    }
                    endorser_orgs.retain(|o| o.msp_id() != newest.msp_id());
                    endorser_orgs.insert(0, newest);
                    endorser_orgs.truncate(required.max(1));
                }
            }
            _ => {}
        }
        let mut endorsers: Vec<&Identity> = endorser_orgs
            .iter()
            .filter_map(|o| o.identity("peer0"))
            .collect();
        if kind == TxKind::EndorsedByClient {
            if let Some(client) = endorser_orgs.first().and_then(|o| o.identity("client")) {
                endorsers[0] = client;
            }
        }
        let key_level = (kind == TxKind::KeyLevelPolicyWrite).then(|| creator.msp_id().to_owned());
        let (rwset, args, response_payload) =
            tx_rwset(&mut rng, &self.spec.chaincode.name, key_level.as_deref());
        let mut nonce = vec![0u8; 24];
        rng.fill_bytes(&mut nonce);
        let fault = kind.fault();
        let built = build_endorser_tx(&TxRequest {
            channel_id: &self.spec.channel.channel_id,
            chaincode: &self.spec.chaincode,
            creator,
            endorsers: endorsers.clone(),
            args,
            rwset,
            response_payload,
            timestamp: self.clock.tick(),
            nonce,
            fault,
        })
        .map_err(|source| SampleError::Tx {
            block: self.block_number,
            index,
            source,
        })?;
        let used: Vec<&Identity> = match fault {
            Fault::NoEndorsements => Vec::new(),
            Fault::SingleEndorsement => endorsers.iter().take(1).copied().collect(),
            Fault::SameEndorserTwice => endorsers.iter().take(1).flat_map(|e| [*e, *e]).collect(),
            _ => endorsers,
        };
        let with_validity: Vec<(&Identity, bool)> = used
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let broken = i == 0
                    && matches!(
                        fault,
                        Fault::BadEndorsementSignature | Fault::HighSEndorsementSignature
                    );
                (*e, !broken)
            })
            .collect();
        let code = expected_code(fault, creator, &with_validity, self.network);
        self.envelopes.push(built.envelope);
        self.records.push(TxRecord {
            block: self.block_number,
            index,
            txid: built.txid,
            kind,
            creator: creator.label(),
            endorsers: used.iter().map(|e| e.label()).collect(),
            code,
            dup_of_index: None,
        });
        Ok(())
    }
}

/// The kinds of the first transactions before the update (so that a small ledger covers every
/// kind), filtered by what the spec makes possible.
fn coverage_schedule(network: &Network<'_>) -> Vec<TxKind> {
    let has_revoked = network.members.iter().any(|o| {
        o.identities()
            .iter()
            .any(|i| i.is_revoked() && i.role() == NodeRole::Client)
    });
    let has_node_ous = network.members.iter().any(|o| o.spec().node_ous);
    let has_outsider = !network.outsiders.is_empty();
    [
        TxKind::Valid,
        TxKind::BadEndorsementSig,
        TxKind::Valid,
        TxKind::SingleOrgEndorsement,
        TxKind::BadCreatorSig,
        TxKind::HighSEndorsementSig,
        TxKind::DuplicateTxidInBlock,
        TxKind::SamePeerEndorsesTwice,
        TxKind::WrongTxid,
        TxKind::KeyLevelPolicyWrite,
        TxKind::TwoActions,
        TxKind::GarbageRwset,
        TxKind::BadProposalHash,
        TxKind::NoEndorsements,
        TxKind::RevokedCreator,
        TxKind::CreatorOrgNotInChannel,
        TxKind::EndorsedByClient,
        TxKind::Valid,
    ]
    .into_iter()
    .filter(|k| match k {
        TxKind::RevokedCreator => has_revoked,
        TxKind::CreatorOrgNotInChannel => has_outsider,
        TxKind::EndorsedByClient => has_node_ous,
        _ => true,
    })
    .collect()
}

fn random_kind(rng: &mut ChaCha20Rng) -> TxKind {
    if rng.next_u32() % 100 < 85 {
        TxKind::Valid
    } else {
        pick(rng, &TxKind::RANDOM_FAULTS)
            .copied()
            .unwrap_or(TxKind::Valid)
    }
}

/// Generates the ledger described by `spec`.
///
/// # Errors
/// [`SampleError`] when the spec has no application organisation or zero transactions per
/// block, or when MSP material, the config update or a transaction cannot be built.
pub fn generate(spec: &SampleSpec) -> Result<SampleLedger, SampleError> {
    if spec.app_orgs.is_empty() {
        return Err(SampleError::Spec(
            "at least one application organisation is needed".to_owned(),
        ));
    }
    if spec.txs_per_block == 0 {
        return Err(SampleError::Spec(
            "txs_per_block must be at least 1".to_owned(),
        ));
    }
    let seed = &spec.seed;
    let mut app_orgs = spec
        .app_orgs
        .iter()
        .map(|o| OrgMaterial::generate(seed, o.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(added) = &spec.added_org {
        app_orgs.push(OrgMaterial::generate(seed, added.clone())?);
    }
    let orderer_org = OrgMaterial::generate(seed, spec.orderer_org.clone())?;
    let orderer = orderer_org.identity("orderer").ok_or_else(|| {
        SampleError::Spec("the orderer organisation has no orderer identity".to_owned())
    })?;
    let genesis_count = spec.app_orgs.len();
    let mut clock = FrozenClock::default();
    let mut chain = BlockChain::new();
    let mut blocks = Vec::new();
    let mut txs = Vec::new();
    let channel_id = spec.channel.channel_id.as_str();

    // Block 0: genesis config.
    let genesis_refs: Vec<&OrgMaterial> = app_orgs.iter().take(genesis_count).collect();
    let genesis = genesis_config(&spec.channel, &genesis_refs, &orderer_org);
    let nonce = seed.bytes::<24>("/config/0/nonce");
    let envelope = config_envelope(
        &EnvelopeHeader {
            channel_id,
            timestamp: clock.tick(),
            nonce: &nonce,
        },
        &genesis,
        None,
        orderer,
    );
    blocks.push(chain.append(vec![Bytes::from(prost::Message::encode_to_vec(&envelope))]));

    let mut tx_counter: u64 = 0;
    let mut make_tx_blocks = |network: &Network<'_>,
                              schedule: Vec<TxKind>,
                              count: u32,
                              chain: &mut BlockChain,
                              clock: &mut FrozenClock,
                              blocks: &mut Vec<Block>,
                              txs: &mut Vec<TxRecord>|
     -> Result<(), SampleError> {
        let mut kinds = schedule.into_iter();
        let mut remaining = count;
        while remaining > 0 {
            let in_block = remaining.min(spec.txs_per_block);
            let mut builder = BlockBuilder {
                spec,
                network,
                clock,
                block_number: chain.next_number(),
                envelopes: Vec::new(),
                records: Vec::new(),
            };
            for _ in 0..in_block {
                let kind = match kinds.next() {
                    Some(k) => k,
                    None => random_kind(&mut seed.rng(&format!("/kind/{tx_counter}"))),
                };
                builder.add(kind, tx_counter)?;
                tx_counter += 1;
            }
            let BlockBuilder {
                envelopes, records, ..
            } = builder;
            blocks.push(chain.append(envelopes));
            txs.extend(records);
            remaining -= in_block;
        }
        Ok(())
    };

    let before = Network {
        members: app_orgs.iter().take(genesis_count).collect(),
        outsiders: app_orgs.iter().skip(genesis_count).collect(),
    };
    let schedule = coverage_schedule(&before);
    make_tx_blocks(
        &before,
        schedule,
        spec.txs,
        &mut chain,
        &mut clock,
        &mut blocks,
        &mut txs,
    )?;

    let mut config_update_block = None;
    if let Some(added) = app_orgs.get(genesis_count) {
        let admins: Vec<&Identity> = before
            .members
            .iter()
            .filter_map(|o| o.identity("admin"))
            .collect();
        let submitter = *admins
            .first()
            .ok_or_else(|| SampleError::Spec("no admin to submit the config update".to_owned()))?;
        let number = chain.next_number();
        let update_nonce = seed.bytes::<24>(&format!("/config/{number}/update-nonce"));
        let signer_nonces: Vec<Vec<u8>> = (0..admins.len())
            .map(|i| {
                seed.bytes::<24>(&format!("/config/{number}/signer-nonce/{i}"))
                    .to_vec()
            })
            .collect();
        let update = config_update(
            &genesis,
            ConfigChange::AddOrg(added),
            &EnvelopeHeader {
                channel_id,
                timestamp: clock.tick(),
                nonce: &update_nonce,
            },
            &UpdateSigners {
                submitter,
                signers: admins.clone(),
            },
            &signer_nonces,
        )?;
        let nonce = seed.bytes::<24>(&format!("/config/{number}/nonce"));
        let envelope = config_envelope(
            &EnvelopeHeader {
                channel_id,
                timestamp: clock.tick(),
                nonce: &nonce,
            },
            &update.config,
            Some(update.update_envelope),
            orderer,
        );
        blocks.push(chain.append(vec![Bytes::from(prost::Message::encode_to_vec(&envelope))]));
        config_update_block = Some(number);

        let after = Network {
            members: app_orgs.iter().collect(),
            outsiders: Vec::new(),
        };
        let schedule = vec![
            TxKind::AddedOrgParticipates,
            TxKind::Valid,
            TxKind::SingleOrgEndorsement,
            TxKind::DuplicateTxidInBlock,
        ];
        make_tx_blocks(
            &after,
            schedule,
            spec.txs_after_update,
            &mut chain,
            &mut clock,
            &mut blocks,
            &mut txs,
        )?;
    }

    let files = output_files(
        spec,
        &app_orgs,
        &orderer_org,
        &blocks,
        config_update_block,
        &txs,
    );
    Ok(SampleLedger {
        app_orgs,
        orderer_org,
        blocks,
        config_update_block,
        txs,
        files,
    })
}

fn file_entry(bytes: &[u8]) -> serde_json::Value {
    json!({
        "sha256": hex::encode(fabric_crypto::sha256(bytes)),
        "size_bytes": bytes.len(),
    })
}

fn output_files(
    spec: &SampleSpec,
    app_orgs: &[OrgMaterial],
    orderer_org: &OrgMaterial,
    blocks: &[Block],
    config_update_block: Option<u64>,
    txs: &[TxRecord],
) -> FileSet {
    let mut files = FileSet::new();
    for org in app_orgs.iter().chain(std::iter::once(orderer_org)) {
        org.add_files(&mut files, &format!("crypto/{}", org.msp_id()));
    }
    let mut file_list = serde_json::Map::new();
    let mut add = |files: &mut FileSet, name: &str, bytes: Vec<u8>| {
        file_list.insert(name.to_owned(), file_entry(&bytes));
        files.insert(name, bytes);
    };
    if let Some(genesis) = blocks.first() {
        add(&mut files, "genesis.block", block_file(genesis));
    }
    if let Some(update) = config_update_block.and_then(|n| blocks.get(n as usize)) {
        add(&mut files, "config-update.block", block_file(update));
    }
    add(&mut files, "ledger.bin", block_stream(blocks));
    if spec.blockfile {
        add(&mut files, "blockfile_000000", fabric_blockfile(blocks));
    }

    let block_list: Vec<serde_json::Value> = blocks
        .iter()
        .map(|block| {
            let header = block.header.clone().unwrap_or_default();
            let number = header.number;
            let block_txs: Vec<&TxRecord> = txs.iter().filter(|t| t.block == number).collect();
            let is_config = number == 0 || Some(number) == config_update_block;
            json!({
                "number": number,
                "type": if is_config { "config" } else { "endorser_transactions" },
                "previous_hash": hex::encode(&header.previous_hash),
                "data_hash": hex::encode(&header.data_hash),
                "header_hash": hex::encode(header_hash(&header)),
                "codes": block_txs.iter().map(|t| t.code as i32).collect::<Vec<_>>(),
                "txs": block_txs.iter().map(|t| {
                    let mut entry = json!({
                        "index": t.index,
                        "txid": t.txid,
                        "kind": t.kind.name(),
                        "creator": t.creator,
                        "endorsers": t.endorsers,
                        "code": t.code as i32,
                        "code_name": t.code.as_str_name(),
                    });
                    if let (Some(dup), Some(map)) = (t.dup_of_index, entry.as_object_mut()) {
                        map.insert("dup_of_index".to_owned(), json!(dup));
                    }
                    entry
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut code_counts = std::collections::BTreeMap::<String, usize>::new();
    let mut kind_counts = std::collections::BTreeMap::<String, usize>::new();
    for t in txs {
        *code_counts
            .entry(t.code.as_str_name().to_owned())
            .or_default() += 1;
        *kind_counts.entry(t.kind.name().to_owned()).or_default() += 1;
    }
    let genesis_count = spec.app_orgs.len();
    let orgs: Vec<serde_json::Value> = app_orgs
        .iter()
        .enumerate()
        .map(|(i, org)| {
            json!({
                "msp_id": org.msp_id(),
                "domain": org.spec().domain,
                "msp_dir": format!("crypto/{}/msp", org.msp_id()),
                "node_ous": org.spec().node_ous,
                "intermediate_ca": org.spec().intermediate_ca,
                "revoked": org.spec().revoked,
                "identities": org.identities().iter().map(|i| i.label()).collect::<Vec<_>>(),
                "joined_in_block": if i < genesis_count { Some(0) } else { config_update_block },
            })
        })
        .collect();
    let code_names: serde_json::Map<String, serde_json::Value> = [0, 4, 5, 8, 9, 10, 22]
        .into_iter()
        .filter_map(|c| TxValidationCode::try_from(c).ok())
        .map(|c| ((c as i32).to_string(), json!(c.as_str_name())))
        .collect();
    let manifest = json!({
        "format": "fabric-testgen sample ledger, version 1",
        "generator": concat!("fabric-testgen ", env!("CARGO_PKG_VERSION")),
        "seed_hex": hex::encode(spec.seed.as_bytes()),
        "channel_id": spec.channel.channel_id,
        "chaincode": {"name": spec.chaincode.name, "version": spec.chaincode.version},
        "capabilities": {
            "channel": spec.channel.channel_capability,
            "application": spec.channel.application_capability,
            "orderer": spec.channel.orderer_capability,
        },
        "endorsement_policy": "/Channel/Application/Endorsement = ImplicitMeta MAJORITY Endorsement; per org Endorsement = OR('<MSP>.peer') with NodeOUs, OR('<MSP>.member') without",
        "codes_source": "predicted by fabric-testgen from Fabric v20 committer rules (spec 5.4-5.6), not produced by a Fabric peer",
        "orderer_org": orderer_org.msp_id(),
        "orgs": orgs,
        "config_update_block": config_update_block,
        "code_names": code_names,
        "code_counts": code_counts,
        "kind_counts": kind_counts,
        "files": file_list,
        "blocks": block_list,
    });
    // Serialising a `serde_json::Value` cannot fail (string keys only).
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    files.insert("MANIFEST.json", text);
    files
}

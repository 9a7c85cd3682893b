//! A deterministic workload of endorser-transaction blocks for the validator's benchmarks and
//! tests: every transaction is VALID, every key is fresh.
//!
//! An [`EndorserWorkload`] is a channel of 1 to [`MAX_ORGS`] application organisations
//! (`Org1MSP`...) plus an orderer organisation, with **NodeOUs off**, as in the bench corpus:
//! every certificate is a plain `member`, so the endorsement policy
//! `OutOf(k, 'Org1MSP.member', ..., 'OrgNMSP.member')` ([`EndorserWorkload::endorsement_policy`])
//! accepts the `peer0` of any organisation. Certificates are generated once, in
//! [`EndorserWorkload::new`]; a block only signs.
//!
//! The channel configuration is available as the genesis `Config`
//! ([`EndorserWorkload::genesis_config`], for `fabric_config::ChannelConfig::from_config`), as a
//! genesis config block ([`EndorserWorkload::genesis_block`]), or as MSP folders in Fabric's
//! layout ([`EndorserWorkload::write_msp_folders`]).
//!
//! Transaction `i` of block `n` ([`EndorserWorkload::block`]):
//! * endorsers: the `peer0` of `k` distinct organisations (consecutive ones, starting at an
//!   organisation drawn from the seed), creator: the `client` of one of them;
//! * simulation results shaped like the bench corpus's: namespace `_lifecycle` with one read of
//!   `namespaces/fields/<chaincode>/Sequence`, and in the chaincode's namespace 2 reads and 3
//!   writes of JSON values of about 90 bytes. Every key embeds `n` and `i` (reads
//!   `asset-<n>-<i>-r<j>`, writes `asset-<n>-<i>-w<j>`), every read has version `None` (the
//!   key does not exist) and no key that is read is ever written: replayed from an empty world
//!   state, blocks with distinct numbers produce no MVCC conflict;
//! * nonce, creator choice and values drawn from the seed under the label `/workload/<n>/<i>`,
//!   timestamp `clock::FIRST_TX_UNIX + n` seconds and `i` nanoseconds; txid =
//!   hex(SHA-256(nonce ‖ creator)).
//!
//! The same seed, organisation count and arguments always give the same bytes.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use fabric_protos::common::{self as cpb, SignaturePolicyEnvelope};
use fabric_protos::protos::{application_policy, ApplicationPolicy};
use prost::Message;
use prost_types::Timestamp;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use crate::block::{header_hash, make_block};
use crate::channel_config::{config_envelope, genesis_config, ChannelSpec, EnvelopeHeader};
use crate::clock::FIRST_TX_UNIX;
use crate::files::{FileSet, WriteError};
use crate::msp::{Identity, MspError, OrgMaterial, OrgSpec};
use crate::policy::{out_of, Role};
use crate::rwset::{NamespaceRwSet, Read, RwSet, Write};
use crate::seed::Seed;
use crate::tx::{build_endorser_tx, Chaincode, Fault, TxError, TxRequest};

/// The most application organisations a workload has.
pub const MAX_ORGS: u32 = 5;

/// The workload's channel.
pub const CHANNEL_ID: &str = "workloadchannel";

/// The invoked chaincode's name.
pub const CHAINCODE_NAME: &str = "mycc";

/// The invoked chaincode's version (written into `ChaincodeAction.chaincode_id`).
pub const CHAINCODE_VERSION: &str = "1.0";

/// The application capability of the genesis configuration.
pub const APPLICATION_CAPABILITY: &str = "V2_5";

/// What went wrong while generating a workload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkloadError {
    /// The organisation count is outside `1..=MAX_ORGS`.
    #[error("a workload has 1 to {MAX_ORGS} application organisations, {orgs} asked for")]
    OrgCount {
        /// The count asked for.
        orgs: u32,
    },
    /// The endorsement count per transaction is 0 or more than the organisations.
    #[error(
        "{endorsements} endorsements per transaction asked for, but the channel has {orgs} \
         organisations (each endorsement comes from a distinct one: 1 to {orgs} possible)"
    )]
    EndorsementCount {
        /// The count asked for.
        endorsements: usize,
        /// The channel's organisations.
        orgs: usize,
    },
    /// A block without transactions was asked for (Fabric's orderer never cuts one).
    #[error("block {block}: a block needs at least one transaction, 0 asked for")]
    NoTransactions {
        /// The block number.
        block: u64,
    },
    /// The MSP material could not be generated.
    #[error("generating the workload's MSP material: {0}")]
    Msp(#[from] MspError),
    /// A transaction could not be built.
    #[error("block {block} tx {tx}: {source}")]
    Tx {
        /// The block number.
        block: u64,
        /// The position in the block.
        tx: usize,
        /// What went wrong.
        source: TxError,
    },
    /// The MSP folders could not be written.
    #[error("writing the MSP folders under {}: {source}", dir.display())]
    WriteFolders {
        /// The folder written into.
        dir: PathBuf,
        /// What went wrong.
        source: WriteError,
    },
}

/// An organisation's verifying MSP folder, as written by [`EndorserWorkload::write_msp_folders`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MspFolderPath {
    /// The MSP ID, e.g. `Org1MSP`.
    pub msp_id: String,
    /// The verifying MSP folder (`<dir>/<msp_id>/msp`).
    pub path: PathBuf,
}

/// A channel of 1 to [`MAX_ORGS`] organisations and a generator of VALID endorser-transaction
/// blocks on it (see the [module documentation](self)).
#[derive(Debug)]
pub struct EndorserWorkload {
    seed: Seed,
    orgs: Vec<OrgMaterial>,
    /// Per application organisation (same order as `orgs`, never empty): its endorser and
    /// its transaction creator.
    members: Vec<Member>,
    orderer_org: OrgMaterial,
    /// The orderer organisation's `orderer`, which signs the genesis block.
    orderer: Identity,
    channel: ChannelSpec,
    chaincode: Chaincode,
}

/// The two identities of an application organisation that transactions use.
#[derive(Debug)]
struct Member {
    /// `peer0`, the endorser.
    peer: Identity,
    /// `client` (User1), the creator.
    client: Identity,
}

/// The identity `name` of `org`, which its identity plan is expected to hold.
fn planned(org: &OrgMaterial, name: &str) -> Result<Identity, MspError> {
    org.identity(name)
        .cloned()
        .ok_or_else(|| MspError::UnknownIdentity {
            msp_id: org.msp_id().to_owned(),
            name: name.to_owned(),
            known: org
                .identities()
                .iter()
                .map(|i| i.name().to_owned())
                .collect(),
        })
}

impl EndorserWorkload {
    /// Generates the channel's organisations from `seed`: `orgs` application organisations
    /// `Org1MSP`... (root CA, `peer0`, `client`, `admin`; NodeOUs off) and `OrdererMSP`.
    ///
    /// # Errors
    /// [`WorkloadError::OrgCount`] when `orgs` is not in `1..=MAX_ORGS`;
    /// [`WorkloadError::Msp`] if a certificate cannot be issued.
    pub fn new(seed: impl Into<Vec<u8>>, orgs: u32) -> Result<Self, WorkloadError> {
        if !(1..=MAX_ORGS).contains(&orgs) {
            return Err(WorkloadError::OrgCount { orgs });
        }
        let seed = Seed::new(seed);
        let app_orgs = (1..=orgs)
            .map(|n| OrgMaterial::generate(&seed, OrgSpec::application(n)))
            .collect::<Result<Vec<_>, _>>()?;
        let members = app_orgs
            .iter()
            .map(|org| {
                Ok(Member {
                    peer: planned(org, "peer0")?,
                    client: planned(org, "client")?,
                })
            })
            .collect::<Result<Vec<_>, MspError>>()?;
        let orderer_org = OrgMaterial::generate(&seed, OrgSpec::orderer())?;
        let orderer = planned(&orderer_org, "orderer")?;
        Ok(Self {
            seed,
            orgs: app_orgs,
            members,
            orderer_org,
            orderer,
            channel: ChannelSpec::new(CHANNEL_ID, APPLICATION_CAPABILITY),
            chaincode: Chaincode {
                name: CHAINCODE_NAME.to_owned(),
                version: CHAINCODE_VERSION.to_owned(),
            },
        })
    }

    /// The seed everything is derived from.
    #[must_use]
    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// The application organisations, `Org1MSP` first.
    #[must_use]
    pub fn orgs(&self) -> &[OrgMaterial] {
        &self.orgs
    }

    /// The orderer organisation (`OrdererMSP`), whose `orderer` signs the genesis block.
    #[must_use]
    pub fn orderer_org(&self) -> &OrgMaterial {
        &self.orderer_org
    }

    /// The channel name ([`CHANNEL_ID`]).
    #[must_use]
    pub fn channel_id(&self) -> &str {
        &self.channel.channel_id
    }

    /// The channel settings of the genesis configuration.
    #[must_use]
    pub fn channel_spec(&self) -> &ChannelSpec {
        &self.channel
    }

    /// The invoked chaincode ([`CHAINCODE_NAME`] version [`CHAINCODE_VERSION`]).
    #[must_use]
    pub fn chaincode(&self) -> &Chaincode {
        &self.chaincode
    }

    /// The genesis channel configuration (configtxgen's layout, see
    /// [`crate::channel_config::genesis_config`]).
    #[must_use]
    pub fn genesis_config(&self) -> cpb::Config {
        let orgs: Vec<&OrgMaterial> = self.orgs.iter().collect();
        genesis_config(&self.channel, &orgs, &self.orderer_org)
    }

    /// Block 0: the genesis config block, its CONFIG envelope signed by the orderer. The
    /// endorser blocks of [`EndorserWorkload::chain`] follow it.
    #[must_use]
    pub fn genesis_block(&self) -> cpb::Block {
        let nonce = self.seed.bytes::<24>("/workload/config/0/nonce");
        let header = EnvelopeHeader {
            channel_id: self.channel_id(),
            timestamp: Timestamp {
                seconds: FIRST_TX_UNIX,
                nanos: 0,
            },
            nonce: &nonce,
        };
        let envelope = config_envelope(&header, &self.genesis_config(), None, &self.orderer);
        make_block(0, &[], vec![Bytes::from(envelope.encode_to_vec())])
    }

    /// The serialized [`EndorserWorkload::genesis_block`] (a `.block` file's content).
    #[must_use]
    pub fn genesis_block_bytes(&self) -> Vec<u8> {
        self.genesis_block().encode_to_vec()
    }

    /// Every organisation in Fabric's MSP layout ([`OrgMaterial::add_files`]) under
    /// `<msp_id>/`: the verifying MSP folder is `<msp_id>/msp`. The orderer organisation is
    /// included (`OrdererMSP/msp`).
    #[must_use]
    pub fn msp_files(&self) -> FileSet {
        let mut files = FileSet::new();
        for org in self.orgs.iter().chain(std::iter::once(&self.orderer_org)) {
            org.add_files(&mut files, org.msp_id());
        }
        files
    }

    /// Writes [`EndorserWorkload::msp_files`] under `dir` and returns the application
    /// organisations' verifying MSP folders (what `--msp MSPID=DIR` takes), `Org1MSP` first.
    ///
    /// # Errors
    /// [`WorkloadError::WriteFolders`] naming `dir` when a file cannot be written.
    pub fn write_msp_folders(&self, dir: &Path) -> Result<Vec<MspFolderPath>, WorkloadError> {
        self.msp_files()
            .write_to(dir)
            .map_err(|source| WorkloadError::WriteFolders {
                dir: dir.to_owned(),
                source,
            })?;
        Ok(self
            .orgs
            .iter()
            .map(|org| MspFolderPath {
                msp_id: org.msp_id().to_owned(),
                path: dir.join(org.msp_id()).join("msp"),
            })
            .collect())
    }

    /// Checks `endorsements` against the organisation count.
    fn check_endorsements(&self, endorsements: usize) -> Result<(), WorkloadError> {
        if endorsements == 0 || endorsements > self.orgs.len() {
            return Err(WorkloadError::EndorsementCount {
                endorsements,
                orgs: self.orgs.len(),
            });
        }
        Ok(())
    }

    /// `OutOf(endorsements, 'Org1MSP.member', ..., 'OrgNMSP.member')` as policydsl compiles
    /// it: one ROLE principal per organisation in order, rule `n_out_of(endorsements,
    /// [signed_by(0), ...])`, version 0. Every transaction of a block made with the same
    /// `endorsements` satisfies it.
    ///
    /// # Errors
    /// [`WorkloadError::EndorsementCount`] when `endorsements` is 0 or more than the
    /// organisations.
    pub fn endorsement_policy(
        &self,
        endorsements: usize,
    ) -> Result<SignaturePolicyEnvelope, WorkloadError> {
        self.check_endorsements(endorsements)?;
        let principals: Vec<(&str, Role)> = self
            .orgs
            .iter()
            .map(|org| (org.msp_id(), Role::Member))
            .collect();
        // At most MAX_ORGS, checked above.
        let n = i32::try_from(endorsements).unwrap_or(i32::MAX);
        Ok(out_of(n, &principals))
    }

    /// [`EndorserWorkload::endorsement_policy`] wrapped in an `ApplicationPolicy` (what a
    /// chaincode definition's validation parameter carries).
    ///
    /// # Errors
    /// As [`EndorserWorkload::endorsement_policy`].
    pub fn application_policy(
        &self,
        endorsements: usize,
    ) -> Result<ApplicationPolicy, WorkloadError> {
        Ok(ApplicationPolicy {
            r#type: Some(application_policy::Type::SignaturePolicy(
                self.endorsement_policy(endorsements)?,
            )),
        })
    }

    /// The serialized [`EndorserWorkload::application_policy`].
    ///
    /// # Errors
    /// As [`EndorserWorkload::endorsement_policy`].
    pub fn application_policy_bytes(&self, endorsements: usize) -> Result<Vec<u8>, WorkloadError> {
        Ok(self.application_policy(endorsements)?.encode_to_vec())
    }

    /// [`EndorserWorkload::endorsement_policy`] in the peer CLI's policy language, written as
    /// fabric-policies' printer writes it (so that parsing it gives the same bytes): `OR(...)`
    /// for 1 endorsement, `AND(...)` when every organisation endorses (two or more),
    /// `OutOf(k, ...)` otherwise, e.g. `OutOf(2, 'Org1MSP.member', 'Org2MSP.member',
    /// 'Org3MSP.member')`.
    ///
    /// # Errors
    /// As [`EndorserWorkload::endorsement_policy`].
    pub fn policy_text(&self, endorsements: usize) -> Result<String, WorkloadError> {
        self.check_endorsements(endorsements)?;
        let principals: Vec<String> = self
            .orgs
            .iter()
            .map(|org| format!("'{}.member'", org.msp_id()))
            .collect();
        let list = principals.join(", ");
        let count = principals.len();
        Ok(if endorsements == 1 {
            format!("OR({list})")
        } else if endorsements == count {
            format!("AND({list})")
        } else {
            format!("OutOf({endorsements}, {list})")
        })
    }

    /// Block `number` chained onto `previous_hash` (the header hash of block `number - 1`; empty
    /// for block 0), holding `txs` VALID endorser transactions with `endorsements_per_tx`
    /// endorsements each: a serialized `common.Block` with its data hash and the 5 empty
    /// metadata slots (no transactions filter).
    ///
    /// Transactions are signed on up to [`std::thread::available_parallelism`] threads; the
    /// bytes do not depend on the thread count.
    ///
    /// # Errors
    /// [`WorkloadError::NoTransactions`] when `txs` is 0;
    /// [`WorkloadError::EndorsementCount`] when `endorsements_per_tx` is 0 or more than the
    /// organisations; [`WorkloadError::Tx`] if a transaction cannot be built.
    pub fn block(
        &self,
        number: u64,
        previous_hash: &[u8],
        txs: usize,
        endorsements_per_tx: usize,
    ) -> Result<Vec<u8>, WorkloadError> {
        Ok(self
            .block_message(number, previous_hash, txs, endorsements_per_tx)?
            .encode_to_vec())
    }

    /// [`EndorserWorkload::block`] as a message rather than bytes.
    ///
    /// # Errors
    /// As [`EndorserWorkload::block`].
    pub fn block_message(
        &self,
        number: u64,
        previous_hash: &[u8],
        txs: usize,
        endorsements_per_tx: usize,
    ) -> Result<cpb::Block, WorkloadError> {
        if txs == 0 {
            return Err(WorkloadError::NoTransactions { block: number });
        }
        self.check_endorsements(endorsements_per_tx)?;
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(txs);
        let chunk = txs.div_ceil(threads);
        let build = |range: std::ops::Range<usize>| -> Result<Vec<Bytes>, WorkloadError> {
            range
                .map(|i| self.envelope(number, i, endorsements_per_tx))
                .collect()
        };
        let envelopes: Vec<Bytes> = if threads <= 1 {
            build(0..txs)?
        } else {
            let parts = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|t| {
                        let range = (t * chunk).min(txs)..((t + 1) * chunk).min(txs);
                        scope.spawn(move || build(range))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| match h.join() {
                        Ok(part) => part,
                        Err(payload) => std::panic::resume_unwind(payload),
                    })
                    .collect::<Result<Vec<_>, _>>()
            })?;
            parts.into_iter().flatten().collect()
        };
        Ok(make_block(number, previous_hash, envelopes))
    }

    /// `blocks` endorser blocks following [`EndorserWorkload::genesis_block`]: blocks 1 to
    /// `blocks`, each chained onto the one before, serialized.
    ///
    /// # Errors
    /// As [`EndorserWorkload::block`].
    pub fn chain(
        &self,
        blocks: u64,
        txs: usize,
        endorsements_per_tx: usize,
    ) -> Result<Vec<Vec<u8>>, WorkloadError> {
        let mut previous = self
            .genesis_block()
            .header
            .as_ref()
            .map(header_hash)
            .unwrap_or_default();
        let mut out = Vec::new();
        for number in 1..=blocks {
            let block = self.block_message(number, &previous, txs, endorsements_per_tx)?;
            if let Some(header) = &block.header {
                previous = header_hash(header);
            }
            out.push(block.encode_to_vec());
        }
        Ok(out)
    }

    /// The envelope of transaction `index` of block `number`.
    fn envelope(
        &self,
        number: u64,
        index: usize,
        endorsements: usize,
    ) -> Result<Bytes, WorkloadError> {
        let mut rng = self.seed.rng(&format!("/workload/{number}/{index}"));
        let count = self.members.len();
        let first = draw(&mut rng, count);
        let creator_at = draw(&mut rng, endorsements);
        let member = |j: usize| {
            self.members
                .get((first + j) % count)
                // Invariant: `members` is not empty (new() requires 1..=MAX_ORGS) and the
                // index is reduced modulo its length.
                .expect("a member at an index modulo the non-empty member count")
        };
        let creator = &member(creator_at).client;
        let endorsers: Vec<&Identity> = (0..endorsements).map(|j| &member(j).peer).collect();
        let mut nonce = vec![0u8; 24];
        rng.fill_bytes(&mut nonce);
        let (rwset, args, response_payload) =
            tx_content(&mut rng, &self.chaincode.name, number, index);
        let request = TxRequest {
            channel_id: self.channel_id(),
            chaincode: &self.chaincode,
            creator,
            endorsers,
            args,
            rwset,
            response_payload,
            timestamp: Timestamp {
                seconds: FIRST_TX_UNIX.saturating_add(i64::try_from(number).unwrap_or(i64::MAX)),
                nanos: i32::try_from(index % 1_000_000_000).unwrap_or(0),
            },
            nonce,
            fault: Fault::None,
        };
        build_endorser_tx(&request)
            .map(|tx| tx.envelope)
            .map_err(|source| WorkloadError::Tx {
                block: number,
                tx: index,
                source,
            })
    }
}

/// A number in `0..n` (0 when `n` is 0).
fn draw(rng: &mut ChaCha20Rng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        usize::try_from(rng.next_u32()).unwrap_or(0) % n
    }
}

/// Simulation results, chaincode arguments and response payload of transaction `index` of
/// block `number` (keys fresh, reads of absent keys).
fn tx_content(
    rng: &mut ChaCha20Rng,
    chaincode: &str,
    number: u64,
    index: usize,
) -> (RwSet, Vec<Vec<u8>>, Vec<u8>) {
    let key = |kind: char, j: usize| format!("asset-{number}-{index}-{kind}{j}");
    let owner = format!("owner{}", rng.next_u32() % 100);
    let reads = (0..2)
        .map(|j| Read {
            key: key('r', j),
            version: None,
        })
        .collect();
    let write_keys: Vec<String> = (0..3).map(|j| key('w', j)).collect();
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
    let rwset = RwSet::invocation(NamespaceRwSet {
        namespace: chaincode.to_owned(),
        reads,
        writes,
        ..Default::default()
    });
    let first_write = key('w', 0);
    let response = format!(r#"{{"asset":"{first_write}","status":"transferred"}}"#).into_bytes();
    let args = vec![
        b"TransferAsset".to_vec(),
        first_write.into_bytes(),
        owner.into_bytes(),
    ];
    (rwset, args, response)
}

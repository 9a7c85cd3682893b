//! Shared fixtures for the criterion benchmarks in `benches/`: the bench corpus loaded once,
//! a validator run over a list of blocks, and the crypto ceiling (the same signature
//! verifications with the same backend and nothing else).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use block_validator::{ChaincodeOverride, ChannelValidator, ValidatorOptions};
use bytes::Bytes;
use fabric_config::{ChannelConfig, FolderChannelOptions, MspFolder};
use fabric_crypto::P256PublicKey;
use fabric_ledger::{LedgerFile, RawBlock};
use fabric_msp::{IdentityDeserializer, PublicKey};
use fabric_protos::common::{Envelope, Payload, SignatureHeader};
use fabric_protos::protos::{application_policy, ApplicationPolicy};
use handlers_api::validation::PluginFactory;
use loader::ValidationInstances;
use prost::Message;

/// Where the shared reference material sits (beside the checkout).
#[must_use]
pub fn shared(rel: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(rel);
    assert!(path.exists(), "missing bench input {}", path.display());
    path
}

/// Reads every block of a ledger file.
///
/// # Panics
/// When the file is missing or does not decode (a benchmark has no other way to fail).
#[must_use]
pub fn read_blocks(path: &Path) -> Vec<RawBlock> {
    let file = LedgerFile::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.read_all()
        .into_result()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bench corpus: its blocks and its channel configuration (from the MSP folders).
pub struct BenchCorpus {
    /// The 100-tx blocks (numbers 1..=30).
    pub blocks_100: Vec<RawBlock>,
    /// The 500-tx blocks (numbers 31..=36).
    pub blocks_500: Vec<RawBlock>,
}

impl BenchCorpus {
    /// Loads both files.
    #[must_use]
    pub fn load() -> Self {
        BenchCorpus {
            blocks_100: read_blocks(&shared("bench-corpus/blocks-100tx.bin")),
            blocks_500: read_blocks(&shared("bench-corpus/blocks-500tx.bin")),
        }
    }

    /// A fresh channel configuration (with an empty identity cache).
    ///
    /// # Panics
    /// When the MSP folders cannot be read.
    #[must_use]
    pub fn config() -> ChannelConfig {
        let folders: Vec<MspFolder> = ["Org1MSP", "Org2MSP", "Org3MSP"]
            .iter()
            .map(|org| MspFolder {
                msp_id: (*org).to_owned(),
                path: shared(&format!("bench-corpus/msp/{org}")),
            })
            .collect();
        ChannelConfig::from_msp_folders(&folders, &FolderChannelOptions::new("benchchannel"))
            .unwrap_or_else(|e| panic!("bench-corpus MSP folders: {e}"))
    }

    /// The validator options the corpus needs: `mycc` under `plugin` with the README's
    /// OutOf(2, ...) policy; MVCC off (the corpus reads random versions).
    #[must_use]
    pub fn options(plugin: &str, threads: usize) -> ValidatorOptions {
        let envelope = fabric_policies::parse_policy(
            "OutOf(2, 'Org1MSP.member', 'Org2MSP.member', 'Org3MSP.member')",
        )
        .unwrap_or_else(|e| panic!("policy: {e}"));
        let parameter = ApplicationPolicy {
            r#type: Some(application_policy::Type::SignaturePolicy(envelope)),
        }
        .encode_to_vec();
        ValidatorOptions {
            pool_size: threads,
            check_signatures: true,
            check_mvcc: false,
            chaincodes: BTreeMap::from([(
                "mycc".to_owned(),
                ChaincodeOverride {
                    plugin: plugin.to_owned(),
                    parameter: Some(parameter.into()),
                },
            )]),
        }
    }
}

/// Validates `blocks` in order with a fresh validator (fresh state and plugin instances) on
/// `config`, returning how many transactions were valid.
///
/// # Panics
/// When a block halts: a benchmark input must validate.
#[must_use]
pub fn validate_all(
    blocks: &[RawBlock],
    config: ChannelConfig,
    factories: &BTreeMap<String, Arc<dyn PluginFactory>>,
    options: &ValidatorOptions,
) -> usize {
    let channel = config.channel_id().to_owned();
    let mut validator = ChannelValidator::new(
        &channel,
        Some(config),
        Arc::new(ValidationInstances::new(factories.clone())),
        options.clone(),
    );
    let mut valid = 0;
    for (i, block) in blocks.iter().enumerate() {
        // As `validate-ledger` does: threads this block leaves idle (its last transactions,
        // its commit) start the next block's envelope checks.
        let next = blocks.get(i + 1).map(|n| (n.number, &n.envelopes[..]));
        let verdict = validator
            .validate_block_with_next(block.number, &block.envelopes, next)
            .unwrap_or_else(|e| panic!("{e}"));
        valid += verdict.codes.iter().filter(|c| **c == 0).count();
    }
    valid
}

/// One signature verification of the ceiling: key, signed bytes, signature.
pub struct Verification {
    key: P256PublicKey,
    message: Vec<u8>,
    signature: Bytes,
}

/// Every signature a transaction carries (the creator's over the payload, each endorsement's
/// over `proposal_response_payload ‖ endorser`), for every transaction of `blocks`.
///
/// # Panics
/// When a transaction or identity does not decode.
#[must_use]
pub fn signatures_of(blocks: &[RawBlock], config: &ChannelConfig) -> Vec<Verification> {
    let key_of = |serialized: &[u8]| -> P256PublicKey {
        let identity = config
            .msp_manager()
            .deserialize_identity(serialized)
            .unwrap_or_else(|e| panic!("identity: {e}"));
        match identity.certificate().public_key() {
            PublicKey::P256(key) => key.clone(),
            PublicKey::Unsupported(alg) => panic!("unsupported key {alg}"),
        }
    };
    let mut out = Vec::new();
    for block in blocks {
        for raw in &block.envelopes {
            let envelope = Envelope::decode(raw.clone()).unwrap_or_else(|e| panic!("{e}"));
            let payload =
                Payload::decode(envelope.payload.clone()).unwrap_or_else(|e| panic!("{e}"));
            let header = payload.header.unwrap_or_default();
            let signature_header =
                SignatureHeader::decode(header.signature_header).unwrap_or_else(|e| panic!("{e}"));
            out.push(Verification {
                key: key_of(&signature_header.creator),
                message: envelope.payload.to_vec(),
                signature: envelope.signature.clone(),
            });
            let tx = fabric_tx::EndorserTransaction::decode(&payload.data)
                .unwrap_or_else(|e| panic!("{e}"));
            for (i, e) in tx.endorsements.iter().enumerate() {
                out.push(Verification {
                    key: key_of(&e.endorser),
                    message: tx.endorsement_message(i).unwrap_or_default(),
                    signature: e.signature.clone(),
                });
            }
        }
    }
    out
}

/// Verifies every signature with the default backend on `threads` threads (the same kind of
/// pool the validator uses, started per call as [`validate_all`] starts a validator per
/// call); returns how many verified.
#[must_use]
pub fn crypto_ceiling(work: &[Verification], threads: usize) -> usize {
    let backend = fabric_crypto::default_backend();
    let pool = block_validator::pool::WorkerPool::new(threads, "ceiling");
    pool.map_indexed(work.len(), |i| {
        let v = &work[i];
        fabric_crypto::verify_signature(backend, &v.key, &v.message, &v.signature).is_ok()
    })
    .into_iter()
    .filter(|ok| *ok)
    .count()
}

/// The builtin default validation under key `vscc`.
#[must_use]
pub fn builtin_factories() -> BTreeMap<String, Arc<dyn PluginFactory>> {
    BTreeMap::from([(
        "vscc".to_owned(),
        Arc::new(vscc_default::DefaultValidationFactory) as Arc<dyn PluginFactory>,
    )])
}

/// The default validation loaded from its shared library, under key `vscc`.
///
/// # Panics
/// When the library is missing (build it first: `cargo build --release -p vscc-default-plugin`).
#[must_use]
pub fn shared_library_factories() -> BTreeMap<String, Arc<dyn PluginFactory>> {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("no target dir above {}", exe.display()));
    let file = format!(
        "{}vscc_default_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = dir.join(&file);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release -p vscc-default-plugin` first",
        path.display()
    );
    let yaml = format!(
        "peer:\n  handlers:\n    validators:\n      vscc:\n        library: {}\n",
        path.display()
    );
    let config =
        loader::HandlersConfig::from_yaml(&yaml, Path::new("bench.yaml"), dir, &BTreeMap::new())
            .unwrap_or_else(|e| panic!("{e}"));
    let registry =
        loader::Registry::load(&config, &loader::Builtins::new()).unwrap_or_else(|e| panic!("{e}"));
    registry.validation_factories()
}

/// A generated channel (`fabric_testgen::workload`) and its blocks, all valid.
pub struct Workload {
    /// The channel configuration of its genesis block.
    pub config: ChannelConfig,
    /// Blocks 1..=n.
    pub blocks: Vec<RawBlock>,
    /// The validator options: `mycc` under the builtin `vscc` with `OutOf(k, every org)`.
    pub options: ValidatorOptions,
}

impl Workload {
    /// `blocks` blocks of `txs` transactions with `endorsements` endorsements each, on a
    /// channel of `orgs` organisations, validated on `threads` threads.
    ///
    /// # Panics
    /// When the generator refuses the shape (a benchmark has no other way to fail).
    #[must_use]
    pub fn generate(
        orgs: u32,
        blocks: u64,
        txs: usize,
        endorsements: usize,
        threads: usize,
    ) -> Self {
        let workload = fabric_testgen::workload::EndorserWorkload::new(
            format!("bench/{orgs}/{txs}/{endorsements}"),
            orgs,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let config = ChannelConfig::from_config(workload.channel_id(), workload.genesis_config())
            .unwrap_or_else(|e| panic!("{e}"));
        let blocks = workload
            .chain(blocks, txs, endorsements)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|bytes| {
                let file = LedgerFile::from_bytes("workload.block", Bytes::from(bytes))
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut blocks = file
                    .read_all()
                    .into_result()
                    .unwrap_or_else(|e| panic!("{e}"));
                blocks.pop().unwrap_or_else(|| panic!("no block"))
            })
            .collect();
        let parameter = workload
            .application_policy_bytes(endorsements)
            .unwrap_or_else(|e| panic!("{e}"));
        let options = ValidatorOptions {
            pool_size: threads,
            check_signatures: true,
            check_mvcc: true,
            chaincodes: BTreeMap::from([(
                workload.chaincode().name.clone(),
                ChaincodeOverride {
                    plugin: "vscc".to_owned(),
                    parameter: Some(parameter.into()),
                },
            )]),
        };
        Workload {
            config,
            blocks,
            options,
        }
    }

    /// How many transactions the blocks hold.
    #[must_use]
    pub fn txs(&self) -> usize {
        self.blocks.iter().map(|b| b.envelopes.len()).sum()
    }
}

/// The project's builtin validation plugins as the CLI loads them (`loader::Builtins::project()`
/// through a core.yaml): `DefaultValidation` under key `vscc` and `SignedByMajorityPeerOrgs`
/// under key `majority`.
///
/// # Panics
/// When the loader refuses the configuration (a benchmark has no other way to fail).
#[must_use]
pub fn project_builtin_factories() -> BTreeMap<String, Arc<dyn PluginFactory>> {
    let yaml =
        "peer:\n  handlers:\n    validators:\n      vscc:\n        name: DefaultValidation\n      \
                majority:\n        name: SignedByMajorityPeerOrgs\n";
    let config = loader::HandlersConfig::from_yaml(
        yaml,
        Path::new("bench.yaml"),
        Path::new("."),
        &BTreeMap::new(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let registry = loader::Registry::load(&config, &loader::Builtins::project())
        .unwrap_or_else(|e| panic!("{e}"));
    registry.validation_factories()
}

/// `options` with every chaincode validated by `plugin` (a key of the factories) with
/// `parameter` as its validation parameter.
#[must_use]
pub fn with_plugin(options: &ValidatorOptions, plugin: &str, parameter: &[u8]) -> ValidatorOptions {
    let mut options = options.clone();
    for chaincode in options.chaincodes.values_mut() {
        *chaincode = ChaincodeOverride {
            plugin: plugin.to_owned(),
            parameter: Some(Bytes::copy_from_slice(parameter)),
        };
    }
    options
}

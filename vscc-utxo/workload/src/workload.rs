//! The generator: builds signed UTXO transactions against its own view of the unspent set and
//! seals them into blocks with the verdict expected for each.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use bytes::Bytes;
use fabric_ledger::RawBlock;
use fabric_protos::common::{Block, BlockMetadataIndex};
use fabric_protos::protos::TxValidationCode;
use fabric_testgen::block::BlockChain;
use fabric_testgen::channel_config::{config_envelope, EnvelopeHeader};
use fabric_testgen::clock::FrozenClock;
use fabric_testgen::files::{block_stream, fabric_blockfile};
use fabric_testgen::msp::Identity;
use fabric_testgen::rwset::{NamespaceRwSet, Read, RwSet, Write};
use fabric_testgen::tx::{build_endorser_tx, BuiltTx, Chaincode, Fault, TxRequest};
use prost::Message;
use vscc_utxo::{output_key, Output, Rule};

use crate::error::WorkloadError;
use crate::expect::{ExpectedTx, TxKind, UtxoFault};
use crate::lifecycle::{definition_rwset, LIFECYCLE_NAMESPACE};
use crate::network::{Network, Party, WorkloadSpec};

/// An unspent (or, in [`Workload::spent`], spent) output as the workload sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coin {
    /// `utxo/<txid>/<index>`.
    pub key: String,
    /// The committed value.
    pub output: Output,
    /// Its owner.
    pub owner: Party,
    /// The committed version `(block, tx)` a spender reads.
    pub version: (u64, u64),
}

/// Who creates (and signs) a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creator {
    /// A coin owner.
    Party(Party),
    /// The issuer (`Org1MSP` admin).
    Issuer,
}

/// A signed transaction waiting for [`Workload::block`].
#[derive(Debug, Clone)]
pub struct PlannedTx {
    built: BuiltTx,
    kind: TxKind,
    fault: UtxoFault,
    creator: Creator,
    inputs: Vec<Coin>,
    outputs: Vec<(String, Output, Party)>,
    /// A rule the transaction breaks whatever the state (its fault, or the caller's word for a
    /// custom transaction); `None`: decided against the state when the block is sealed.
    intrinsic: Option<Rule>,
    /// Set for config and definition transactions: not for the UTXO plugin.
    system: bool,
}

impl PlannedTx {
    /// The transaction ID.
    #[must_use]
    pub fn txid(&self) -> &str {
        &self.built.txid
    }

    /// The envelope bytes.
    #[must_use]
    pub fn envelope(&self) -> &Bytes {
        &self.built.envelope
    }

    /// The output keys it creates.
    #[must_use]
    pub fn output_keys(&self) -> Vec<String> {
        self.outputs.iter().map(|(k, _, _)| k.clone()).collect()
    }
}

/// A sealed block and the verdict expected for each of its transactions.
#[derive(Debug, Clone)]
pub struct UtxoBlock {
    /// The block as the orderer delivers it (empty metadata).
    pub block: Block,
    /// One entry per transaction, in block order.
    pub expected: Vec<ExpectedTx>,
}

impl UtxoBlock {
    /// The block number.
    #[must_use]
    pub fn number(&self) -> u64 {
        self.block.header.as_ref().map_or(0, |h| h.number)
    }

    /// The envelopes, in block order.
    #[must_use]
    pub fn envelopes(&self) -> &[Bytes] {
        self.block.data.as_ref().map_or(&[], |d| d.data.as_slice())
    }

    /// The expected TRANSACTIONS_FILTER (one code per transaction).
    #[must_use]
    pub fn expected_codes(&self) -> Vec<u8> {
        self.expected.iter().map(|e| e.code as i32 as u8).collect()
    }

    /// The block with the expected TRANSACTIONS_FILTER in its metadata, as a peer's ledger
    /// stores it (`validate-ledger --check-recorded` compares against it).
    #[must_use]
    pub fn recorded(&self) -> Block {
        let mut block = self.block.clone();
        if let Some(metadata) = block.metadata.as_mut() {
            let slot = BlockMetadataIndex::TransactionsFilter as usize;
            if metadata.metadata.len() <= slot {
                metadata.metadata.resize(slot + 1, Bytes::new());
            }
            metadata.metadata[slot] = Bytes::from(self.expected_codes());
        }
        block
    }

    /// The block as the ledger reader gives it.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Block`] when the encoded block does not read back (not for a
    /// generated block).
    pub fn raw(&self) -> Result<RawBlock, WorkloadError> {
        let number = self.number();
        RawBlock::from_protobuf(
            format!("utxo-block-{number}.block"),
            Bytes::from(self.block.encode_to_vec()),
        )
        .map_err(|e| WorkloadError::Block {
            number,
            reason: e.to_string(),
        })
    }
}

/// A deterministic UTXO ledger generator. Block 0 is the genesis configuration and block 1
/// commits the `_lifecycle` definition of the UTXO chaincode (plugin [`WorkloadSpec::plugin_key`],
/// parameter [`Network::validation_parameter`]); then every [`Workload::block`] seals the
/// transactions built since against the unspent set committed so far.
///
/// Transactions are built against the committed view: build the transactions of one block,
/// seal them, then build the next ones (outputs of a block are spendable from the next one).
#[derive(Debug)]
pub struct Workload {
    net: Network,
    chaincode: Chaincode,
    chain: BlockChain,
    clock: FrozenClock,
    nonces: u64,
    unspent: BTreeMap<String, Coin>,
    spent: BTreeMap<String, Coin>,
    txids: HashSet<String>,
    /// Valid issuances: (nonce, txid), in commit order.
    issuances: Vec<(Vec<u8>, String)>,
    blocks: Vec<UtxoBlock>,
}

fn checked_sum(amounts: impl Iterator<Item = u64>) -> Option<u64> {
    amounts.into_iter().try_fold(0u64, u64::checked_add)
}

fn txid_of(nonce: &[u8], creator: &[u8]) -> String {
    let mut input = Vec::with_capacity(nonce.len() + creator.len());
    input.extend_from_slice(nonce);
    input.extend_from_slice(creator);
    hex::encode(fabric_crypto::sha256(&input))
}

impl Workload {
    /// A workload over `spec`, with blocks 0 (genesis) and 1 (chaincode definition) sealed.
    ///
    /// # Errors
    ///
    /// [`WorkloadError`] when the spec cannot be generated.
    pub fn new(spec: WorkloadSpec) -> Result<Self, WorkloadError> {
        let net = Network::generate(spec)?;
        let chaincode = Chaincode {
            name: net.spec.chaincode.clone(),
            version: "1.0".to_owned(),
        };
        let mut w = Workload {
            net,
            chaincode,
            chain: BlockChain::new(),
            clock: FrozenClock::default(),
            nonces: 0,
            unspent: BTreeMap::new(),
            spent: BTreeMap::new(),
            txids: HashSet::new(),
            issuances: Vec::new(),
            blocks: Vec::new(),
        };
        w.seal_genesis()?;
        let definition = w.definition_tx()?;
        w.block(vec![definition])?;
        Ok(w)
    }

    /// [`Workload::new`] with [`WorkloadSpec::new`]`(seed, orgs)`.
    ///
    /// # Errors
    ///
    /// As [`Workload::new`].
    pub fn with_orgs(seed: &[u8], orgs: u32) -> Result<Self, WorkloadError> {
        Self::new(WorkloadSpec::new(seed, orgs))
    }

    /// The channel members and policies.
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The channel ID.
    #[must_use]
    pub fn channel_id(&self) -> &str {
        &self.net.spec.channel_id
    }

    /// The UTXO namespace (chaincode name).
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.chaincode.name
    }

    /// The chaincode's validation parameter bytes (what the definition stores).
    #[must_use]
    pub fn parameter(&self) -> Vec<u8> {
        self.net.validation_parameter().encode_to_vec()
    }

    /// Every coin owner.
    #[must_use]
    pub fn parties(&self) -> Vec<Party> {
        self.net.parties()
    }

    /// The committed unspent outputs, by key.
    #[must_use]
    pub fn unspent(&self) -> &BTreeMap<String, Coin> {
        &self.unspent
    }

    /// The committed unspent outputs of `owner`, by key.
    #[must_use]
    pub fn coins_of(&self, owner: Party) -> Vec<Coin> {
        self.unspent
            .values()
            .filter(|c| c.owner == owner)
            .cloned()
            .collect()
    }

    /// Outputs spent by valid transactions (spending one again is a double spend across
    /// blocks).
    #[must_use]
    pub fn spent(&self) -> &BTreeMap<String, Coin> {
        &self.spent
    }

    /// The committed total per asset type of the unspent set.
    #[must_use]
    pub fn totals(&self) -> BTreeMap<String, u128> {
        let mut totals = BTreeMap::new();
        for coin in self.unspent.values() {
            *totals
                .entry(coin.output.asset_type.clone())
                .or_insert(0u128) += u128::from(coin.output.amount);
        }
        totals
    }

    /// Every sealed block, from block 0.
    #[must_use]
    pub fn blocks(&self) -> &[UtxoBlock] {
        &self.blocks
    }

    /// The last sealed block.
    #[must_use]
    pub fn last_block(&self) -> Option<&UtxoBlock> {
        self.blocks.last()
    }

    fn next_nonce(&mut self) -> Vec<u8> {
        let n = self.nonces;
        self.nonces += 1;
        self.net
            .seed
            .bytes::<24>(&format!("/utxo-workload/nonce/{n}"))
            .to_vec()
    }

    fn creator_identity(&self, creator: Creator) -> Result<&Identity, WorkloadError> {
        match creator {
            Creator::Party(p) => self.net.party(p),
            Creator::Issuer => self.net.issuer(),
        }
    }

    fn seal_genesis(&mut self) -> Result<(), WorkloadError> {
        let nonce = self.next_nonce();
        let genesis = self.net.genesis();
        let envelope = config_envelope(
            &EnvelopeHeader {
                channel_id: &self.net.spec.channel_id,
                timestamp: self.clock.tick(),
                nonce: &nonce,
            },
            &genesis,
            None,
            self.net.orderer()?,
        );
        let block = self
            .chain
            .append(vec![Bytes::from(envelope.encode_to_vec())]);
        self.blocks.push(UtxoBlock {
            block,
            expected: vec![ExpectedTx {
                txid: String::new(),
                kind: TxKind::Config,
                fault: UtxoFault::None,
                plugin: None,
                code: TxValidationCode::Valid,
                inputs: Vec::new(),
                outputs: Vec::new(),
            }],
        });
        Ok(())
    }

    /// Signs a transaction of `chaincode` by `creator` with `rwset`.
    fn sign(
        &mut self,
        chaincode: &Chaincode,
        creator: Creator,
        nonce: Vec<u8>,
        rwset: RwSet,
        endorsers: Endorsers,
        fault: Fault,
    ) -> Result<BuiltTx, WorkloadError> {
        let timestamp = self.clock.tick();
        let creator = self.creator_identity(creator)?;
        let endorsers = match endorsers {
            Endorsers::Utxo => self.net.endorsers()?,
            Endorsers::AllPeers => self.net.all_peers()?,
        };
        Ok(build_endorser_tx(&TxRequest {
            channel_id: &self.net.spec.channel_id,
            chaincode,
            creator,
            endorsers,
            args: vec![b"utxo".to_vec()],
            rwset,
            response_payload: Vec::new(),
            timestamp,
            nonce,
            fault,
        })?)
    }

    fn definition_tx(&mut self) -> Result<PlannedTx, WorkloadError> {
        let rwset = definition_rwset(
            &self.chaincode.name,
            &self.chaincode.version,
            &self.net.spec.plugin_key,
            &self.parameter(),
        );
        let nonce = self.next_nonce();
        let lifecycle = Chaincode {
            name: LIFECYCLE_NAMESPACE.to_owned(),
            version: "1.0".to_owned(),
        };
        let built = self.sign(
            &lifecycle,
            Creator::Issuer,
            nonce,
            rwset,
            Endorsers::AllPeers,
            Fault::None,
        )?;
        Ok(PlannedTx {
            built,
            kind: TxKind::Definition,
            fault: UtxoFault::None,
            creator: Creator::Issuer,
            inputs: Vec::new(),
            outputs: Vec::new(),
            intrinsic: None,
            system: true,
        })
    }

    /// An issuance by the issuer of `amounts` of `asset` to their owners.
    ///
    /// Faults that apply: `Overflow` and `MixedAssetTypes` (2 outputs or more), `ZeroAmount`,
    /// `WrongOutputKey`, `ExistingOutput`, `UnauthorisedIssuance`, `MissingEndorsement`.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Request`] when the fault does not apply or there is no output.
    pub fn issue(
        &mut self,
        amounts: &[(Party, u64)],
        asset: &str,
        fault: UtxoFault,
    ) -> Result<PlannedTx, WorkloadError> {
        let what = format!("an issuance with fault {fault:?}");
        if amounts.is_empty() {
            return Err(WorkloadError::request(what, "no output"));
        }
        let (creator, intrinsic) = match fault {
            UtxoFault::UnauthorisedIssuance => {
                let last = self.net.parties().last().copied().unwrap_or(Party(0));
                (Creator::Party(last), Some(Rule::IssuerPolicy))
            }
            _ => (Creator::Issuer, None),
        };
        let nonce = if fault == UtxoFault::ExistingOutput {
            let reusable = self
                .issuances
                .iter()
                .rev()
                .find(|(_, txid)| self.unspent.contains_key(&output_key(txid, 0)));
            match reusable {
                Some((nonce, _)) => nonce.clone(),
                None => {
                    return Err(WorkloadError::request(
                        what,
                        "no committed issuance has its output 0 unspent",
                    ))
                }
            }
        } else {
            self.next_nonce()
        };
        let plan = self.plan_outputs(creator, &nonce, amounts, asset, fault, &what)?;
        let intrinsic = match fault {
            UtxoFault::None | UtxoFault::ExistingOutput | UtxoFault::MixedAssetTypes => intrinsic,
            UtxoFault::UnauthorisedIssuance => intrinsic,
            UtxoFault::Overflow | UtxoFault::ZeroAmount | UtxoFault::WrongOutputKey => {
                plan.intrinsic
            }
            UtxoFault::MissingEndorsement => Some(self.missing_endorsement(&what)?),
            _ => return Err(WorkloadError::request(what, "not a fault of an issuance")),
        };
        self.finish(
            TxKind::Issue,
            fault,
            creator,
            nonce,
            Vec::new(),
            plan.outputs,
            intrinsic,
        )
    }

    fn missing_endorsement(&self, what: &str) -> Result<Rule, WorkloadError> {
        if self.net.spec.endorsers < 2 {
            return Err(WorkloadError::request(
                what,
                "one endorser already satisfies the endorsement policy",
            ));
        }
        Ok(Rule::EndorsementPolicy)
    }

    /// A transfer of `inputs` (all spent by their first coin's owner) into `outputs`.
    ///
    /// Faults that apply: `InputTwice`, `InputNotDeleted`, `WrongOwner` (2 parties or more),
    /// `Unbalanced`, `Overflow` (2 outputs or more), `WrongOutputKey`, `MixedAssetTypes`,
    /// `ZeroAmount`, `MissingEndorsement`.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Request`] when there is no input, or the fault does not apply.
    pub fn transfer(
        &mut self,
        inputs: &[Coin],
        outputs: &[(Party, u64)],
        fault: UtxoFault,
    ) -> Result<PlannedTx, WorkloadError> {
        self.transfer_as(TxKind::Transfer, inputs, outputs, fault)
    }

    /// Pays `amount` of `coin` to `to`, the change back to the owner (no change output when
    /// the coin is spent whole).
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Request`] when `amount` is 0 or more than the coin holds; as
    /// [`Workload::transfer`].
    pub fn pay(
        &mut self,
        coin: &Coin,
        to: Party,
        amount: u64,
        fault: UtxoFault,
    ) -> Result<PlannedTx, WorkloadError> {
        if amount == 0 || amount > coin.output.amount {
            return Err(WorkloadError::request(
                format!("a payment of {amount} from {}", coin.key),
                format!("the coin holds {}", coin.output.amount),
            ));
        }
        let mut outputs = vec![(to, amount)];
        if amount < coin.output.amount {
            outputs.push((coin.owner, coin.output.amount - amount));
        }
        self.transfer_as(
            TxKind::Transfer,
            std::slice::from_ref(coin),
            &outputs,
            fault,
        )
    }

    /// Splits `coin` into `parts` outputs of its owner (as equal as possible).
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Request`] when `parts` is 0 or more than the amount; as
    /// [`Workload::transfer`].
    pub fn split(
        &mut self,
        coin: &Coin,
        parts: u64,
        fault: UtxoFault,
    ) -> Result<PlannedTx, WorkloadError> {
        let amount = coin.output.amount;
        if parts == 0 || parts > amount {
            return Err(WorkloadError::request(
                format!("a split of {} into {parts}", coin.key),
                format!("the coin holds {amount}"),
            ));
        }
        let outputs: Vec<(Party, u64)> = (0..parts)
            .map(|i| (coin.owner, amount / parts + u64::from(i < amount % parts)))
            .collect();
        self.transfer_as(TxKind::Split, std::slice::from_ref(coin), &outputs, fault)
    }

    /// Merges `coins` (of one owner and asset type) into one output of that owner.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Request`] when there is no coin or the total overflows; as
    /// [`Workload::transfer`].
    pub fn merge(&mut self, coins: &[Coin], fault: UtxoFault) -> Result<PlannedTx, WorkloadError> {
        let what = format!("a merge of {} coins", coins.len());
        let first = coins
            .first()
            .ok_or_else(|| WorkloadError::request(what.clone(), "no coin"))?;
        let total = coins
            .iter()
            .try_fold(0u64, |acc, c| acc.checked_add(c.output.amount))
            .ok_or_else(|| WorkloadError::request(what, "the total overflows"))?;
        let owner = first.owner;
        self.transfer_as(TxKind::Merge, coins, &[(owner, total)], fault)
    }

    fn transfer_as(
        &mut self,
        kind: TxKind,
        inputs: &[Coin],
        outputs: &[(Party, u64)],
        fault: UtxoFault,
    ) -> Result<PlannedTx, WorkloadError> {
        let what = format!("a {kind:?} with fault {fault:?}");
        let first = inputs
            .first()
            .ok_or_else(|| WorkloadError::request(what.clone(), "no input"))?;
        let parties = self.net.parties().len();
        let creator = if fault == UtxoFault::WrongOwner {
            if parties < 2 {
                return Err(WorkloadError::request(what, "one party cannot be another"));
            }
            Creator::Party(Party((first.owner.0 + 1) % parties))
        } else {
            Creator::Party(first.owner)
        };
        let asset = first.output.asset_type.clone();
        let nonce = self.next_nonce();
        let plan = self.plan_outputs(creator, &nonce, outputs, &asset, fault, &what)?;
        let intrinsic = match fault {
            UtxoFault::None
            | UtxoFault::WrongOwner
            | UtxoFault::Unbalanced
            | UtxoFault::MixedAssetTypes => None,
            UtxoFault::InputTwice => Some(Rule::InputUnique),
            UtxoFault::InputNotDeleted => Some(Rule::InputDeleted),
            UtxoFault::Overflow | UtxoFault::ZeroAmount | UtxoFault::WrongOutputKey => {
                plan.intrinsic
            }
            UtxoFault::MissingEndorsement => Some(self.missing_endorsement(&what)?),
            _ => return Err(WorkloadError::request(what, "not a fault of a transfer")),
        };
        self.finish(
            kind,
            fault,
            creator,
            nonce,
            inputs.to_vec(),
            plan.outputs,
            intrinsic,
        )
    }

    /// The outputs (keys under the transaction's own ID) with the output faults applied.
    fn plan_outputs(
        &self,
        creator: Creator,
        nonce: &[u8],
        amounts: &[(Party, u64)],
        asset: &str,
        fault: UtxoFault,
        what: &str,
    ) -> Result<OutputPlan, WorkloadError> {
        let txid = txid_of(nonce, self.creator_identity(creator)?.serialized());
        let mut outputs = Vec::with_capacity(amounts.len());
        for (i, (owner, amount)) in amounts.iter().enumerate() {
            let index = u32::try_from(i)
                .map_err(|_| WorkloadError::request(what, "more than 2^32 outputs"))?;
            let output = Output::new(
                self.net.party(*owner)?.serialized().to_vec(),
                *amount,
                asset,
            );
            outputs.push((output_key(&txid, index), output, *owner));
        }
        let last = outputs.len().saturating_sub(1);
        let need_two = |n: usize| -> Result<(), WorkloadError> {
            if outputs.len() < n {
                Err(WorkloadError::request(
                    what,
                    format!("needs {n} outputs or more"),
                ))
            } else {
                Ok(())
            }
        };
        let mut intrinsic = None;
        match fault {
            UtxoFault::Overflow => {
                need_two(2)?;
                outputs[0].1.amount = u64::MAX;
                intrinsic = Some(Rule::Overflow);
            }
            UtxoFault::ZeroAmount => {
                need_two(1)?;
                outputs[last].1.amount = 0;
                intrinsic = Some(Rule::AmountPositive);
            }
            UtxoFault::WrongOutputKey => {
                need_two(1)?;
                outputs[0].0 = output_key(&txid_of(b"another transaction", txid.as_bytes()), 0);
                intrinsic = Some(Rule::OutputKey);
            }
            UtxoFault::MixedAssetTypes => {
                need_two(1)?;
                outputs[last].1.asset_type = format!("{asset}-other");
            }
            UtxoFault::Unbalanced => {
                need_two(1)?;
                let a = &mut outputs[last].1.amount;
                *a = if *a > 1 { *a - 1 } else { *a + 1 };
            }
            _ => {}
        }
        Ok(OutputPlan { outputs, intrinsic })
    }

    /// Builds the rwset and signs.
    #[allow(clippy::too_many_arguments)] // one private assembly step
    fn finish(
        &mut self,
        kind: TxKind,
        fault: UtxoFault,
        creator: Creator,
        nonce: Vec<u8>,
        inputs: Vec<Coin>,
        outputs: Vec<(String, Output, Party)>,
        intrinsic: Option<Rule>,
    ) -> Result<PlannedTx, WorkloadError> {
        let mut reads: Vec<Read> = inputs
            .iter()
            .map(|c| Read {
                key: c.key.clone(),
                version: Some(c.version),
            })
            .collect();
        let mut writes: Vec<Write> = inputs
            .iter()
            .map(|c| Write {
                key: c.key.clone(),
                value: Vec::new(),
                is_delete: true,
            })
            .collect();
        match (fault, inputs.first()) {
            (UtxoFault::InputTwice, Some(first)) => {
                reads.push(Read {
                    key: first.key.clone(),
                    version: Some(first.version),
                });
                writes.push(Write {
                    key: first.key.clone(),
                    value: Vec::new(),
                    is_delete: true,
                });
            }
            (UtxoFault::InputNotDeleted, Some(first)) => writes.retain(|w| w.key != first.key),
            _ => {}
        }
        writes.extend(outputs.iter().map(|(key, output, _)| Write {
            key: key.clone(),
            value: output.encode_to_vec(),
            is_delete: false,
        }));
        reads.sort_by(|a, b| a.key.cmp(&b.key));
        writes.sort_by(|a, b| a.key.cmp(&b.key));
        let rwset = RwSet {
            namespaces: vec![NamespaceRwSet {
                namespace: self.chaincode.name.clone(),
                reads,
                writes,
                ..Default::default()
            }],
        };
        let tx_fault = if fault == UtxoFault::MissingEndorsement {
            Fault::SingleEndorsement
        } else {
            Fault::None
        };
        let chaincode = self.chaincode.clone();
        let built = self.sign(&chaincode, creator, nonce, rwset, Endorsers::Utxo, tx_fault)?;
        Ok(PlannedTx {
            built,
            kind,
            fault,
            creator,
            inputs,
            outputs,
            intrinsic,
            system: false,
        })
    }

    /// A transaction by `creator` whose UTXO-namespace read-write set `rwset` makes from the
    /// transaction ID (the caller writes whatever it wants to test). `expected` is the rule the
    /// plugin must report (`None`: valid); `spends` and `creates` tell the workload's view
    /// what a valid one does.
    ///
    /// # Errors
    ///
    /// [`WorkloadError`] when the transaction cannot be signed.
    pub fn custom(
        &mut self,
        creator: Creator,
        rwset: impl FnOnce(&str) -> NamespaceRwSet,
        expected: Option<Rule>,
        spends: Vec<Coin>,
        creates: Vec<(String, Output, Party)>,
    ) -> Result<PlannedTx, WorkloadError> {
        let nonce = self.next_nonce();
        let txid = txid_of(&nonce, self.creator_identity(creator)?.serialized());
        let mut ns = rwset(&txid);
        if ns.namespace.is_empty() {
            ns.namespace = self.chaincode.name.clone();
        }
        let chaincode = self.chaincode.clone();
        let built = self.sign(
            &chaincode,
            creator,
            nonce,
            RwSet {
                namespaces: vec![ns],
            },
            Endorsers::Utxo,
            Fault::None,
        )?;
        Ok(PlannedTx {
            built,
            kind: TxKind::Custom,
            fault: UtxoFault::None,
            creator,
            inputs: spends,
            outputs: creates,
            intrinsic: expected,
            system: false,
        })
    }

    /// What the plugin says about `tx` against the committed view.
    fn plugin_verdict(&self, tx: &PlannedTx) -> Option<Rule> {
        if tx.system {
            return None;
        }
        if tx.intrinsic.is_some() || tx.kind == TxKind::Custom {
            return tx.intrinsic;
        }
        if tx
            .outputs
            .iter()
            .any(|(k, _, _)| self.unspent.contains_key(k))
        {
            return Some(Rule::OutputExists);
        }
        let mut committed = Vec::with_capacity(tx.inputs.len());
        for coin in &tx.inputs {
            let Some(now) = self.unspent.get(&coin.key) else {
                return Some(Rule::InputExists);
            };
            if tx.creator != Creator::Party(now.owner) {
                return Some(Rule::InputOwner);
            }
            committed.push(now);
        }
        let types: BTreeSet<&str> = committed
            .iter()
            .map(|c| c.output.asset_type.as_str())
            .chain(tx.outputs.iter().map(|(_, o, _)| o.asset_type.as_str()))
            .collect();
        if types.len() > 1 {
            return Some(Rule::AssetType);
        }
        if !tx.inputs.is_empty() {
            let Some(spent) = checked_sum(committed.iter().map(|c| c.output.amount)) else {
                return Some(Rule::Overflow);
            };
            let created = checked_sum(tx.outputs.iter().map(|(_, o, _)| o.amount));
            if created != Some(spent) {
                return Some(Rule::Balance);
            }
        }
        None
    }

    /// Seals `txs` into the next block: the plugin verdicts against the committed view, then
    /// Fabric's committer order (duplicate transaction IDs, plugin, MVCC in block order), then
    /// the effects of the valid ones.
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Block`] when the block is empty.
    pub fn block(&mut self, txs: Vec<PlannedTx>) -> Result<&UtxoBlock, WorkloadError> {
        let number = self.chain.next_number();
        if txs.is_empty() {
            return Err(WorkloadError::Block {
                number,
                reason: "a block needs at least one transaction".into(),
            });
        }
        let verdicts: Vec<Option<Rule>> = txs.iter().map(|tx| self.plugin_verdict(tx)).collect();
        let mut deleted: HashSet<&str> = HashSet::new();
        let mut valid_txids: HashSet<&str> = HashSet::new();
        let mut expected = Vec::with_capacity(txs.len());
        let mut valid = Vec::with_capacity(txs.len());
        for (tx, plugin) in txs.iter().zip(&verdicts) {
            let code = if self.txids.contains(tx.txid()) {
                TxValidationCode::DuplicateTxid
            } else if plugin.is_some() {
                TxValidationCode::EndorsementPolicyFailure
            } else if valid_txids.contains(tx.txid()) {
                TxValidationCode::DuplicateTxid
            } else if tx.inputs.iter().any(|c| deleted.contains(c.key.as_str())) {
                TxValidationCode::MvccReadConflict
            } else {
                TxValidationCode::Valid
            };
            if code == TxValidationCode::Valid {
                deleted.extend(tx.inputs.iter().map(|c| c.key.as_str()));
                valid_txids.insert(tx.txid());
            }
            valid.push(code == TxValidationCode::Valid);
            expected.push(ExpectedTx {
                txid: tx.txid().to_owned(),
                kind: tx.kind,
                fault: tx.fault,
                plugin: *plugin,
                code,
                inputs: tx.inputs.iter().map(|c| c.key.clone()).collect(),
                outputs: tx
                    .outputs
                    .iter()
                    .map(|(k, o, _)| (k.clone(), o.clone()))
                    .collect(),
            });
        }
        for (i, (tx, ok)) in txs.iter().zip(&valid).enumerate() {
            if !ok {
                continue;
            }
            for coin in &tx.inputs {
                if let Some(gone) = self.unspent.remove(&coin.key) {
                    self.spent.insert(gone.key.clone(), gone);
                }
            }
            for (key, output, owner) in &tx.outputs {
                self.unspent.insert(
                    key.clone(),
                    Coin {
                        key: key.clone(),
                        output: output.clone(),
                        owner: *owner,
                        version: (number, i as u64),
                    },
                );
            }
            if tx.kind == TxKind::Issue {
                let nonce = tx.built.nonce.to_vec();
                self.issuances.push((nonce, tx.txid().to_owned()));
            }
        }
        for tx in &txs {
            self.txids.insert(tx.txid().to_owned());
        }
        let envelopes = txs.into_iter().map(|tx| tx.built.envelope).collect();
        let block = self.chain.append(envelopes);
        self.blocks.push(UtxoBlock { block, expected });
        self.blocks.last().ok_or(WorkloadError::Block {
            number,
            reason: "sealed block missing".into(),
        })
    }

    /// The ledger as a `.bin` block stream (varint length + `common.Block` per block); with
    /// `recorded`, every block carries its expected TRANSACTIONS_FILTER.
    #[must_use]
    pub fn block_stream(&self, recorded: bool) -> Vec<u8> {
        let blocks = self.ledger_blocks(recorded);
        block_stream(&blocks)
    }

    /// The ledger as a Fabric peer blockfile (`blockfile_000000`).
    #[must_use]
    pub fn blockfile(&self, recorded: bool) -> Vec<u8> {
        let blocks = self.ledger_blocks(recorded);
        fabric_blockfile(&blocks)
    }

    /// Writes [`Workload::block_stream`] to `path` (give it the `.bin` extension).
    ///
    /// # Errors
    ///
    /// [`WorkloadError::Io`] naming the file.
    pub fn write_block_stream(&self, path: &Path, recorded: bool) -> Result<(), WorkloadError> {
        std::fs::write(path, self.block_stream(recorded)).map_err(|source| WorkloadError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    fn ledger_blocks(&self, recorded: bool) -> Vec<Block> {
        self.blocks
            .iter()
            .map(|b| {
                if recorded {
                    b.recorded()
                } else {
                    b.block.clone()
                }
            })
            .collect()
    }
}

/// Which identities endorse.
#[derive(Debug, Clone, Copy)]
enum Endorsers {
    /// `peer0` of the first `spec.endorsers` organisations.
    Utxo,
    /// `peer0` of every organisation.
    AllPeers,
}

struct OutputPlan {
    outputs: Vec<(String, Output, Party)>,
    intrinsic: Option<Rule>,
}

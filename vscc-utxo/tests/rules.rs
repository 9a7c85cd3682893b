//! Each UTXO rule, valid and invalid, with real signatures: transactions the workload signs
//! (custom read-write sets for the rules its faults do not reach), judged by the plugin called
//! directly with the block validator's host dependencies over committed state, and
//! execution failures with failing stand-ins around those dependencies.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use block_validator::ChannelValidator;
use bytes::Bytes;
use fabric_protos::protos::{application_policy, ApplicationPolicy};
use fabric_testgen::rwset::{CollectionWrites, MetadataWrite, NamespaceRwSet, Read, Write};
use handlers_api::validation::{
    BlockView, Context, Dependencies, KvIterator, Plugin, PolicyError, PolicyEvaluator,
    SerializedPolicy, SignedData, State, StateError, StateFetcher, ValidationError,
};
use prost::Message;
use utxo_workload::{Coin, Creator, Party, PlannedTx, UtxoFault, Workload};
use vscc_utxo::{output_key, Output, Rule, UtxoValidationFactory, UtxoValidationParameter};

use support::{builtin_instances, call, commit, plugin_with, validator};

struct Fixture {
    w: Workload,
    v: ChannelValidator,
    a: Party,
    b: Party,
}

/// Two orgs; `a` owns gold 10, gold 20, silver 5 and the coins u64::MAX and 1 of `big`; `b`
/// owns gold 7. All committed.
fn fixture(seed: &[u8]) -> Fixture {
    let mut w = Workload::with_orgs(seed, 2).unwrap();
    let (a, b) = (w.parties()[0], w.parties()[1]);
    let txs = vec![
        w.issue(&[(a, 10), (a, 20)], "gold", UtxoFault::None)
            .unwrap(),
        w.issue(&[(a, 5)], "silver", UtxoFault::None).unwrap(),
        w.issue(&[(b, 7)], "gold", UtxoFault::None).unwrap(),
        w.issue(&[(a, u64::MAX)], "big", UtxoFault::None).unwrap(),
        w.issue(&[(a, 1)], "big", UtxoFault::None).unwrap(),
    ];
    w.block(txs).unwrap();
    let mut v = validator(&w, builtin_instances());
    for block in w.blocks() {
        commit(&mut v, block);
    }
    Fixture { w, v, a, b }
}

impl Fixture {
    fn coin(&self, owner: Party, asset: &str, amount: u64) -> Coin {
        self.w
            .coins_of(owner)
            .into_iter()
            .find(|c| c.output.asset_type == asset && c.output.amount == amount)
            .unwrap()
    }

    fn plugin(&self) -> Box<dyn Plugin> {
        plugin_with(&UtxoValidationFactory, self.v.host().dependencies())
    }

    fn judge_with(&self, plugin: &dyn Plugin, tx: &PlannedTx) -> Result<(), ValidationError> {
        let number = self.w.blocks().len() as u64;
        call(
            plugin,
            number,
            &[tx.envelope().clone()],
            0,
            self.w.namespace(),
            &self.w.parameter(),
        )
    }

    fn judge(&self, tx: &PlannedTx) -> Result<(), ValidationError> {
        self.judge_with(self.plugin().as_ref(), tx)
    }

    fn owner_bytes(&self, p: Party) -> Vec<u8> {
        self.w.network().party(p).unwrap().serialized().to_vec()
    }

    /// A transfer rwset of `inputs` into `outputs` (value bytes) keyed by the txid.
    fn rwset(inputs: &[Coin], outputs: Vec<(u32, Vec<u8>)>) -> impl FnOnce(&str) -> NamespaceRwSet {
        let inputs = inputs.to_vec();
        move |txid: &str| NamespaceRwSet {
            reads: inputs
                .iter()
                .map(|c| Read {
                    key: c.key.clone(),
                    version: Some(c.version),
                })
                .collect(),
            writes: inputs
                .iter()
                .map(|c| Write {
                    key: c.key.clone(),
                    value: Vec::new(),
                    is_delete: true,
                })
                .chain(outputs.into_iter().map(|(i, value)| Write {
                    key: output_key(txid, i),
                    value,
                    is_delete: false,
                }))
                .collect(),
            ..Default::default()
        }
    }
}

fn assert_invalid(got: Result<(), ValidationError>, rule: Rule, mentions: &[&str]) {
    match got {
        Err(ValidationError::Invalid(reason)) => {
            assert!(reason.contains(&rule.marker()), "expected {rule}: {reason}");
            for m in mentions {
                assert!(reason.contains(m), "{reason} does not mention {m}");
            }
        }
        other => panic!("expected {rule}, got {other:?}"),
    }
}

fn assert_execution_failure(got: Result<(), ValidationError>, mentions: &str) {
    match got {
        Err(ValidationError::ExecutionFailure(reason)) => {
            assert!(reason.contains(mentions), "{reason}");
        }
        other => panic!("expected an execution failure, got {other:?}"),
    }
}

#[test]
fn valid_operations_pass_and_each_state_rule_fails_on_its_own() {
    let mut f = fixture(b"rules: state");
    let (a, b) = (f.a, f.b);
    let g10 = f.coin(a, "gold", 10);
    let g20 = f.coin(a, "gold", 20);
    let s5 = f.coin(a, "silver", 5);
    let b7 = f.coin(b, "gold", 7);
    let big = f.coin(a, "big", u64::MAX);
    let one = f.coin(a, "big", 1);
    let w = &mut f.w;

    let valid = [
        w.merge(&[g10.clone(), g20.clone()], UtxoFault::None)
            .unwrap(),
        w.pay(&g10, b, 3, UtxoFault::None).unwrap(),
        w.split(&g20, 4, UtxoFault::None).unwrap(),
        w.issue(&[(b, 1), (a, 2)], "copper", UtxoFault::None)
            .unwrap(),
        w.pay(&big, b, u64::MAX, UtxoFault::None).unwrap(),
    ];
    // Transfers balance exactly; one that does not, either way, breaks `balance`.
    let unbalanced_up = w
        .transfer(std::slice::from_ref(&g10), &[(b, 11)], UtxoFault::None)
        .unwrap();
    let unbalanced_down = w
        .transfer(std::slice::from_ref(&g10), &[(b, 9)], UtxoFault::None)
        .unwrap();
    let not_owner = w
        .transfer(std::slice::from_ref(&b7), &[(b, 7)], UtxoFault::WrongOwner)
        .unwrap();
    let mixed_inputs = w
        .transfer(&[g10.clone(), s5.clone()], &[(a, 15)], UtxoFault::None)
        .unwrap();
    let input_overflow = w
        .transfer(&[big.clone(), one.clone()], &[(a, 5)], UtxoFault::None)
        .unwrap();
    let invalid = [
        (unbalanced_up, Rule::Balance, g10.key.clone()),
        (unbalanced_down, Rule::Balance, g10.key.clone()),
        (not_owner, Rule::InputOwner, b7.key.clone()),
        (mixed_inputs, Rule::AssetType, s5.key.clone()),
        (input_overflow, Rule::Overflow, "input amounts".to_owned()),
    ];

    let plugin = f.plugin();
    for tx in &valid {
        f.judge_with(plugin.as_ref(), tx)
            .unwrap_or_else(|e| panic!("{}: {e}", tx.txid()));
    }
    for (tx, rule, key) in &invalid {
        assert_invalid(f.judge_with(plugin.as_ref(), tx), *rule, &[key, tx.txid()]);
    }
}

#[test]
fn shape_rules_that_need_custom_read_write_sets() {
    let mut f = fixture(b"rules: shape");
    let a = f.a;
    let g10 = f.coin(a, "gold", 10);
    let s5 = f.coin(a, "silver", 5);
    let good =
        |f: &Fixture, amount: u64| Output::new(f.owner_bytes(a), amount, "gold").encode_to_vec();
    let mut cases: Vec<(PlannedTx, Option<Rule>, String)> = Vec::new();
    let me = Creator::Party(a);

    // Reading keys outside utxo/ is allowed.
    let extra_read = {
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![(0, good(&f, 10))]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.reads.push(Read {
                key: "config/fee".into(),
                version: None,
            });
            ns
        }
    };
    cases.push((
        f.w.custom(me, extra_read, None, vec![], vec![]).unwrap(),
        None,
        String::new(),
    ));
    // Outputs may come in any order, indices need not be contiguous.
    let sparse = Fixture::rwset(
        std::slice::from_ref(&g10),
        vec![(7, good(&f, 4)), (2, good(&f, 6))],
    );
    cases.push((
        f.w.custom(me, sparse, None, vec![], vec![]).unwrap(),
        None,
        String::new(),
    ));

    // foreign-write: another key, a metadata write, private data.
    let other_key = {
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![(0, good(&f, 10))]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.writes.push(Write {
                key: "balance/alice".into(),
                value: b"10".to_vec(),
                is_delete: false,
            });
            ns
        }
    };
    cases.push((
        f.w.custom(me, other_key, Some(Rule::ForeignWrite), vec![], vec![])
            .unwrap(),
        Some(Rule::ForeignWrite),
        "balance/alice".into(),
    ));
    let metadata = {
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![(0, good(&f, 10))]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.metadata_writes.push(MetadataWrite {
                key: output_key(txid, 0),
                entries: vec![("VALIDATION_PARAMETER".into(), b"x".to_vec())],
            });
            ns
        }
    };
    let tx =
        f.w.custom(me, metadata, Some(Rule::ForeignWrite), vec![], vec![])
            .unwrap();
    let key = output_key(tx.txid(), 0);
    cases.push((tx, Some(Rule::ForeignWrite), key));
    let private = {
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![(0, good(&f, 10))]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.collections.push(CollectionWrites {
                collection: "secret".into(),
                writes: vec![("k".into(), b"v".to_vec())],
            });
            ns
        }
    };
    cases.push((
        f.w.custom(me, private, None, vec![], vec![]).unwrap(),
        Some(Rule::ForeignWrite),
        "private data".into(),
    ));

    // no-operation: only reads.
    let reads_only = |_: &str| NamespaceRwSet {
        reads: vec![Read {
            key: "config/fee".into(),
            version: None,
        }],
        ..Default::default()
    };
    cases.push((
        f.w.custom(me, reads_only, None, vec![], vec![]).unwrap(),
        Some(Rule::NoOperation),
        String::new(),
    ));

    // input-read: a read without a version; a delete without a read.
    let no_version = {
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![(0, good(&f, 10))]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.reads[0].version = None;
            ns
        }
    };
    cases.push((
        f.w.custom(me, no_version, None, vec![], vec![]).unwrap(),
        Some(Rule::InputRead),
        g10.key.clone(),
    ));
    let unread = {
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![(0, good(&f, 10))]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.reads.clear();
            ns
        }
    };
    cases.push((
        f.w.custom(me, unread, None, vec![], vec![]).unwrap(),
        Some(Rule::InputRead),
        g10.key.clone(),
    ));

    // output-key: a non-canonical index, no index, the same output twice.
    let leading_zero = {
        let value = good(&f, 10);
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.writes.push(Write {
                key: format!("utxo/{txid}/00"),
                value,
                is_delete: false,
            });
            ns
        }
    };
    cases.push((
        f.w.custom(me, leading_zero, None, vec![], vec![]).unwrap(),
        Some(Rule::OutputKey),
        "/00".into(),
    ));
    let no_index = {
        let value = good(&f, 10);
        let base = Fixture::rwset(std::slice::from_ref(&g10), vec![]);
        move |txid: &str| {
            let mut ns = base(txid);
            ns.writes.push(Write {
                key: format!("utxo/{txid}"),
                value,
                is_delete: false,
            });
            ns
        }
    };
    cases.push((
        f.w.custom(me, no_index, None, vec![], vec![]).unwrap(),
        Some(Rule::OutputKey),
        "utxo/".into(),
    ));
    let twice = Fixture::rwset(
        std::slice::from_ref(&g10),
        vec![(0, good(&f, 5)), (0, good(&f, 5))],
    );
    cases.push((
        f.w.custom(me, twice, None, vec![], vec![]).unwrap(),
        Some(Rule::OutputKey),
        "twice".into(),
    ));

    // output-value: not an Output, no owner, no asset type.
    let garbage = Fixture::rwset(std::slice::from_ref(&g10), vec![(0, vec![0x0f, 0xff])]);
    cases.push((
        f.w.custom(me, garbage, None, vec![], vec![]).unwrap(),
        Some(Rule::OutputValue),
        "not an Output".into(),
    ));
    let no_owner = Fixture::rwset(
        std::slice::from_ref(&g10),
        vec![(0, Output::new(Vec::new(), 10, "gold").encode_to_vec())],
    );
    cases.push((
        f.w.custom(me, no_owner, None, vec![], vec![]).unwrap(),
        Some(Rule::OutputValue),
        "owner".into(),
    ));
    let no_asset = Fixture::rwset(
        std::slice::from_ref(&g10),
        vec![(0, Output::new(f.owner_bytes(a), 10, "").encode_to_vec())],
    );
    cases.push((
        f.w.custom(me, no_asset, None, vec![], vec![]).unwrap(),
        Some(Rule::OutputValue),
        "asset type".into(),
    ));

    // asset-type: silver in, gold out.
    let mixed = Fixture::rwset(std::slice::from_ref(&s5), vec![(0, good(&f, 5))]);
    cases.push((
        f.w.custom(me, mixed, None, vec![], vec![]).unwrap(),
        Some(Rule::AssetType),
        s5.key.clone(),
    ));

    let plugin = f.plugin();
    for (i, (tx, rule, mention)) in cases.iter().enumerate() {
        let got = f.judge_with(plugin.as_ref(), tx);
        match rule {
            None => got.unwrap_or_else(|e| panic!("case {i}: {e}")),
            Some(rule) => assert_invalid(got, *rule, &[mention, tx.txid()]),
        }
    }
}

#[test]
fn the_parameter_and_the_transaction_must_parse() {
    let mut f = fixture(b"rules: parameter");
    let g10 = f.coin(f.a, "gold", 10);
    let tx = f.w.pay(&g10, f.b, 10, UtxoFault::None).unwrap();
    let plugin = f.plugin();
    let ns = f.w.namespace().to_owned();
    let number = 9;
    let envelopes = [tx.envelope().clone()];
    assert_invalid(
        call(plugin.as_ref(), number, &envelopes, 0, &ns, b"\x0f\xff"),
        Rule::Parameter,
        &[&ns, "not a UtxoValidationParameter"],
    );
    let reference = ApplicationPolicy {
        r#type: Some(application_policy::Type::ChannelConfigPolicyReference(
            "/Channel/Application/Endorsement".into(),
        )),
    };
    let no_issuer = UtxoValidationParameter {
        endorsement_policy: reference.encode_to_vec(),
        issuer_policy: Vec::new(),
    };
    assert_invalid(
        call(
            plugin.as_ref(),
            number,
            &envelopes,
            0,
            &ns,
            &no_issuer.encode_to_vec(),
        ),
        Rule::Parameter,
        &["issuer_policy"],
    );
    // A channel policy reference works as the endorsement policy (MAJORITY Endorsement).
    let by_reference = UtxoValidationParameter::new(&reference, &reference).encode_to_vec();
    call(plugin.as_ref(), number, &envelopes, 0, &ns, &by_reference).unwrap();

    let param = f.w.parameter();
    assert_invalid(
        call(
            plugin.as_ref(),
            number,
            &[Bytes::from_static(b"\x0f\xff")],
            0,
            &ns,
            &param,
        ),
        Rule::Transaction,
        &[&format!("tx {number}:0")],
    );
    let refs: Vec<&[u8]> = envelopes.iter().map(AsRef::as_ref).collect();
    let block = BlockView::new(number, &refs);
    let got = plugin.validate(&block, &ns, 0, 1, &Context::new(SerializedPolicy(&param)));
    assert_invalid(got, Rule::Transaction, &["action 1"]);
    // A transaction with nothing in the namespace.
    let got = call(plugin.as_ref(), number, &envelopes, 0, "othercc", &param);
    assert_invalid(got, Rule::NoOperation, &[tx.txid()]);
    // Out of range.
    match call(plugin.as_ref(), number, &envelopes, 3, &ns, &param) {
        Err(ValidationError::Invalid(r)) => assert!(r.contains("position 3"), "{r}"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Stand-ins around the host dependencies.

struct FailingFetcher;

impl StateFetcher for FailingFetcher {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        Err(StateError::Ledger("the ledger is closed".into()))
    }
}

/// The real state, except that queries fail or a key holds garbage.
struct Tampered {
    inner: Arc<dyn StateFetcher>,
    fail: bool,
    garbage_for: Option<String>,
}

struct TamperedState {
    inner: Box<dyn State>,
    fail: bool,
    garbage_for: Option<String>,
}

impl StateFetcher for Tampered {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        Ok(Box::new(TamperedState {
            inner: self.inner.fetch_state()?,
            fail: self.fail,
            garbage_for: self.garbage_for.clone(),
        }))
    }
}

impl State for TamperedState {
    fn get_state_multiple_keys(
        &self,
        namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        if self.fail {
            return Err(StateError::Ledger("read timed out".into()));
        }
        let mut values = self.inner.get_state_multiple_keys(namespace, keys)?;
        for (k, v) in keys.iter().zip(values.iter_mut()) {
            if Some(*k) == self.garbage_for.as_deref() {
                *v = Some(vec![0x0f, 0xff]);
            }
        }
        Ok(values)
    }
    fn get_state_range_scan_iterator(
        &self,
        namespace: &str,
        start: &str,
        end: &str,
    ) -> Result<KvIterator, StateError> {
        self.inner
            .get_state_range_scan_iterator(namespace, start, end)
    }
    fn get_state_metadata(
        &self,
        namespace: &str,
        key: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        self.inner.get_state_metadata(namespace, key)
    }
    fn get_private_data_metadata_by_hash(
        &self,
        namespace: &str,
        collection: &str,
        key_hash: &[u8],
    ) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
        self.inner
            .get_private_data_metadata_by_hash(namespace, collection, key_hash)
    }
    fn done(&self) {
        self.inner.done();
    }
}

struct BrokenEvaluator;

impl PolicyEvaluator for BrokenEvaluator {
    fn evaluate(&self, _policy: &[u8], _set: &[SignedData<'_>]) -> Result<(), PolicyError> {
        Err(PolicyError::Provider("the evaluator panicked".into()))
    }
}

/// Evaluates with the real evaluator, except the issuer policy, which fails as a provider.
struct BrokenIssuerEvaluator {
    inner: Arc<dyn PolicyEvaluator>,
    issuer_policy: Vec<u8>,
}

impl PolicyEvaluator for BrokenIssuerEvaluator {
    fn evaluate(&self, policy: &[u8], set: &[SignedData<'_>]) -> Result<(), PolicyError> {
        if policy == self.issuer_policy {
            return Err(PolicyError::Provider("issuer check crashed".into()));
        }
        self.inner.evaluate(policy, set)
    }
}

#[test]
fn failing_dependencies_are_execution_failures_and_bad_committed_values_invalid() {
    let mut f = fixture(b"rules: dependencies");
    let g10 = f.coin(f.a, "gold", 10);
    let pay = f.w.pay(&g10, f.b, 10, UtxoFault::None).unwrap();
    let issue = f.w.issue(&[(f.b, 3)], "gold", UtxoFault::None).unwrap();
    let host = f.v.host().dependencies();
    let with = |policy: Arc<dyn PolicyEvaluator>, state: Arc<dyn StateFetcher>| {
        plugin_with(
            &UtxoValidationFactory,
            Dependencies::new(host.identity_deserializer.clone(), policy, state),
        )
    };
    let real_state = host.state_fetcher.clone();
    let real_policy = host.policy_evaluator.clone();

    let p = with(real_policy.clone(), Arc::new(FailingFetcher));
    assert_execution_failure(f.judge_with(p.as_ref(), &pay), "the ledger is closed");
    let p = with(
        real_policy.clone(),
        Arc::new(Tampered {
            inner: real_state.clone(),
            fail: true,
            garbage_for: None,
        }),
    );
    assert_execution_failure(f.judge_with(p.as_ref(), &pay), "read timed out");
    let p = with(Arc::new(BrokenEvaluator), real_state.clone());
    assert_execution_failure(f.judge_with(p.as_ref(), &pay), "the evaluator panicked");
    let issuer_policy = UtxoValidationParameter::decode(f.w.parameter().as_slice())
        .unwrap()
        .issuer_policy;
    let p = with(
        Arc::new(BrokenIssuerEvaluator {
            inner: real_policy.clone(),
            issuer_policy,
        }),
        real_state.clone(),
    );
    assert_execution_failure(f.judge_with(p.as_ref(), &issue), "issuer check crashed");
    f.judge_with(p.as_ref(), &pay).unwrap();

    // A committed input that is not an Output: invalid (deterministic), naming the key.
    let p = with(
        real_policy,
        Arc::new(Tampered {
            inner: real_state,
            fail: false,
            garbage_for: Some(g10.key.clone()),
        }),
    );
    assert_invalid(
        f.judge_with(p.as_ref(), &pay),
        Rule::InputValue,
        &[&g10.key],
    );

    // Used before init.
    let uninit = handlers_api::validation::PluginFactory::new(&UtxoValidationFactory).unwrap();
    assert_execution_failure(f.judge_with(uninit.as_ref(), &pay), "before init");
    // The real dependencies accept it.
    f.judge(&pay).unwrap();
}

//! How the committer runs validation plugins (spec 9.7 TV-10, TV-11, TV-12, TV-25, TV-26,
//! 5.3 step 3 and 5.6 steps 10-12): execution failures halt the block and commit nothing of
//! it, the lowest-index halt wins, unknown plugins and init failures halt, plain errors flag
//! ENDORSEMENT_POLICY_FAILURE, a plugin can use every dependency the host provides, and the
//! namespaces of a transaction are dispatched in the documented order.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use block_validator::BlockError;
use bytes::Bytes;
use fabric_protos::common::{Envelope, Payload, SignatureHeader};
use handlers_api::validation::{
    BlockView, Context, Dependencies, InitError, Plugin, PluginFactory, SignedData, ValidationError,
};
use loader::ValidationInstances;
use prost::Message;
use support::{
    app_policy, byte, bytes_of, commit, halt, has_txid, net, ns, options, plugins, started, tx,
    version_of, Code, Scripted,
};

fn io_error() -> ValidationError {
    ValidationError::ExecutionFailure("I/O error".into())
}

/// TV-10: a plugin's execution failure on tx 2 of block 2 halts the block with an error naming
/// block, tx, tx ID, namespace, plugin and reason; nothing of block 2 is committed (state, tx
/// IDs, last block), block 1 stays committed, and the same block number can be retried.
#[test]
fn tv10_execution_failure_halts_and_commits_nothing() {
    let net = net();
    let failing = Arc::new(AtomicBool::new(false));
    let switch = Arc::clone(&failing);
    let plugin = Scripted::new(move |call| {
        if switch.load(Ordering::SeqCst) && call.block == 2 && call.tx == 2 {
            Err(io_error())
        } else {
            Ok(())
        }
    });
    let mut validator = started(
        plugins(&[("flaky", plugin.factory())]),
        options(4, &[("mycc", "flaky", None)]),
    );
    let block1 = [tx("mycc", net.client(1))
        .rw(&[ns("mycc").write("k0", b"zero")])
        .envelope()];
    commit(&mut validator, 1, &block1);

    failing.store(true, Ordering::SeqCst);
    let built: Vec<_> = [
        ns("mycc").write("k1", b"one"),
        ns("mycc").read("k0", Some((1, 0))).write("k0", b"changed"),
        ns("mycc").write("k2", b"two"),
        ns("mycc").write("k3", b"three"),
    ]
    .into_iter()
    .map(|n| tx("mycc", net.client(2)).rw(&[n]).build())
    .collect();
    let block2: Vec<Bytes> = built.iter().map(|b| b.envelope.clone()).collect();
    let err = halt(&mut validator, 2, &block2);
    assert!(err.is_execution_failure());
    match &err {
        BlockError::ExecutionFailure {
            block,
            tx,
            txid,
            namespace,
            plugin,
            reason,
        } => {
            assert_eq!((*block, *tx), (2, 2));
            assert_eq!(txid, &built[2].txid);
            assert_eq!(namespace, "mycc");
            assert_eq!(plugin, "flaky");
            assert!(reason.contains("I/O error"), "{reason}");
        }
        other => panic!("not an execution failure: {other:?}"),
    }
    let message = err.to_string();
    for part in [
        "block 2",
        "tx 2",
        "mycc",
        "flaky",
        "I/O error",
        &built[2].txid,
    ] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    // Nothing of block 2.
    assert_eq!(validator.last_block(), Some(1));
    assert_eq!(support::value(&validator, "mycc", "k0").unwrap(), b"zero");
    assert_eq!(version_of(&validator, "mycc", "k0"), Some((1, 0)));
    for key in ["k1", "k2", "k3"] {
        assert_eq!(support::value(&validator, "mycc", key), None, "{key}");
    }
    for b in &built {
        assert!(!has_txid(&validator, &b.txid));
    }
    assert!(has_txid(&validator, &support::txid_of(&block1[0])));

    // The peer restarts the block once the plugin recovers.
    failing.store(false, Ordering::SeqCst);
    let verdict = commit(&mut validator, 2, &block2);
    assert_eq!(verdict.codes, vec![0; 4]);
    assert_eq!(
        support::value(&validator, "mycc", "k0").unwrap(),
        b"changed"
    );
    assert_eq!(version_of(&validator, "mycc", "k3"), Some((2, 3)));
    assert_eq!(validator.last_block(), Some(2));
}

/// Spec 5.3 step 3: when several transactions halt, the lowest index wins, whatever the
/// scheduling (4 workers, repeated).
#[test]
fn lowest_index_halt_wins() {
    let net = net();
    let envelopes: Vec<Bytes> = (0..12)
        .map(|i| {
            tx("mycc", net.client(1))
                .rw(&[ns("mycc").write(&format!("k{i}"), b"v")])
                .envelope()
        })
        .collect();
    for _ in 0..5 {
        let plugin = Scripted::new(|call| match call.tx {
            // Invalid before the first halt: does not matter.
            1 => Err(ValidationError::Invalid("not this one".into())),
            5 | 7 | 11 => Err(ValidationError::ExecutionFailure(format!(
                "I/O error at {}",
                call.tx
            ))),
            _ => Ok(()),
        });
        let mut validator = started(
            plugins(&[("flaky", plugin.factory())]),
            options(4, &[("mycc", "flaky", None)]),
        );
        match halt(&mut validator, 1, &envelopes) {
            BlockError::ExecutionFailure { tx, reason, .. } => {
                assert_eq!(tx, 5);
                assert_eq!(reason, "I/O error at 5");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(validator.last_block(), Some(0));
    }
}

/// TV-11: a chaincode whose plugin is not registered halts with Fabric's "plugin with name
/// ... wasn't found".
#[test]
fn tv11_unknown_plugin_halts() {
    let net = net();
    // No `vscc` registered at all (Fabric's own test case).
    let mut validator = started(
        Arc::new(ValidationInstances::new(BTreeMap::new())),
        options(1, &[("mycc", "vscc", None)]),
    );
    let envelope = tx("mycc", net.client(1)).envelope();
    match halt(&mut validator, 1, &[envelope]) {
        BlockError::ExecutionFailure { plugin, reason, .. } => {
            assert_eq!(plugin, "vscc");
            assert!(
                reason.contains("plugin with name vscc wasn't found"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }

    let mut validator = started(plugins(&[]), options(1, &[("mycc", "nosuch", None)]));
    let envelope = tx("mycc", net.client(1)).envelope();
    let err = halt(&mut validator, 1, &[envelope]);
    assert!(err.is_execution_failure());
    assert!(
        err.to_string()
            .contains("plugin with name nosuch wasn't found"),
        "{err}"
    );
}

/// TV-12: a plain plugin error flags the transaction ENDORSEMENT_POLICY_FAILURE; the block
/// commits and the flagged transaction's writes are not applied.
#[test]
fn tv12_plain_error_is_endorsement_policy_failure() {
    let net = net();
    let plugin = Scripted::new(|call| {
        if call.tx % 2 == 1 {
            Err(ValidationError::Invalid("odd positions refused".into()))
        } else {
            Ok(())
        }
    });
    let mut validator = started(
        plugins(&[("odd", plugin.factory())]),
        options(2, &[("mycc", "odd", None)]),
    );
    let envelopes: Vec<Bytes> = (0..4)
        .map(|i| {
            tx("mycc", net.client(1))
                .rw(&[ns("mycc").write(&format!("k{i}"), b"v")])
                .envelope()
        })
        .collect();
    let verdict = commit(&mut validator, 1, &envelopes);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::Valid,
            Code::EndorsementPolicyFailure,
            Code::Valid,
            Code::EndorsementPolicyFailure
        ])
    );
    let reason = verdict.reasons[1].as_deref().unwrap();
    assert!(
        reason.contains("odd positions refused") && reason.contains("mycc"),
        "{reason}"
    );
    assert!(support::value(&validator, "mycc", "k1").is_none());
    assert!(support::value(&validator, "mycc", "k2").is_some());
}

/// TV-25: a plugin whose init fails halts the block with the reason; nothing is cached, so
/// the next attempt tries again (and fails again).
#[test]
fn tv25_init_failure_halts_naming_the_reason() {
    let net = net();
    let mut validator = started(
        plugins(&[("broken", Arc::new(support::FailingInit("foo".into())))]),
        options(1, &[("mycc", "broken", None)]),
    );
    let envelope = tx("mycc", net.client(1)).envelope();
    for _ in 0..2 {
        match halt(&mut validator, 1, std::slice::from_ref(&envelope)) {
            BlockError::ExecutionFailure {
                block,
                tx,
                plugin,
                reason,
                ..
            } => {
                assert_eq!((block, tx), (1, 0));
                assert_eq!(plugin, "broken");
                assert!(
                    reason.contains("failed initializing plugin: foo"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(validator.last_block(), Some(0));
}

/// A panicking plugin does not take the validator down: it is an execution failure naming the
/// plugin.
#[test]
fn plugin_panic_is_an_execution_failure() {
    let net = net();
    let plugin = Scripted::new(|_| panic!("boom in the plugin"));
    let mut validator = started(
        plugins(&[("panicky", plugin.factory())]),
        options(2, &[("mycc", "panicky", None)]),
    );
    let envelope = tx("mycc", net.client(1)).envelope();
    match halt(&mut validator, 1, &[envelope]) {
        BlockError::ExecutionFailure { plugin, reason, .. } => {
            assert_eq!(plugin, "panicky");
            assert!(reason.contains("boom in the plugin"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// Spec 5.6 steps 10-11 and lib.rs: the invoked chaincode is validated first, then every other
/// namespace that writes, sorted by name; namespaces that only read are not dispatched; each
/// namespace gets its own plugin and parameter; the first failing namespace decides.
#[test]
fn namespaces_are_dispatched_invoked_first_then_sorted() {
    let net = net();
    let plugin = Scripted::new(|call| {
        if call.namespace == "zeta" && call.block == 2 {
            Err(ValidationError::Invalid("zeta refuses".into()))
        } else {
            Ok(())
        }
    });
    let other = Scripted::accept();
    let mut validator = started(
        plugins(&[("script", plugin.factory()), ("other", other.factory())]),
        options(
            1,
            &[
                ("mycc", "script", Some(Bytes::from_static(b"mycc-param"))),
                ("zeta", "script", Some(Bytes::from_static(b"zeta-param"))),
                ("alpha", "script", Some(Bytes::from_static(b"alpha-param"))),
                ("beta", "other", Some(Bytes::from_static(b"beta-param"))),
            ],
        ),
    );
    let rw = [
        ns("zeta").write("z", b"1"),
        ns("readonly").read("r", None),
        ns("mycc").read("m", None),
        ns("beta").metadata("b", &[("X", b"1")]),
        ns("alpha").write("a", b"1"),
    ];
    commit(
        &mut validator,
        1,
        &[tx("mycc", net.client(1)).rw(&rw).envelope()],
    );
    let seen: Vec<(String, Vec<u8>)> = plugin
        .calls()
        .into_iter()
        .map(|c| (c.namespace, c.parameter))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("mycc".to_owned(), b"mycc-param".to_vec()),
            ("alpha".to_owned(), b"alpha-param".to_vec()),
            ("zeta".to_owned(), b"zeta-param".to_vec()),
        ]
    );
    let beta: Vec<_> = other.calls().into_iter().map(|c| c.namespace).collect();
    assert_eq!(beta, vec!["beta".to_owned()]);

    // Block 2: zeta refuses, so the transaction is flagged after mycc, alpha and beta passed.
    let verdict = commit(
        &mut validator,
        2,
        &[tx("mycc", net.client(1)).rw(&rw).envelope()],
    );
    assert_eq!(verdict.codes, vec![byte(Code::EndorsementPolicyFailure)]);
    assert!(verdict.reasons[0].as_deref().unwrap().contains("zeta"));
}

// -------------------------------------------------------------------------------------------
// TV-26: a plugin using all four dependencies.

/// What the dependency-using plugin observed on one call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed {
    tx: usize,
    lscc_value: Option<Vec<u8>>,
    creator: (String, String),
    v2_0_validation: bool,
    accept_all: Result<(), String>,
    reject_all: Result<(), String>,
}

struct DepsFactory(Arc<Mutex<Vec<Observed>>>);

struct DepsPlugin {
    deps: Option<Dependencies>,
    seen: Arc<Mutex<Vec<Observed>>>,
}

impl PluginFactory for DepsFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, InitError> {
        Ok(Box::new(DepsPlugin {
            deps: None,
            seen: Arc::clone(&self.0),
        }))
    }
}

fn failure(e: impl std::fmt::Display) -> ValidationError {
    ValidationError::ExecutionFailure(e.to_string())
}

impl Plugin for DepsPlugin {
    fn init(&mut self, deps: Dependencies) -> Result<(), InitError> {
        if deps.capabilities.is_none() {
            return Err(InitError::MissingDependency("capabilities".into()));
        }
        self.deps = Some(deps);
        Ok(())
    }

    fn validate(
        &self,
        block: &BlockView<'_>,
        namespace: &str,
        tx_position: usize,
        _action_position: usize,
        _context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let deps = self
            .deps
            .as_ref()
            .ok_or_else(|| failure("not initialised"))?;
        let state = deps.state_fetcher.fetch_state().map_err(failure)?;
        let lscc_value = state
            .get_state_multiple_keys("lscc", &[namespace])
            .map_err(failure)?
            .pop()
            .flatten();
        state.done();
        let raw = block
            .envelope(tx_position)
            .ok_or_else(|| failure("no tx"))?;
        let envelope = Envelope::decode(raw).map_err(failure)?;
        let payload = Payload::decode(envelope.payload.clone()).map_err(failure)?;
        let header = payload.header.ok_or_else(|| failure("no header"))?;
        let creator = SignatureHeader::decode(header.signature_header)
            .map_err(failure)?
            .creator;
        let identity = deps
            .identity_deserializer
            .deserialize_identity(&creator)
            .map_err(failure)?;
        let id = identity.identifier();
        let capabilities = deps.capabilities.as_ref().ok_or_else(|| failure("caps"))?;
        let signed = [SignedData {
            data: &envelope.payload,
            identity: &creator,
            signature: &envelope.signature,
        }];
        let evaluate = |policy: &Bytes| {
            deps.policy_evaluator
                .evaluate(policy, &signed)
                .map_err(|e| e.to_string())
        };
        let observed = Observed {
            tx: tx_position,
            lscc_value,
            creator: (id.mspid, id.id),
            v2_0_validation: capabilities.application().v2_0_validation,
            accept_all: evaluate(&app_policy(&support::accept_all_policy())),
            reject_all: evaluate(&app_policy(&support::reject_all())),
        };
        let ok = observed.accept_all.is_ok();
        self.seen.lock().unwrap().push(observed);
        if ok {
            Ok(())
        } else {
            Err(ValidationError::Invalid("accept-all policy failed".into()))
        }
    }
}

/// TV-26: state read of `lscc/<ns>` (a value committed by an earlier block), identity
/// deserialisation yielding {mspid, id = hex(SHA-256(cert DER))}, the capability query and a
/// policy evaluation of an accept-all ApplicationPolicy (and, as a control, a reject-all one)
/// all work through the host's dependencies, and the transaction is VALID.
#[test]
fn tv26_plugin_uses_all_four_dependencies() {
    let net = net();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let accept = Scripted::accept();
    let mut validator = started(
        plugins(&[
            ("deps", Arc::new(DepsFactory(Arc::clone(&seen)))),
            ("accept", accept.factory()),
        ]),
        options(
            2,
            &[
                ("depcc", "deps", None),
                ("setup", "accept", None),
                ("lscc", "accept", None),
            ],
        ),
    );
    // Block 1 writes lscc/depcc (accepted: the test gives lscc a plugin explicitly).
    let setup = tx("setup", net.client(2))
        .rw(&[ns("lscc").write("depcc", b"legacy data")])
        .envelope();
    assert_eq!(commit(&mut validator, 1, &[setup]).codes, vec![0]);

    let creator = net.client(1);
    let verdict = commit(
        &mut validator,
        2,
        &[tx("depcc", creator)
            .rw(&[ns("depcc").write("k", b"v")])
            .envelope()],
    );
    assert_eq!(verdict.codes, vec![0], "{:?}", verdict.reasons);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let observed = &seen[0];
    assert_eq!(observed.tx, 0);
    assert_eq!(observed.lscc_value.as_deref(), Some(&b"legacy data"[..]));
    assert_eq!(
        observed.creator,
        (
            "Org1MSP".to_owned(),
            hex::encode(fabric_crypto::sha256(&creator.cert().der))
        )
    );
    assert!(observed.v2_0_validation);
    assert_eq!(observed.accept_all, Ok(()));
    assert!(observed.reject_all.is_err());
}

//! Per-(plugin, channel) instances: PE-1..PE-5, exactly one instance under concurrent first
//! use, Init failures not cached, Fabric's execution-failure text for validation.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use handlers_api::endorsement::{self, EndorseOutput, Endorsement, EndorsementError};
use handlers_api::validation::{
    self, BlockView, Context, InitError, SerializedPolicy, ValidationError,
};
use loader::instances::{EndorsementInstances, InstanceError, ValidationInstances};

// ---------------------------------------------------------------------------------------------
// Validation fixtures.

#[derive(Default)]
struct Counters {
    news: AtomicUsize,
    inits: AtomicUsize,
    /// Init fails while this is > 0 (decremented on each failure).
    fail_inits: AtomicUsize,
    /// Init panics while this is > 0.
    panic_inits: AtomicUsize,
}

struct CountingFactory(Arc<Counters>);

impl validation::PluginFactory for CountingFactory {
    fn new(&self) -> Result<Box<dyn validation::Plugin>, InitError> {
        let id = self.0.news.fetch_add(1, Ordering::SeqCst);
        // Widen the race window of concurrent first use.
        std::thread::sleep(Duration::from_millis(20));
        Ok(Box::new(IdPlugin {
            id,
            counters: Arc::clone(&self.0),
        }))
    }
}

struct IdPlugin {
    id: usize,
    counters: Arc<Counters>,
}

impl validation::Plugin for IdPlugin {
    fn init(&mut self, _deps: validation::Dependencies) -> Result<(), InitError> {
        self.counters.inits.fetch_add(1, Ordering::SeqCst);
        if self.counters.panic_inits.load(Ordering::SeqCst) > 0 {
            self.counters.panic_inits.fetch_sub(1, Ordering::SeqCst);
            panic!("init exploded");
        }
        if self.counters.fail_inits.load(Ordering::SeqCst) > 0 {
            self.counters.fail_inits.fetch_sub(1, Ordering::SeqCst);
            return Err(InitError::Failed("ledger not ready".into()));
        }
        Ok(())
    }
    fn validate(
        &self,
        _block: &BlockView<'_>,
        _namespace: &str,
        _tx: usize,
        _action: usize,
        _context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        // Returns the instance id so that tests can tell instances apart.
        Err(ValidationError::Invalid(format!("instance {}", self.id)))
    }
}

fn instance_id(p: &Arc<dyn validation::Plugin>) -> String {
    let envs: [&[u8]; 0] = [];
    match p.validate(
        &BlockView::new(0, &envs),
        "cc",
        0,
        0,
        &Context::new(SerializedPolicy(b"")),
    ) {
        Err(ValidationError::Invalid(s)) => s,
        other => panic!("unexpected {other:?}"),
    }
}

struct NoIdentities;
impl validation::IdentityDeserializer for NoIdentities {
    fn deserialize_identity(
        &self,
        _: &[u8],
    ) -> Result<Box<dyn validation::Identity>, validation::IdentityError> {
        Err(validation::IdentityError::Deserialize("none".into()))
    }
}
struct NoPolicies;
impl validation::PolicyEvaluator for NoPolicies {
    fn evaluate(
        &self,
        _: &[u8],
        _: &[validation::SignedData<'_>],
    ) -> Result<(), validation::PolicyError> {
        Err(validation::PolicyError::NotSatisfied("none".into()))
    }
}
struct NoState;
impl validation::StateFetcher for NoState {
    fn fetch_state(&self) -> Result<Box<dyn validation::State>, validation::StateError> {
        Err(validation::StateError::Ledger("none".into()))
    }
}

fn vdeps() -> Result<validation::Dependencies, String> {
    Ok(validation::Dependencies::new(
        Arc::new(NoIdentities),
        Arc::new(NoPolicies),
        Arc::new(NoState),
    ))
}

fn validation_instances(counters: &Arc<Counters>) -> ValidationInstances {
    let mut factories: BTreeMap<String, Arc<dyn validation::PluginFactory>> = BTreeMap::new();
    factories.insert(
        "vscc".into(),
        Arc::new(CountingFactory(Arc::clone(counters))),
    );
    ValidationInstances::new(factories)
}

#[test]
fn concurrent_first_use_creates_exactly_one_instance() {
    let counters = Arc::new(Counters::default());
    let instances = Arc::new(validation_instances(&counters));
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let deps_calls = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (instances, barrier, deps_calls) = (
                Arc::clone(&instances),
                Arc::clone(&barrier),
                Arc::clone(&deps_calls),
            );
            std::thread::spawn(move || {
                barrier.wait();
                let p = instances
                    .get("vscc", "mychannel", || {
                        deps_calls.fetch_add(1, Ordering::SeqCst);
                        vdeps()
                    })
                    .unwrap();
                instance_id(&p)
            })
        })
        .collect();
    let ids: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(counters.news.load(Ordering::SeqCst), 1);
    assert_eq!(counters.inits.load(Ordering::SeqCst), 1);
    assert_eq!(deps_calls.load(Ordering::SeqCst), 1);
    assert!(ids.iter().all(|id| id == "instance 0"), "{ids:?}");
}

#[test]
fn one_instance_per_channel_and_reused_afterwards() {
    let counters = Arc::new(Counters::default());
    let instances = validation_instances(&counters);
    let a1 = instances.get("vscc", "ch1", vdeps).unwrap();
    let b = instances.get("vscc", "ch2", vdeps).unwrap();
    let a2 = instances.get("vscc", "ch1", vdeps).unwrap();
    assert_eq!(instance_id(&a1), "instance 0");
    assert_eq!(instance_id(&b), "instance 1");
    assert_eq!(instance_id(&a2), "instance 0");
    assert!(Arc::ptr_eq(&a1, &a2));
    assert_eq!(counters.news.load(Ordering::SeqCst), 2);
    assert_eq!(counters.inits.load(Ordering::SeqCst), 2);
}

#[test]
fn init_failure_is_returned_and_not_cached() {
    let counters = Arc::new(Counters::default());
    counters.fail_inits.store(1, Ordering::SeqCst);
    let instances = validation_instances(&counters);
    let err = instances
        .get("vscc", "ch", vdeps)
        .err()
        .expect("init must fail");
    assert_eq!(
        err,
        InstanceError::CouldNotBeUsed {
            name: "vscc".into(),
            channel: "ch".into(),
            reason: "failed initializing plugin: ledger not ready".into(),
        }
    );
    assert_eq!(
        err.to_execution_failure(),
        ValidationError::ExecutionFailure(
            "plugin with name vscc couldn't be used: failed initializing plugin: ledger not ready"
                .into()
        )
    );
    // Retried on the next call, which succeeds with a fresh instance.
    let p = instances.get("vscc", "ch", vdeps).unwrap();
    assert_eq!(instance_id(&p), "instance 1");
    assert_eq!(counters.news.load(Ordering::SeqCst), 2);
    assert_eq!(counters.inits.load(Ordering::SeqCst), 2);
    // And now cached.
    let again = instances.get("vscc", "ch", vdeps).unwrap();
    assert!(Arc::ptr_eq(&p, &again));
    assert_eq!(counters.news.load(Ordering::SeqCst), 2);
}

#[test]
fn init_panic_and_dependency_failure_are_not_cached() {
    let counters = Arc::new(Counters::default());
    counters.panic_inits.store(1, Ordering::SeqCst);
    let instances = validation_instances(&counters);
    let err = instances
        .get("vscc", "ch", vdeps)
        .err()
        .expect("init panics");
    assert_eq!(
        err.to_string(),
        "plugin with name vscc could not be used: panicked in init: init exploded"
    );
    let err = instances
        .get("vscc", "ch", || {
            Err("could not obtain a policy evaluator".into())
        })
        .err()
        .expect("deps fail");
    assert_eq!(
        ValidationError::from(err),
        ValidationError::ExecutionFailure(
            "plugin with name vscc couldn't be used: could not obtain a policy evaluator".into()
        )
    );
    assert!(instances.get("vscc", "ch", vdeps).is_ok());
    assert_eq!(counters.news.load(Ordering::SeqCst), 3);
}

struct PanickingFactory;
impl validation::PluginFactory for PanickingFactory {
    fn new(&self) -> Result<Box<dyn validation::Plugin>, InitError> {
        Ok(Box::new(PanickingPlugin))
    }
}
struct PanickingPlugin;
impl validation::Plugin for PanickingPlugin {
    fn init(&mut self, _deps: validation::Dependencies) -> Result<(), InitError> {
        Ok(())
    }
    fn validate(
        &self,
        _block: &BlockView<'_>,
        namespace: &str,
        _tx: usize,
        _action: usize,
        _context: &Context<'_>,
    ) -> Result<(), ValidationError> {
        match namespace {
            "fails" => Err(ValidationError::ExecutionFailure("ledger gone".into())),
            _ => panic!("validate exploded for {namespace}"),
        }
    }
}
struct NewPanickingFactory;
impl validation::PluginFactory for NewPanickingFactory {
    fn new(&self) -> Result<Box<dyn validation::Plugin>, InitError> {
        panic!("no memory for a plugin")
    }
}

#[test]
fn builtin_panics_name_the_key_and_the_step() {
    let mut factories: BTreeMap<String, Arc<dyn validation::PluginFactory>> = BTreeMap::new();
    factories.insert("vscc-a".into(), Arc::new(PanickingFactory));
    factories.insert("vscc-b".into(), Arc::new(PanickingFactory));
    factories.insert("broken".into(), Arc::new(NewPanickingFactory));
    let instances = ValidationInstances::new(factories);
    let envs: [&[u8]; 0] = [];
    for key in ["vscc-a", "vscc-b"] {
        let p = instances.get(key, "ch", vdeps).unwrap();
        let run = |ns: &str| {
            p.validate(
                &BlockView::new(0, &envs),
                ns,
                0,
                0,
                &Context::new(SerializedPolicy(b"")),
            )
        };
        assert_eq!(
            run("mycc"),
            Err(ValidationError::ExecutionFailure(format!(
                "plugin with name {key} panicked in validate: validate exploded for mycc"
            )))
        );
        // The plugin's own execution failure is returned unchanged.
        assert_eq!(
            run("fails"),
            Err(ValidationError::ExecutionFailure("ledger gone".into()))
        );
    }
    let err = instances
        .get("broken", "ch", vdeps)
        .err()
        .expect("new panics");
    assert_eq!(
        err.to_execution_failure(),
        ValidationError::ExecutionFailure(
            "plugin with name broken couldn't be used: panicked in factory new: no memory for \
             a plugin"
                .into()
        )
    );
    let err = instances
        .get("vscc-a", "ch2", || panic!("channel config unreadable"))
        .err()
        .expect("deps panic");
    assert_eq!(
        err.to_string(),
        "plugin with name vscc-a could not be used: panicked in dependencies: channel config \
         unreadable"
    );
}

#[test]
fn unknown_validation_plugin() {
    let instances = validation_instances(&Arc::new(Counters::default()));
    let err = instances
        .get("notfound", "ch", vdeps)
        .err()
        .expect("unknown");
    assert_eq!(err.to_string(), "plugin with name notfound wasn't found");
    assert_eq!(
        err.to_execution_failure(),
        ValidationError::ExecutionFailure(
            "plugin with name notfound couldn't be used: plugin with name notfound wasn't found"
                .into()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Endorsement (Fabric's plugin_endorser_test.go, PE-1..PE-5).

#[derive(Default)]
struct EndorsementLog {
    news: AtomicUsize,
    /// For each Init: whether a state fetcher was passed.
    inits: Mutex<Vec<bool>>,
    fail_init: AtomicUsize,
}

struct EchoFactory(Arc<EndorsementLog>);
impl endorsement::PluginFactory for EchoFactory {
    fn new(&self) -> Result<Box<dyn endorsement::Plugin>, EndorsementError> {
        self.0.news.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(Echo(Arc::clone(&self.0))))
    }
}
struct Echo(Arc<EndorsementLog>);
impl endorsement::Plugin for Echo {
    fn init(&mut self, deps: endorsement::Dependencies) -> Result<(), EndorsementError> {
        self.0
            .inits
            .lock()
            .expect("log lock")
            .push(deps.state_fetcher.is_some());
        if self.0.fail_init.load(Ordering::SeqCst) > 0 {
            self.0.fail_init.fetch_sub(1, Ordering::SeqCst);
            return Err(EndorsementError::Failed(
                "signing identity unavailable".into(),
            ));
        }
        Ok(())
    }
    fn endorse(&self, payload: &[u8], _: &[u8]) -> Result<EndorseOutput, EndorsementError> {
        Ok(EndorseOutput {
            endorsement: Endorsement {
                endorser: b"me".to_vec(),
                signature: b"sig".to_vec(),
            },
            payload: payload.to_vec(),
        })
    }
}

struct NoSigner;
impl endorsement::SigningIdentityFetcher for NoSigner {
    fn signing_identity_for_request(
        &self,
        _: &[u8],
    ) -> Result<Box<dyn endorsement::SigningIdentity>, validation::IdentityError> {
        Err(validation::IdentityError::Provider("none".into()))
    }
}
struct NoEState;
impl endorsement::StateFetcher for NoEState {
    fn fetch_state(&self) -> Result<Box<dyn endorsement::State>, validation::StateError> {
        Err(validation::StateError::Ledger("none".into()))
    }
}

/// Fabric's endorser passes a state fetcher only for a non-empty channel.
fn edeps(channel: &str) -> Result<endorsement::Dependencies, String> {
    Ok(endorsement::Dependencies {
        signing_identity_fetcher: Arc::new(NoSigner),
        state_fetcher: if channel.is_empty() {
            None
        } else {
            Some(Arc::new(NoEState) as Arc<dyn endorsement::StateFetcher>)
        },
    })
}

fn endorsement_instances(log: &Arc<EndorsementLog>) -> EndorsementInstances {
    let mut factories: BTreeMap<String, Arc<dyn endorsement::PluginFactory>> = BTreeMap::new();
    factories.insert("plugin".into(), Arc::new(EchoFactory(Arc::clone(log))));
    EndorsementInstances::new(factories)
}

#[test]
fn pe1_unknown_endorsement_plugin() {
    let instances = endorsement_instances(&Arc::new(EndorsementLog::default()));
    let err = instances
        .get("notfound", "mychannel", || edeps("mychannel"))
        .err()
        .unwrap();
    assert!(err
        .to_string()
        .contains("plugin with name notfound wasn't found"));
}

#[test]
fn pe2_to_pe4_new_and_init_once_per_channel() {
    let log = Arc::new(EndorsementLog::default());
    let instances = endorsement_instances(&log);
    let p = instances
        .get("plugin", "mychannel", || edeps("mychannel"))
        .unwrap();
    let out = p.endorse(b"payload", b"proposal").unwrap();
    assert_eq!(out.payload, b"payload");
    assert_eq!(out.endorsement.signature, b"sig");
    // PE-3: reused.
    let again = instances
        .get("plugin", "mychannel", || edeps("mychannel"))
        .unwrap();
    assert!(Arc::ptr_eq(&p, &again));
    assert_eq!(log.news.load(Ordering::SeqCst), 1);
    assert_eq!(*log.inits.lock().unwrap(), vec![true]);
    // PE-4: the empty channel is a separate instance, initialised without a state fetcher.
    let no_channel = instances.get("plugin", "", || edeps("")).unwrap();
    assert!(!Arc::ptr_eq(&p, &no_channel));
    assert_eq!(log.news.load(Ordering::SeqCst), 2);
    assert_eq!(*log.inits.lock().unwrap(), vec![true, false]);
}

#[test]
fn pe5_init_failure_carries_the_init_error_and_is_retried() {
    let log = Arc::new(EndorsementLog::default());
    log.fail_init.store(1, Ordering::SeqCst);
    let instances = endorsement_instances(&log);
    let err = instances
        .get("plugin", "mychannel", || edeps("mychannel"))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "plugin with name plugin could not be used: signing identity unavailable"
    );
    assert!(instances
        .get("plugin", "mychannel", || edeps("mychannel"))
        .is_ok());
    assert_eq!(log.news.load(Ordering::SeqCst), 2);
}

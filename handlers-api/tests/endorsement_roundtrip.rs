//! A tiny endorsement plugin (Fabric's default ESCC logic) through the FFI layer and back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use handlers_api::endorsement::{
    Dependencies, EndorseOutput, Endorsement, EndorsementError, Plugin, PluginFactory,
    SigningIdentity, SigningIdentityFetcher, State, StateFetcher,
};
use handlers_api::ffi::endorsement::{export_factory, factory_from_ffi};
use handlers_api::validation::{IdentityError, StateError};

#[derive(Default)]
struct Escc {
    fetcher: Option<Arc<dyn SigningIdentityFetcher>>,
    state: Option<Arc<dyn StateFetcher>>,
    seen_state: Arc<Mutex<Vec<String>>>,
}

impl Plugin for Escc {
    fn init(&mut self, deps: Dependencies) -> Result<(), EndorsementError> {
        self.fetcher = Some(deps.signing_identity_fetcher);
        self.state = deps.state_fetcher;
        Ok(())
    }

    fn endorse(
        &self,
        payload: &[u8],
        signed_proposal: &[u8],
    ) -> Result<EndorseOutput, EndorsementError> {
        if signed_proposal == b"panic" {
            panic!("endorser lost its keys");
        }
        if signed_proposal == b"state" {
            self.read_state()?;
        }
        let fetcher = self
            .fetcher
            .as_ref()
            .ok_or_else(|| EndorsementError::MissingDependency("SigningIdentityFetcher".into()))?;
        let signer = fetcher
            .signing_identity_for_request(signed_proposal)
            .map_err(|e| {
                EndorsementError::Failed(format!("failed fetching signing identity: {e}"))
            })?;
        let endorser = signer.serialize().map_err(|e| {
            EndorsementError::Failed(format!("could not serialize the signing identity: {e}"))
        })?;
        let mut msg = payload.to_vec();
        msg.extend_from_slice(&endorser);
        let signature = signer.sign(&msg).map_err(|e| {
            EndorsementError::Failed(format!("could not sign the proposal response payload: {e}"))
        })?;
        Ok(EndorseOutput {
            endorsement: Endorsement {
                endorser,
                signature,
            },
            payload: payload.to_vec(),
        })
    }
}

impl Escc {
    fn read_state(&self) -> Result<(), EndorsementError> {
        let fetcher = self
            .state
            .as_ref()
            .ok_or_else(|| EndorsementError::MissingDependency("StateFetcher".into()))?;
        let state = fetcher
            .fetch_state()
            .map_err(|e| EndorsementError::Failed(e.to_string()))?;
        let mut seen = self.seen_state.lock().expect("test mutex poisoned");
        seen.push(format!(
            "{:?}",
            state.get_state_multiple_keys("cc", &["k1", "k2"])
        ));
        seen.push(format!(
            "{:?}",
            state.get_private_data_multiple_keys("cc", "secret", &["k1"])
        ));
        seen.push(format!(
            "{:?}",
            state.get_private_data_multiple_keys("cc", "nope", &["k1"])
        ));
        seen.push(format!("{:?}", state.get_transient_by_txid("tx-9")));
        state.done();
        Ok(())
    }
}

struct EsccFactory {
    seen_state: Arc<Mutex<Vec<String>>>,
}

impl PluginFactory for EsccFactory {
    fn new(&self) -> Result<Box<dyn Plugin>, EndorsementError> {
        Ok(Box::new(Escc {
            seen_state: Arc::clone(&self.seen_state),
            ..Escc::default()
        }))
    }
}

// Host side.

struct FakeSigner;

impl SigningIdentity for FakeSigner {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        Ok(b"Org1MSP|peer0-cert".to_vec())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        let mut sig = b"SIG(".to_vec();
        sig.extend_from_slice(msg);
        sig.push(b')');
        Ok(sig)
    }
}

struct FakeFetcher;

impl SigningIdentityFetcher for FakeFetcher {
    fn signing_identity_for_request(
        &self,
        signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        if signed_proposal == b"no-signer" {
            Err(IdentityError::Provider("local MSP has no signer".into()))
        } else {
            Ok(Box::new(FakeSigner))
        }
    }
}

#[derive(Default)]
struct FakeStateFetcher {
    done: Arc<AtomicUsize>,
}

struct FakeState(Arc<AtomicUsize>);

impl State for FakeState {
    fn get_private_data_multiple_keys(
        &self,
        namespace: &str,
        collection: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        if collection == "secret" {
            Ok(keys
                .iter()
                .map(|k| Some(format!("{namespace}/{collection}/{k}").into_bytes()))
                .collect())
        } else {
            Err(StateError::InvalidCollName {
                namespace: namespace.into(),
                collection: collection.into(),
            })
        }
    }
    fn get_state_multiple_keys(
        &self,
        _namespace: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        Ok(keys.iter().map(|k| (*k == "k1").then(|| vec![1])).collect())
    }
    fn get_transient_by_txid(&self, txid: &str) -> Result<Vec<Vec<u8>>, StateError> {
        Ok(vec![txid.as_bytes().to_vec(), vec![]])
    }
    fn done(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl StateFetcher for FakeStateFetcher {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        Ok(Box::new(FakeState(Arc::clone(&self.done))))
    }
}

fn loaded(
    seen: &Arc<Mutex<Vec<String>>>,
    with_state: Option<Arc<FakeStateFetcher>>,
) -> Box<dyn Plugin> {
    let seen = Arc::clone(seen);
    let ffi = export_factory("Escc", move || EsccFactory { seen_state: seen })
        .into_result()
        .expect("constructor");
    let mut plugin = factory_from_ffi(ffi).new().expect("factory new");
    plugin
        .init(Dependencies {
            signing_identity_fetcher: Arc::new(FakeFetcher),
            state_fetcher: with_state.map(|s| s as Arc<dyn StateFetcher>),
        })
        .expect("init");
    plugin
}

#[test]
fn endorse_signs_payload_then_endorser_and_returns_payload() {
    let plugin = loaded(&Arc::default(), None);
    let payload = b"\x0a\x20prp\x00bytes";
    let out = plugin
        .endorse(payload, b"signed proposal")
        .expect("endorse");
    let mut expected_sig = b"SIG(".to_vec();
    expected_sig.extend_from_slice(payload);
    expected_sig.extend_from_slice(b"Org1MSP|peer0-cert");
    expected_sig.push(b')');
    assert_eq!(
        out,
        EndorseOutput {
            endorsement: Endorsement {
                endorser: b"Org1MSP|peer0-cert".to_vec(),
                signature: expected_sig,
            },
            payload: payload.to_vec(),
        }
    );
}

#[test]
fn dependency_error_crosses_back_with_its_text() {
    let plugin = loaded(&Arc::default(), None);
    assert_eq!(
        plugin.endorse(b"p", b"no-signer"),
        Err(EndorsementError::Failed(
            "failed fetching signing identity: identity provider failed: local MSP has no signer"
                .into()
        ))
    );
    // The absent state fetcher arrives as absent.
    assert_eq!(
        plugin.endorse(b"p", b"state"),
        Err(EndorsementError::MissingDependency("StateFetcher".into()))
    );
}

#[test]
fn state_callbacks_cross_the_boundary() {
    let seen = Arc::default();
    let fetcher = Arc::new(FakeStateFetcher::default());
    let plugin = loaded(&seen, Some(Arc::clone(&fetcher)));
    plugin.endorse(b"p", b"state").expect("endorse");
    let seen = seen.lock().expect("test mutex poisoned");
    assert_eq!(
        *seen,
        vec![
            "Ok([Some([1]), None])".to_owned(),
            format!("Ok([Some({:?})])", b"cc/secret/k1".to_vec()),
            "Err(InvalidCollName { namespace: \"cc\", collection: \"nope\" })".to_owned(),
            format!("Ok([{:?}, []])", b"tx-9".to_vec()),
        ]
    );
    assert_eq!(fetcher.done.load(Ordering::SeqCst), 1);
}

#[test]
fn panic_in_endorse_is_an_error_naming_the_plugin() {
    let plugin = loaded(&Arc::default(), None);
    assert_eq!(
        plugin.endorse(b"p", b"panic"),
        Err(EndorsementError::Panicked(
            "plugin Escc panicked in endorse: endorser lost its keys".into()
        ))
    );
    assert!(
        plugin.endorse(b"p", b"ok").is_ok(),
        "process and plugin survive"
    );
}

//! Shared by the test binaries: the three ways a host gets a `DefaultEndorsement` instance,
//! and a scripted, recording signing identity.

#![allow(dead_code)] // Each test binary uses a different part.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use escc_default::{DefaultEndorsementFactory, PLUGIN_NAME};
use handlers_api::endorsement::{
    Dependencies, Plugin, PluginFactory, SigningIdentity, SigningIdentityFetcher, State,
    StateFetcher,
};
use handlers_api::ffi::endorsement::{export_factory, factory_from_ffi};
use handlers_api::validation::{IdentityError, StateError};

// The plugin crate's export line, verbatim, so that the root module it builds is exercised in
// process (the cdylib itself cannot be linked into a test).
handlers_api::export_endorsement_plugin!(
    "DefaultEndorsement",
    escc_default::DefaultEndorsementFactory::default
);

/// How the host reaches the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The rlib's factory, called directly (the loader's builtin path).
    Direct,
    /// `export_factory` then `factory_from_ffi`: every call crosses the stable ABI.
    Ffi,
    /// The root module built by the plugin crate's export line, as a loaded library's.
    Library,
}

/// A fresh, uninitialised instance reached through `mode`.
pub fn new_plugin(mode: Mode) -> Box<dyn Plugin> {
    let factory: Box<dyn PluginFactory> = match mode {
        Mode::Direct => Box::new(DefaultEndorsementFactory),
        Mode::Ffi => factory_from_ffi(
            export_factory(PLUGIN_NAME, DefaultEndorsementFactory::default)
                .into_result()
                .expect("exporting the factory"),
        ),
        Mode::Library => {
            let lib = handlers_api_library();
            assert_eq!(lib.plugin_name().as_str(), PLUGIN_NAME);
            lib.endorsement_factory()
                .expect("library endorsement factory")
        }
    };
    factory.new().expect("factory new")
}

/// An instance reached through `mode`, initialised with `fetcher` and no state fetcher.
pub fn initialised(mode: Mode, fetcher: Arc<dyn SigningIdentityFetcher>) -> Box<dyn Plugin> {
    let mut plugin = new_plugin(mode);
    plugin
        .init(Dependencies {
            signing_identity_fetcher: fetcher,
            state_fetcher: None,
        })
        .expect("init");
    plugin
}

/// Which step of the scripted identity fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing fails.
    None,
    /// `signing_identity_for_request` fails with this error.
    Fetch(IdentityError),
    /// `serialize` fails with this error.
    Serialize(IdentityError),
    /// `sign` fails with this error.
    Sign(IdentityError),
}

/// Everything the scripted identity was asked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Log {
    /// The signed proposals given to the fetcher.
    pub proposals: Vec<Vec<u8>>,
    /// How many times `serialize` was called.
    pub serialize_calls: usize,
    /// Each message given to `sign`.
    pub signed: Vec<Vec<u8>>,
    /// Each signature `sign` returned.
    pub signatures: Vec<Vec<u8>>,
}

/// A fetcher whose identity serializes to `endorser` and "signs" with a keyed digest that
/// depends on every byte of the message (so a wrong message gives a different signature).
pub struct ScriptedFetcher {
    pub endorser: Vec<u8>,
    pub failure: Failure,
    pub log: Arc<Mutex<Log>>,
}

impl ScriptedFetcher {
    /// A fetcher with `failure`, serializing to `endorser`.
    pub fn new(endorser: &[u8], failure: Failure) -> Arc<Self> {
        Arc::new(Self {
            endorser: endorser.to_vec(),
            failure,
            log: Arc::default(),
        })
    }

    /// A copy of the log.
    pub fn log(&self) -> Log {
        self.log.lock().expect("log mutex").clone()
    }
}

struct ScriptedIdentity {
    endorser: Vec<u8>,
    failure: Failure,
    log: Arc<Mutex<Log>>,
}

/// The fake signature: FNV-1a of the message, then the message length, as bytes.
pub fn fake_signature(msg: &[u8]) -> Vec<u8> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in msg {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut sig = b"fake-sig:".to_vec();
    sig.extend_from_slice(&h.to_be_bytes());
    sig.extend_from_slice(&(msg.len() as u64).to_be_bytes());
    sig
}

impl SigningIdentity for ScriptedIdentity {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        self.log.lock().expect("log mutex").serialize_calls += 1;
        match &self.failure {
            Failure::Serialize(e) => Err(e.clone()),
            _ => Ok(self.endorser.clone()),
        }
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        let mut log = self.log.lock().expect("log mutex");
        log.signed.push(msg.to_vec());
        match &self.failure {
            Failure::Sign(e) => Err(e.clone()),
            _ => {
                let sig = fake_signature(msg);
                log.signatures.push(sig.clone());
                Ok(sig)
            }
        }
    }
}

impl SigningIdentityFetcher for ScriptedFetcher {
    fn signing_identity_for_request(
        &self,
        signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        self.log
            .lock()
            .expect("log mutex")
            .proposals
            .push(signed_proposal.to_vec());
        match &self.failure {
            Failure::Fetch(e) => Err(e.clone()),
            _ => Ok(Box::new(ScriptedIdentity {
                endorser: self.endorser.clone(),
                failure: self.failure.clone(),
                log: Arc::clone(&self.log),
            })),
        }
    }
}

/// A state fetcher that only counts how often it is used (the default plugin must not use it).
#[derive(Default)]
pub struct CountingStateFetcher {
    pub calls: AtomicUsize,
}

impl CountingStateFetcher {
    /// How many times `fetch_state` was called.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl StateFetcher for CountingStateFetcher {
    fn fetch_state(&self) -> Result<Box<dyn State>, StateError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(StateError::Provider(
            "the default endorsement plugin must not read state".into(),
        ))
    }
}

/// Generates one `#[test]` per [`Mode`] for `fn $name(mode: Mode)`.
#[macro_export]
macro_rules! in_every_mode {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::common::Mode;
            #[test]
            fn direct() {
                super::$name(Mode::Direct);
            }
            #[test]
            fn ffi() {
                super::$name(Mode::Ffi);
            }
            #[test]
            fn library() {
                super::$name(Mode::Library);
            }
        }
    )*};
}

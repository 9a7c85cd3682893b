//! Real shared libraries: the project's `DefaultEndorsement` cdylib dropped into a plugins
//! directory, named in a core.yaml (pinned by SHA-256), loaded through its root module, and
//! run. The cdylibs are built by `cargo build --workspace` (README's test command and
//! `.ci/run` build before testing); a missing library fails the test, it never skips.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use fabric_crypto::{verify_signature, SigningKey};
use handlers_api::endorsement::{Dependencies, SigningIdentity, SigningIdentityFetcher};
use handlers_api::validation::IdentityError;
use loader::config::{ConfigOptions, HandlersConfig};
use loader::registry::{file_sha256, Builtins, LoadedFrom, Registry};

/// `target/<profile>/` of this test run, found from the test executable (which lives in
/// `target/<profile>/deps/`), so that a custom `CARGO_TARGET_DIR` works too.
fn cdylib(stem: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let file = format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let path = profile_dir.join(file);
    assert!(
        path.exists(),
        "{} is missing: build the plugin libraries first (cargo build --workspace)",
        path.display()
    );
    path
}

struct Signer(SigningKey);

impl SigningIdentity for Signer {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        Ok(b"serialized endorser identity".to_vec())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        Ok(self.0.sign(msg))
    }
}

struct Fetcher(SigningKey);

impl SigningIdentityFetcher for Fetcher {
    fn signing_identity_for_request(
        &self,
        _signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        Ok(Box::new(Signer(self.0.clone())))
    }
}

/// A plugins directory holding a copy of the DefaultEndorsement library, and a core.yaml that
/// names it under `endorsers` with the given pin.
fn plugins_dir(pin: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let library = cdylib("escc_default_plugin");
    let name = library.file_name().unwrap().to_owned();
    std::fs::copy(&library, dir.path().join(&name)).unwrap();
    let core_yaml = dir.path().join("core.yaml");
    std::fs::write(
        &core_yaml,
        format!(
            "peer:\n  handlers:\n    endorsers:\n      escc:\n        name: ignored\n        \
             library: {}\n        sha256: \"{pin}\"\n",
            name.to_string_lossy()
        ),
    )
    .unwrap();
    (dir, core_yaml)
}

fn load(core_yaml: &std::path::Path) -> Result<Registry, loader::registry::LoadError> {
    let options = ConfigOptions {
        env: BTreeMap::new(),
        plugins_dir: None,
    };
    let config = HandlersConfig::from_file(core_yaml, &options).unwrap();
    Registry::load(&config, &Builtins::new())
}

#[test]
fn the_default_endorsement_library_loads_pinned_and_endorses() {
    let pin = file_sha256(&cdylib("escc_default_plugin"))
        .unwrap()
        .to_string();
    let (_dir, core_yaml) = plugins_dir(&pin);
    let registry = load(&core_yaml).unwrap();

    let [record] = registry.loaded() else {
        panic!("one handler expected: {:?}", registry.loaded());
    };
    assert_eq!(record.key, "escc");
    match &record.from {
        LoadedFrom::Library {
            plugin_name,
            interface_version,
            sha256,
            ..
        } => {
            assert_eq!(plugin_name, "DefaultEndorsement");
            assert_eq!(interface_version.split('.').next(), Some("0"));
            assert_eq!(sha256.to_string(), pin);
        }
        other => panic!("not a library: {other:?}"),
    }

    let key = SigningKey::from_seed(b"loader dynamic test");
    let mut plugin = registry.endorsement_factory("escc").unwrap().new().unwrap();
    plugin
        .init(Dependencies {
            signing_identity_fetcher: Arc::new(Fetcher(key.clone())),
            state_fetcher: None,
        })
        .unwrap();
    let payload = b"\x0a\x03prp-bytes-as-carried".to_vec();
    let out = plugin.endorse(&payload, b"signed proposal").unwrap();
    assert_eq!(out.payload, payload, "the payload comes back unchanged");
    assert_eq!(out.endorsement.endorser, b"serialized endorser identity");
    let signed = [payload.as_slice(), &out.endorsement.endorser].concat();
    verify_signature(
        fabric_crypto::default_backend(),
        &key.public_key(),
        &signed,
        &out.endorsement.signature,
    )
    .unwrap();
}

#[test]
fn a_library_whose_sha256_differs_from_its_pin_is_refused() {
    let wrong = "00".repeat(32);
    let (_dir, core_yaml) = plugins_dir(&wrong);
    let err = load(&core_yaml).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("escc"), "{text}");
    assert!(text.contains(&wrong), "{text}");
    assert!(
        text.contains(
            &file_sha256(&cdylib("escc_default_plugin"))
                .unwrap()
                .to_string()
        ),
        "{text}"
    );
}

//! Spec 9.1, END-1 .. END-7, each through the rlib directly, through the FFI round trip
//! (`export_factory` / `factory_from_ffi`) and through the root module of the plugin's export
//! line.

mod common;

use std::sync::Arc;

use common::{fake_signature, new_plugin, CountingStateFetcher, Failure, Mode, ScriptedFetcher};
use escc_default::{DefaultEndorsement, DefaultEndorsementError};
use handlers_api::endorsement::{Dependencies, EndorsementError, Plugin, StateFetcher};
use handlers_api::validation::IdentityError;

/// A `ProposalResponsePayload`-shaped byte string that is deliberately not canonical protobuf
/// (field 2 before field 1, a repeated field 1, trailing unknown field), so any re-encoding
/// would change it.
const PAYLOAD: &[u8] = &[
    0x12, 0x03, b'e', b'x', b't', // extension = "ext"
    0x0a, 0x02, 0xaa, 0xbb, // proposal_hash = aabb
    0x0a, 0x02, 0xcc, 0xdd, // proposal_hash again (last one wins on decode)
    0x78, 0x01, // unknown field 15 varint 1
];
const ENDORSER: &[u8] = b"\x0a\x07Org1MSP\x12\x05-----";
const PROPOSAL: &[u8] = b"signed proposal bytes";

in_every_mode!(
    end_1,
    end_2,
    end_3,
    end_4,
    end_5,
    end_6,
    end_7,
    init_again_replaces_fetcher
);

/// END-1. The typed `Dependencies` cannot lack a fetcher, so an absent fetcher is an instance
/// that endorses before `init`: Fabric's exact text, as `MissingDependency`.
fn end_1(mode: Mode) {
    let plugin = new_plugin(mode);
    let err = plugin
        .endorse(PAYLOAD, PROPOSAL)
        .expect_err("endorse before init must fail");
    assert_eq!(
        err.to_string(),
        "could not find SigningIdentityFetcher in dependencies"
    );
    assert_eq!(
        err,
        EndorsementError::MissingDependency("SigningIdentityFetcher".into())
    );
    assert_eq!(
        DefaultEndorsementError::MissingSigningIdentityFetcher.to_string(),
        "could not find SigningIdentityFetcher in dependencies"
    );
}

/// END-2. Init ignores the unrelated dependency (the state fetcher) and succeeds; the
/// fetcher given is the one used, and the state fetcher is never touched.
fn end_2(mode: Mode) {
    let fetcher = ScriptedFetcher::new(ENDORSER, Failure::None);
    let state = Arc::new(CountingStateFetcher::default());
    let mut plugin = new_plugin(mode);
    plugin
        .init(Dependencies {
            signing_identity_fetcher: fetcher.clone(),
            state_fetcher: Some(state.clone() as Arc<dyn StateFetcher>),
        })
        .expect("init with a state fetcher among the dependencies");
    let out = plugin.endorse(PAYLOAD, PROPOSAL).expect("endorse");
    assert_eq!(out.endorsement.endorser, ENDORSER);
    assert_eq!(fetcher.log().proposals, vec![PROPOSAL.to_vec()]);
    assert_eq!(state.calls(), 0, "the state fetcher must not be used");

    // And without the unrelated dependency.
    let fetcher = ScriptedFetcher::new(ENDORSER, Failure::None);
    let mut plugin = new_plugin(mode);
    plugin
        .init(Dependencies {
            signing_identity_fetcher: fetcher.clone(),
            state_fetcher: None,
        })
        .expect("init with only the fetcher");
    plugin.endorse(PAYLOAD, PROPOSAL).expect("endorse");
    assert_eq!(fetcher.log().proposals.len(), 1);
}

/// END-3. The fetcher fails: its error text follows Fabric's prefix; nothing is serialized or
/// signed.
fn end_3(mode: Mode) {
    let cause = IdentityError::Provider("local MSP has no default signer".into());
    let fetcher = ScriptedFetcher::new(ENDORSER, Failure::Fetch(cause.clone()));
    let plugin = common::initialised(mode, fetcher.clone());
    let err = plugin.endorse(PAYLOAD, PROPOSAL).expect_err("fetch fails");
    assert_eq!(
        err.to_string(),
        "failed fetching signing identity: identity provider failed: local MSP has no default signer"
    );
    assert_eq!(
        err.to_string(),
        format!("failed fetching signing identity: {cause}")
    );
    assert!(matches!(err, EndorsementError::Failed(_)), "{err:?}");
    let log = fetcher.log();
    assert_eq!(log.proposals, vec![PROPOSAL.to_vec()]);
    assert_eq!(log.serialize_calls, 0);
    assert!(log.signed.is_empty());
}

/// END-4. Serialize fails: Fabric's prefix and the serializer's text; nothing is signed.
fn end_4(mode: Mode) {
    let cause = IdentityError::Provider("certificate missing from the local MSP".into());
    let fetcher = ScriptedFetcher::new(ENDORSER, Failure::Serialize(cause.clone()));
    let plugin = common::initialised(mode, fetcher.clone());
    let err = plugin
        .endorse(PAYLOAD, PROPOSAL)
        .expect_err("serialize fails");
    assert_eq!(
        err.to_string(),
        "could not serialize the signing identity: identity provider failed: certificate missing from the local MSP"
    );
    assert_eq!(
        err.to_string(),
        format!("could not serialize the signing identity: {cause}")
    );
    let log = fetcher.log();
    assert_eq!(log.serialize_calls, 1);
    assert!(log.signed.is_empty());
}

/// END-5. Sign fails: Fabric's prefix and the signer's text.
fn end_5(mode: Mode) {
    let cause = IdentityError::Sign("HSM session closed".into());
    let fetcher = ScriptedFetcher::new(ENDORSER, Failure::Sign(cause.clone()));
    let plugin = common::initialised(mode, fetcher.clone());
    let err = plugin.endorse(PAYLOAD, PROPOSAL).expect_err("sign fails");
    assert_eq!(
        err.to_string(),
        "could not sign the proposal response payload: signing failed: HSM session closed"
    );
    assert_eq!(
        err.to_string(),
        format!("could not sign the proposal response payload: {cause}")
    );
    assert_eq!(fetcher.log().signed.len(), 1);
}

/// END-6. Success: signature = what Sign returned, endorser = the serialized identity, payload
/// unchanged byte for byte; every error path yields no endorsement and no payload.
fn end_6(mode: Mode) {
    let fetcher = ScriptedFetcher::new(ENDORSER, Failure::None);
    let plugin = common::initialised(mode, fetcher.clone());
    let out = plugin.endorse(PAYLOAD, PROPOSAL).expect("endorse");
    let log = fetcher.log();
    assert_eq!(log.signatures.len(), 1);
    assert_eq!(out.endorsement.signature, log.signatures[0]);
    assert_eq!(out.endorsement.endorser, ENDORSER);
    assert_eq!(out.payload, PAYLOAD);

    // A different payload gives a different signature and comes back as given.
    let other: Vec<u8> = (0..=255u8).rev().collect();
    let out2 = plugin.endorse(&other, PROPOSAL).expect("endorse");
    assert_eq!(out2.payload, other);
    assert_ne!(out2.endorsement.signature, out.endorsement.signature);

    // Error paths: `Result` carries no endorsement and no payload.
    for failure in [
        Failure::Fetch(IdentityError::Provider("f".into())),
        Failure::Serialize(IdentityError::Provider("s".into())),
        Failure::Sign(IdentityError::Sign("x".into())),
    ] {
        let plugin = common::initialised(mode, ScriptedFetcher::new(ENDORSER, failure.clone()));
        assert!(
            plugin.endorse(PAYLOAD, PROPOSAL).is_err(),
            "{failure:?} must give no endorsement"
        );
    }
    let plugin = new_plugin(mode);
    assert!(plugin.endorse(PAYLOAD, PROPOSAL).is_err());
}

/// END-7. Sign receives exactly `payload ‖ serialized identity`, once, and the signature is
/// over those bytes (an empty payload included).
fn end_7(mode: Mode) {
    for payload in [PAYLOAD, &[][..], &[0u8; 4096][..]] {
        let fetcher = ScriptedFetcher::new(ENDORSER, Failure::None);
        let plugin = common::initialised(mode, fetcher.clone());
        let out = plugin.endorse(payload, PROPOSAL).expect("endorse");
        let mut expected = payload.to_vec();
        expected.extend_from_slice(ENDORSER);
        let log = fetcher.log();
        assert_eq!(
            log.signed,
            vec![expected.clone()],
            "payload of {} bytes",
            payload.len()
        );
        assert_eq!(out.endorsement.signature, fake_signature(&expected));
        assert_eq!(log.serialize_calls, 1);
    }
}

/// Fabric's `Init` assigns the fetcher each time it is called: a second `init` replaces it.
fn init_again_replaces_fetcher(mode: Mode) {
    let first = ScriptedFetcher::new(b"first", Failure::None);
    let second = ScriptedFetcher::new(b"second", Failure::None);
    let mut plugin = common::initialised(mode, first.clone());
    plugin
        .init(Dependencies {
            signing_identity_fetcher: second.clone(),
            state_fetcher: None,
        })
        .expect("second init");
    let out = plugin.endorse(PAYLOAD, PROPOSAL).expect("endorse");
    assert_eq!(out.endorsement.endorser, b"second");
    assert!(first.log().proposals.is_empty());
    assert_eq!(second.log().proposals.len(), 1);
}

/// The typed error of the direct API carries the identity error unchanged.
#[test]
fn typed_errors_keep_the_cause() {
    let cause = IdentityError::Sign("no key".into());
    let mut plugin = DefaultEndorsement::new();
    plugin
        .init(Dependencies {
            signing_identity_fetcher: ScriptedFetcher::new(ENDORSER, Failure::Sign(cause.clone())),
            state_fetcher: None,
        })
        .expect("init");
    assert_eq!(
        plugin.endorse_payload(PAYLOAD, PROPOSAL),
        Err(DefaultEndorsementError::Sign(cause))
    );
    assert_eq!(
        DefaultEndorsement::new().endorse_payload(PAYLOAD, PROPOSAL),
        Err(DefaultEndorsementError::MissingSigningIdentityFetcher)
    );
}

/// The library built by the export line has this endorsement plugin and no validation plugin.
#[test]
fn export_line_library_shape() {
    let lib = common::handlers_api_library();
    assert_eq!(lib.plugin_name().as_str(), escc_default::PLUGIN_NAME);
    assert_eq!(
        lib.interface_version().as_str(),
        handlers_api::ffi::library::INTERFACE_VERSION
    );
    let err = lib
        .validation_factory()
        .err()
        .expect("no validation factory");
    assert_eq!(
        err.to_string(),
        "handler library DefaultEndorsement has no validation plugin"
    );
}

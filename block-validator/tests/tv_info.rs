//! Where validation info comes from and what halts on it (spec 5.1, 5.9, 9.7 TV-9, TV-27,
//! TV-28, TV-29): the new lifecycle wins over legacy LSCC data, LSCC data is used (and its
//! "vscc" + SignaturePolicyEnvelope parameter converted) when the new lifecycle has no
//! definition, an unreadable definition halts the block, and a channel without the V2_0
//! application capability is refused by this v20-only validator.
#![allow(clippy::unwrap_used)]

mod support;

use block_validator::{BlockError, ChannelValidator};
use bytes::Bytes;
use fabric_protos::lifecycle::StateMetadata;
use fabric_protos::protos::ChaincodeData;
use fabric_testgen::channel_config::{
    config_envelope, genesis_config, ChannelSpec, EnvelopeHeader,
};
use fabric_testgen::policy::{any_of, Role};
use prost::Message;
use support::{
    app_policy, commit, define_chaincode, halt, net, ns, options, plugins, started, tx, Scripted,
    CHANNEL,
};

fn lscc_entry(vscc: &str, policy: &[u8]) -> Vec<u8> {
    ChaincodeData {
        name: "legacy".to_owned(),
        version: "1.0".to_owned(),
        escc: "escc".to_owned(),
        vscc: vscc.to_owned(),
        policy: Bytes::copy_from_slice(policy),
        ..Default::default()
    }
    .encode_to_vec()
}

/// TV-27 and TV-28: LSCC data is consulted only when `_lifecycle` has no definition; its
/// "vscc" + envelope parameter reaches the plugin as `ApplicationPolicy{signature_policy}`; a
/// plugin other than "vscc" or a parameter that is not an envelope is passed unchanged.
#[test]
fn tv27_tv28_lifecycle_first_then_lscc() {
    let net = net();
    // The test plugin stands in for `vscc` to see what it is given.
    let vscc = Scripted::accept();
    let custom = Scripted::accept();
    let setup = Scripted::accept();
    let mut validator = started(
        plugins(&[
            ("vscc", vscc.factory()),
            ("custom", custom.factory()),
            ("setup", setup.factory()),
        ]),
        options(2, &[("setup", "setup", None), ("lscc", "setup", None)]),
    );
    let envelope = any_of(&[("Org1MSP", Role::Peer)]).encode_to_vec();
    let lscc = ns("lscc")
        .write("bothcc", &lscc_entry("vscc", &envelope))
        .write("customcc", &lscc_entry("custom", &envelope))
        .write("legacycc", &lscc_entry("vscc", &envelope))
        .write("rawcc", &lscc_entry("vscc", b"\xff\xff not an envelope"));
    let definitions = define_chaincode("bothcc", "custom", b"new-lifecycle-param");
    let block1 = [
        tx("setup", net.client(1)).rw(&[lscc]).envelope(),
        tx("_lifecycle", net.client(1))
            .endorsed_by(&[net.peer(1), net.peer(2)])
            .rw(&[definitions])
            .envelope(),
    ];
    assert_eq!(commit(&mut validator, 1, &block1).codes, vec![0, 0]);

    let client = net.client(2);
    let block2 = [
        tx("bothcc", client).envelope(),
        tx("customcc", client).envelope(),
        tx("legacycc", client).envelope(),
        tx("rawcc", client).envelope(),
    ];
    assert_eq!(commit(&mut validator, 2, &block2).codes, vec![0; 4]);
    let by_ns = |s: &Scripted| -> Vec<(String, Vec<u8>)> {
        s.calls()
            .into_iter()
            .filter(|c| c.block == 2)
            .map(|c| (c.namespace, c.parameter))
            .collect()
    };
    assert_eq!(
        by_ns(&custom),
        vec![
            ("bothcc".to_owned(), b"new-lifecycle-param".to_vec()),
            ("customcc".to_owned(), envelope.clone()),
        ]
    );
    assert_eq!(
        by_ns(&vscc),
        vec![
            (
                "legacycc".to_owned(),
                app_policy(&any_of(&[("Org1MSP", Role::Peer)])).to_vec()
            ),
            ("rawcc".to_owned(), b"\xff\xff not an envelope".to_vec()),
        ]
    );
}

/// TV-9: a definition that cannot be read (a `_lifecycle` metadata entry that is not a
/// ChaincodeDefinition) halts the block with a lookup failure naming block, tx and namespace;
/// nothing of the block is committed.
#[test]
fn tv9_unreadable_definition_halts() {
    let net = net();
    let mut validator = started(
        plugins(&[("accept", Scripted::accept().factory())]),
        options(1, &[("mycc", "accept", None)]),
    );
    let metadata = StateMetadata {
        datatype: "NotADefinition".to_owned(),
        fields: Vec::new(),
    }
    .encode_to_vec();
    let setup = tx("_lifecycle", net.client(1))
        .endorsed_by(&[net.peer(1), net.peer(2)])
        .rw(&[ns("_lifecycle").write("namespaces/metadata/oddcc", &metadata)])
        .envelope();
    assert_eq!(commit(&mut validator, 1, &[setup]).codes, vec![0]);

    let ok = tx("mycc", net.client(1))
        .rw(&[ns("mycc").write("k", b"v")])
        .envelope();
    let odd = tx("oddcc", net.client(1)).envelope();
    let err = halt(&mut validator, 2, &[ok, odd]);
    match &err {
        BlockError::InfoLookup { block, tx, source } => {
            assert_eq!((*block, *tx), (2, 1));
            assert_eq!(source.namespace, "oddcc");
            assert!(
                source.reason.contains("NotADefinition"),
                "{}",
                source.reason
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_execution_failure());
    assert_eq!(support::value(&validator, "mycc", "k"), None);
    assert_eq!(validator.last_block(), Some(1));
}

/// TV-29: on a channel whose application capability does not enable V2_0 validation, this
/// v20-only validator halts with a clear error instead of guessing v14 verdicts.
#[test]
fn tv29_channel_without_v2_0_capability_is_refused() {
    let net = net();
    let genesis = genesis_config(
        &ChannelSpec::new(CHANNEL, "V1_4_2"),
        &[net.org(1), net.org(2)],
        &net.orderer,
    );
    let envelope = config_envelope(
        &EnvelopeHeader {
            channel_id: CHANNEL,
            timestamp: support::timestamp(),
            nonce: &support::nonce(),
        },
        &genesis,
        None,
        net.orderer.identity("orderer").unwrap(),
    );
    let mut validator = ChannelValidator::new(
        CHANNEL,
        None,
        plugins(&[("accept", Scripted::accept().factory())]),
        options(1, &[("mycc", "accept", None)]),
    );
    commit(&mut validator, 0, &[Bytes::from(envelope.encode_to_vec())]);
    let err = halt(&mut validator, 1, &[tx("mycc", net.client(1)).envelope()]);
    match &err {
        BlockError::UnsupportedCapabilities {
            block,
            tx,
            capabilities,
            ..
        } => {
            assert_eq!((*block, *tx), (1, 0));
            assert!(capabilities.contains("V1_4_2"), "{capabilities}");
        }
        other => panic!("{other:?}"),
    }
}

/// Without any channel configuration and with signatures checked, a block cannot be
/// validated: the validator halts instead of flagging every transaction.
#[test]
fn no_configuration_halts() {
    let net = net();
    let mut validator = ChannelValidator::new(
        CHANNEL,
        None,
        plugins(&[("accept", Scripted::accept().factory())]),
        options(1, &[("mycc", "accept", None)]),
    );
    let err = halt(&mut validator, 5, &[tx("mycc", net.client(1)).envelope()]);
    assert!(matches!(err, BlockError::NoConfig { block: 5 }), "{err:?}");
}

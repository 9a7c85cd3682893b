//! Transaction-level behaviours (spec 9.7 TV-6, TV-14 .. TV-24, 5.4-5.6, 5.9): envelope and
//! creator checks, dispatch structure checks, the default validation plugin's verdicts through
//! the committer, and where each namespace's plugin and parameter come from (`_lifecycle`
//! definitions committed by earlier blocks, explicit overrides).
#![allow(clippy::unwrap_used)]

mod support;

use bytes::Bytes;
use fabric_protos::common::Envelope;
use fabric_testgen::policy::{any_of, out_of, Role};
use fabric_testgen::tx::{build_endorser_tx, Chaincode, Fault, TxRequest};
use prost::Message;
use support::{
    app_policy, byte, bytes_of, commit, define_chaincode, event, net, ns, options, plugins,
    started, tx, Code, Scripted,
};

/// A transaction with `fault` built by fabric-testgen (creator Org1 client, endorsed by the
/// peers of Org1 and Org2, one write).
fn testgen_tx(fault: Fault) -> Bytes {
    let net = net();
    let rwset = fabric_testgen::rwset::RwSet {
        namespaces: vec![fabric_testgen::rwset::NamespaceRwSet {
            namespace: "mycc".to_owned(),
            writes: vec![fabric_testgen::rwset::Write {
                key: format!("tg-{}", hex::encode(support::nonce())),
                value: b"v".to_vec(),
                is_delete: false,
            }],
            ..Default::default()
        }],
    };
    build_endorser_tx(&TxRequest {
        channel_id: support::CHANNEL,
        chaincode: &Chaincode {
            name: "mycc".to_owned(),
            version: "1.0".to_owned(),
        },
        creator: net.client(1),
        endorsers: vec![net.peer(1), net.peer(2)],
        args: vec![b"invoke".to_vec()],
        rwset,
        response_payload: Vec::new(),
        timestamp: support::timestamp(),
        nonce: support::nonce(),
        fault,
    })
    .unwrap()
    .envelope
}

/// A validator whose `mycc` runs the real default validation with the channel's default
/// endorsement policy (MAJORITY Endorsement of Org1, Org2), plus an accepting plugin.
fn default_validator() -> block_validator::ChannelValidator {
    started(
        plugins(&[("accept", Scripted::accept().factory())]),
        options(2, &[("mycc", "vscc", None)]),
    )
}

fn reasons_contain(verdict: &block_validator::BlockVerdict, i: usize, text: &str) -> bool {
    verdict.reasons[i]
        .as_deref()
        .is_some_and(|r| r.contains(text))
}

/// TV-6 and the testgen faults: a tx ID that is not hex(SHA-256(nonce ‖ creator)) ⇒
/// BAD_PROPOSAL_TXID; a bad creator signature ⇒ BAD_CREATOR_SIGNATURE; two actions and a
/// wrong proposal hash ⇒ INVALID_ENDORSER_TRANSACTION; garbage rwset ⇒ BAD_RWSET (TV-14);
/// the same transaction without a fault ⇒ VALID.
#[test]
fn tv6_tv14_tv23_testgen_faults() {
    let mut validator = default_validator();
    let block = [
        testgen_tx(Fault::None),
        testgen_tx(Fault::WrongTxid),
        testgen_tx(Fault::BadCreatorSignature),
        testgen_tx(Fault::TwoActions),
        testgen_tx(Fault::BadProposalHash),
        testgen_tx(Fault::GarbageRwset),
        testgen_tx(Fault::BadEndorsementSignature),
        testgen_tx(Fault::HighSEndorsementSignature),
        testgen_tx(Fault::SingleEndorsement),
        testgen_tx(Fault::SameEndorserTwice),
    ];
    let verdict = commit(&mut validator, 1, &block);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::Valid,
            Code::BadProposalTxid,
            Code::BadCreatorSignature,
            Code::InvalidEndorserTransaction,
            Code::InvalidEndorserTransaction,
            Code::BadRwset,
            Code::EndorsementPolicyFailure,
            Code::EndorsementPolicyFailure,
            Code::EndorsementPolicyFailure,
            Code::EndorsementPolicyFailure,
        ]),
        "{:?}",
        verdict.reasons
    );
}

/// TV-6 with a chosen tx ID, TV-14 with garbage results bytes from the hand-built path.
#[test]
fn tv6_tv14_hand_built() {
    let net = net();
    let mut validator = default_validator();
    let mut wrong = tx("mycc", net.client(1)).endorsed_by(&[net.peer(1), net.peer(2)]);
    wrong.txid = Some("deadbeef".to_owned());
    let mut garbage = tx("mycc", net.client(1)).endorsed_by(&[net.peer(1), net.peer(2)]);
    garbage.results = Bytes::from_static(&[0x0a, 0x05, 0x01]);
    let verdict = commit(&mut validator, 1, &[wrong.envelope(), garbage.envelope()]);
    assert_eq!(
        verdict.codes,
        bytes_of(&[Code::BadProposalTxid, Code::BadRwset])
    );
    assert_eq!(verdict.txids[0], "deadbeef");
}

/// TV-16 and TV-18: a valid transaction satisfying the policy is VALID; a transaction with no
/// namespaces at all is still validated against the invoked chaincode's policy, so a single
/// endorsement fails MAJORITY while two pass.
#[test]
fn tv16_tv18_invoked_chaincode_always_validated() {
    let net = net();
    let mut validator = default_validator();
    let (p1, p2) = (net.peer(1), net.peer(2));
    let block = [
        tx("mycc", net.client(1))
            .endorsed_by(&[p1, p2])
            .rw(&[ns("mycc").write("k", b"v")])
            .envelope(),
        tx("mycc", net.client(1)).endorsed_by(&[p1]).envelope(),
        tx("mycc", net.client(2)).endorsed_by(&[p2, p1]).envelope(),
        tx("mycc", net.client(2)).envelope(),
    ];
    let verdict = commit(&mut validator, 1, &block);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::Valid,
            Code::EndorsementPolicyFailure,
            Code::Valid,
            Code::EndorsementPolicyFailure
        ]),
        "{:?}",
        verdict.reasons
    );
}

/// TV-17: two NsReadWriteSets with the same namespace ⇒ ILLEGAL_WRITESET.
#[test]
fn tv17_duplicate_namespace_is_illegal_writeset() {
    let net = net();
    let mut validator = default_validator();
    let (p1, p2) = (net.peer(1), net.peer(2));
    let envelope = tx("mycc", net.client(1))
        .endorsed_by(&[p1, p2])
        .rw(&[ns("mycc").write("a", b"1"), ns("mycc").write("b", b"2")])
        .envelope();
    let verdict = commit(&mut validator, 1, &[envelope]);
    assert_eq!(verdict.codes, vec![byte(Code::IllegalWriteset)]);
    assert!(support::value(&validator, "mycc", "a").is_none());
}

/// TV-19: a chaincode event naming another chaincode ⇒ INVALID_OTHER_REASON; undecodable event
/// bytes ⇒ INVALID_OTHER_REASON; a matching event ⇒ VALID.
#[test]
fn tv19_chaincode_events() {
    let net = net();
    let mut validator = default_validator();
    let (p1, p2) = (net.peer(1), net.peer(2));
    let with_events = |events: Bytes| {
        let mut t = tx("mycc", net.client(1))
            .endorsed_by(&[p1, p2])
            .rw(&[ns("mycc").write(&hex::encode(support::nonce()), b"v")]);
        t.events = events;
        t.envelope()
    };
    let verdict = commit(
        &mut validator,
        1,
        &[
            with_events(event("othercc")),
            with_events(Bytes::from_static(&[0x0f, 0xff, 0xff])),
            with_events(event("mycc")),
        ],
    );
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::InvalidOtherReason,
            Code::InvalidOtherReason,
            Code::Valid
        ]),
        "{:?}",
        verdict.reasons
    );
}

/// TV-20: a private-data-only write, a metadata-only write and a private-metadata-only write
/// each count as a write of the namespace: with a policy the endorser does not satisfy they
/// are ENDORSEMENT_POLICY_FAILURE; with the right endorser VALID. A namespace that is only
/// read is not validated (it is undefined, yet the tx is VALID).
#[test]
fn tv20_every_kind_of_write_is_validated() {
    let net = net();
    let org2_only = app_policy(&any_of(&[("Org2MSP", Role::Peer)]));
    let mut validator = started(
        plugins(&[]),
        options(
            2,
            &[
                ("mycc", "vscc", None),
                ("pvtcc", "vscc", Some(org2_only.clone())),
                ("other", "vscc", Some(org2_only)),
            ],
        ),
    );
    // Each transaction touches its own keys (a metadata write of a key makes later writes of
    // that key in the block depend on it, spec 4.5).
    let writes = |name: &str, n: usize| {
        [
            ns(name).private_write("coll", &format!("pk{n}"), b"secret"),
            ns(name).metadata(&format!("mk{n}"), &[("X", b"1")]),
            ns(name).private_metadata("coll", &format!("pmk{n}"), &[("X", b"1")]),
        ]
    };
    let mut block = Vec::new();
    for (round, endorser) in [net.peer(1), net.peer(2)].into_iter().enumerate() {
        for kind in 0..3 {
            let n = round * 3 + kind;
            block.push(
                tx("mycc", net.client(1))
                    .endorsed_by(&[net.peer(1), net.peer(2)])
                    .rw(&[ns("mycc").read("x", None), writes("other", n)[kind].clone()])
                    .envelope(),
            );
            // The same kind of write by a transaction of `pvtcc` itself (invoked chaincode).
            block.push(
                tx("pvtcc", net.client(1))
                    .endorsed_by(&[endorser])
                    .rw(&[writes("pvtcc", n)[kind].clone()])
                    .envelope(),
            );
        }
    }
    // A namespace that is only read: not dispatched.
    block.push(
        tx("mycc", net.client(1))
            .endorsed_by(&[net.peer(1), net.peer(2)])
            .rw(&[
                ns("mycc").write("y", b"1"),
                ns("undefinedcc").read("r", None),
            ])
            .envelope(),
    );
    let verdict = commit(&mut validator, 1, &block);
    let f = byte(Code::EndorsementPolicyFailure);
    // mycc's txs carry Org1+Org2 endorsements, which satisfy `other`'s Org2-only policy.
    assert_eq!(
        verdict.codes,
        vec![0, f, 0, f, 0, f, 0, 0, 0, 0, 0, 0, 0],
        "{:?}",
        verdict.reasons
    );

    // `other` with an Org1-endorsed tx of mycc: not satisfied.
    let block2: Vec<Bytes> = writes("other", 9)
        .into_iter()
        .map(|w| {
            tx("mycc", net.client(1))
                .endorsed_by(&[net.peer(1)])
                .rw(&[w])
                .envelope()
        })
        .collect();
    let mut opts = options(1, &[("mycc", "accept", None)]);
    opts.chaincodes.insert(
        "other".to_owned(),
        block_validator::ChaincodeOverride {
            plugin: "vscc".to_owned(),
            parameter: Some(app_policy(&any_of(&[("Org2MSP", Role::Peer)]))),
        },
    );
    let mut validator = started(plugins(&[("accept", Scripted::accept().factory())]), opts);
    let verdict = commit(&mut validator, 1, &block2);
    assert_eq!(verdict.codes, vec![f, f, f], "{:?}", verdict.reasons);
}

/// TV-21: writes into `lscc`, `escc` or an undefined namespace (besides the invoked chaincode)
/// ⇒ INVALID_CHAINCODE.
#[test]
fn tv21_writes_into_undefined_namespaces() {
    let net = net();
    let accept = Scripted::accept();
    let mut validator = started(
        plugins(&[("accept", accept.factory())]),
        options(2, &[("mycc", "accept", None)]),
    );
    let block: Vec<Bytes> = ["lscc", "escc", "ghostcc"]
        .iter()
        .map(|other| {
            tx("mycc", net.client(1))
                .rw(&[ns("mycc").write("k", b"v"), ns(other).write("x", b"y")])
                .envelope()
        })
        .chain([tx("mycc", net.client(1))
            .rw(&[ns("mycc").write("k2", b"v")])
            .envelope()])
        .collect();
    let verdict = commit(&mut validator, 1, &block);
    let bad = byte(Code::InvalidChaincode);
    assert_eq!(
        verdict.codes,
        vec![bad, bad, bad, 0],
        "{:?}",
        verdict.reasons
    );
    assert!(reasons_contain(&verdict, 2, "ghostcc"));
    assert!(support::value(&validator, "lscc", "x").is_none());
}

/// TV-22: a committed VALIDATION_PARAMETER of RejectAll on a key makes every later write of
/// that key ENDORSEMENT_POLICY_FAILURE, even with the chaincode policy satisfied; other keys
/// are unaffected.
#[test]
fn tv22_key_level_reject_all() {
    let net = net();
    let mut validator = default_validator();
    let (p1, p2) = (net.peer(1), net.peer(2));
    let reject = support::reject_all().encode_to_vec();
    let setup = tx("mycc", net.client(1))
        .endorsed_by(&[p1, p2])
        .rw(&[ns("mycc")
            .write("locked", b"v0")
            .metadata("locked", &[("VALIDATION_PARAMETER", &reject)])])
        .envelope();
    assert_eq!(commit(&mut validator, 1, &[setup]).codes, vec![0]);
    {
        let state = validator.host().state().read().unwrap();
        let entry = state.get("mycc", "locked").unwrap();
        assert_eq!(entry.metadata.get("VALIDATION_PARAMETER"), Some(&reject));
    }
    let block = [
        tx("mycc", net.client(1))
            .endorsed_by(&[p1, p2])
            .rw(&[ns("mycc").write("locked", b"v1")])
            .envelope(),
        tx("mycc", net.client(2))
            .endorsed_by(&[p1, p2])
            .rw(&[ns("mycc").write("free", b"v1")])
            .envelope(),
    ];
    let verdict = commit(&mut validator, 2, &block);
    assert_eq!(
        verdict.codes,
        bytes_of(&[Code::EndorsementPolicyFailure, Code::Valid]),
        "{:?}",
        verdict.reasons
    );
    assert_eq!(support::value(&validator, "mycc", "locked").unwrap(), b"v0");
}

/// TV-23: flipping single bytes anywhere in the envelope payload, or corrupting the signature,
/// never yields VALID (an accept-all plugin would otherwise accept); a well-formed tx with 1 or
/// 2 agreeing endorsements is VALID; an empty entry is BAD_COMMON_HEADER and bytes that are
/// not an envelope INVALID_OTHER_REASON.
#[test]
fn tv23_byte_flips_and_envelope_checks() {
    let net = net();
    let accept = Scripted::accept();
    let mut validator = started(
        plugins(&[("accept", accept.factory())]),
        options(2, &[("mycc", "accept", None), ("onecc", "vscc", None)]),
    );
    let original = tx("mycc", net.client(1))
        .endorsed_by(&[net.peer(1), net.peer(2)])
        .rw(&[ns("mycc").write("k", b"v")])
        .envelope();
    let envelope = Envelope::decode(original.clone()).unwrap();
    let len = envelope.payload.len();
    let mut block = Vec::new();
    let step = (len / 97).max(1);
    for pos in (0..len).step_by(step).chain([len - 1]) {
        let mut payload = envelope.payload.to_vec();
        payload[pos] ^= 0x01;
        block.push(Bytes::from(
            Envelope {
                payload: Bytes::from(payload),
                signature: envelope.signature.clone(),
            }
            .encode_to_vec(),
        ));
    }
    let mut signature = envelope.signature.to_vec();
    let last = signature.len() - 1;
    signature[last] ^= 0x01;
    block.push(Bytes::from(
        Envelope {
            payload: envelope.payload.clone(),
            signature: Bytes::from(signature),
        }
        .encode_to_vec(),
    ));
    let flips = block.len();
    let verdict = commit(&mut validator, 1, &block);
    for (i, code) in verdict.codes.iter().enumerate() {
        assert_ne!(*code, 0, "flip {i} of {flips} stayed VALID");
    }
    assert_eq!(
        *verdict.codes.last().unwrap(),
        byte(Code::BadCreatorSignature)
    );
    // The accept-all plugin never ran: every flip was caught before dispatch.
    assert!(accept.calls().is_empty());

    // The untouched original, 1 and 2 endorsements, an empty entry, garbage.
    let one_org_policy = app_policy(&any_of(&[("Org1MSP", Role::Peer)]));
    let mut validator = started(
        plugins(&[("accept", accept.factory())]),
        options(
            2,
            &[
                ("mycc", "accept", None),
                ("onecc", "vscc", Some(one_org_policy)),
            ],
        ),
    );
    let block = [
        original,
        tx("onecc", net.client(2))
            .endorsed_by(&[net.peer(1)])
            .rw(&[ns("onecc").write("k", b"v")])
            .envelope(),
        tx("onecc", net.client(2))
            .endorsed_by(&[net.peer(2), net.peer(1)])
            .rw(&[ns("onecc").write("k2", b"v")])
            .envelope(),
        Bytes::new(),
        Bytes::from_static(&[0xff, 0xff, 0xff, 0xff]),
    ];
    let verdict = commit(&mut validator, 2, &block);
    assert_eq!(
        verdict.codes,
        bytes_of(&[
            Code::Valid,
            Code::Valid,
            Code::Valid,
            Code::BadCommonHeader,
            Code::InvalidOtherReason
        ]),
        "{:?}",
        verdict.reasons
    );
}

/// TV-24: a creator that does not deserialize ⇒ BAD_CREATOR_SIGNATURE with "MSP error: could
/// not deserialize"; a creator of an org outside the channel ⇒ BAD_CREATOR_SIGNATURE.
#[test]
fn tv24_corrupted_creator() {
    let net = net();
    let mut validator = started(
        plugins(&[("accept", Scripted::accept().factory())]),
        options(2, &[("mycc", "accept", None)]),
    );
    let garbage_pem = fabric_protos::msp::SerializedIdentity {
        mspid: "Org1MSP".to_owned(),
        id_bytes: Bytes::from_static(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ),
    }
    .encode_to_vec();
    let mut block = Vec::new();
    for creator in [
        Bytes::from(garbage_pem),
        Bytes::from_static(&[0xff, 0x01, 0x02]),
    ] {
        let mut t = tx("mycc", net.client(1));
        t.creator_bytes = Some(creator);
        block.push(t.envelope());
    }
    block.push(tx("mycc", net.client(4)).envelope());
    let verdict = commit(&mut validator, 1, &block);
    let bad = byte(Code::BadCreatorSignature);
    assert_eq!(verdict.codes, vec![bad, bad, bad], "{:?}", verdict.reasons);
    for i in 0..2 {
        assert!(
            reasons_contain(&verdict, i, "MSP error: could not deserialize"),
            "{:?}",
            verdict.reasons[i]
        );
    }
}

/// TV-24 (unknown channel) and spec 5.5 row 4: the creator is checked with the MSP manager of
/// the channel the transaction names; a channel the validator does not know ⇒
/// BAD_CREATOR_SIGNATURE "MSP error: channel doesn't exist".
#[test]
fn tv24_unknown_channel() {
    let net = net();
    let mut validator = started(
        plugins(&[("accept", Scripted::accept().factory())]),
        options(1, &[("mycc", "accept", None)]),
    );
    let mut t = tx("mycc", net.client(1));
    t.channel = "otherchannel".to_owned();
    let verdict = commit(&mut validator, 1, &[t.envelope()]);
    assert_eq!(verdict.codes, vec![byte(Code::BadCreatorSignature)]);
    assert!(reasons_contain(&verdict, 0, "channel doesn't exist"));
}

// -------------------------------------------------------------------------------------------
// Validation info from `_lifecycle` (spec 5.9) and explicit overrides.

/// The `_lifecycle` transaction defining `definitions` (name, plugin, parameter), endorsed by
/// the peers of both genesis orgs (LifecycleEndorsement = MAJORITY Endorsement).
fn lifecycle_tx(definitions: &[(&str, &str, &[u8])]) -> Bytes {
    let net = net();
    let namespace = definitions
        .iter()
        .map(|(name, plugin, parameter)| define_chaincode(name, plugin, parameter))
        .reduce(|mut all, one| {
            all.kv.writes.extend(one.kv.writes);
            all
        })
        .unwrap();
    let mut writes = namespace.kv.writes.clone();
    writes.sort_by(|a, b| a.key.cmp(&b.key));
    let mut namespace = namespace;
    namespace.kv.writes = writes;
    tx("_lifecycle", net.client(1))
        .endorsed_by(&[net.peer(1), net.peer(2)])
        .rw(&[namespace])
        .envelope()
}

/// TV-15 and spec 5.9: chaincodes defined by a committed `_lifecycle` transaction (validated
/// by the real default plugin under the LifecycleEndorsement policy) use their plugin and
/// parameter; a definition with an empty parameter or plugin, an undefined chaincode and an
/// empty chaincode name are INVALID_CHAINCODE; a definition committed in the same block does
/// not apply yet; a `_lifecycle` transaction endorsed by one org only fails.
#[test]
fn tv15_lifecycle_definitions_drive_dispatch() {
    let net = net();
    let accept = Scripted::accept();
    let mut validator = started(plugins(&[("accept", accept.factory())]), options(2, &[]));
    let param = b"definedcc-parameter";
    let org1_policy = app_policy(&out_of(1, &[("Org1MSP", Role::Peer)]));
    let weak = {
        let mut t = tx("_lifecycle", net.client(1)).endorsed_by(&[net.peer(1)]);
        t.results = support::rwset(&[define_chaincode("weakcc", "accept", b"p")]);
        t.envelope()
    };
    let verdict = commit(
        &mut validator,
        1,
        &[
            lifecycle_tx(&[
                ("definedcc", "accept", param),
                ("nopolicy", "vscc", b""),
                ("noplugin", "", b"p"),
                ("policycc", "vscc", &org1_policy),
            ]),
            weak,
        ],
    );
    assert_eq!(
        verdict.codes,
        bytes_of(&[Code::Valid, Code::EndorsementPolicyFailure]),
        "{:?}",
        verdict.reasons
    );

    let client = net.client(2);
    let block2 = [
        tx("definedcc", client)
            .rw(&[ns("definedcc").write("k", b"v")])
            .envelope(),
        tx("nopolicy", client).envelope(),
        tx("noplugin", client).envelope(),
        tx("ghostcc", client).envelope(),
        tx("", client).envelope(),
        tx("policycc", client)
            .endorsed_by(&[net.peer(1)])
            .envelope(),
        tx("policycc", client)
            .endorsed_by(&[net.peer(2)])
            .envelope(),
        tx("weakcc", client).envelope(),
        // Defined in this very block: not in force yet.
        lifecycle_tx(&[("latecc", "accept", b"p")]),
        tx("latecc", client).envelope(),
    ];
    let verdict = commit(&mut validator, 2, &block2);
    let bad = byte(Code::InvalidChaincode);
    assert_eq!(
        verdict.codes,
        vec![
            0,
            bad,
            bad,
            bad,
            bad,
            0,
            byte(Code::EndorsementPolicyFailure),
            bad,
            0,
            bad
        ],
        "{:?}",
        verdict.reasons
    );
    assert!(reasons_contain(&verdict, 1, "policy field must be set"));
    assert!(reasons_contain(&verdict, 2, "plugin field must be set"));
    assert!(reasons_contain(&verdict, 3, "ghostcc"));
    // The accept plugin received definedcc's parameter as committed.
    let calls = accept.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (
            calls[0].block,
            calls[0].namespace.as_str(),
            calls[0].parameter.as_slice()
        ),
        (2, "definedcc", &param[..])
    );

    // Block 3: latecc is now defined.
    let verdict = commit(&mut validator, 3, &[tx("latecc", client).envelope()]);
    assert_eq!(verdict.codes, vec![0]);
}

/// An explicit `ValidatorOptions.chaincodes` entry wins over the ledger's definition: its
/// plugin is used, with the ledger's parameter when it gives none, or its own.
#[test]
fn explicit_override_wins_over_the_ledger() {
    let net = net();
    let defined = Scripted::accept();
    let reject = Scripted::reject();
    let factories = [("defined", defined.factory()), ("reject", reject.factory())];
    let definition = lifecycle_tx(&[("cc", "defined", b"ledger-param")]);
    let invoke = |n: u8| {
        tx("cc", net.client(1))
            .rw(&[ns("cc").write("k", &[n])])
            .envelope()
    };

    // The ledger's plugin alone.
    let mut validator = started(plugins(&factories), options(1, &[]));
    commit(&mut validator, 1, std::slice::from_ref(&definition));
    assert_eq!(commit(&mut validator, 2, &[invoke(1)]).codes, vec![0]);

    // Overridden plugin, ledger parameter.
    let mut validator = started(plugins(&factories), options(1, &[("cc", "reject", None)]));
    commit(&mut validator, 1, std::slice::from_ref(&definition));
    let verdict = commit(&mut validator, 2, &[invoke(2)]);
    assert_eq!(verdict.codes, vec![byte(Code::EndorsementPolicyFailure)]);
    assert_eq!(reject.last().parameter, b"ledger-param");

    // Overridden plugin and parameter.
    let mut validator = started(
        plugins(&factories),
        options(1, &[("cc", "defined", Some(Bytes::from_static(b"given")))]),
    );
    commit(&mut validator, 1, std::slice::from_ref(&definition));
    assert_eq!(commit(&mut validator, 2, &[invoke(3)]).codes, vec![0]);
    assert_eq!(defined.last().parameter, b"given");

    // An override for a chaincode the ledger does not define, without a parameter, gets the
    // channel's default endorsement policy reference.
    let mut validator = started(
        plugins(&factories),
        options(1, &[("newcc", "defined", None)]),
    );
    let verdict = commit(&mut validator, 1, &[tx("newcc", net.client(1)).envelope()]);
    assert_eq!(verdict.codes, vec![0]);
    assert_eq!(
        defined.last().parameter,
        block_validator::lifecycle::default_endorsement_parameter()
    );
}

/// Spec 5.5 row 5d and 5.6 step 7: a CONFIG_UPDATE envelope in a block is
/// UNSUPPORTED_TX_PAYLOAD; a chaincode action without a version is INVALID_CHAINCODE.
#[test]
fn unsupported_payload_and_missing_version() {
    let net = net();
    let mut validator = started(
        plugins(&[("accept", Scripted::accept().factory())]),
        options(1, &[("mycc", "accept", None)]),
    );
    let nonce = support::nonce();
    let update = fabric_testgen::channel_config::config_update(
        &net.genesis,
        fabric_testgen::channel_config::ConfigChange::AddOrg(net.org(3)),
        &fabric_testgen::channel_config::EnvelopeHeader {
            channel_id: support::CHANNEL,
            timestamp: support::timestamp(),
            nonce: &nonce,
        },
        &fabric_testgen::channel_config::UpdateSigners {
            submitter: net.admin(1),
            signers: vec![net.admin(1), net.admin(2)],
        },
        &[],
    )
    .unwrap();
    let mut unversioned = tx("mycc", net.client(1));
    unversioned.version = String::new();
    let block = [
        Bytes::from(update.update_envelope.encode_to_vec()),
        unversioned.envelope(),
    ];
    let verdict = commit(&mut validator, 1, &block);
    assert_eq!(
        verdict.codes,
        bytes_of(&[Code::UnsupportedTxPayload, Code::InvalidChaincode]),
        "{:?}",
        verdict.reasons
    );
    // The configuration in force did not change.
    assert_eq!(
        validator.host().config().unwrap().application_msp_ids(),
        vec!["Org1MSP", "Org2MSP"]
    );
}

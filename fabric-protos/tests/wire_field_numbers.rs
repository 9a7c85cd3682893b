//! Wire-level checks: hand-built protobuf bytes with known tags must land in the right fields,
//! and encoding the decoded message must give the same bytes back.

use fabric_protos::{common, kvrwset, lifecycle, msp, protos, rwset, Bytes, Message};

/// Protobuf wire types used below.
const VARINT: u64 = 0;
const LEN: u64 = 2;

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Hand-written protobuf writer: every field is appended with an explicit field number.
#[derive(Default)]
struct Wire(Vec<u8>);

impl Wire {
    fn new() -> Self {
        Self::default()
    }
    fn uint(mut self, field: u64, v: u64) -> Self {
        varint(field << 3 | VARINT, &mut self.0);
        varint(v, &mut self.0);
        self
    }
    fn int(self, field: u64, v: i64) -> Self {
        self.uint(field, v as u64)
    }
    fn bytes(mut self, field: u64, v: &[u8]) -> Self {
        varint(field << 3 | LEN, &mut self.0);
        varint(v.len() as u64, &mut self.0);
        self.0.extend_from_slice(v);
        self
    }
    fn msg(self, field: u64, inner: Wire) -> Self {
        self.bytes(field, &inner.0)
    }
    fn raw(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    fn done(self) -> Bytes {
        Bytes::from(self.0)
    }
}

/// Decodes `wire` as `M`, checks re-encoding reproduces it byte for byte, returns the message.
fn roundtrip<M: Message + Default>(wire: &Bytes) -> M {
    let decoded = M::decode(wire.clone()).expect("hand-built message must decode");
    assert_eq!(
        decoded.encode_to_vec(),
        wire.to_vec(),
        "re-encoding {} changed the bytes",
        std::any::type_name::<M>()
    );
    decoded
}

#[test]
fn channel_header_fields() {
    let wire = Wire::new()
        .int(1, 3)
        .int(2, 7)
        .msg(3, Wire::new().int(1, 1_700_000_000).int(2, 123_456))
        .bytes(4, b"mychannel")
        .bytes(5, b"txid-1")
        .uint(6, 42)
        .msg(7, Wire::new().msg(2, Wire::new().bytes(2, b"mycc")))
        .bytes(8, b"tls-hash")
        .done();
    let ch: common::ChannelHeader = roundtrip(&wire);
    assert_eq!(ch.r#type, common::HeaderType::EndorserTransaction as i32);
    assert_eq!(ch.version, 7);
    let ts = ch.timestamp.expect("timestamp present");
    assert_eq!((ts.seconds, ts.nanos), (1_700_000_000, 123_456));
    assert_eq!(ch.channel_id, "mychannel");
    assert_eq!(ch.tx_id, "txid-1");
    assert_eq!(ch.epoch, 42);
    assert_eq!(ch.tls_cert_hash, Bytes::from_static(b"tls-hash"));
    // The extension is a ChaincodeHeaderExtension whose chaincode_id sits at field 2.
    let ext = protos::ChaincodeHeaderExtension::decode(ch.extension).expect("extension");
    assert_eq!(ext.chaincode_id.expect("chaincode id").name, "mycc");
}

#[test]
fn signature_header_and_serialized_identity_fields() {
    let identity = Wire::new()
        .bytes(1, b"Org1MSP")
        .bytes(2, b"-----BEGIN CERTIFICATE-----")
        .done();
    let wire = Wire::new().bytes(1, &identity).bytes(2, b"nonce-24").done();
    let sh: common::SignatureHeader = roundtrip(&wire);
    assert_eq!(sh.creator, identity);
    assert_eq!(sh.nonce, Bytes::from_static(b"nonce-24"));
    let id: msp::SerializedIdentity = roundtrip(&sh.creator);
    assert_eq!(id.mspid, "Org1MSP");
    assert_eq!(
        id.id_bytes,
        Bytes::from_static(b"-----BEGIN CERTIFICATE-----")
    );
}

#[test]
fn chaincode_action_payload_fields() {
    let endorsement = |who: &[u8], sig: &[u8]| Wire::new().bytes(1, who).bytes(2, sig);
    let wire = Wire::new()
        .bytes(1, b"proposal-payload")
        .msg(
            2,
            Wire::new()
                .bytes(1, b"prp")
                .msg(2, endorsement(b"endorser-a", b"sig-a"))
                .msg(2, endorsement(b"endorser-b", b"sig-b")),
        )
        .done();
    let cap: protos::ChaincodeActionPayload = roundtrip(&wire);
    assert_eq!(
        cap.chaincode_proposal_payload,
        Bytes::from_static(b"proposal-payload")
    );
    let action = cap.action.expect("action present");
    assert_eq!(action.proposal_response_payload, Bytes::from_static(b"prp"));
    let endorsers: Vec<_> = action
        .endorsements
        .iter()
        .map(|e| (e.endorser.as_ref(), e.signature.as_ref()))
        .collect();
    assert_eq!(
        endorsers,
        [
            (&b"endorser-a"[..], &b"sig-a"[..]),
            (&b"endorser-b"[..], &b"sig-b"[..])
        ]
    );
}

#[test]
fn endorsement_fields() {
    let wire = Wire::new().bytes(1, b"who").bytes(2, b"what").done();
    let e: protos::Endorsement = roundtrip(&wire);
    assert_eq!(
        (e.endorser.as_ref(), e.signature.as_ref()),
        (&b"who"[..], &b"what"[..])
    );
}

#[test]
fn proposal_response_payload_and_chaincode_action_fields() {
    let action = Wire::new()
        .bytes(1, b"rwset")
        .bytes(2, b"event")
        .msg(3, Wire::new().int(1, 200).bytes(2, b"ok").bytes(3, b"resp"))
        .msg(
            4,
            Wire::new()
                .bytes(1, b"path")
                .bytes(2, b"mycc")
                .bytes(3, b"1.0"),
        )
        .done();
    let wire = Wire::new().bytes(1, &[0xAB; 32]).bytes(2, &action).done();
    let prp: protos::ProposalResponsePayload = roundtrip(&wire);
    assert_eq!(prp.proposal_hash.as_ref(), &[0xAB; 32]);
    assert_eq!(prp.extension, action);
    let ca: protos::ChaincodeAction = roundtrip(&prp.extension);
    assert_eq!(ca.results, Bytes::from_static(b"rwset"));
    assert_eq!(ca.events, Bytes::from_static(b"event"));
    let resp = ca.response.expect("response");
    assert_eq!(
        (resp.status, resp.message.as_str(), resp.payload.as_ref()),
        (200, "ok", &b"resp"[..])
    );
    let id = ca.chaincode_id.expect("chaincode id");
    assert_eq!(
        (id.path.as_str(), id.name.as_str(), id.version.as_str()),
        ("path", "mycc", "1.0")
    );
}

#[test]
fn transaction_and_proposal_payload_fields() {
    let tx_action = Wire::new().bytes(1, b"sig-header").bytes(2, b"cap");
    let wire = Wire::new().msg(1, tx_action).done();
    let tx: protos::Transaction = roundtrip(&wire);
    assert_eq!(tx.actions.len(), 1);
    assert_eq!(tx.actions[0].header, Bytes::from_static(b"sig-header"));
    assert_eq!(tx.actions[0].payload, Bytes::from_static(b"cap"));

    // TransientMap (field 2) entries are {key 1, value 2}; BTreeMap keeps them sorted.
    let wire = Wire::new()
        .bytes(1, b"input")
        .msg(2, Wire::new().bytes(1, b"a").bytes(2, b"1"))
        .msg(2, Wire::new().bytes(1, b"b").bytes(2, b"2"))
        .done();
    let ccpp: protos::ChaincodeProposalPayload = roundtrip(&wire);
    assert_eq!(ccpp.input, Bytes::from_static(b"input"));
    let keys: Vec<_> = ccpp.transient_map.keys().map(String::as_str).collect();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(ccpp.transient_map["b"], Bytes::from_static(b"2"));

    let wire = Wire::new()
        .msg(1, Wire::new().bytes(1, b"env"))
        .int(2, protos::TxValidationCode::MvccReadConflict as i64)
        .done();
    let pt: protos::ProcessedTransaction = roundtrip(&wire);
    assert_eq!(
        pt.transaction_envelope.expect("envelope").payload,
        Bytes::from_static(b"env")
    );
    assert_eq!(pt.validation_code, 11);
}

#[test]
fn rwset_fields() {
    let ns = Wire::new().bytes(1, b"mycc").bytes(2, b"kvrwset").msg(
        3,
        Wire::new()
            .bytes(1, b"coll")
            .bytes(2, b"hashed")
            .bytes(3, b"pvthash"),
    );
    let wire = Wire::new().msg(2, ns).done();
    let tx: rwset::TxReadWriteSet = roundtrip(&wire);
    assert_eq!(
        tx.data_model,
        rwset::tx_read_write_set::DataModel::Kv as i32
    );
    let ns = &tx.ns_rwset[0];
    assert_eq!(
        (ns.namespace.as_str(), ns.rwset.as_ref()),
        ("mycc", &b"kvrwset"[..])
    );
    let coll = &ns.collection_hashed_rwset[0];
    assert_eq!(coll.collection_name, "coll");
    assert_eq!(coll.hashed_rwset, Bytes::from_static(b"hashed"));
    assert_eq!(coll.pvt_rwset_hash, Bytes::from_static(b"pvthash"));
}

#[test]
fn kv_write_and_kvrwset_fields() {
    let wire = Wire::new()
        .bytes(1, b"key1")
        .uint(2, 1)
        .bytes(3, b"value")
        .done();
    let w: kvrwset::KvWrite = roundtrip(&wire);
    assert_eq!(w.key, "key1");
    assert!(w.is_delete);
    assert_eq!(w.value, Bytes::from_static(b"value"));

    let wire = Wire::new()
        .msg(
            1,
            Wire::new()
                .bytes(1, b"r")
                .msg(2, Wire::new().uint(1, 5).uint(2, 2)),
        )
        .msg(
            2,
            Wire::new()
                .bytes(1, b"a")
                .bytes(2, b"z")
                .uint(3, 1)
                .msg(4, Wire::new().msg(1, Wire::new().bytes(1, b"b"))),
        )
        .msg(3, Wire::new().bytes(1, b"w").bytes(3, b"v"))
        .msg(
            4,
            Wire::new().bytes(1, b"m").msg(
                2,
                Wire::new()
                    .bytes(1, b"VALIDATION_PARAMETER")
                    .bytes(2, b"pol"),
            ),
        )
        .done();
    let set: kvrwset::KvrwSet = roundtrip(&wire);
    let version = set.reads[0].version.expect("version");
    assert_eq!(
        (set.reads[0].key.as_str(), version.block_num, version.tx_num),
        ("r", 5, 2)
    );
    let rq = &set.range_queries_info[0];
    assert_eq!(
        (rq.start_key.as_str(), rq.end_key.as_str(), rq.itr_exhausted),
        ("a", "z", true)
    );
    match &rq.reads_info {
        Some(kvrwset::range_query_info::ReadsInfo::RawReads(r)) => {
            assert_eq!(r.kv_reads[0].key, "b")
        }
        other => panic!("expected raw reads at field 4, got {other:?}"),
    }
    assert_eq!(
        (set.writes[0].key.as_str(), set.writes[0].value.as_ref()),
        ("w", &b"v"[..])
    );
    let entry = &set.metadata_writes[0].entries[0];
    assert_eq!(
        (
            set.metadata_writes[0].key.as_str(),
            entry.name.as_str(),
            entry.value.as_ref()
        ),
        ("m", "VALIDATION_PARAMETER", &b"pol"[..])
    );
    assert_eq!(
        protos::MetaDataKeys::ValidationParameter.as_str_name(),
        entry.name
    );

    let wire = Wire::new()
        .bytes(1, b"kh")
        .uint(2, 1)
        .bytes(3, b"vh")
        .uint(4, 1)
        .done();
    let wh: kvrwset::KvWriteHash = roundtrip(&wire);
    assert_eq!(
        (
            wh.key_hash.as_ref(),
            wh.is_delete,
            wh.value_hash.as_ref(),
            wh.is_purge
        ),
        (&b"kh"[..], true, &b"vh"[..], true)
    );
}

/// `OutOf(1, [SignedBy(0), SignedBy(1)])` over `[Org1MSP.member (ROLE), Org2MSP.peer]`.
fn two_org_envelope() -> Wire {
    let role = |msp: &[u8], role: u64| {
        let r = Wire::new().bytes(1, msp);
        if role == 0 {
            r
        } else {
            r.uint(2, role)
        }
    };
    // principal_classification ROLE (0) is the default and therefore not on the wire.
    let principal = |r: Wire| Wire::new().msg(2, r);
    Wire::new()
        .msg(
            2,
            Wire::new().msg(
                2,
                Wire::new()
                    .int(1, 1)
                    .msg(2, Wire::new().int(1, 0))
                    .msg(2, Wire::new().int(1, 1)),
            ),
        )
        .msg(3, principal(role(b"Org1MSP", 0)))
        .msg(3, principal(role(b"Org2MSP", 3)))
}

#[test]
fn signature_policy_envelope_fields() {
    let wire = two_org_envelope().done();
    let spe: common::SignaturePolicyEnvelope = roundtrip(&wire);
    assert_eq!(spe.version, 0);
    let Some(common::signature_policy::Type::NOutOf(n_out_of)) = spe.rule.and_then(|r| r.r#type)
    else {
        panic!("rule must be n_out_of (field 2)");
    };
    assert_eq!(n_out_of.n, 1);
    // signed_by(0) is a oneof member, so it is present on the wire even though it is 0.
    let signed_by: Vec<_> = n_out_of
        .rules
        .iter()
        .map(|r| match &r.r#type {
            Some(common::signature_policy::Type::SignedBy(i)) => *i,
            other => panic!("expected signed_by, got {other:?}"),
        })
        .collect();
    assert_eq!(signed_by, [0, 1]);
    let roles: Vec<_> = spe
        .identities
        .iter()
        .map(|p| {
            assert_eq!(
                p.principal_classification(),
                common::msp_principal::Classification::Role
            );
            let role = common::MspRole::decode(p.principal.clone()).expect("MSPRole");
            (role.msp_identifier.clone(), role.role())
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("Org1MSP".to_owned(), common::msp_role::MspRoleType::Member),
            ("Org2MSP".to_owned(), common::msp_role::MspRoleType::Peer)
        ]
    );
}

#[test]
fn version_field_of_signature_policy_envelope() {
    let wire = Wire::new().int(1, 1).done();
    let spe: common::SignaturePolicyEnvelope = roundtrip(&wire);
    assert_eq!(spe.version, 1);
    assert!(spe.rule.is_none());
}

#[test]
fn application_policy_fields_in_both_packages() {
    let by_envelope = Wire::new().msg(1, two_org_envelope()).done();
    let by_reference = Wire::new()
        .bytes(2, b"/Channel/Application/Endorsement")
        .done();

    let p: common::ApplicationPolicy = roundtrip(&by_envelope);
    assert!(
        matches!(p.r#type, Some(common::application_policy::Type::SignaturePolicy(ref s)) if s.identities.len() == 2)
    );
    let p: protos::ApplicationPolicy = roundtrip(&by_envelope);
    assert!(
        matches!(p.r#type, Some(protos::application_policy::Type::SignaturePolicy(ref s)) if s.identities.len() == 2)
    );

    let p: common::ApplicationPolicy = roundtrip(&by_reference);
    assert_eq!(
        p.r#type,
        Some(
            common::application_policy::Type::ChannelConfigPolicyReference(
                "/Channel/Application/Endorsement".into()
            )
        )
    );
    let p: protos::ApplicationPolicy = roundtrip(&by_reference);
    assert_eq!(
        p.r#type,
        Some(
            protos::application_policy::Type::ChannelConfigPolicyReference(
                "/Channel/Application/Endorsement".into()
            )
        )
    );
}

#[test]
fn implicit_meta_policy_fields() {
    let wire = Wire::new().bytes(1, b"Admins").uint(2, 2).done();
    let p: common::ImplicitMetaPolicy = roundtrip(&wire);
    assert_eq!(p.sub_policy, "Admins");
    assert_eq!(p.rule(), common::implicit_meta_policy::Rule::Majority);
    let wire = Wire::new().uint(1, 3).bytes(2, b"imp").done();
    let p: common::Policy = roundtrip(&wire);
    assert_eq!(p.r#type, common::policy::PolicyType::ImplicitMeta as i32);
    assert_eq!(p.value, Bytes::from_static(b"imp"));
}

#[test]
fn fabric_node_ous_fields() {
    let ou = |cert: &[u8], name: &[u8]| Wire::new().bytes(1, cert).bytes(2, name);
    let wire = Wire::new()
        .uint(1, 1)
        .msg(2, ou(b"ca-c", b"client"))
        .msg(3, ou(b"ca-p", b"peer"))
        .msg(4, ou(b"ca-a", b"admin"))
        .msg(5, ou(b"ca-o", b"orderer"))
        .done();
    let n: msp::FabricNodeOUs = roundtrip(&wire);
    assert!(n.enable);
    let pair = |o: Option<msp::FabricOuIdentifier>| {
        let o = o.expect("identifier present");
        (
            String::from_utf8(o.certificate.to_vec()).expect("utf8"),
            o.organizational_unit_identifier,
        )
    };
    assert_eq!(
        pair(n.client_ou_identifier),
        ("ca-c".into(), "client".into())
    );
    assert_eq!(pair(n.peer_ou_identifier), ("ca-p".into(), "peer".into()));
    assert_eq!(pair(n.admin_ou_identifier), ("ca-a".into(), "admin".into()));
    assert_eq!(
        pair(n.orderer_ou_identifier),
        ("ca-o".into(), "orderer".into())
    );
}

#[test]
fn lifecycle_validation_info_and_state_data_fields() {
    let wire = Wire::new().bytes(1, b"vscc").bytes(2, b"param").done();
    let info: lifecycle::ChaincodeValidationInfo = roundtrip(&wire);
    assert_eq!(
        (
            info.validation_plugin.as_str(),
            info.validation_parameter.as_ref()
        ),
        ("vscc", &b"param"[..])
    );
    let wire = Wire::new()
        .bytes(1, b"1.0")
        .uint(2, 1)
        .bytes(3, b"escc")
        .done();
    let info: lifecycle::ChaincodeEndorsementInfo = roundtrip(&wire);
    assert_eq!(
        (
            info.version.as_str(),
            info.init_required,
            info.endorsement_plugin.as_str()
        ),
        ("1.0", true, "escc")
    );
    let wire = Wire::new().bytes(2, b"raw").done();
    let data: lifecycle::StateData = roundtrip(&wire);
    assert_eq!(
        data.r#type,
        Some(lifecycle::state_data::Type::Bytes(Bytes::from_static(
            b"raw"
        )))
    );
    let wire = Wire::new().int(1, -5).done();
    let data: lifecycle::StateData = roundtrip(&wire);
    assert_eq!(data.r#type, Some(lifecycle::state_data::Type::Int64(-5)));
}

#[test]
fn collection_config_fields() {
    let wire = Wire::new()
        .msg(
            1,
            Wire::new().msg(
                1,
                Wire::new()
                    .bytes(1, b"coll")
                    .msg(2, Wire::new().msg(1, two_org_envelope()))
                    .uint(3, 1)
                    .uint(4, 3)
                    .uint(5, 100)
                    .uint(6, 1)
                    .uint(7, 1)
                    .msg(8, Wire::new().bytes(2, b"/Channel/Application/Writers")),
            ),
        )
        .done();
    let pkg: protos::CollectionConfigPackage = roundtrip(&wire);
    let Some(protos::collection_config::Payload::StaticCollectionConfig(c)) =
        pkg.config[0].payload.clone()
    else {
        panic!("static_collection_config must be field 1");
    };
    assert_eq!(c.name, "coll");
    assert_eq!(
        (c.required_peer_count, c.maximum_peer_count, c.block_to_live),
        (1, 3, 100)
    );
    assert!(c.member_only_read && c.member_only_write);
    assert!(c.member_orgs_policy.and_then(|p| p.payload).is_some());
    assert!(c.endorsement_policy.and_then(|p| p.r#type).is_some());
    // The `common` copy is wire-identical.
    let legacy: common::CollectionConfigPackage = roundtrip(&wire);
    assert_eq!(legacy.config.len(), 1);
}

#[test]
fn chaincode_data_fields() {
    let wire = Wire::new()
        .bytes(1, b"mycc")
        .bytes(2, b"1.0")
        .bytes(3, b"escc")
        .bytes(4, b"vscc")
        .bytes(5, &two_org_envelope().0)
        .bytes(6, b"data")
        .bytes(7, b"id")
        .bytes(8, b"inst")
        .done();
    let cd: protos::ChaincodeData = roundtrip(&wire);
    assert_eq!(
        (
            cd.name.as_str(),
            cd.version.as_str(),
            cd.escc.as_str(),
            cd.vscc.as_str()
        ),
        ("mycc", "1.0", "escc", "vscc")
    );
    assert_eq!(
        common::SignaturePolicyEnvelope::decode(cd.policy)
            .expect("policy")
            .identities
            .len(),
        2
    );
    assert_eq!(
        (
            cd.data.as_ref(),
            cd.id.as_ref(),
            cd.instantiation_policy.as_ref()
        ),
        (&b"data"[..], &b"id"[..], &b"inst"[..])
    );
}

#[test]
fn block_and_metadata_fields() {
    let wire = Wire::new()
        .msg(
            1,
            Wire::new()
                .uint(1, 9)
                .bytes(2, b"prev")
                .bytes(3, b"data-hash"),
        )
        .msg(
            2,
            Wire::new()
                .bytes(1, b"env0")
                .bytes(1, b"")
                .bytes(1, b"env2"),
        )
        .msg(
            3,
            Wire::new()
                .bytes(1, b"sigs")
                .bytes(1, b"")
                .bytes(1, &[0, 11]),
        )
        .done();
    let block: common::Block = roundtrip(&wire);
    let header = block.header.expect("header");
    assert_eq!(
        (
            header.number,
            header.previous_hash.as_ref(),
            header.data_hash.as_ref()
        ),
        (9, &b"prev"[..], &b"data-hash"[..])
    );
    // Repeated bytes keep empty elements.
    assert_eq!(block.data.expect("data").data.len(), 3);
    let metadata = block.metadata.expect("metadata").metadata;
    assert_eq!(
        metadata[common::BlockMetadataIndex::TransactionsFilter as usize].as_ref(),
        &[0, 11]
    );

    let wire = Wire::new()
        .bytes(1, b"value")
        .msg(
            2,
            Wire::new().bytes(1, b"sh").bytes(2, b"sig").bytes(3, b"ih"),
        )
        .done();
    let md: common::Metadata = roundtrip(&wire);
    let sig = &md.signatures[0];
    assert_eq!(
        (
            sig.signature_header.as_ref(),
            sig.signature.as_ref(),
            sig.identifier_header.as_ref()
        ),
        (&b"sh"[..], &b"sig"[..], &b"ih"[..])
    );
    let wire = Wire::new()
        .msg(1, Wire::new().uint(1, 4))
        .bytes(2, b"consenter")
        .done();
    let obm: common::OrdererBlockMetadata = roundtrip(&wire);
    assert_eq!(obm.last_config.expect("last config").index, 4);
    assert_eq!(obm.consenter_metadata, Bytes::from_static(b"consenter"));
    let wire = Wire::new().uint(1, 3).bytes(2, b"n").done();
    let ih: common::IdentifierHeader = roundtrip(&wire);
    assert_eq!((ih.identifier, ih.nonce.as_ref()), (3, &b"n"[..]));
}

#[test]
fn bytes_fields_are_zero_copy_slices_of_the_input() {
    let wire = Wire::new()
        .bytes(1, b"the-payload")
        .bytes(2, b"the-signature")
        .done();
    let env = common::Envelope::decode(wire.clone()).expect("envelope");
    let range = wire.as_ptr_range();
    for field in [&env.payload, &env.signature] {
        assert!(
            range.contains(&field.as_ptr()),
            "bytes field was copied out of the input buffer"
        );
    }
    assert_eq!(&wire[2..13], env.payload.as_ref());
}

#[test]
fn unknown_fields_are_ignored_and_last_singular_field_wins() {
    let wire = Wire::new()
        .bytes(1, b"Org1MSP")
        .bytes(99, b"unknown")
        .uint(100, 7)
        .bytes(1, b"Org2MSP")
        .done();
    let id = msp::SerializedIdentity::decode(wire).expect("unknown fields accepted");
    assert_eq!(id.mspid, "Org2MSP");
    assert!(id.id_bytes.is_empty());
}

#[test]
fn invalid_utf8_in_string_field_is_rejected() {
    let wire = Wire::new().raw(&[0x0A, 0x02, 0xC3, 0x28]).done();
    let err = msp::SerializedIdentity::decode(wire).expect_err("invalid UTF-8 must fail");
    assert!(
        err.to_string().contains("UTF-8") || err.to_string().contains("utf-8"),
        "unexpected error: {err}"
    );
}

//! MSP behaviour on generated material (rcgen CAs, intermediates, leaves, CRLs).

mod common;

use std::sync::Arc;

use common::*;
use fabric_msp::{
    Identity, IdentityDeserializer, Msp, MspError, MspIdentity, MspManager, MspVersion,
};
use fabric_protos::common::msp_identity_anonymity::MspIdentityAnonymityType;
use fabric_protos::common::msp_principal::Classification;
use fabric_protos::common::msp_role::MspRoleType;
use fabric_protos::common::{CombinedPrincipal, MspIdentityAnonymity, MspPrincipal};
use fabric_protos::msp::FabricOuIdentifier;
use prost::Message;
use rcgen::ExtendedKeyUsagePurpose;

const ALL_VERSIONS: [MspVersion; 5] = [
    MspVersion::V1_0,
    MspVersion::V1_1,
    MspVersion::V1_3,
    MspVersion::V1_4_3,
    MspVersion::V3_0,
];

fn setup(config: &fabric_protos::msp::FabricMspConfig, version: MspVersion) -> Arc<Msp> {
    Arc::new(Msp::new(config, version).unwrap_or_else(|e| panic!("setup for {version}: {e}")))
}

fn identity(msp: &Arc<Msp>, pem: &str) -> MspIdentity {
    msp.deserialize_identity(&serialize(msp.name(), pem.as_bytes()))
        .unwrap_or_else(|e| panic!("deserialize: {e}"))
}

fn message_of(r: Result<(), MspError>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn leaf_under_intermediate_validates_and_carries_its_chain_identifier() {
    let root = TestCa::root("root");
    let inter = root.intermediate("inter");
    let leaf = inter.leaf("user1", &["engineering"]);
    let admin = inter.leaf("admin", &[]);
    let config = msp_config("OrgA", &[&root.pem], &[&inter.pem], &[&admin.pem]);
    let msp = setup(&config, MspVersion::V1_4_3);
    let id = identity(&msp, &leaf.pem);
    id.validate().expect("valid under intermediate");
    let ous = id.organizational_units();
    assert_eq!(ous.len(), 1);
    assert_eq!(ous[0].organizational_unit, "engineering");
    assert_eq!(
        ous[0].certifiers_identifier,
        chain_hash(&[&inter.der, &root.der])
    );

    // OU principal with the right certifiers id holds, with a wrong one it does not.
    let good = ou_principal("OrgA", "engineering", &chain_hash(&[&inter.der, &root.der]));
    id.satisfies_principal(&good).expect("OU principal");
    let wrong = ou_principal("OrgA", "engineering", &chain_hash(&[&root.der]));
    assert!(message_of(id.satisfies_principal(&wrong)).contains("do not match"));
    let other_msp = ou_principal("OrgB", "engineering", &chain_hash(&[&inter.der, &root.der]));
    assert!(message_of(id.satisfies_principal(&other_msp)).contains("different MSP"));
}

#[test]
fn leaf_signed_directly_by_an_internal_node_is_rejected() {
    let root = TestCa::root("root");
    let inter = root.intermediate("inter");
    let admin = inter.leaf("admin", &[]);
    let direct = root.leaf("direct", &[]);
    let config = msp_config("OrgA", &[&root.pem], &[&inter.pem], &[&admin.pem]);
    let msp = setup(&config, MspVersion::V1_4_3);
    let id = identity(&msp, &direct.pem);
    let err = message_of(id.validate());
    assert!(
        err.contains("Parent certificate should be a leaf of the certification tree"),
        "{err}"
    );
}

#[test]
fn revoked_leaf_is_rejected_only_by_a_crl_of_its_issuer() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let good = root.leaf("good", &[]);
    let revoked = root.leaf("revoked", &[]);

    let mut config = msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]);
    config.revocation_list = vec![root.crl(&[&revoked.serial]).into_bytes().into()];
    let msp = setup(&config, MspVersion::V1_4_3);
    identity(&msp, &good.pem).validate().expect("not revoked");
    let err = message_of(identity(&msp, &revoked.pem).validate());
    assert!(err.contains("The certificate has been revoked"), "{err}");

    // The same CRL content signed by another key (but claiming the root's key id) is ignored.
    let impostor = TestCa::root("impostor");
    let forged_issuer = rcgen::Issuer::from_params(&root.params, &impostor.key);
    let mut config = msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]);
    config.revocation_list = vec![crl_signed_by(&forged_issuer, &[&revoked.serial])
        .into_bytes()
        .into()];
    let msp = setup(&config, MspVersion::V1_4_3);
    identity(&msp, &revoked.pem)
        .validate()
        .expect("forged CRL must not revoke");
}

#[test]
fn revoked_intermediate_fails_setup() {
    let root = TestCa::root("root");
    let inter = root.intermediate("inter");
    let admin = inter.leaf("admin", &[]);
    let serial = inter
        .params
        .serial_number
        .as_ref()
        .expect("serial")
        .to_bytes();
    let mut config = msp_config("OrgA", &[&root.pem], &[&inter.pem], &[&admin.pem]);
    config.revocation_list = vec![root.crl(&[&serial]).into_bytes().into()];
    let err = Msp::new(&config, MspVersion::V1_4_3).expect_err("revoked intermediate");
    assert!(err.to_string().contains("revoked"), "{err}");
}

#[test]
fn ca_certificate_used_as_identity_is_rejected() {
    let root = TestCa::root("root");
    let inter = root.intermediate("inter");
    let admin = inter.leaf("admin", &[]);
    let config = msp_config("OrgA", &[&root.pem], &[&inter.pem], &[&admin.pem]);
    let msp = setup(&config, MspVersion::V1_4_3);
    for pem in [&root.pem, &inter.pem] {
        let err = message_of(identity(&msp, pem).validate());
        assert!(err.contains("cannot be used as an identity"), "{err}");
    }
}

#[test]
fn leaf_from_another_ca_does_not_deserialize() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let other = TestCa::root("other");
    let stranger = other.leaf("stranger", &[]);
    let msp = setup(
        &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    );
    let err = msp
        .deserialize_identity(&serialize("OrgA", stranger.pem.as_bytes()))
        .expect_err("no chain");
    assert!(matches!(err, MspError::Certificate(_)), "{err}");
    assert!(err.to_string().contains("unknown authority"), "{err}");
}

#[test]
fn expired_leaf_still_validates_but_ca_must_cover_its_not_before() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let expired = root.leaf_with("old", &[], |p| {
        p.not_before = rcgen::date_time_ymd(2021, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 6, 1);
    });
    let msp = setup(
        &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    );
    identity(&msp, &expired.pem)
        .validate()
        .expect("expiry is not checked");

    // Issued "before" the root existed: the root is not valid at NotBefore + 1s.
    let too_early = root.leaf_with("early", &[], |p| {
        p.not_before = rcgen::date_time_ymd(2019, 1, 1);
    });
    let err = msp
        .deserialize_identity(&serialize("OrgA", too_early.pem.as_bytes()))
        .expect_err("CA not yet valid");
    assert!(
        err.to_string().contains("expired or is not yet valid"),
        "{err}"
    );
}

#[test]
fn eku_nesting_rule() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let msp = setup(
        &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    );
    let server = root.leaf_with(
        "server",
        &[],
        eku(vec![ExtendedKeyUsagePurpose::ServerAuth]),
    );
    identity(&msp, &server.pem)
        .validate()
        .expect("serverAuth is allowed");
    let any = root.leaf_with("any", &[], eku(vec![ExtendedKeyUsagePurpose::Any]));
    identity(&msp, &any.pem)
        .validate()
        .expect("anyExtendedKeyUsage is allowed");
    let client = root.leaf_with(
        "client",
        &[],
        eku(vec![ExtendedKeyUsagePurpose::ClientAuth]),
    );
    let err = msp
        .deserialize_identity(&serialize("OrgA", client.pem.as_bytes()))
        .expect_err("clientAuth only");
    assert!(err.to_string().contains("incompatible key usage"), "{err}");

    // A root restricted to clientAuth constrains every chain below it.
    let narrow = TestCa::root_with("narrow", eku(vec![ExtendedKeyUsagePurpose::ClientAuth]));
    let narrow_admin = narrow.leaf("admin", &[]);
    let err = Msp::new(
        &msp_config("OrgN", &[&narrow.pem], &[], &[&narrow_admin.pem]),
        MspVersion::V1_4_3,
    )
    .expect_err("admin cannot chain");
    assert!(err.to_string().contains("incompatible key usage"), "{err}");
}

#[test]
fn path_length_constraint_is_enforced() {
    let root = TestCa::root_with("root", |p| {
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    });
    let inter = root.intermediate("inter");
    let admin = inter.leaf("admin", &[]);
    let err = Msp::new(
        &msp_config("OrgA", &[&root.pem], &[&inter.pem], &[&admin.pem]),
        MspVersion::V1_4_3,
    )
    .expect_err("pathlen 0 forbids a leaf below an intermediate");
    assert!(err.to_string().contains("path length"), "{err}");
}

#[test]
fn admins_by_admincerts_per_version() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let user = root.leaf("user", &[]);
    for version in ALL_VERSIONS {
        let msp = setup(
            &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
            version,
        );
        let a = identity(&msp, &admin.pem);
        let u = identity(&msp, &user.pem);
        a.satisfies_principal(&role("OrgA", MspRoleType::Admin))
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        assert!(u
            .satisfies_principal(&role("OrgA", MspRoleType::Admin))
            .is_err());
        u.satisfies_principal(&role("OrgA", MspRoleType::Member))
            .expect("member");
        assert!(
            message_of(u.satisfies_principal(&role("OrgB", MspRoleType::Member)))
                .contains("different MSP")
        );
        // NodeOUs are off: peer/client cannot be told apart.
        let err = message_of(u.satisfies_principal(&role("OrgA", MspRoleType::Peer)));
        assert!(err.contains("NodeOUs not activated"), "{version}: {err}");
        // Without NodeOUs even v1.4.3 falls back to the v1.3 rules, where ORDERER is unknown.
        let err = message_of(u.satisfies_principal(&role("OrgA", MspRoleType::Orderer)));
        assert!(err.contains("invalid MSP role type 4"), "{version}: {err}");
    }
}

#[test]
fn node_ou_roles_per_version() {
    let root = TestCa::root("root");
    let admin_cert = root.leaf("admin", &["client"]);
    let client = root.leaf("client1", &["client"]);
    let peer = root.leaf("peer1", &["peer"]);
    let ou_admin = root.leaf("admin2", &["admin"]);
    let orderer = root.leaf("orderer1", &["orderer"]);
    let both = root.leaf("both", &["client", "peer"]);
    let none = root.leaf("none", &["other"]);

    for version in ALL_VERSIONS {
        let mut config = msp_config("OrgA", &[&root.pem], &[], &[&admin_cert.pem]);
        config.fabric_node_ous = Some(standard_node_ous());
        let msp = setup(&config, version);
        let check = |leaf: &TestLeaf, r: MspRoleType| {
            identity(&msp, &leaf.pem).satisfies_principal(&role("OrgA", r))
        };
        match version {
            MspVersion::V1_0 => {
                // No NodeOUs at all in v1.0.
                assert!(!msp.node_ous_enforced());
                assert!(check(&client, MspRoleType::Client).is_err());
                check(&none, MspRoleType::Member).expect("member");
                check(&both, MspRoleType::Member).expect("no OU rule in v1.0");
            }
            MspVersion::V1_1 | MspVersion::V1_3 => {
                assert!(msp.node_ous_enforced());
                check(&client, MspRoleType::Client).expect("client");
                check(&peer, MspRoleType::Peer).expect("peer");
                assert!(check(&client, MspRoleType::Peer).is_err());
                check(&peer, MspRoleType::Member).expect("peer is member");
                // Admin and orderer OUs are not roles before v1.4.3: such identities are invalid.
                let err = message_of(check(&ou_admin, MspRoleType::Member));
                assert!(err.contains("resolves to client or peer"), "{err}");
                assert!(check(&ou_admin, MspRoleType::Admin).is_err());
                assert!(message_of(check(&orderer, MspRoleType::Orderer))
                    .contains("invalid MSP role type"));
                let err = message_of(check(&both, MspRoleType::Member));
                assert!(err.contains("not a combination"), "{err}");
                assert!(check(&none, MspRoleType::Member).is_err());
                check(&admin_cert, MspRoleType::Admin).expect("admincert");
            }
            _ => {
                assert!(msp.node_ous_enforced());
                check(&client, MspRoleType::Client).expect("client");
                check(&peer, MspRoleType::Peer).expect("peer");
                check(&ou_admin, MspRoleType::Admin).expect("admin by OU");
                check(&ou_admin, MspRoleType::Member).expect("admin is member");
                check(&orderer, MspRoleType::Orderer).expect("orderer");
                assert!(check(&client, MspRoleType::Admin).is_err());
                assert!(check(&peer, MspRoleType::Orderer).is_err());
                check(&admin_cert, MspRoleType::Admin).expect("admincert");
                let err = message_of(check(&both, MspRoleType::Member));
                assert!(err.contains("not a combination"), "{err}");
                let err = message_of(check(&none, MspRoleType::Member));
                assert!(err.contains("does not have an OU"), "{err}");
            }
        }
    }
}

#[test]
fn v143_admins_may_be_omitted_only_with_an_admin_ou() {
    let root = TestCa::root("root");
    let mut config = msp_config("OrgA", &[&root.pem], &[], &[]);
    let err = Msp::new(&config, MspVersion::V1_4_3).expect_err("no admins");
    assert!(
        err.to_string().contains("administrators must be declared"),
        "{err}"
    );
    config.fabric_node_ous = Some(standard_node_ous());
    Msp::new(&config, MspVersion::V1_4_3).expect("admin OU declared");
    // NodeOUs with no identifier at all are disabled even when enabled.
    let mut empty = standard_node_ous();
    empty.client_ou_identifier = None;
    empty.peer_ou_identifier = None;
    empty.admin_ou_identifier = None;
    empty.orderer_ou_identifier = None;
    config.fabric_node_ous = Some(empty);
    assert!(Msp::new(&config, MspVersion::V1_4_3).is_err());
}

#[test]
fn admin_without_client_or_admin_ou_fails_setup_when_node_ous_are_on() {
    let root = TestCa::root("root");
    let peer_admin = root.leaf("admin", &["peer"]);
    let mut config = msp_config("OrgA", &[&root.pem], &[], &[&peer_admin.pem]);
    config.fabric_node_ous = Some(standard_node_ous());
    for version in [MspVersion::V1_1, MspVersion::V1_4_3] {
        let err = Msp::new(&config, version).expect_err("peer admin");
        assert!(
            err.to_string().contains("admin 0 is invalid"),
            "{version}: {err}"
        );
    }
}

#[test]
fn ou_identifiers_restrict_members_with_certifiers() {
    let root = TestCa::root("root");
    let inter_a = root.intermediate("inter-a");
    let inter_b = root.intermediate("inter-b");
    let admin = inter_a.leaf("admin", &["sales"]);
    let sales_a = inter_a.leaf("s1", &["sales"]);
    let sales_b = inter_b.leaf("s2", &["sales"]);
    let hr_a = inter_a.leaf("h1", &["hr"]);
    let no_ou = inter_a.leaf("n1", &[]);

    let mut config = msp_config(
        "OrgA",
        &[&root.pem],
        &[&inter_a.pem, &inter_b.pem],
        &[&admin.pem],
    );
    config.organizational_unit_identifiers = vec![FabricOuIdentifier {
        certificate: inter_a.pem.clone().into_bytes().into(),
        organizational_unit_identifier: "sales".into(),
    }];
    let msp = setup(&config, MspVersion::V1_4_3);
    assert_eq!(
        msp.ou_identifiers().get("sales"),
        Some(&vec![chain_hash(&[&inter_a.der, &root.der])])
    );
    identity(&msp, &sales_a.pem)
        .validate()
        .expect("sales via inter-a");
    let err = message_of(identity(&msp, &sales_b.pem).validate());
    assert!(
        err.contains("none of the identity's organizational units"),
        "{err}"
    );
    assert!(identity(&msp, &hr_a.pem).validate().is_err());
    let err = message_of(identity(&msp, &no_ou.pem).validate());
    assert!(
        err.contains("does not contain an Organizational Unit"),
        "{err}"
    );

    // An OU identifier naming a certificate that is not a CA of this MSP fails setup.
    let stranger = TestCa::root("stranger");
    config.organizational_unit_identifiers[0].certificate =
        stranger.pem.clone().into_bytes().into();
    assert!(Msp::new(&config, MspVersion::V1_4_3).is_err());
}

#[test]
fn node_ou_certifiers_identifier_is_enforced() {
    let root = TestCa::root("root");
    let inter_a = root.intermediate("inter-a");
    let inter_b = root.intermediate("inter-b");
    let admin = inter_a.leaf("admin", &["client"]);
    let peer_a = inter_a.leaf("p1", &["peer"]);
    let peer_b = inter_b.leaf("p2", &["peer"]);
    let mut node_ous = standard_node_ous();
    node_ous.peer_ou_identifier = Some(FabricOuIdentifier {
        certificate: inter_a.pem.clone().into_bytes().into(),
        organizational_unit_identifier: "peer".into(),
    });
    let mut config = msp_config(
        "OrgA",
        &[&root.pem],
        &[&inter_a.pem, &inter_b.pem],
        &[&admin.pem],
    );
    config.fabric_node_ous = Some(node_ous);
    let msp = setup(&config, MspVersion::V1_4_3);
    identity(&msp, &peer_a.pem)
        .satisfies_principal(&role("OrgA", MspRoleType::Peer))
        .expect("peer of inter-a");
    let err = message_of(identity(&msp, &peer_b.pem).validate());
    assert!(err.contains("certifiersIdentifier does not match"), "{err}");
}

#[test]
fn combined_anonymity_and_identity_principals() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &["client"]);
    let peer = root.leaf("peer1", &["peer"]);
    let other = root.leaf("peer2", &["peer"]);
    let combined = |parts: Vec<MspPrincipal>| MspPrincipal {
        principal_classification: Classification::Combined as i32,
        principal: CombinedPrincipal { principals: parts }
            .encode_to_vec()
            .into(),
    };
    let anonymity = |t: MspIdentityAnonymityType| MspPrincipal {
        principal_classification: Classification::Anonymity as i32,
        principal: MspIdentityAnonymity {
            anonymity_type: t as i32,
        }
        .encode_to_vec()
        .into(),
    };
    let identity_principal = |pem: &str| MspPrincipal {
        principal_classification: Classification::Identity as i32,
        principal: serialize("OrgA", pem.as_bytes()).into(),
    };
    for version in ALL_VERSIONS {
        let mut config = msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]);
        config.fabric_node_ous = Some(standard_node_ous());
        let msp = setup(&config, version);
        let id = identity(&msp, &peer.pem);
        let peer_and_member = combined(vec![
            role("OrgA", MspRoleType::Member),
            combined(vec![role("OrgA", MspRoleType::Peer)]),
        ]);
        let peer_and_client = combined(vec![
            role("OrgA", MspRoleType::Peer),
            role("OrgA", MspRoleType::Client),
        ]);
        id.satisfies_principal(&identity_principal(&peer.pem))
            .expect("same identity");
        assert!(
            message_of(id.satisfies_principal(&identity_principal(&other.pem)))
                .contains("do not match")
        );
        if version < MspVersion::V1_3 {
            let err = message_of(id.satisfies_principal(&peer_and_member));
            assert!(err.contains("invalid principal type 4"), "{version}: {err}");
            let err =
                message_of(id.satisfies_principal(&anonymity(MspIdentityAnonymityType::Nominal)));
            assert!(err.contains("invalid principal type 3"), "{version}: {err}");
        } else {
            id.satisfies_principal(&peer_and_member)
                .expect("AND of member and peer");
            assert!(id.satisfies_principal(&peer_and_client).is_err());
            assert!(message_of(id.satisfies_principal(&combined(vec![]))).contains("No principals"));
            id.satisfies_principal(&anonymity(MspIdentityAnonymityType::Nominal))
                .expect("nominal");
            assert!(id
                .satisfies_principal(&anonymity(MspIdentityAnonymityType::Anonymous))
                .is_err());
        }
    }
}

#[test]
fn pem_leniency_at_deserialization() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let user = root.leaf("user", &[]);
    let msp = setup(
        &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    );
    let plain = identity(&msp, &user.pem);

    let body: String = user
        .pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    let variants = [
        format!("leading text\nmore text\n{}", user.pem),
        format!("-----BEGIN CERTIFICATE-----\nProc-Type: 4,X\nComment: hi\n\n{body}\n-----END CERTIFICATE-----\n"),
        format!("{}trailing junk -----BEGIN nonsense", user.pem),
        format!("-----BEGIN SOMETHING ELSE-----\n{body}\n-----END SOMETHING ELSE-----"),
        format!("{}{}", user.pem, admin.pem),
    ];
    for v in &variants {
        let id = identity(&msp, v);
        assert_eq!(id.id(), plain.id(), "variant {v:?}");
        id.validate().expect("lenient PEM identity validates");
    }
    let err = msp
        .deserialize_identity(&serialize("OrgA", body.as_bytes()))
        .expect_err("no PEM block");
    assert!(
        err.to_string()
            .contains("could not decode the PEM structure"),
        "{err}"
    );
}

#[test]
fn high_s_certificate_is_sanitised_and_identified_by_sanitised_der() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let user = root.leaf("user", &[]);
    let msp = setup(
        &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    );
    let low = identity(&msp, &user.pem);

    let high_der = with_high_s_signature(&user.der);
    assert_ne!(high_der, low.certificate().der());
    let high = identity(&msp, &to_pem(&high_der));
    let sanitised = high.certificate().der();
    assert_ne!(
        sanitised,
        high_der.as_slice(),
        "sanitisation must change the DER"
    );
    assert_eq!(high.id(), hex::encode(fabric_crypto::sha256(sanitised)));
    assert_ne!(high.id(), hex::encode(fabric_crypto::sha256(&high_der)));
    // TBS kept verbatim; the signature is the low-S twin, i.e. the original signature.
    assert_eq!(high.certificate().tbs_der(), low.certificate().tbs_der());
    let sig =
        fabric_crypto::EcdsaSignature::from_der(high.certificate().signature_value()).expect("sig");
    assert!(sig.is_low_s());
    assert_eq!(high.certificate().der(), user.der.as_slice());
    assert_eq!(high.id(), low.id());
    high.validate().expect("sanitised identity validates");
    // A certificate whose signature already is canonical low-S is left byte-for-byte alone.
    assert_eq!(low.certificate().der(), user.der.as_slice());
    assert_eq!(low.id(), hex::encode(fabric_crypto::sha256(&user.der)));
}

#[test]
fn high_s_root_is_sanitised_at_setup() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let high_root = to_pem(&with_high_s_signature(&root.der));
    let msp = setup(
        &msp_config("OrgA", &[&high_root], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    );
    let stored: Vec<&[u8]> = msp.root_certificates().collect();
    assert_eq!(stored.len(), 1);
    let sig = fabric_crypto::EcdsaSignature::from_der(
        fabric_msp::Certificate::from_der(stored[0])
            .expect("root")
            .signature_value(),
    )
    .expect("sig");
    assert!(sig.is_low_s());
    // The OU certifiers identifier of identities is computed over the sanitised root.
    let user = root.leaf("user", &["x"]);
    let id = identity(&msp, &user.pem);
    assert_eq!(
        id.organizational_units()[0].certifiers_identifier,
        chain_hash(&[stored[0]])
    );
}

#[test]
fn setup_rejections_name_the_problem() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let err = Msp::new(
        &msp_config("OrgA", &[], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    )
    .expect_err("no roots");
    assert!(
        err.to_string()
            .contains("expected at least one CA certificate"),
        "{err}"
    );

    let not_ca = root.leaf("notca", &[]);
    let err = Msp::new(
        &msp_config("OrgA", &[&root.pem, &not_ca.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    )
    .expect_err("leaf as root");
    assert!(err.to_string().contains("root certificate 1"), "{err}");

    let other = TestCa::root("other");
    let orphan = other.intermediate("orphan");
    let err = Msp::new(
        &msp_config("OrgA", &[&root.pem], &[&orphan.pem], &[&admin.pem]),
        MspVersion::V1_4_3,
    )
    .expect_err("intermediate without root");
    assert!(
        err.to_string().contains("intermediate certificate 0"),
        "{err}"
    );

    let mut config = msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]);
    config.crypto_config = Some(fabric_protos::msp::FabricCryptoConfig {
        signature_hash_family: "SHA3".into(),
        identity_identifier_hash_function: String::new(),
    });
    assert!(Msp::new(&config, MspVersion::V1_4_3)
        .expect_err("sha3")
        .to_string()
        .contains("SHA3"));

    let err = Msp::new(
        &msp_config("OrgA", &[&root.pem], &[], &["garbage"]),
        MspVersion::V1_4_3,
    )
    .expect_err("garbage admin");
    assert!(err.to_string().contains("admin certificate 0"), "{err}");
}

#[test]
fn verify_uses_the_identity_key_and_rejects_high_s() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let user = root.leaf("user", &[]);
    for backend in fabric_crypto::backends() {
        let msp = Arc::new(
            Msp::with_backend(
                &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
                MspVersion::V1_4_3,
                backend,
            )
            .expect("setup"),
        );
        let id = identity(&msp, &user.pem);
        let message = b"proposal response payload || endorser".to_vec();
        let signature = user.key.sign(&message);
        id.verify(&message, &signature).expect("verifies");
        assert!(identity(&msp, &admin.pem)
            .verify(&message, &signature)
            .is_err());
        let twin = fabric_crypto::EcdsaSignature::from_der(&signature)
            .expect("der")
            .to_high_s_twin()
            .to_der();
        let err = id.verify(&message, &twin).expect_err("high-S");
        assert!(
            err.to_string().contains("Invalid S"),
            "{}: {err}",
            backend.name()
        );
    }
}

#[test]
fn manager_caches_by_serialized_bytes() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let user = root.leaf("user", &[]);
    let msp = Msp::new(
        &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    )
    .expect("setup");
    let manager = Arc::new(MspManager::new([msp], 8).expect("manager"));
    let bytes = serialize("OrgA", user.pem.as_bytes());

    let first = manager.deserialize_identity(&bytes).expect("first");
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let manager = Arc::clone(&manager);
            let bytes = bytes.clone();
            std::thread::spawn(move || {
                for _ in 0..250 {
                    let id = manager.deserialize_identity(&bytes).expect("cached");
                    id.validate().expect("valid");
                    id.satisfies_principal(&role("OrgA", MspRoleType::Member))
                        .expect("member");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let msp = manager.msp("OrgA").expect("msp");
    assert_eq!(msp.deserialization_count(), 1, "parsed once");
    assert_eq!(
        msp.validation_count(),
        2,
        "admin at setup + the identity once"
    );
    let stats = manager.cache_stats();
    assert_eq!(stats.hits, 1000);
    assert_eq!(stats.misses, 1);
    assert!(first.same_object(&manager.deserialize_identity(&bytes).expect("again")));

    // Failures are not cached; unknown MSPs are reported by name.
    let err = manager
        .deserialize_identity(&serialize("OrgZ", user.pem.as_bytes()))
        .expect_err("unknown");
    assert_eq!(err, MspError::UnknownMsp("OrgZ".into()));
    assert!(matches!(
        manager.deserialize_identity(b"\xff\xff"),
        Err(MspError::Deserialize(_))
    ));
    assert_eq!(manager.cache_stats().entries, 1);

    // Bounded: many distinct serializations evict.
    for i in 0..40 {
        let variant = format!("junk {i}\n{}", user.pem);
        manager
            .deserialize_identity(&serialize("OrgA", variant.as_bytes()))
            .expect("variant");
    }
    let stats = manager.cache_stats();
    assert!(stats.entries <= stats.capacity, "{stats:?}");
    assert!(stats.evictions > 0, "{stats:?}");
}

#[test]
fn wrong_msp_id_on_single_msp() {
    let root = TestCa::root("root");
    let admin = root.leaf("admin", &[]);
    let msp = setup(
        &msp_config("OrgA", &[&root.pem], &[], &[&admin.pem]),
        MspVersion::V1_4_3,
    );
    let err = msp
        .deserialize_identity(&serialize("OrgB", admin.pem.as_bytes()))
        .expect_err("wrong msp");
    assert_eq!(
        err,
        MspError::WrongMsp {
            expected: "OrgA".into(),
            received: "OrgB".into()
        }
    );
}

/// A self-signed certificate whose subject OU uses the given string type.
fn certificate_with_ou(ou: rcgen::DnValue) -> Vec<u8> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(vec![]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "user1");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationalUnitName, ou);
    params
        .self_signed(&key)
        .expect("certificate")
        .der()
        .to_vec()
}

#[test]
fn name_attributes_of_string_types_go_does_not_parse_reject_the_certificate() {
    // Go's parseName fails the whole certificate on an attribute value of an unsupported
    // string type (checked with Go's crypto/x509: "unsupported string type: 28").
    let universal = rcgen::string::UniversalString::try_from("client".to_string()).unwrap();
    let err = fabric_msp::Certificate::from_der(&certificate_with_ou(
        rcgen::DnValue::UniversalString(universal),
    ))
    .unwrap_err();
    assert!(
        err.to_string().contains("unsupported string type: 28"),
        "{err}"
    );
    let printable = rcgen::string::PrintableString::try_from("client").unwrap();
    let cert = fabric_msp::Certificate::from_der(&certificate_with_ou(
        rcgen::DnValue::PrintableString(printable),
    ))
    .unwrap();
    assert_eq!(cert.organizational_units(), ["client".to_string()]);
}

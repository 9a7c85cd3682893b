//! Certificates, keys, CRLs, MSP configs and folders.

mod common;

use common::{all_orgs, sample};
use fabric_crypto::{default_backend, sha256, verify_signature, P256PublicKey, SigningKey};
use fabric_protos::msp::{FabricMspConfig, MspConfig};
use fabric_protos::Message;
use fabric_testgen::clock::{NOT_BEFORE_UNIX, VALIDITY_DAYS};
use fabric_testgen::msp::{NodeRole, OrgKind, OrgMaterial, OrgSpec};
use fabric_testgen::Seed;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::X509Certificate;

struct Exts {
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    ca: Option<bool>,
    key_cert_sign: bool,
    digital_signature: bool,
}

fn extensions(cert: &X509Certificate<'_>) -> Exts {
    let mut e = Exts {
        ski: None,
        aki: None,
        ca: None,
        key_cert_sign: false,
        digital_signature: false,
    };
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => e.ski = Some(k.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                e.aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            ParsedExtension::BasicConstraints(bc) => {
                assert!(ext.critical, "basic constraints are critical");
                e.ca = Some(bc.ca);
            }
            ParsedExtension::KeyUsage(ku) => {
                assert!(ext.critical, "key usage is critical");
                e.key_cert_sign = ku.key_cert_sign();
                e.digital_signature = ku.digital_signature();
            }
            _ => {}
        }
    }
    e
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    let (rest, cert) = x509_parser::parse_x509_certificate(der).expect("certificate parses");
    assert!(rest.is_empty());
    cert
}

fn key_of(cert: &X509Certificate<'_>) -> P256PublicKey {
    P256PublicKey::from_sec1(&cert.public_key().subject_public_key.data).expect("P-256 key")
}

fn check_signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) {
    verify_signature(
        default_backend(),
        &key_of(issuer),
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
    .expect("certificate signature verifies with the issuer key (and is low-S)");
    assert_eq!(cert.issuer(), issuer.subject());
}

fn check_org(org: &OrgMaterial) {
    let root = parse(&org.root_ca().cert.der);
    let root_ext = extensions(&root);
    assert_eq!(root_ext.ca, Some(true));
    assert!(root_ext.key_cert_sign);
    assert_eq!(
        root_ext.ski.as_deref(),
        Some(sha256(key_of(&root).as_sec1()).as_slice()),
        "SKI = SHA-256(point)"
    );
    check_signed_by(&root, &root);
    assert_eq!(root.validity().not_before.timestamp(), NOT_BEFORE_UNIX);
    assert_eq!(
        root.validity().not_after.timestamp(),
        NOT_BEFORE_UNIX + VALIDITY_DAYS * 86_400
    );
    let issuing = parse(&org.issuing_ca().cert.der);
    if let Some(ica) = org.intermediate_ca() {
        let ica_cert = parse(&ica.cert.der);
        let ext = extensions(&ica_cert);
        assert_eq!(ext.ca, Some(true));
        assert_eq!(ext.aki, root_ext.ski, "intermediate AKI = root SKI");
        check_signed_by(&ica_cert, &root);
    }
    let issuing_ski = extensions(&issuing).ski;
    for identity in org.identities() {
        let cert = parse(&identity.cert().der);
        let ext = extensions(&cert);
        assert_eq!(ext.ca, Some(false), "{} is not a CA", identity.label());
        assert!(ext.digital_signature && !ext.key_cert_sign);
        assert!(ext.ski.is_none(), "cryptogen leaves carry no SKI");
        assert_eq!(ext.aki, issuing_ski, "{} AKI", identity.label());
        check_signed_by(&cert, &issuing);
        assert_eq!(key_of(&cert).as_sec1(), identity.public_key().as_sec1());
        let cn: Vec<&str> = cert
            .subject()
            .iter_common_name()
            .map(|a| a.as_str().expect("CN"))
            .collect();
        assert_eq!(cn, vec![identity.common_name()]);
        let ous: Vec<&str> = cert
            .subject()
            .iter_organizational_unit()
            .map(|a| a.as_str().expect("OU"))
            .collect();
        if org.spec().node_ous {
            assert_eq!(ous, vec![identity.role().ou()], "{} OU", identity.label());
        } else {
            assert!(
                ous.is_empty(),
                "{} has no OU without NodeOUs",
                identity.label()
            );
        }
        assert!(
            cert.subject().iter_organization().next().is_none(),
            "leaves have no O, as cryptogen"
        );
        // The keystore PEM holds the same key, and the serialized identity carries the PEM.
        let key = SigningKey::from_pkcs8_pem(&identity.key().to_pkcs8_pem()).expect("PKCS#8");
        assert_eq!(key.public_key().as_sec1(), identity.public_key().as_sec1());
        let sid = fabric_protos::msp::SerializedIdentity::decode(identity.serialized().clone())
            .expect("SerializedIdentity");
        assert_eq!(sid.mspid, org.msp_id());
        assert_eq!(sid.id_bytes.as_ref(), identity.cert().pem.as_bytes());
    }
}

#[test]
fn certificates_have_cryptogen_shape_and_verify() {
    for org in all_orgs(sample()) {
        check_org(org);
    }
    let plain = OrgMaterial::generate(&Seed::new("x"), OrgSpec::application(7)).expect("generate");
    check_org(&plain);
}

#[test]
fn crl_revokes_the_chosen_client() {
    let ledger = sample();
    let org2 = &ledger.app_orgs[1];
    let client2 = org2.identity("client2").expect("client2");
    assert!(client2.is_revoked());
    assert!(!org2.identity("client").expect("client").is_revoked());
    let crl_material = org2.crl().expect("CRL");
    let (_, crl) = x509_parser::parse_x509_crl(&crl_material.der).expect("CRL parses");
    let serials: Vec<&[u8]> = crl
        .iter_revoked_certificates()
        .map(|r| r.raw_serial())
        .collect();
    assert_eq!(serials, vec![client2.cert().serial.as_slice()]);
    let issuing = parse(&org2.issuing_ca().cert.der);
    verify_signature(
        default_backend(),
        &key_of(&issuing),
        crl.tbs_cert_list.as_ref(),
        &crl.signature_value.data,
    )
    .expect("CRL signature verifies with the issuing CA");
    let aki = crl
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        });
    assert_eq!(
        aki,
        extensions(&issuing).ski,
        "CRL AKI = issuing CA SKI (Fabric matches them)"
    );
}

#[test]
fn msp_config_lists_what_configtxgen_would() {
    let ledger = sample();
    for org in all_orgs(ledger) {
        let msp = MspConfig::decode(org.msp_config_bytes()).expect("MSPConfig");
        assert_eq!(msp.r#type, 0);
        let fabric = FabricMspConfig::decode(msp.config).expect("FabricMSPConfig");
        assert_eq!(fabric.name, org.msp_id());
        assert_eq!(
            fabric.root_certs,
            vec![org.root_ca().cert.pem.as_bytes().to_vec()]
        );
        assert_eq!(
            fabric.intermediate_certs.len(),
            usize::from(org.intermediate_ca().is_some())
        );
        let crypto = fabric.crypto_config.expect("crypto config");
        assert_eq!(
            (
                crypto.signature_hash_family.as_str(),
                crypto.identity_identifier_hash_function.as_str()
            ),
            ("SHA2", "SHA256")
        );
        assert_eq!(
            fabric.revocation_list.len(),
            usize::from(org.crl().is_some())
        );
        if let Some(crl) = org.crl() {
            assert_eq!(
                fabric.revocation_list[0].as_ref(),
                crl.der.as_slice(),
                "CRLs go in as DER"
            );
        }
        let ous = fabric.fabric_node_ous.expect("NodeOUs in sample-2org");
        assert!(ous.enable);
        let peer = ous.peer_ou_identifier.expect("peer OU");
        assert_eq!(peer.organizational_unit_identifier, "peer");
        assert_eq!(
            peer.certificate.as_ref(),
            org.issuing_ca().cert.pem.as_bytes()
        );
        assert!(
            fabric.admins.is_empty(),
            "admins come from the admin OU with NodeOUs"
        );
    }
    let plain = OrgMaterial::generate(&Seed::new("x"), OrgSpec::application(1)).expect("generate");
    let fabric = FabricMspConfig::decode(
        MspConfig::decode(plain.msp_config_bytes())
            .expect("MSPConfig")
            .config,
    )
    .expect("FabricMSPConfig");
    assert!(fabric.fabric_node_ous.is_none());
    assert_eq!(
        fabric.admins,
        vec![plain
            .identity("admin")
            .expect("admin")
            .cert()
            .pem
            .as_bytes()
            .to_vec()]
    );
}

#[test]
fn msp_folders_follow_fabric_layout() {
    let ledger = sample();
    let files = &ledger.files;
    let org1 = "crypto/Org1MSP";
    assert!(files
        .get(&format!("{org1}/msp/cacerts/ca.org1.example.com-cert.pem"))
        .is_some());
    let yaml = std::str::from_utf8(
        files
            .get(&format!("{org1}/msp/config.yaml"))
            .expect("config.yaml"),
    )
    .expect("utf8");
    for key in [
        "NodeOUs:",
        "Enable: true",
        "ClientOUIdentifier:",
        "PeerOUIdentifier:",
        "AdminOUIdentifier:",
        "OrdererOUIdentifier:",
        "Certificate: cacerts/ca.org1.example.com-cert.pem",
        "OrganizationalUnitIdentifier: peer",
    ] {
        assert!(yaml.contains(key), "config.yaml lacks {key:?}:\n{yaml}");
    }
    let org2_yaml = std::str::from_utf8(files.get("crypto/Org2MSP/msp/config.yaml").expect("yaml"))
        .expect("utf8");
    assert!(org2_yaml.contains("Certificate: intermediatecerts/ica.org2.example.com-cert.pem"));
    assert!(files.get("crypto/Org2MSP/msp/crls/crl.pem").is_some());
    let peer_dir = format!("{org1}/peers/peer0.org1.example.com/msp");
    let key_pem = std::str::from_utf8(
        files
            .get(&format!("{peer_dir}/keystore/priv_sk"))
            .expect("keystore"),
    )
    .expect("utf8");
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let peer = ledger.app_orgs[0].identity("peer0").expect("peer0");
    assert_eq!(
        SigningKey::from_pkcs8_pem(key_pem)
            .expect("key")
            .public_key()
            .as_sec1(),
        peer.public_key().as_sec1()
    );
    assert_eq!(
        files.get(&format!(
            "{peer_dir}/signcerts/peer0.org1.example.com-cert.pem"
        )),
        Some(peer.cert().pem.as_bytes())
    );
    assert!(files
        .get(&format!(
            "{org1}/users/User1@org1.example.com/msp/signcerts/User1@org1.example.com-cert.pem"
        ))
        .is_some());
    assert!(files
        .get("crypto/OrdererMSP/orderers/orderer.example.com/msp/keystore/priv_sk")
        .is_some());

    // Without NodeOUs: admincerts instead of config.yaml.
    let mut plain_files = fabric_testgen::files::FileSet::new();
    let plain = OrgMaterial::generate(&Seed::new("x"), OrgSpec::application(1)).expect("generate");
    plain.add_files(&mut plain_files, "o");
    assert!(plain_files.get("o/msp/config.yaml").is_none());
    assert_eq!(
        plain_files.get("o/msp/admincerts/Admin@org1.example.com-cert.pem"),
        Some(
            plain
                .identity("admin")
                .expect("admin")
                .cert()
                .pem
                .as_bytes()
        )
    );
    assert_eq!(
        plain
            .identities()
            .iter()
            .filter(|i| i.role() == NodeRole::Peer)
            .count(),
        1
    );
    let orderer = OrgMaterial::generate(&Seed::new("x"), OrgSpec::orderer()).expect("generate");
    assert_eq!(orderer.spec().kind, OrgKind::Orderer);
    assert!(orderer.identity("orderer").is_some() && orderer.identity("peer0").is_none());
}

#[test]
fn revoking_an_unknown_identity_is_an_error() {
    let spec = OrgSpec {
        revoked: vec!["nobody".to_owned()],
        ..OrgSpec::application(1)
    };
    let err = OrgMaterial::generate(&Seed::new("x"), spec).expect_err("unknown identity");
    let text = err.to_string();
    assert!(
        text.contains("nobody") && text.contains("Org1MSP"),
        "{text}"
    );
}

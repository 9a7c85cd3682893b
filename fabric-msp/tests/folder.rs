//! Loading MSP folders in Fabric's layout.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use fabric_msp::{load_msp_folder, FolderError, Identity, Msp, MspVersion};
use fabric_protos::common::msp_role::MspRoleType;

fn write(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

#[test]
fn folder_with_intermediates_crls_node_ous_and_ou_identifiers() {
    let root = TestCa::root("root");
    let inter = root.intermediate("inter");
    let peer = inter.leaf("peer0", &["peer"]);
    let revoked = inter.leaf("peer1", &["peer"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(&d.join("cacerts/ca.pem"), &root.pem);
    write(&d.join("cacerts/README"), "not a certificate, skipped");
    fs::create_dir_all(d.join("cacerts/subdir")).expect("subdir ignored");
    write(&d.join("intermediatecerts/inter.pem"), &inter.pem);
    write(&d.join("crls/crl.pem"), &inter.crl(&[&revoked.serial]));
    write(&d.join("tlscacerts/tls.pem"), "ignored");
    write(&d.join("identities/whatever.pem"), "ignored");
    write(
        &d.join("config.yaml"),
        "NodeOUs:\n  Enable: true\n  ClientOUIdentifier:\n    Certificate: intermediatecerts/inter.pem\n    OrganizationalUnitIdentifier: client\n  PeerOUIdentifier:\n    Certificate: intermediatecerts/inter.pem\n    OrganizationalUnitIdentifier: peer\n  AdminOUIdentifier:\n    OrganizationalUnitIdentifier: admin\n  OrdererOUIdentifier:\n    OrganizationalUnitIdentifier: orderer\nOrganizationalUnitIdentifiers:\n  - Certificate: intermediatecerts/inter.pem\n    OrganizationalUnitIdentifier: peer\nSomethingElse: ignored\n",
    );

    let config = load_msp_folder(d, "OrgF").expect("folder");
    assert_eq!(
        config.root_certs.len(),
        1,
        "README has no PEM block and is skipped"
    );
    assert_eq!(config.intermediate_certs.len(), 1);
    assert_eq!(config.revocation_list.len(), 1);
    assert!(config.admins.is_empty());
    assert!(config.tls_root_certs.is_empty());
    let node_ous = config.fabric_node_ous.clone().expect("node ous");
    assert!(node_ous.enable);
    assert_eq!(
        node_ous
            .client_ou_identifier
            .as_ref()
            .expect("client")
            .certificate
            .as_ref(),
        inter.pem.as_bytes()
    );
    assert!(node_ous
        .admin_ou_identifier
        .expect("admin")
        .certificate
        .is_empty());
    assert_eq!(config.organizational_unit_identifiers.len(), 1);

    // The same setup path as config blocks: admins come from the admin OU (v1.4.3).
    let msp = std::sync::Arc::new(Msp::new(&config, MspVersion::V1_4_3).expect("setup"));
    let id = msp
        .deserialize_identity(&serialize("OrgF", peer.pem.as_bytes()))
        .expect("peer");
    id.satisfies_principal(&role("OrgF", MspRoleType::Peer))
        .expect("peer role");
    let err = msp
        .deserialize_identity(&serialize("OrgF", revoked.pem.as_bytes()))
        .expect("deserializes")
        .validate()
        .expect_err("revoked");
    assert!(err.to_string().contains("revoked"), "{err}");
}

#[test]
fn disabled_node_ous_are_not_loaded() {
    let root = TestCa::root("root");
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("cacerts/ca.pem"), &root.pem);
    write(
        &dir.path().join("config.yaml"),
        "NodeOUs:\n  Enable: false\n  ClientOUIdentifier:\n    OrganizationalUnitIdentifier: client\n",
    );
    let config = load_msp_folder(dir.path(), "OrgF").expect("folder");
    assert!(config.fabric_node_ous.is_none());
}

#[test]
fn folder_errors_name_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = load_msp_folder(dir.path(), "OrgF").expect_err("no cacerts");
    assert!(
        matches!(err, FolderError::NoCaCertificates(ref p) if p.ends_with("cacerts")),
        "{err}"
    );
    fs::create_dir_all(dir.path().join("cacerts")).expect("mkdir");
    write(&dir.path().join("cacerts/junk.txt"), "no pem");
    assert!(matches!(
        load_msp_folder(dir.path(), "OrgF"),
        Err(FolderError::NoCaCertificates(_))
    ));

    let root = TestCa::root("root");
    write(&dir.path().join("cacerts/ca.pem"), &root.pem);
    write(
        &dir.path().join("config.yaml"),
        "NodeOUs: [this is: not: valid\n",
    );
    let err = load_msp_folder(dir.path(), "OrgF").expect_err("bad yaml");
    assert!(err.to_string().contains("config.yaml"), "{err}");

    write(
        &dir.path().join("config.yaml"),
        "NodeOUs:\n  Enable: true\n  ClientOUIdentifier:\n    Certificate: cacerts/missing.pem\n    OrganizationalUnitIdentifier: client\n",
    );
    let err = load_msp_folder(dir.path(), "OrgF").expect_err("missing NodeOU certificate");
    assert!(
        err.to_string().contains("missing.pem") && err.to_string().contains("ClientOU"),
        "{err}"
    );

    write(
        &dir.path().join("config.yaml"),
        "OrganizationalUnitIdentifiers:\n  - Certificate: nope.pem\n    OrganizationalUnitIdentifier: x\n",
    );
    let err = load_msp_folder(dir.path(), "OrgF").expect_err("missing OU certificate");
    assert!(err.to_string().contains("nope.pem"), "{err}");
}

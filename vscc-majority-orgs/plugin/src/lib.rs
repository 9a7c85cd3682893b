//! `SignedByMajorityPeerOrgs` (logic in crate `vscc-majority-orgs`) as a handler library: this
//! cdylib exports it for core.yaml's `library:` key.

handlers_api::export_validation_plugin!(
    "SignedByMajorityPeerOrgs",
    vscc_majority_orgs::SignedByMajorityPeerOrgsFactory::default
);

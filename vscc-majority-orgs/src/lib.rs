//! The `SignedByMajorityPeerOrgs` validation plugin for the consortium management system chaincode.
//!
//! Not built yet: issue 4. It exports nothing.

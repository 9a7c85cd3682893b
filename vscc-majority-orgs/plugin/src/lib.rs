//! SignedByMajorityPeerOrgs as a shared library. (placeholder).

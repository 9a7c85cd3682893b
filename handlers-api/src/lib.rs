//! The stable-ABI interface between the peer and its endorsement (ESCC) and validation (VSCC)
//! plugins: `Plugin`, `PluginFactory` and their dependencies for both kinds.
//!
//! Not built yet: this crate is the subject of issue 3 ("Stable-ABI handler API"). It exists now
//! so that the workspace has its final shape; it exports nothing.

//! Fabric's `DefaultEndorsement` plugin (spec section 3).
//!
//! Not built yet: issue 3. It exports nothing.

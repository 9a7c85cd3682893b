//! Reads `peer.handlers` from core.yaml, loads builtin and dynamic handlers, creates one instance
//! per channel, and validates blocks.
//!
//! Not built yet: issues 3 and 6. It exports nothing.

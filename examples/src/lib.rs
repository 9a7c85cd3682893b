//! Example endorsement and validation plugins for plugin authors.
//!
//! Not built yet: issue 3. It exports nothing.

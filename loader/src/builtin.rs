//! The handlers this project compiles into the peer, under Fabric's builtin names.

use crate::registry::Builtins;

/// Fabric's name of the default endorsement handler.
pub const DEFAULT_ENDORSEMENT: &str = "DefaultEndorsement";

/// Fabric's name of the default validation handler.
pub const DEFAULT_VALIDATION: &str = "DefaultValidation";

impl Builtins {
    /// The project's builtin handlers, linked in as rlibs: `DefaultEndorsement`
    /// (`escc-default`) and `DefaultValidation` (`vscc-default`, v20 semantics). A core.yaml entry
    /// without `library:` selects one of these by `name`.
    #[must_use]
    pub fn project() -> Self {
        Self::new()
            .with_endorsement(DEFAULT_ENDORSEMENT, || {
                Ok(Box::new(escc_default::DefaultEndorsementFactory))
            })
            .with_validation(DEFAULT_VALIDATION, || {
                Ok(Box::new(vscc_default::DefaultValidationFactory))
            })
    }
}

//! The handlers this project compiles into the peer, under Fabric's builtin names.

use crate::registry::Builtins;

/// Fabric's name of the default endorsement handler.
pub const DEFAULT_ENDORSEMENT: &str = "DefaultEndorsement";

/// Fabric's name of the default validation handler.
pub const DEFAULT_VALIDATION: &str = "DefaultValidation";

impl Builtins {
    /// The project's builtin handlers, linked in as rlibs: `DefaultEndorsement`
    /// (`escc-default`), `DefaultValidation` (`vscc-default`, v20 semantics) and
    /// `SignedByMajorityPeerOrgs` (`vscc-majority-orgs`) and `UTXO` (`vscc-utxo`). A core.yaml
    /// entry without `library:`
    /// selects one of these by `name`.
    #[must_use]
    pub fn project() -> Self {
        Self::new()
            .with_endorsement(DEFAULT_ENDORSEMENT, || {
                Ok(Box::new(escc_default::DefaultEndorsementFactory))
            })
            .with_validation(DEFAULT_VALIDATION, || {
                Ok(Box::new(vscc_default::DefaultValidationFactory))
            })
            .with_validation(vscc_utxo::PLUGIN_NAME, || {
                Ok(Box::new(vscc_utxo::UtxoValidationFactory))
            })
            .with_validation(vscc_majority_orgs::PLUGIN_NAME, || {
                Ok(Box::new(
                    vscc_majority_orgs::SignedByMajorityPeerOrgsFactory,
                ))
            })
    }
}

//! The signature set a v20 policy is evaluated over (spec 4.3).

use bytes::Bytes;
use fabric_protos::protos::Endorsement;
use handlers_api::validation::SignedData;

/// The signed messages of one transaction action: for each endorsement, in transaction order
/// and with duplicates kept, `prp ‖ endorser` signed by `endorser`.
#[derive(Debug, Clone)]
pub struct SignatureSet<'e> {
    signed: Vec<Vec<u8>>,
    endorsements: &'e [Endorsement],
}

impl<'e> SignatureSet<'e> {
    /// Builds the set from the original proposal-response-payload bytes and the endorsements.
    pub fn new(prp: &Bytes, endorsements: &'e [Endorsement]) -> Self {
        let signed = endorsements
            .iter()
            .map(|e| {
                let mut data = Vec::with_capacity(prp.len() + e.endorser.len());
                data.extend_from_slice(prp);
                data.extend_from_slice(&e.endorser);
                data
            })
            .collect();
        SignatureSet {
            signed,
            endorsements,
        }
    }

    /// The set as handlers-api's [`SignedData`] (borrowing this set).
    pub fn signed_data(&self) -> Vec<SignedData<'_>> {
        self.signed
            .iter()
            .zip(self.endorsements)
            .map(|(data, e)| SignedData {
                data,
                identity: &e.endorser,
                signature: &e.signature,
            })
            .collect()
    }
}

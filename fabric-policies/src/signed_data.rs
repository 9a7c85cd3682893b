//! Signed data and its reduction to verified, de-duplicated identities (spec 6.2).

use fabric_msp::{Identity, IdentityDeserializer};

/// One signature to be checked by a policy: the signed bytes, the serialized signer and the
/// signature, all borrowed from the original message (never re-encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedData<'a> {
    /// The bytes that were signed, exactly as carried on the wire.
    pub data: &'a [u8],
    /// The signer: the bytes of an `msp.SerializedIdentity`.
    pub identity: &'a [u8],
    /// The signature (ASN.1 DER ECDSA for X.509 identities).
    pub signature: &'a [u8],
}

/// Turns a signature set into the list of identities whose signatures verify, in input order
/// (Fabric's `SignatureSetToValidIdentities`).
///
/// For each entry: the identity is deserialized (failure: dropped); its key `msp_id ‖ id` is
/// checked against the identities already **accepted** and a repeat is dropped *before* any
/// signature check, so a signer repeated many times costs one verification; then the signature
/// is verified (failure: dropped). Nothing here is an error: bad entries only shrink the set.
/// Identities are not `validate()`d here; principals do that (spec 6.3).
pub fn signature_set_to_valid_identities<D>(
    signed_data: &[SignedData<'_>],
    deserializer: &D,
) -> Vec<D::Identity>
where
    D: IdentityDeserializer + ?Sized,
{
    let mut identities: Vec<D::Identity> = Vec::with_capacity(signed_data.len());
    for sd in signed_data {
        let Ok(identity) = deserializer.deserialize_identity(sd.identity) else {
            continue;
        };
        // A signature set is a handful of endorsements: a linear scan of the accepted ones
        // costs less than building a key for a set.
        if identities
            .iter()
            .any(|accepted| same_key(accepted, &identity))
        {
            continue;
        }
        if identity.verify(sd.data, sd.signature).is_err() {
            continue;
        }
        identities.push(identity);
    }
    identities
}

/// Whether two identities have the same de-duplication key. Fabric's key is `msp_id ‖ id`,
/// concatenated without a separator; comparing the concatenations (not the pairs) keeps its
/// decisions identical, without building either string.
fn same_key<I: Identity>(a: &I, b: &I) -> bool {
    let (a_msp, a_id) = (a.msp_id().as_bytes(), a.id().as_bytes());
    let (b_msp, b_id) = (b.msp_id().as_bytes(), b.id().as_bytes());
    a_msp.len() + a_id.len() == b_msp.len() + b_id.len()
        && a_msp.iter().chain(a_id).eq(b_msp.iter().chain(b_id))
}

#[cfg(test)]
mod tests {
    use super::same_key;
    use fabric_msp::{Identity, MspError};
    use fabric_protos::common::MspPrincipal;

    struct Named(&'static str, &'static str);

    impl Identity for Named {
        fn msp_id(&self) -> &str {
            self.0
        }
        fn id(&self) -> &str {
            self.1
        }
        fn validate(&self) -> Result<(), MspError> {
            Ok(())
        }
        fn verify(&self, _: &[u8], _: &[u8]) -> Result<(), MspError> {
            Ok(())
        }
        fn satisfies_principal(&self, _: &MspPrincipal) -> Result<(), MspError> {
            Ok(())
        }
    }

    #[test]
    fn keys_compare_as_fabric_concatenates_them() {
        assert!(same_key(&Named("Org1MSP", "abc"), &Named("Org1MSP", "abc")));
        // Fabric's key has no separator: these two collide there, so they do here.
        assert!(same_key(&Named("Org1", "MSPabc"), &Named("Org1MSP", "abc")));
        assert!(!same_key(
            &Named("Org1MSP", "abc"),
            &Named("Org1MSP", "abd")
        ));
        assert!(!same_key(
            &Named("Org1MSP", "abc"),
            &Named("Org1MSP", "abcd")
        ));
    }
}

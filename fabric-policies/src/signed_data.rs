//! Signed data and its reduction to verified, de-duplicated identities (spec 6.2).

use std::collections::HashSet;

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
    let mut accepted_keys: HashSet<String> = HashSet::with_capacity(signed_data.len());
    let mut identities = Vec::with_capacity(signed_data.len());
    for sd in signed_data {
        let Ok(identity) = deserializer.deserialize_identity(sd.identity) else {
            continue;
        };
        // Fabric concatenates without a separator; keep the same key so that de-duplication
        // decisions are identical.
        let key = format!("{}{}", identity.msp_id(), identity.id());
        if accepted_keys.contains(&key) {
            continue;
        }
        if identity.verify(sd.data, sd.signature).is_err() {
            continue;
        }
        accepted_keys.insert(key);
        identities.push(identity);
    }
    identities
}

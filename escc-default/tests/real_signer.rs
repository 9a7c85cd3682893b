//! The default endorsement with a real Fabric-style signer: the bench corpus' Org1MSP peer0
//! identity (its PEM certificate in a `msp.SerializedIdentity`, its PKCS#8 key), and a key from
//! `SigningKey::from_seed`. The endorsement must verify under Fabric's rules
//! (`fabric_crypto::verify_signature`: DER, low-S, ECDSA P-256 over SHA-256) over
//! `payload ‖ endorser`, and over nothing else.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use common::Mode;
use fabric_crypto::{backends, verify_signature, EcdsaSignature, P256PublicKey, SigningKey};
use fabric_protos::msp::SerializedIdentity;
use fabric_protos::protos::ProposalResponsePayload;
use handlers_api::endorsement::{SigningIdentity, SigningIdentityFetcher};
use handlers_api::validation::IdentityError;
use prost::Message as _;

const IDENTITIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/bench-corpus/msp/Org1MSP/identities/"
);

fn read(name: &str) -> String {
    let path = format!("{IDENTITIES}{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// Fabric's software signing identity: the serialized identity and a P-256 key.
struct RealIdentity {
    serialized: Vec<u8>,
    key: SigningKey,
}

impl SigningIdentity for RealIdentity {
    fn serialize(&self) -> Result<Vec<u8>, IdentityError> {
        Ok(self.serialized.clone())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, IdentityError> {
        Ok(self.key.sign(msg))
    }
}

/// The peer's fetcher: always the local signing identity, whatever the proposal.
struct LocalSigner {
    serialized: Vec<u8>,
    key: SigningKey,
}

impl SigningIdentityFetcher for LocalSigner {
    fn signing_identity_for_request(
        &self,
        _signed_proposal: &[u8],
    ) -> Result<Box<dyn SigningIdentity>, IdentityError> {
        Ok(Box::new(RealIdentity {
            serialized: self.serialized.clone(),
            key: self.key.clone(),
        }))
    }
}

/// `msp.SerializedIdentity{mspid: Org1MSP, id_bytes: peer0's PEM certificate}`, marshaled.
fn peer0_serialized_identity() -> (Vec<u8>, String) {
    let pem = read("peer0-cert.pem");
    let identity = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: pem.clone().into_bytes().into(),
    };
    (identity.encode_to_vec(), pem)
}

/// The P-256 public key inside a PEM certificate: the uncompressed point of the
/// SubjectPublicKeyInfo (`OID prime256v1`, then `BIT STRING { 00 04 x y }`).
fn certificate_key(pem: &str) -> P256PublicKey {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("certificate PEM is base64");
    let prime256v1 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let bit_string = [0x03, 0x42, 0x00, 0x04];
    let oid_at = der
        .windows(prime256v1.len())
        .position(|w| w == prime256v1)
        .expect("certificate has a P-256 key");
    let rest = &der[oid_at + prime256v1.len()..];
    assert_eq!(&rest[..bit_string.len()], bit_string, "SPKI bit string");
    P256PublicKey::from_sec1(&rest[3..3 + 65]).expect("SEC1 point")
}

/// A realistic payload: a `ProposalResponsePayload` as the peer marshals it.
fn payload() -> Vec<u8> {
    ProposalResponsePayload {
        proposal_hash: fabric_crypto::sha256(b"channel header, signature header, input")
            .to_vec()
            .into(),
        extension: b"\x12\x06result\x1a\x04mycc".to_vec().into(),
    }
    .encode_to_vec()
}

/// Endorses `payload` through `mode` and checks the endorsement with `verifying_key`.
fn endorse_and_verify(mode: Mode, key: SigningKey, verifying_key: &P256PublicKey) {
    let (serialized, pem) = peer0_serialized_identity();
    let plugin = common::initialised(
        mode,
        Arc::new(LocalSigner {
            serialized: serialized.clone(),
            key,
        }),
    );
    let payload = payload();
    let out = plugin
        .endorse(&payload, b"any signed proposal")
        .expect("endorse");

    assert_eq!(out.payload, payload, "payload returned unchanged");
    assert_eq!(out.endorsement.endorser, serialized);
    let endorser = SerializedIdentity::decode(out.endorsement.endorser.as_slice())
        .expect("endorser is a SerializedIdentity");
    assert_eq!(endorser.mspid, "Org1MSP");
    assert_eq!(endorser.id_bytes.as_ref(), pem.as_bytes());

    let signature = &out.endorsement.signature;
    let parsed = EcdsaSignature::from_der(signature).expect("DER signature");
    assert!(parsed.is_low_s(), "signature must be low-S");

    let mut signed = payload.clone();
    signed.extend_from_slice(&out.endorsement.endorser);
    for backend in backends() {
        verify_signature(backend, verifying_key, &signed, signature).unwrap_or_else(|e| {
            panic!(
                "{mode:?}/{}: endorsement does not verify: {e}",
                backend.name()
            )
        });
        // Over the payload alone, or the endorser first, it must not verify.
        assert!(verify_signature(backend, verifying_key, &payload, signature).is_err());
        let mut swapped = out.endorsement.endorser.clone();
        swapped.extend_from_slice(&payload);
        assert!(verify_signature(backend, verifying_key, &swapped, signature).is_err());
    }

    // The key's signatures are deterministic (RFC 6979): the same request, the same bytes.
    let again = plugin
        .endorse(&payload, b"another signed proposal")
        .expect("endorse");
    assert_eq!(again.endorsement, out.endorsement);
}

in_every_mode!(peer0_key_matches_its_certificate, seeded_key);

/// peer0's own key: the endorsement verifies under the key in the endorser's certificate.
fn peer0_key_matches_its_certificate(mode: Mode) {
    let key = SigningKey::from_pkcs8_pem(&read("peer0-key.pem")).expect("peer0 PKCS#8 key");
    let (_, pem) = peer0_serialized_identity();
    let cert_key = certificate_key(&pem);
    assert_eq!(
        cert_key,
        key.public_key(),
        "peer0 key and certificate match"
    );
    endorse_and_verify(mode, key, &cert_key);
}

/// A key from `SigningKey::from_seed`: verifies under that key, and not under the
/// certificate's key (the validator checks the key of the identity that is serialized).
fn seeded_key(mode: Mode) {
    let key = SigningKey::from_seed(b"escc-default real signer");
    let public = key.public_key();
    endorse_and_verify(mode, key.clone(), &public);

    let (serialized, pem) = peer0_serialized_identity();
    let plugin = common::initialised(mode, Arc::new(LocalSigner { serialized, key }));
    let payload = payload();
    let out = plugin.endorse(&payload, b"p").expect("endorse");
    let mut signed = payload;
    signed.extend_from_slice(&out.endorsement.endorser);
    assert!(
        verify_signature(
            fabric_crypto::default_backend(),
            &certificate_key(&pem),
            &signed,
            &out.endorsement.signature
        )
        .is_err(),
        "a signature by another key must not verify under peer0's certificate"
    );
}

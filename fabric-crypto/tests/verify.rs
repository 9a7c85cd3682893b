//! Fabric's signature rules, checked against every backend.

use fabric_crypto::{
    backends, verify_signature, EcdsaSignature, P256PublicKey, SigningKey, VerifyError,
};
use proptest::prelude::*;

const BENCH_CORPUS_CLIENT_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/bench-corpus/msp/Org1MSP/identities/client-key.pem"
);

fn key() -> SigningKey {
    SigningKey::from_seed(b"fabric-crypto tests")
}

#[test]
fn signatures_are_low_s_deterministic_and_verify_on_every_backend() {
    let key = key();
    let message = b"proposal response payload || endorser";
    let sig = key.sign(message);
    assert_eq!(sig, key.sign(message), "RFC 6979 signing is deterministic");
    assert!(EcdsaSignature::from_der(&sig).unwrap().is_low_s());
    for backend in backends() {
        verify_signature(backend, &key.public_key(), message, &sig)
            .unwrap_or_else(|e| panic!("{}: {e}", backend.name()));
    }
}

#[test]
fn high_s_twin_is_refused_with_fabric_text_but_is_mathematically_valid() {
    let key = key();
    let message = b"message";
    let low = EcdsaSignature::from_der(&key.sign(message)).unwrap();
    let high = low.to_high_s_twin();
    for backend in backends() {
        assert!(
            backend.verify_p256_sha256(&key.public_key(), message, &high),
            "{}: the twin verifies as plain ECDSA",
            backend.name()
        );
        let err =
            verify_signature(backend, &key.public_key(), message, &high.to_der()).unwrap_err();
        assert_eq!(err, VerifyError::HighS);
        assert_eq!(
            err.to_string(),
            "Invalid S. Must be smaller than half the order"
        );
    }
}

#[test]
fn flipping_any_byte_of_signature_or_message_fails() {
    let key = key();
    let message: Vec<u8> = (0u8..=96).collect();
    let sig = key.sign(&message);
    for backend in backends() {
        for i in 0..sig.len() {
            let mut bad = sig.clone();
            bad[i] ^= 0x01;
            assert!(
                verify_signature(backend, &key.public_key(), &message, &bad).is_err(),
                "{}: flipped signature byte {i} still verifies",
                backend.name()
            );
        }
        for i in 0..message.len() {
            let mut bad = message.clone();
            bad[i] ^= 0x80;
            assert_eq!(
                verify_signature(backend, &key.public_key(), &bad, &sig),
                Err(VerifyError::Invalid),
                "{}: flipped message byte {i}",
                backend.name()
            );
        }
    }
}

#[test]
fn trailing_bytes_after_the_der_signature_are_accepted_like_go() {
    let key = key();
    let mut sig = key.sign(b"m");
    sig.extend_from_slice(&[0xde, 0xad]);
    for backend in backends() {
        verify_signature(backend, &key.public_key(), b"m", &sig).unwrap();
    }
}

#[test]
fn a_different_key_does_not_verify() {
    let sig = key().sign(b"m");
    let other = SigningKey::from_seed(b"someone else").public_key();
    for backend in backends() {
        assert_eq!(
            verify_signature(backend, &other, b"m", &sig),
            Err(VerifyError::Invalid)
        );
    }
}

#[test]
fn pkcs8_round_trip_and_the_bench_corpus_key_loads() {
    let key = key();
    let again = SigningKey::from_pkcs8_pem(&key.to_pkcs8_pem()).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    let again = SigningKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
    assert_eq!(again.public_key(), key.public_key());

    let pem = std::fs::read_to_string(BENCH_CORPUS_CLIENT_KEY)
        .unwrap_or_else(|e| panic!("{BENCH_CORPUS_CLIENT_KEY}: {e}"));
    let corpus = SigningKey::from_pkcs8_pem(&pem).unwrap();
    let sig = corpus.sign(b"hello");
    for backend in backends() {
        verify_signature(backend, &corpus.public_key(), b"hello", &sig).unwrap();
    }
}

#[test]
fn public_keys_must_be_on_the_curve() {
    let mut sec1 = *key().public_key().as_sec1();
    sec1[64] ^= 1;
    assert!(P256PublicKey::from_sec1(&sec1).is_err());
    assert!(P256PublicKey::from_sec1(&[4u8; 10]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Both backends agree on random messages and on random corruptions of signatures.
    #[test]
    fn backends_agree(message in proptest::collection::vec(any::<u8>(), 0..512),
                      flip in any::<prop::sample::Index>(),
                      corrupt in any::<bool>()) {
        let key = key();
        let mut sig = key.sign(&message);
        if corrupt {
            let i = flip.index(sig.len());
            sig[i] ^= 0x04;
        }
        let results: Vec<_> = backends()
            .iter()
            .map(|b| verify_signature(*b, &key.public_key(), &message, &sig))
            .collect();
        prop_assert_eq!(&results[0], &results[1]);
        if !corrupt {
            prop_assert!(results[0].is_ok());
        }
    }
}

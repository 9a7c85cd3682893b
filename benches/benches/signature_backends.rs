//! Signature verification per backend: the measurement that picks the default backend.
//!
//! Each iteration checks one Fabric endorsement-sized message (3 KiB, about the size of a
//! ProposalResponsePayload followed by the endorser's serialized identity) through
//! `fabric_crypto::verify_signature`, so the DER parse and the low-S check are included.
//! Run: `cargo bench -p fabric-handlers-benches --bench signature_backends`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use fabric_crypto::{backends, verify_signature, SigningKey};

fn signature_backends(c: &mut Criterion) {
    let key = SigningKey::from_seed(b"bench signature backends");
    let public = key.public_key();
    let message: Vec<u8> = (0..3072u32).map(|i| (i * 31 % 251) as u8).collect();
    let signature = key.sign(&message);

    let mut group = c.benchmark_group("verify_p256_sha256_3KiB");
    group.throughput(Throughput::Elements(1));
    for backend in backends() {
        group.bench_function(backend.name(), |b| {
            b.iter_batched(
                || (),
                |()| verify_signature(backend, &public, &message, &signature),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, signature_backends);
criterion_main!(benches);

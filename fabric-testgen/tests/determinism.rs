//! Same seed → byte-identical output; different seed → different output; and the committed
//! fixture under fixtures/sample-2org is exactly what the generator produces now.

mod common;

use std::path::{Path, PathBuf};

use fabric_testgen::sample::{generate, SampleSpec};

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let a = generate(&SampleSpec::new(b"seed-a", 3, false)).expect("generate");
    let b = generate(&SampleSpec::new(b"seed-a", 3, false)).expect("generate");
    let c = generate(&SampleSpec::new(b"seed-c", 3, false)).expect("generate");
    assert_eq!(a.files, b.files, "same seed, same files");
    assert!(a.files.len() > 10);
    let paths_a: Vec<&str> = a.files.iter().map(|(p, _)| p).collect();
    let paths_c: Vec<&str> = c.files.iter().map(|(p, _)| p).collect();
    assert_eq!(paths_a, paths_c, "the layout does not depend on the seed");
    for (path, contents) in a.files.iter() {
        if path.ends_with(".yaml") {
            continue;
        }
        assert_ne!(
            c.files.get(path),
            Some(contents),
            "{path} did not change with the seed"
        );
    }
    // Also the committed preset regenerates identically in one process.
    let s1 = generate(&SampleSpec::sample_2org()).expect("generate");
    assert_eq!(s1.files, common::sample().files);
}

#[test]
fn generic_network_without_node_ous_has_expected_codes() {
    let ledger = generate(&SampleSpec::new(b"plain", 3, false)).expect("generate");
    // Without NodeOUs, without revocation and without an outsider organisation, the kinds that
    // need them are not scheduled.
    let kinds: Vec<&str> = ledger.txs.iter().map(|t| t.kind.name()).collect();
    for absent in [
        "endorsed_by_client",
        "revoked_creator",
        "creator_org_not_in_channel",
    ] {
        assert!(!kinds.contains(&absent), "{absent} scheduled: {kinds:?}");
    }
    // Three orgs: a majority is two endorsements.
    for t in &ledger.txs {
        if t.kind.name() == "valid" {
            assert_eq!(t.endorsers.len(), 2);
        }
    }
    assert_eq!(
        ledger.blocks.len(),
        1 + 2,
        "genesis + 20 txs in blocks of 10"
    );
}

fn collect(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, base, out);
        } else {
            out.push(path.strip_prefix(base).expect("under base").to_path_buf());
        }
    }
}

#[test]
fn committed_fixture_matches_the_generator() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/sample-2org"
    ));
    assert!(
        dir.is_dir(),
        "fixture directory {} is missing: run `cargo run -p fabric-testgen -- --out fixtures/sample-2org --preset sample-2org`",
        dir.display()
    );
    let generated = &common::sample().files;
    let mut on_disk = Vec::new();
    collect(dir, dir, &mut on_disk);
    on_disk.sort();
    let expected: Vec<PathBuf> = generated.iter().map(|(p, _)| PathBuf::from(p)).collect();
    assert_eq!(on_disk, expected, "file list of {} drifted", dir.display());
    for (path, contents) in generated.iter() {
        let full = dir.join(path);
        let disk =
            std::fs::read(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()));
        assert!(
            disk == contents,
            "{} differs from the generator's output",
            full.display()
        );
    }
    assert!(
        generated.total_size() < 400_000,
        "fixture is {} bytes",
        generated.total_size()
    );
}

//! Replays every target over its committed corpus (`corpus/<target>/`), on stable Rust.
//!
//! `cargo test --manifest-path fuzz/Cargo.toml` runs this in CI, so a seed or a regression
//! input that panics fails the build without a nightly toolchain or libFuzzer.

use std::fs;
use std::path::Path;

#[test]
fn every_target_replays_its_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (name, target) in gluster_fuzz::TARGETS {
        let dir = root.join(name);
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("corpus entry").path())
            .collect();
        entries.sort();
        assert!(!entries.is_empty(), "{name} has no corpus");
        for path in entries {
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            eprintln!("{name}: {}", path.display());
            target(&data);
        }
    }
}

#[test]
fn every_target_has_a_binary() {
    let bins = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz_targets");
    for (name, _) in gluster_fuzz::TARGETS {
        assert!(
            bins.join(format!("{name}.rs")).is_file(),
            "no fuzz_targets/{name}.rs"
        );
    }
}

//! Files with known contents and checksums, written to and read back from a FUSE mount.

use std::fs;
use std::path::Path;

/// A file of the test: name, contents, FNV-1a 64 checksum.
pub struct Known {
    pub name: String,
    pub data: Vec<u8>,
    pub sum: u64,
}

/// `count` files named `<prefix>-<i>` of different sizes (up to ~300 KiB), deterministic.
pub fn generate(prefix: &str, count: usize) -> Vec<Known> {
    (0..count)
        .map(|i| {
            let len = 1 + (i * 37_813) % 300_000;
            let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (i as u64 + 1) ^ fnv(prefix.as_bytes());
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            Known {
                name: format!("{prefix}-{i}"),
                sum: fnv(&data),
                data,
            }
        })
        .collect()
}

/// FNV-1a, 64 bits.
pub fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Write every file under `dir` and flush it to the volume.
pub fn write_all(dir: &Path, files: &[Known]) {
    for f in files {
        let path = dir.join(&f.name);
        fs::write(&path, &f.data).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        fs::File::open(&path)
            .and_then(|h| h.sync_all())
            .unwrap_or_else(|e| panic!("sync {}: {e}", path.display()));
    }
}

/// Read every file back from `dir` and compare its checksum and bytes.
pub fn verify_all(dir: &Path, files: &[Known]) {
    for f in files {
        let path = dir.join(&f.name);
        let got = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        assert_eq!(fnv(&got), f.sum, "checksum of {}", path.display());
        assert!(got == f.data, "contents of {}", path.display());
    }
}

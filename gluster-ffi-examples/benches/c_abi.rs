//! The C ABI door, called as C calls it: `gp_plan` (request JSON in, plan JSON out) and
//! `gp_plan` + `gp_cluster_commit` per volume, on 10 zones x 100 nodes x 10 devices of
//! 4 TiB loaded from a Heketi load file.
//!
//! `taskset -c 1 cargo bench -p gluster-placement-ffi --bench c_abi`

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs, clippy::multiple_unsafe_ops_per_block)]

use std::ffi::{CStr, CString};
use std::ptr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gluster_placement_ffi::*;

/// A Heketi load file of 10 zones x 100 nodes x 10 devices.
fn topology() -> String {
    let mut nodes = Vec::new();
    for z in 1..=10 {
        for n in 0..100 {
            let devices: Vec<String> = (0..10).map(|d| format!("\"/dev/vd{d}\"")).collect();
            nodes.push(format!(
                r#"{{"node":{{"hostnames":{{"manage":["z{z}-n{n}"],"storage":["10.{z}.0.{n}"]}},"zone":{z}}},"devices":[{}]}}"#,
                devices.join(",")
            ));
        }
    }
    format!(r#"{{"clusters":[{{"nodes":[{}]}}]}}"#, nodes.join(","))
}

fn cluster() -> *mut gp_cluster {
    let json = topology();
    let size = CString::new("4TiB").unwrap();
    let mut cluster = ptr::null_mut();
    // SAFETY: `json` outlives the call; `size` is NUL-terminated; a local out-pointer.
    let rc = unsafe { gp_cluster_new(json.as_ptr(), json.len(), size.as_ptr(), &mut cluster) };
    assert_eq!(rc, gp_result::Ok);
    cluster
}

/// One `gp_plan`; commits the plan when `commit`.
fn plan(cluster: *mut gp_cluster, request: &CStr, seed: u64, commit: bool) {
    let mut out = ptr::null_mut();
    // SAFETY: a live cluster, a NUL-terminated request, a local out-pointer; the plan string
    // is read while alive and freed once.
    unsafe {
        assert_eq!(
            gp_plan(cluster, request.as_ptr(), seed, &mut out),
            gp_result::Ok
        );
        if commit {
            assert_eq!(
                gp_cluster_commit(cluster, gp_string_ptr(out)),
                gp_result::Ok
            );
        }
        assert_eq!(gp_string_free(out), gp_result::Ok);
    }
}

fn c_abi(c: &mut Criterion) {
    let request = CString::new(r#"{"size":"10GiB","volumetype":"replicate:3"}"#).unwrap();
    let mut group = c.benchmark_group("c_abi_10k_devices");
    group.throughput(Throughput::Elements(1));
    let planning = cluster();
    let mut seed = 0u64;
    group.bench_function("gp_plan", |b| {
        b.iter(|| {
            seed += 1;
            plan(planning, &request, seed, false)
        })
    });
    // 10 GiB replica-3 volumes on 10,000 x 4 TiB: about 1.3 million fit, more than criterion
    // asks for.
    let committing = cluster();
    let mut seed = 0u64;
    group.bench_function("gp_plan+gp_cluster_commit", |b| {
        b.iter(|| {
            seed += 1;
            plan(committing, &request, seed, true)
        })
    });
    group.finish();
    // SAFETY: both clusters are live and no longer used.
    unsafe {
        assert_eq!(gp_cluster_free(planning), gp_result::Ok);
        assert_eq!(gp_cluster_free(committing), gp_result::Ok);
    }
}

criterion_group!(benches, c_abi);
criterion_main!(benches);

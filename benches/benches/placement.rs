//! Placement speed, single thread: one brick set on 10 zones x 100 nodes x 10 devices
//! (10,000) for replica 3, arbiter and disperse 4+2; per-set time at 1,000 and 100,000
//! devices; ingest of a 10,000-device Heketi topology (parse and index); and Heketi's ring
//! allocator on the same topology, in the same run.
//!
//! `cargo bench -p gluster-benches --bench placement`

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gluster_benches::heketi_ring::HeketiRing;
use gluster_benches::topology::{heketi_load_json, model};
use gluster_model::{import_heketi_load, ByteSize, Durability, HeketiLoadOptions};
use gluster_placement::{PlacementSettings, Planner, VolumeRequest};

/// A request that takes exactly one set.
fn one_set(durability: Durability) -> VolumeRequest {
    let size = ByteSize::gib(10 * durability.data_share() as u64);
    VolumeRequest::new(size, durability)
}

fn one_set_10k(c: &mut Criterion) {
    let model = model(10, 100, 10);
    let settings = PlacementSettings::default();
    let mut group = c.benchmark_group("one_set_10k_devices");
    group.throughput(Throughput::Elements(1));
    for (name, durability) in [
        ("replica3", Durability::replicate(3).unwrap()),
        ("arbiter", Durability::Arbiter),
        ("disperse4+2", Durability::disperse(4, 2).unwrap()),
    ] {
        let mut planner = Planner::new(&model, &settings);
        let request = one_set(durability);
        assert_eq!(planner.plan(&request, 0).unwrap().set_count, 1);
        let mut seed = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                seed = seed.wrapping_add(1);
                black_box(planner.plan(&request, seed).unwrap())
            })
        });
    }
    let ring = HeketiRing::new(&model);
    let need = ByteSize::gib(10).bytes();
    let mut offset = 0u64;
    group.bench_function("heketi_ring_replica3", |b| {
        b.iter(|| {
            offset = offset
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            black_box(ring.place_set(3, need, offset).unwrap())
        })
    });
    group.finish();
}

fn scaling(c: &mut Criterion) {
    let settings = PlacementSettings::default();
    let request = one_set(Durability::replicate(3).unwrap());
    let mut group = c.benchmark_group("one_set_replica3_by_devices");
    group.throughput(Throughput::Elements(1));
    for (devices, (zones, nodes, per_node)) in [(1_000u32, (10, 10, 10)), (100_000, (10, 1000, 10))]
    {
        let model = model(zones, nodes, per_node);
        let mut planner = Planner::new(&model, &settings);
        let mut seed = 0u64;
        group.bench_with_input(BenchmarkId::from_parameter(devices), &devices, |b, _| {
            b.iter(|| {
                seed = seed.wrapping_add(1);
                black_box(planner.plan(&request, seed).unwrap())
            })
        });
    }
    group.finish();
}

fn ingest(c: &mut Criterion) {
    let json = heketi_load_json(10, 100, 10);
    let options = HeketiLoadOptions::default();
    let settings = PlacementSettings::default();
    c.bench_function("ingest_10k_devices_parse_and_index", |b| {
        b.iter(|| {
            let model = import_heketi_load(black_box(&json), &options).unwrap();
            black_box(Planner::new(&model, &settings))
        })
    });
}

criterion_group!(benches, one_set_10k, scaling, ingest);
criterion_main!(benches);

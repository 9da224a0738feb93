//! The long-lived engine, single thread, on 10 zones x 100 nodes x 10 devices (10,000)
//! unless said: plan through the engine (replica 3, arbiter, disperse 4+2; replica 3 at
//! 1,000 and 100,000 devices); plan + commit per volume while volumes accumulate, into a
//! snapshot (the `simulate` loop) and into the engine (model and index); delete of a volume
//! from an engine holding 300,000.
//!
//! `taskset -c 1 cargo bench -p gluster-benches --bench engine`

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gluster_benches::topology::model;
use gluster_model::{ByteSize, Durability, VolumeId};
use gluster_placement::{Engine, PlacementSettings, VolumeRequest};

/// A request that takes exactly one set.
fn one_set(durability: Durability) -> VolumeRequest {
    let size = ByteSize::gib(10 * durability.data_share() as u64);
    VolumeRequest::new(size, durability)
}

fn plan_10k(c: &mut Criterion) {
    let mut engine = Engine::new(model(10, 100, 10), PlacementSettings::default());
    let mut group = c.benchmark_group("engine_plan_10k_devices");
    group.throughput(Throughput::Elements(1));
    for (name, durability) in [
        ("replica3", Durability::replicate(3).unwrap()),
        ("arbiter", Durability::Arbiter),
        ("disperse4+2", Durability::disperse(4, 2).unwrap()),
    ] {
        let request = one_set(durability);
        let mut seed = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                seed = seed.wrapping_add(1);
                black_box(engine.plan(&request, seed).unwrap())
            })
        });
    }
    group.finish();
}

fn plan_by_devices(c: &mut Criterion) {
    let request = one_set(Durability::replicate(3).unwrap());
    let mut group = c.benchmark_group("engine_plan_replica3_by_devices");
    group.throughput(Throughput::Elements(1));
    for (devices, nodes) in [(1_000u32, 10), (100_000, 1000)] {
        let mut engine = Engine::new(model(10, nodes, 10), PlacementSettings::default());
        let mut seed = 0u64;
        group.bench_with_input(BenchmarkId::from_parameter(devices), &devices, |b, _| {
            b.iter(|| {
                seed = seed.wrapping_add(1);
                black_box(engine.plan(&request, seed).unwrap())
            })
        });
    }
    group.finish();
}

/// 1 GiB replica-3 volumes: 300,000 of them take 2.2 % of the 10,000 x 4 TiB devices, so
/// every measured volume fits.
fn small_volume() -> VolumeRequest {
    VolumeRequest::new(ByteSize::gib(1), Durability::replicate(3).unwrap())
}

/// Volumes accumulate across criterion's iterations (up to 300,000 before it is reset):
/// each iteration plans and commits one more.
fn plan_commit(c: &mut Criterion) {
    const MAX: u64 = 300_000;
    let request = small_volume();
    let fresh = || Engine::new(model(10, 100, 10), PlacementSettings::default());
    let mut group = c.benchmark_group("plan_commit_10k_devices_accumulating");
    group.throughput(Throughput::Elements(1));
    let base = fresh();
    let mut snapshot = base.snapshot();
    let mut placed = 0u64;
    group.bench_function("snapshot", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if placed == MAX {
                    snapshot = base.snapshot();
                    placed = 0;
                }
                let start = Instant::now();
                let plan = snapshot.plan(&request, placed).unwrap();
                snapshot.commit(&plan).unwrap();
                total += start.elapsed();
                placed += 1;
            }
            total
        })
    });
    let mut engine = fresh();
    let mut placed = 0u64;
    group.bench_function("engine", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if placed == MAX {
                    engine = fresh();
                    placed = 0;
                }
                let start = Instant::now();
                let plan = engine.plan(&request, placed).unwrap();
                engine.commit(&plan).unwrap();
                total += start.elapsed();
                placed += 1;
            }
            total
        })
    });
    group.finish();
}

/// Delete from an engine holding 300,000 volumes (each deleted volume is committed again
/// outside the timed part, so the population stays).
fn delete(c: &mut Criterion) {
    let request = small_volume();
    let mut engine = Engine::new(model(10, 100, 10), PlacementSettings::default());
    let mut ids: Vec<VolumeId> = Vec::with_capacity(300_000);
    for seed in 0..300_000u64 {
        let plan = engine.plan(&request, seed).unwrap();
        ids.push(plan.volume_id);
        engine.commit(&plan).unwrap();
    }
    let mut group = c.benchmark_group("delete_300k_volumes_10k_devices");
    group.throughput(Throughput::Elements(1));
    let mut k = 0usize;
    let mut seed = 1u64 << 40;
    group.bench_function("engine", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                k = (k + 7919) % ids.len();
                let start = Instant::now();
                engine.delete_volume(ids[k]).unwrap();
                total += start.elapsed();
                seed += 1;
                let plan = engine.plan(&request, seed).unwrap();
                ids[k] = plan.volume_id;
                engine.commit(&plan).unwrap();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, plan_10k, plan_by_devices, plan_commit, delete);
criterion_main!(benches);

//! Day-2 planning speed and quality: evacuating a node that holds 1,000 bricks in a
//! 10,000-device cluster, and a rebalance proposal after adding 10 % capacity (its moves
//! against the lower bound, printed).
//!
//! `cargo bench -p gluster-benches --bench day2`

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use gluster_benches::day2::{filled_then_grown, node_with_1000_bricks};
use gluster_model::ZoneChecking;
use gluster_placement::day2::{plan_evacuation, plan_rebalance, Day2Settings, EvacuationTarget};

fn evacuate(c: &mut Criterion) {
    let (model, node) = node_with_1000_bricks();
    let settings = Day2Settings::default();
    let plan = plan_evacuation(&model, EvacuationTarget::Node(node), &settings, 1).expect("plan");
    assert_eq!(plan.steps.len(), 1000);
    eprintln!(
        "evacuation: {} moves, {} waves, solver {:?}",
        plan.steps.len(),
        plan.waves,
        plan.solver
    );
    let mut group = c.benchmark_group("day2");
    group.sample_size(20);
    group.bench_function("evacuate_node_1000_bricks_10k_devices", |b| {
        b.iter(|| {
            black_box(plan_evacuation(
                &model,
                EvacuationTarget::Node(node),
                &settings,
                1,
            ))
        })
    });
    group.finish();
}

fn rebalance(c: &mut Criterion) {
    let model = filled_then_grown();
    let mut settings = Day2Settings::default();
    settings.default_policy.zone_checking = ZoneChecking::Strict;
    let plan = plan_rebalance(&model, 1.10, &settings, 1, 100_000);
    eprintln!(
        "rebalance after +10 % capacity: {} moves, lower bound {} (ratio {:.3}), max/mean {:.3} -> {:.3}, reached {}",
        plan.steps.len(),
        plan.lower_bound_moves,
        plan.steps.len() as f64 / plan.lower_bound_moves.max(1) as f64,
        plan.before,
        plan.after,
        plan.reached
    );
    let mut group = c.benchmark_group("day2");
    group.sample_size(10);
    group.bench_function("rebalance_after_adding_10_percent", |b| {
        b.iter(|| black_box(plan_rebalance(&model, 1.10, &settings, 1, 100_000)))
    });
    group.finish();
}

criterion_group!(benches, evacuate, rebalance);
criterion_main!(benches);

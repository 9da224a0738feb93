//! Rebalance after capacity is added: reaches the target with few moves (measured against a
//! lower bound), keeps every rule, moves nothing on a balanced cluster.

mod day2_support;

use std::collections::BTreeSet;

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;
use gluster_placement::Utilization;

fn utilization(model: &Model) -> Utilization {
    Utilization::of_devices(model.devices().map(|d| (d.used, d.total)))
}

fn strict() -> Day2Settings {
    let mut s = Day2Settings::default();
    s.default_policy.zone_checking = ZoneChecking::Strict;
    s
}

#[test]
fn added_capacity_is_used_with_few_moves() {
    let model = grown(120);
    let before = utilization(&model);
    assert!(before.max_over_mean > 1.4, "{before:?}");
    let plan = plan_rebalance(&model, 1.10, &strict(), 1, 10_000);
    assert!(plan.reached, "{plan:#?}");
    assert!(plan.steps.len() >= plan.lower_bound_moves);
    let ratio = plan.steps.len() as f64 / plan.lower_bound_moves as f64;
    eprintln!(
        "rebalance: {} moves, lower bound {}, ratio {ratio:.2}, max/mean {:.3} -> {:.3}",
        plan.steps.len(),
        plan.lower_bound_moves,
        plan.before,
        plan.after
    );
    assert!(
        ratio <= 1.5,
        "moves {} vs bound {}",
        plan.steps.len(),
        plan.lower_bound_moves
    );
    let moved: BTreeSet<BrickId> = plan.steps.iter().map(|s| s.old.id).collect();
    assert_eq!(moved.len(), plan.steps.len(), "a brick moves at most once");
    let mut m = model.clone();
    plan.commit_to(&mut m).unwrap();
    assert!(m.check().is_empty(), "{:?}", m.check());
    assert!(node_separation_holds(&m));
    for v in m.volumes() {
        for set in &v.brick_sets {
            let zones: BTreeSet<Zone> = set_zones(&m, set).into_iter().collect();
            assert_eq!(zones.len(), 3, "strict zones kept");
        }
    }
    let after = utilization(&m);
    assert!(
        (after.max_over_mean - plan.after).abs() < 1e-9,
        "{after:?} vs {}",
        plan.after
    );
    assert!(after.max_over_mean <= 1.10);
    // One brick per set per wave.
    let mut seen = BTreeSet::new();
    for s in &plan.steps {
        assert!(seen.insert((s.wave, s.volume_id, s.set)));
    }
}

#[test]
fn a_balanced_cluster_moves_nothing() {
    let mut model = grown(120);
    let plan = plan_rebalance(&model, 1.10, &strict(), 1, 10_000);
    plan.commit_to(&mut model).unwrap();
    let again = plan_rebalance(&model, 1.10, &strict(), 1, 10_000);
    assert!(again.steps.is_empty(), "{again:#?}");
    assert!(again.reached);
}

#[test]
fn when_no_valid_move_exists_the_plan_says_so() {
    // Replica 3 over exactly three nodes: no brick can leave its node.
    let mut b = Builder::new();
    let devs: Vec<DeviceId> = (0..3)
        .map(|z| {
            let n = b.node(z + 1);
            b.device(n, ByteSize::tib(1))
        })
        .collect();
    b.volume(
        Durability::REPLICA_3,
        ByteSize::gib(100),
        std::slice::from_ref(&devs),
    )
    .unwrap();
    let n = b.node(1);
    let _small = b.device(n, ByteSize::gib(50));
    let plan = plan_rebalance(&b.model, 1.05, &strict(), 1, 100);
    assert!(plan.steps.is_empty(), "{plan:#?}");
    assert!(!plan.reached);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Every rebalance keeps the invariants (capacity, node separation, strict zones of
        /// sets that had them), moves a brick at most once and within `max_moves`, and moves
        /// nothing when the spread is already under the target.
        #[test]
        fn rebalance_keeps_invariants(
            nodes in prop::collection::vec((1u32..=3, 1u64..=4), 3..=6),
            volumes in prop::collection::vec((0usize..6, 2u8..=3), 1..=8),
            empty_nodes in 0usize..=2,
            strict_zones in any::<bool>(),
            max_moves in 0usize..=6,
            seed in any::<u64>(),
        ) {
            let brick = ByteSize::gib(10);
            let mut b = Builder::new();
            let mut devs = Vec::new();
            for (zone, room) in &nodes {
                let n = b.node(*zone);
                devs.push(b.device(n, space(brick).checked_mul(*room).unwrap()));
            }
            for (start, replica) in &volumes {
                let set: Vec<DeviceId> =
                    (0..*replica as usize).map(|k| devs[(start + k) % devs.len()]).collect();
                let _ = b.volume(Durability::replicate(*replica).unwrap(), brick, &[set]);
            }
            for z in 0..empty_nodes {
                let n = b.node(1 + z as u32);
                b.device(n, space(brick).checked_mul(4).unwrap());
            }
            let model = b.model;
            let settings = if strict_zones { strict() } else { Day2Settings::default() };
            let plan = plan_rebalance(&model, 1.1, &settings, seed, max_moves);
            prop_assert!(plan.steps.len() <= max_moves);
            if plan.before <= 1.1 {
                prop_assert!(plan.steps.is_empty(), "moved bricks on a balanced cluster");
            }
            let moved: BTreeSet<BrickId> = plan.steps.iter().map(|s| s.old.id).collect();
            prop_assert_eq!(moved.len(), plan.steps.len(), "a brick moved twice");
            let mut per_wave = BTreeSet::new();
            for s in &plan.steps {
                prop_assert!(per_wave.insert((s.wave, s.volume_id, s.set)));
            }
            let mut m = model.clone();
            plan.commit_to(&mut m).unwrap();
            prop_assert!(m.check().is_empty(), "{:?}", m.check());
            prop_assert!(node_separation_holds(&m));
            if strict_zones {
                for v in model.volumes() {
                    for (i, set) in v.brick_sets.iter().enumerate() {
                        if set_zones(&model, set).len() == set.len() {
                            let after = &m.volume(v.id).unwrap().brick_sets[i];
                            prop_assert_eq!(set_zones(&m, after).len(), after.len());
                        }
                    }
                }
            }
        }
    }
}

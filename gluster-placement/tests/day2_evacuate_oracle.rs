//! Evacuation against a brute-force oracle on tiny clusters: the planner succeeds exactly
//! when an assignment of every moving brick exists (node separation per set, capacity, and
//! distinct zones when the policy is strict and degrading is not allowed), and every plan
//! keeps the invariants and moves only the target's bricks.

mod day2_support;

use std::collections::{BTreeMap, BTreeSet};

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;
use proptest::prelude::*;

const BRICK: ByteSize = ByteSize::gib(1);

/// A tiny world: nodes (zone, device sizes in bricks), volumes as sets of (node, device)
/// picks, and what to evacuate.
#[derive(Debug, Clone)]
struct World {
    nodes: Vec<(u32, Vec<u64>)>,
    volumes: Vec<(u8, Vec<usize>)>,
    target_node: bool,
    target: usize,
    strict: bool,
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec((1u32..=3, prop::collection::vec(1u64..=3, 1..=2)), 3..=5),
        prop::collection::vec((2u8..=3, prop::collection::vec(0usize..16, 3)), 1..=3),
        any::<bool>(),
        0usize..16,
        any::<bool>(),
    )
        .prop_map(|(nodes, volumes, target_node, target, strict)| World {
            nodes,
            volumes,
            target_node,
            target,
            strict,
        })
}

struct Built {
    model: Model,
    devices: Vec<DeviceId>,
    nodes: Vec<NodeId>,
}

/// Builds the world; volumes whose picks repeat a node or overflow a device are skipped.
fn build(w: &World) -> Built {
    let mut b = Builder::new();
    let mut devices = Vec::new();
    let mut nodes = Vec::new();
    for (zone, sizes) in &w.nodes {
        let n = b.node(*zone);
        nodes.push(n);
        for s in sizes {
            devices.push(b.device(n, space(BRICK).checked_mul(*s).unwrap()));
        }
    }
    for (replica, picks) in &w.volumes {
        let set: Vec<DeviceId> = picks
            .iter()
            .take(*replica as usize)
            .map(|p| devices[p % devices.len()])
            .collect();
        let set_nodes: BTreeSet<NodeId> = set
            .iter()
            .map(|d| b.model.device(*d).unwrap().node)
            .collect();
        if set_nodes.len() == set.len() {
            let _ = b.volume(Durability::Replicate { replica: *replica }, BRICK, &[set]);
        }
    }
    Built {
        model: b.model,
        devices,
        nodes,
    }
}

/// Exhaustive search for an assignment of the moving bricks.
fn assignment_exists(model: &Model, target: EvacuationTarget, strict: bool) -> bool {
    let on_target = |d: &Device| match target {
        EvacuationTarget::Device(id) => d.id == id,
        EvacuationTarget::Node(n) => d.node == n,
        EvacuationTarget::Zone(z) => model.node(d.node).unwrap().zone == z,
    };
    let moving: Vec<&Brick> = model
        .bricks()
        .filter(|b| on_target(model.device(b.device).unwrap()))
        .collect();
    let candidates: Vec<&Device> = model.devices().filter(|d| !on_target(d)).collect();
    let mut free: BTreeMap<DeviceId, u64> = candidates
        .iter()
        .map(|d| (d.id, d.total.bytes() - d.used.bytes()))
        .collect();
    // Where every brick of every moving brick's set is, updated as bricks move.
    let mut place: BTreeMap<BrickId, DeviceId> = model.bricks().map(|b| (b.id, b.device)).collect();
    fn set_of(model: &Model, b: &Brick) -> Vec<BrickId> {
        let v = model.volume(b.volume).unwrap();
        v.brick_sets
            .iter()
            .find(|s| s.contains(&b.id))
            .unwrap()
            .clone()
    }
    fn rec(
        model: &Model,
        moving: &[&Brick],
        candidates: &[&Device],
        free: &mut BTreeMap<DeviceId, u64>,
        place: &mut BTreeMap<BrickId, DeviceId>,
        strict: bool,
    ) -> bool {
        let Some((b, rest)) = moving.split_first() else {
            return true;
        };
        let need = b.pool_size.bytes() + b.metadata_size.bytes();
        let others: Vec<DeviceId> = set_of(model, b)
            .into_iter()
            .filter(|x| *x != b.id)
            .map(|x| place[&x])
            .collect();
        for d in candidates {
            let node = model.node(d.node).unwrap();
            let clash = others.iter().any(|o| {
                let on = model.node(model.device(*o).unwrap().node).unwrap();
                on.id == node.id || (strict && on.zone == node.zone)
            });
            if clash || free[&d.id] < need {
                continue;
            }
            *free.get_mut(&d.id).unwrap() -= need;
            let old = place.insert(b.id, d.id).unwrap();
            if rec(model, rest, candidates, free, place, strict) {
                return true;
            }
            place.insert(b.id, old);
            *free.get_mut(&d.id).unwrap() += need;
        }
        false
    }
    rec(model, &moving, &candidates, &mut free, &mut place, strict)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn evacuation_succeeds_exactly_when_an_assignment_exists(w in world()) {
        let built = build(&w);
        prop_assume!(built.model.bricks().count() > 0);
        let target = if w.target_node {
            EvacuationTarget::Node(built.nodes[w.target % built.nodes.len()])
        } else {
            EvacuationTarget::Device(built.devices[w.target % built.devices.len()])
        };
        let mut settings = Day2Settings::default();
        if w.strict {
            settings.default_policy.zone_checking = ZoneChecking::Strict;
            settings.allow_degraded = false;
        } else {
            settings.default_policy.zone_checking = ZoneChecking::None;
        }
        let oracle = assignment_exists(&built.model, target, w.strict);
        match plan_evacuation(&built.model, target, &settings, 3) {
            Ok(plan) => {
                prop_assert!(oracle, "planned what brute force calls impossible: {plan:#?}");
                let moved: BTreeSet<BrickId> = plan.steps.iter().map(|s| s.old.id).collect();
                let on_target: BTreeSet<BrickId> = built
                    .model
                    .bricks()
                    .filter(|b| match target {
                        EvacuationTarget::Device(d) => b.device == d,
                        EvacuationTarget::Node(n) => b.node == n,
                        EvacuationTarget::Zone(_) => unreachable!(),
                    })
                    .map(|b| b.id)
                    .collect();
                prop_assert_eq!(moved, on_target, "moves exactly the target's bricks");
                // One brick per set per wave.
                let mut per_wave = BTreeSet::new();
                for s in &plan.steps {
                    prop_assert!(per_wave.insert((s.wave, s.volume_id, s.set)), "two bricks of a set in one wave");
                }
                let mut m = built.model.clone();
                plan.apply(&mut m).unwrap();
                prop_assert!(m.check().is_empty(), "{:?}", m.check());
                prop_assert!(node_separation_holds(&m));
                if w.strict {
                    for v in m.volumes() {
                        for set in &v.brick_sets {
                            let zones = set_zones(&m, set);
                            let distinct: BTreeSet<_> = zones.iter().collect();
                            prop_assert_eq!(distinct.len(), zones.len(), "strict zones kept");
                        }
                    }
                }
            }
            Err(EvacuationError::Unmovable { unmovable, .. }) => {
                prop_assert!(!oracle, "brute force found an assignment the planner missed");
                prop_assert!(!unmovable.is_empty());
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

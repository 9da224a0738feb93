//! Evacuation against a brute-force oracle on tiny clusters (at most 4 nodes, 6 devices,
//! 2 volumes of replica 2, replica 3 or arbiter, 1 GiB and 2 GiB bricks, so size classes
//! mix): the planner succeeds exactly when an assignment of every moving brick exists (node
//! separation per set, capacity, and distinct zones when the policy is strict and degrading
//! is not allowed); it degrades a set's zones only when no assignment keeps them; and every
//! plan keeps the invariants, marks its degraded steps truly and moves only the target's
//! bricks, one brick per set per wave.

mod day2_support;

use std::collections::{BTreeMap, BTreeSet};

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;
use proptest::prelude::*;

const BRICK: ByteSize = ByteSize::gib(1);

fn arbiter_space() -> ByteSize {
    space(arbiter_brick_size(
        BRICK,
        DEFAULT_AVERAGE_FILE_SIZE,
        MIN_ARBITER_BRICK,
    ))
}

/// A tiny volume: layout (0 replica 2, 1 replica 3, 2 arbiter), big bricks (2 GiB), and
/// device picks for up to two sets.
#[derive(Debug, Clone)]
struct Vol {
    layout: u8,
    big: bool,
    sets: Vec<Vec<usize>>,
}

/// A tiny world: nodes (zone, devices as (room in 1 GiB bricks, room for one more arbiter)),
/// volumes, the target (kind 0 device, 1 node, 2 zone; index) and the zone mode (0 none,
/// 1 prefer, 2 strict with degrading allowed, 3 strict).
#[derive(Debug, Clone)]
struct World {
    nodes: Vec<(u32, Vec<(u64, bool)>)>,
    volumes: Vec<Vol>,
    target_kind: u8,
    target: usize,
    mode: u8,
}

fn world() -> impl Strategy<Value = World> {
    let vol = (
        prop::sample::select(vec![0u8, 0, 1, 2]),
        prop::bool::weighted(0.3),
        prop::collection::vec(prop::collection::vec(0usize..12, 3), 1..=2),
    )
        .prop_map(|(layout, big, sets)| Vol { layout, big, sets });
    (
        prop::collection::vec(
            (
                1u32..=3,
                prop::collection::vec((0u64..=2, prop::bool::weighted(0.3)), 1..=2),
            ),
            3..=4,
        ),
        prop::collection::vec(vol, 1..=2),
        0u8..3,
        0usize..12,
        0u8..4,
    )
        .prop_map(|(nodes, volumes, target_kind, target, mode)| World {
            nodes,
            volumes,
            target_kind,
            target,
            mode,
        })
}

struct Built {
    model: Model,
    devices: Vec<DeviceId>,
    nodes: Vec<NodeId>,
    zones: Vec<Zone>,
}

/// Builds the world (at most 6 devices). A set takes distinct nodes (consecutive from its
/// first pick; a set larger than the node count is dropped); each device is made big
/// enough for the bricks it holds plus its room.
fn build(w: &World) -> Built {
    let mut b = Builder::new();
    let nodes: Vec<NodeId> = w.nodes.iter().map(|(zone, _)| b.node(*zone)).collect();
    // (node, room, arbiter room), at most 6.
    let mut devs: Vec<(usize, u64, bool)> = Vec::new();
    let mut node_devs: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (n, (_, ds)) in w.nodes.iter().enumerate() {
        for (room, arb) in ds {
            if devs.len() < 6 {
                node_devs[n].push(devs.len());
                devs.push((n, *room, *arb));
            }
        }
    }
    let with_devs: Vec<usize> = (0..nodes.len())
        .filter(|&n| !node_devs[n].is_empty())
        .collect();
    let mut vols: Vec<(Durability, ByteSize, Vec<Vec<usize>>)> = Vec::new();
    let mut need = vec![ByteSize::ZERO; devs.len()];
    for v in &w.volumes {
        let durability = match v.layout {
            0 => Durability::REPLICA_2,
            1 => Durability::REPLICA_3,
            _ => Durability::Arbiter,
        };
        let size = if v.big { ByteSize::gib(2) } else { BRICK };
        if durability.set_size() > with_devs.len() {
            continue;
        }
        let mut sets = Vec::new();
        for picks in &v.sets {
            let set: Vec<usize> = (0..durability.set_size())
                .map(|pos| {
                    let n = with_devs[(picks[0] + pos) % with_devs.len()];
                    node_devs[n][picks[pos] % node_devs[n].len()]
                })
                .collect();
            for (pos, &d) in set.iter().enumerate() {
                let bsize = if durability.role_at(pos) == BrickRole::Arbiter {
                    arbiter_brick_size(size, DEFAULT_AVERAGE_FILE_SIZE, MIN_ARBITER_BRICK)
                } else {
                    size
                };
                need[d] = need[d].checked_add(space(bsize)).unwrap();
            }
            sets.push(set);
        }
        vols.push((durability, size, sets));
    }
    let mut devices = Vec::new();
    for (d, (n, room, arb)) in devs.iter().enumerate() {
        let mut total = need[d]
            .checked_add(space(BRICK).checked_mul(*room).unwrap())
            .unwrap();
        if *arb {
            total = total.checked_add(arbiter_space()).unwrap();
        }
        devices.push(b.device(nodes[*n], total));
    }
    for (durability, size, sets) in vols {
        let sets: Vec<Vec<DeviceId>> = sets
            .iter()
            .map(|s| s.iter().map(|&d| devices[d]).collect())
            .collect();
        b.volume(durability, size, &sets).unwrap();
    }
    let mut zones: Vec<Zone> = w.nodes.iter().map(|(z, _)| Zone(*z)).collect();
    zones.sort();
    zones.dedup();
    Built {
        model: b.model,
        devices,
        nodes,
        zones,
    }
}

fn on_target(model: &Model, target: EvacuationTarget, d: &Device) -> bool {
    match target {
        EvacuationTarget::Device(id) => d.id == id,
        EvacuationTarget::Node(n) => d.node == n,
        EvacuationTarget::Zone(z) => model.node(d.node).unwrap().zone == z,
    }
}

fn zone_of_device(model: &Model, d: DeviceId) -> Zone {
    model.node(model.device(d).unwrap().node).unwrap().zone
}

/// Exhaustive search for an assignment of the moving bricks: distinct nodes per set, room,
/// and (when `zones` is set) no zone shared with another brick of the set.
fn assignment_exists(model: &Model, target: EvacuationTarget, zones: bool) -> bool {
    let moving: Vec<&Brick> = model
        .bricks()
        .filter(|b| on_target(model, target, model.device(b.device).unwrap()))
        .collect();
    let candidates: Vec<&Device> = model
        .devices()
        .filter(|d| !on_target(model, target, d))
        .collect();
    let mut free: BTreeMap<DeviceId, u64> = candidates
        .iter()
        .map(|d| (d.id, d.total.bytes() - d.used.bytes()))
        .collect();
    // Where every brick is, updated as bricks move. A co-moving brick not yet placed sits on
    // the target, which no candidate shares a node with (nor a zone, for zone targets).
    let mut place: BTreeMap<BrickId, DeviceId> = model.bricks().map(|b| (b.id, b.device)).collect();
    struct Ctx<'a> {
        model: &'a Model,
        candidates: Vec<&'a Device>,
        zones: bool,
    }
    fn rec(
        ctx: &Ctx<'_>,
        moving: &[&Brick],
        free: &mut BTreeMap<DeviceId, u64>,
        place: &mut BTreeMap<BrickId, DeviceId>,
    ) -> bool {
        let Some((b, rest)) = moving.split_first() else {
            return true;
        };
        let model = ctx.model;
        let need = b.pool_size.bytes() + b.metadata_size.bytes();
        let v = model.volume(b.volume).unwrap();
        let set = v.brick_sets.iter().find(|s| s.contains(&b.id)).unwrap();
        let others: Vec<DeviceId> = set
            .iter()
            .filter(|x| **x != b.id)
            .map(|x| place[x])
            .collect();
        for d in &ctx.candidates {
            let clash = others.iter().any(|o| {
                model.device(*o).unwrap().node == d.node
                    || (ctx.zones && zone_of_device(model, *o) == zone_of_device(model, d.id))
            });
            if clash || free[&d.id] < need {
                continue;
            }
            *free.get_mut(&d.id).unwrap() -= need;
            let old = place.insert(b.id, d.id).unwrap();
            if rec(ctx, rest, free, place) {
                return true;
            }
            place.insert(b.id, old);
            *free.get_mut(&d.id).unwrap() += need;
        }
        false
    }
    let ctx = Ctx {
        model,
        candidates,
        zones,
    };
    rec(&ctx, &moving, &mut free, &mut place)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn evacuation_succeeds_exactly_when_an_assignment_exists(w in world()) {
        let built = build(&w);
        let model = &built.model;
        prop_assume!(model.bricks().count() > 0);
        // Targets that hold bricks.
        let pick = |all: Vec<EvacuationTarget>| {
            let with: Vec<EvacuationTarget> = all
                .into_iter()
                .filter(|t| model.bricks().any(|b| on_target(model, *t, model.device(b.device).unwrap())))
                .collect();
            with[w.target % with.len()]
        };
        let target = match w.target_kind {
            0 => pick(built.devices.iter().map(|d| EvacuationTarget::Device(*d)).collect()),
            1 => pick(built.nodes.iter().map(|n| EvacuationTarget::Node(*n)).collect()),
            _ => pick(built.zones.iter().map(|z| EvacuationTarget::Zone(*z)).collect()),
        };
        let mut settings = Day2Settings::default();
        settings.default_policy.zone_checking = match w.mode {
            0 => ZoneChecking::None,
            1 => ZoneChecking::Prefer,
            _ => ZoneChecking::Strict,
        };
        settings.allow_degraded = w.mode != 3;
        let zoned = w.mode != 0;
        let feasible = assignment_exists(model, target, w.mode == 3);
        let keeps_zones = zoned && assignment_exists(model, target, true);
        let on_target_bricks: BTreeSet<BrickId> = model
            .bricks()
            .filter(|b| on_target(model, target, model.device(b.device).unwrap()))
            .map(|b| b.id)
            .collect();
        // The planner, and its exact solvers alone (no greedy pass first).
        type Planner = fn(&Model, EvacuationTarget, &Day2Settings, u64) -> Result<EvacuationPlan, EvacuationError>;
        for planner in [plan_evacuation as Planner, plan_evacuation_without_greedy] {
            match planner(model, target, &settings, 3) {
                Ok(plan) => {
                    prop_assert!(feasible, "planned what brute force calls impossible: {plan:#?}");
                    let moved: BTreeSet<BrickId> = plan.steps.iter().map(|s| s.old.id).collect();
                    prop_assert_eq!(moved.len(), plan.steps.len());
                    prop_assert_eq!(&moved, &on_target_bricks, "moves exactly the target's bricks");
                    // One brick per set per wave, waves in order.
                    let mut per_wave = BTreeSet::new();
                    for s in &plan.steps {
                        prop_assert!(per_wave.insert((s.wave, s.volume_id, s.set)), "two bricks of a set in one wave");
                    }
                    prop_assert!(plan.steps.windows(2).all(|p| p[0].wave <= p[1].wave));
                    prop_assert_eq!(plan.waves, plan.steps.iter().map(|s| s.wave + 1).max().unwrap_or(0));
                    let mut m = model.clone();
                    plan.commit_to(&mut m).unwrap();
                    prop_assert!(m.check().is_empty(), "{:?}", m.check());
                    prop_assert!(node_separation_holds(&m));
                    // Degraded marks are true, and only where no assignment keeps the zones.
                    for s in &plan.steps {
                        let v = m.volume(s.volume_id).unwrap();
                        let shared = v.brick_sets[s.set].iter().any(|o| {
                            *o != s.new.id && zone_of_device(&m, m.brick(*o).unwrap().device) == s.new.zone
                        });
                        prop_assert_eq!(s.degraded, zoned && shared, "degraded mark of {:?}", s);
                    }
                    prop_assert_eq!(plan.degraded, plan.steps.iter().filter(|s| s.degraded).count());
                    if w.mode == 3 || keeps_zones {
                        prop_assert_eq!(plan.degraded, 0, "zones degraded although an assignment keeps them");
                    }
                    // Same input, same plan.
                    prop_assert_eq!(&plan, &planner(model, target, &settings, 3).unwrap());
                }
                Err(EvacuationError::Unmovable { unmovable, total }) => {
                    prop_assert!(!feasible, "brute force found an assignment the planner missed");
                    prop_assert!(!unmovable.is_empty());
                    prop_assert_eq!(total, on_target_bricks.len());
                    for u in &unmovable {
                        prop_assert!(on_target_bricks.contains(&u.brick.id));
                    }
                }
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
    }
}

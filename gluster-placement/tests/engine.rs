//! The long-lived engine after arbitrary interleavings of commits, deletes, expansions,
//! brick replacements, state changes and device changes: after every step its index equals
//! one rebuilt from its model, the model is consistent, a refused change changes nothing, and
//! its plans equal those of a fresh planner and of the reference scan (the oracles).

mod common;

use common::*;
use gluster_model::*;
use gluster_placement::day2::{
    plan_evacuation, plan_expand, Day2Settings, EvacuationTarget, ExpandBy,
};
use gluster_placement::{
    plan_volume, Engine, PlacementError, PlacementSettings, Planner, VolumeRequest,
};
use proptest::prelude::*;

fn settings() -> PlacementSettings {
    PlacementSettings {
        min_brick_size: ByteSize::mib(256),
        max_brick_size: ByteSize::gib(8),
        max_bricks_per_volume: 12,
        ..PlacementSettings::default()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Create(VolumeRequest, u64),
    Delete(usize),
    Expand(usize, u64),
    Evacuate(usize, u64),
    NodeState(usize, EntityState),
    DeviceState(usize, EntityState),
    AddDevice(usize, u64),
    /// A node in a zone (maybe one the cluster does not have yet) with one device.
    AddNode(u32, u64),
    RemoveDevice(usize),
    /// A device re-read at a new size (TiB), grown or shrunk (refused below its bricks).
    Resize(usize, u64),
    /// A new device reserve: the engine re-indexes.
    Reserve(u32),
    /// A committed-looking plan with one field corrupted (must be refused).
    Corrupt(VolumeRequest, u64, u8),
}

fn state() -> impl Strategy<Value = EntityState> {
    prop_oneof![
        3 => Just(EntityState::Online),
        2 => Just(EntityState::Offline),
        1 => Just(EntityState::Failed),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (request(1..=30), any::<u64>()).prop_map(|(r, s)| Op::Create(r, s)),
        3 => any::<usize>().prop_map(Op::Delete),
        1 => (any::<usize>(), any::<u64>()).prop_map(|(v, s)| Op::Expand(v, s)),
        1 => (any::<usize>(), any::<u64>()).prop_map(|(d, s)| Op::Evacuate(d, s)),
        1 => (any::<usize>(), state()).prop_map(|(n, s)| Op::NodeState(n, s)),
        1 => (any::<usize>(), state()).prop_map(|(d, s)| Op::DeviceState(d, s)),
        1 => (any::<usize>(), 1u64..=4).prop_map(|(n, t)| Op::AddDevice(n, t)),
        1 => (1u32..=6, 1u64..=4).prop_map(|(z, t)| Op::AddNode(z, t)),
        1 => any::<usize>().prop_map(Op::RemoveDevice),
        1 => (any::<usize>(), 1u64..=6).prop_map(|(d, t)| Op::Resize(d, t)),
        1 => prop_oneof![Just(0u32), Just(50)].prop_map(Op::Reserve),
        1 => (request(1..=30), any::<u64>(), any::<u8>()).prop_map(|(r, s, k)| Op::Corrupt(r, s, k)),
    ]
}

fn nth<T: Copy>(items: impl ExactSizeIterator<Item = T>, k: usize) -> Option<T> {
    let n = items.len();
    let mut items = items;
    (n > 0).then(|| items.nth(k % n)).flatten()
}

/// Runs one step; `Err` when the engine refused it.
fn step(engine: &mut Engine, op: &Op, added: &mut u32) -> Result<(), String> {
    let day2 = Day2Settings {
        placement: settings(),
        ..Day2Settings::default()
    };
    let e = |e: PlacementError| e.to_string();
    match op {
        Op::Create(request, seed) => {
            let plan = engine.plan(request, *seed).map_err(e)?;
            engine.commit(&plan).map_err(e)
        }
        Op::Delete(k) => {
            let id = nth(engine.model().volumes().map(|v| v.id), *k).ok_or("no volume")?;
            engine.delete_volume(id).map(|_| ()).map_err(e)
        }
        Op::Expand(k, seed) => {
            let id = nth(engine.model().volumes().map(|v| v.id), *k).ok_or("no volume")?;
            let plan = plan_expand(engine.model(), id, ExpandBy::Sets(1), &day2, *seed)
                .map_err(|e| e.to_string())?;
            engine.commit_expand(&plan).map_err(e)
        }
        Op::Evacuate(k, seed) => {
            let id = nth(engine.model().devices().map(|d| d.id), *k).ok_or("no device")?;
            let plan = plan_evacuation(engine.model(), EvacuationTarget::Device(id), &day2, *seed)
                .map_err(|e| e.to_string())?;
            engine.commit_replace_steps(&plan.steps).map_err(e)
        }
        Op::NodeState(k, s) => {
            let id = nth(engine.model().nodes().map(|n| n.id), *k).ok_or("no node")?;
            engine.set_node_state(id, *s).map_err(e)
        }
        Op::Resize(k, tib) => {
            let id = nth(engine.model().devices().map(|d| d.id), *k).ok_or("no device")?;
            engine
                .resize_device(id, ByteSize::tib(*tib))
                .map(|_| ())
                .map_err(e)
        }
        Op::DeviceState(k, s) => {
            let id = nth(engine.model().devices().map(|d| d.id), *k).ok_or("no device")?;
            engine.set_device_state(id, *s).map_err(e)
        }
        Op::AddDevice(k, tib) => {
            let node = nth(engine.model().nodes().map(|n| n.id), *k).ok_or("no node")?;
            *added += 1;
            engine
                .add_device(Device {
                    id: DeviceId::derived(&["added", &added.to_string()]),
                    node,
                    name: format!("/dev/added{added}"),
                    total: ByteSize::tib(*tib),
                    used: ByteSize::ZERO,
                    extent_size: DEFAULT_EXTENT_SIZE,
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
                .map_err(e)
        }
        Op::AddNode(zone, tib) => {
            *added += 1;
            let cluster = engine.model().clusters().next().ok_or("no cluster")?.id;
            let node = NodeId::derived(&["added-node", &added.to_string()]);
            engine
                .add_node(Node {
                    id: node,
                    cluster,
                    zone: Zone(*zone),
                    manage_hostname: format!("added-node{added}"),
                    storage_hostname: format!("10.9.0.{added}"),
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
                .map_err(e)?;
            engine
                .add_device(Device {
                    id: DeviceId::derived(&["added-node-dev", &added.to_string()]),
                    node,
                    name: "/dev/sdz".into(),
                    total: ByteSize::tib(*tib),
                    used: ByteSize::ZERO,
                    extent_size: DEFAULT_EXTENT_SIZE,
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
                .map_err(e)
        }
        Op::Reserve(per_mille) => {
            let settings = PlacementSettings {
                device_reserve_per_mille: *per_mille,
                ..engine.settings().clone()
            };
            engine.set_settings(&settings);
            Ok(())
        }
        Op::RemoveDevice(k) => {
            let id = nth(engine.model().devices().map(|d| d.id), *k).ok_or("no device")?;
            engine.remove_device(id).map(|_| ()).map_err(e)
        }
        Op::Corrupt(request, seed, kind) => {
            let mut plan = engine.plan(request, *seed).map_err(e)?;
            let at = usize::from(*kind) % plan.bricks.len();
            let b = &mut plan.bricks[at];
            match kind % 5 {
                0 => b.pool_bytes = ByteSize::b(1),
                1 => b.size_bytes = ByteSize::b(b.size_bytes.bytes() + 1024),
                2 => b.path = format!("/mnt/$(reboot){}", b.path),
                3 => plan.volume_name = "vol;rm -rf /".into(),
                _ => plan.data_brick_bytes = ByteSize::tib(1024),
            }
            match engine.commit(&plan) {
                Ok(()) => panic!("a corrupted plan was committed: {plan:?}"),
                Err(err) => Err(err.to_string()),
            }
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn every_interleaving_keeps_the_index_exact(
        world in prop_oneof![small_world(), arbiter_world()],
        ops in prop::collection::vec(op(), 1..=24),
        probe in request(1..=30),
        seed in any::<u64>(),
    ) {
        let settings = settings();
        let mut engine = Engine::new(build(&world), settings.clone());
        let mut added = 0;
        for op in &ops {
            let before = engine.model().clone();
            let result = step(&mut engine, op, &mut added);
            if result.is_err() && !matches!(op, Op::Evacuate(..)) {
                // Refused: nothing changed (an evacuation keeps the steps before a refusal).
                prop_assert_eq!(engine.model(), &before, "refused {:?} changed the model", op);
            }
            if let Err(d) = engine.check_index() {
                return Err(TestCaseError::fail(format!("after {op:?}: {d}")));
            }
            let problems = engine.model().check();
            prop_assert!(problems.is_empty(), "after {:?}: {:?}", op, problems);
            // The oracles: a planner built from the model now, and the reference scan.
            let settings = engine.settings().clone();
            let fresh = plan_volume(engine.model(), &probe, &settings, seed);
            let mut scan = Planner::new(engine.model(), &settings);
            scan.use_reference_scan(true);
            let by_scan = scan.plan(&probe, seed);
            let kept = engine.plan(&probe, seed);
            prop_assert_eq!(&kept, &fresh, "after {:?}", op);
            prop_assert_eq!(&kept, &by_scan, "after {:?}", op);
        }
    }
}

/// A strict, unreplicated request of `size` bytes.
fn single(size: ByteSize) -> VolumeRequest {
    VolumeRequest::new(size, Durability::None).with_zone_checking(ZoneChecking::Strict)
}

/// Found by `every_interleaving_keeps_the_index_exact`: a zone's only device is removed and
/// one of another size added, while the engine's planner remembered a brick's share of the
/// old size; the kept engine then ranked the zone by the stale share where a rebuilt index
/// does not.
#[test]
fn a_zone_whose_device_size_changes_plans_like_a_rebuilt_index() {
    let device = |total: ByteSize| DeviceSpec {
        total,
        used_pct: 0,
        state: EntityState::Online,
        tags: Tags::new(),
    };
    let node = |zone: u32, tags: Tags, devices: Vec<DeviceSpec>| NodeSpec {
        zone,
        state: EntityState::Online,
        tags,
        devices,
    };
    let gib = || device(ByteSize::gib(1));
    let world = vec![
        node(1, Tags::new(), vec![gib(), gib()]),
        node(
            2,
            tags(&[("arbiter", "disabled")]),
            vec![device(ByteSize::gib(21))],
        ),
        node(1, Tags::new(), vec![gib(), gib()]),
    ];
    let ops = [
        Op::AddDevice(0, 1),
        Op::Create(single(ByteSize::gib(1)), 0),
        Op::AddDevice(0, 1),
        // A node in zone 3 with a 1 TiB device, then that device removed and a 2 TiB one
        // added to the node.
        Op::AddNode(3, 1),
        Op::RemoveDevice(15932832162931084991),
        Op::AddDevice(1125787809347071791, 2),
    ];
    let probe = single(ByteSize::gib(9));
    let mut engine = Engine::new(build(&world), settings());
    let mut added = 0;
    for op in &ops {
        step(&mut engine, op, &mut added).unwrap();
        engine.check_index().unwrap();
        let fresh = plan_volume(engine.model(), &probe, engine.settings(), 0).unwrap();
        assert_eq!(engine.plan(&probe, 0).unwrap(), fresh, "after {op:?}");
    }
}

/// Issue 15 item 5: a commit re-derives sizes and refuses what does not hold.
#[test]
fn commit_refuses_forged_plans() {
    let mut world = vec![];
    for zone in 1..=3 {
        for _ in 0..2 {
            world.push(NodeSpec {
                zone,
                state: EntityState::Online,
                tags: Tags::new(),
                devices: vec![
                    DeviceSpec {
                        total: ByteSize::tib(1),
                        used_pct: 0,
                        state: EntityState::Online,
                        tags: Tags::new(),
                    },
                    DeviceSpec {
                        total: ByteSize::tib(1),
                        used_pct: 0,
                        state: EntityState::Online,
                        tags: tags(&[("arbiter", "required")]),
                    },
                ],
            });
        }
    }
    let mut engine = Engine::new(build(&world), PlacementSettings::default());
    let request = VolumeRequest::new(ByteSize::gib(1000), Durability::replicate(3).unwrap());
    let good = engine.plan(&request, 1).unwrap();
    let before = engine.model().clone();
    let arbiter_device = engine
        .model()
        .devices()
        .find(|d| d.tags.get("arbiter").map(String::as_str) == Some("required"))
        .unwrap()
        .clone();
    let arbiter_node = engine.model().node(arbiter_device.node).unwrap().clone();
    type Forge = Box<dyn Fn(&mut gluster_placement::Plan)>;
    let forgeries: Vec<(&str, Forge)> = vec![
        (
            "pool_bytes",
            Box::new(|p| p.bricks[0].pool_bytes = ByteSize::b(1)),
        ),
        (
            "size_bytes",
            Box::new(|p| {
                for b in &mut p.bricks {
                    b.size_bytes = ByteSize::tib(1024);
                }
            }),
        ),
        (
            "data_brick_bytes",
            Box::new(|p| p.data_brick_bytes = ByteSize::tib(1024)),
        ),
        (
            "free",
            Box::new(|p| {
                // A 1 PB brick, consistent in itself, on a 1 TiB device.
                p.size_bytes = ByteSize::tib(1024);
                p.data_brick_bytes = ByteSize::tib(1024);
                for b in &mut p.bricks {
                    b.size_bytes = ByteSize::tib(1024);
                    let s = BrickSpace::for_brick(
                        b.size_bytes,
                        SnapshotFactor::ONE,
                        DEFAULT_EXTENT_SIZE,
                    )
                    .unwrap();
                    (b.pool_bytes, b.metadata_bytes) = (s.pool, s.metadata);
                }
            }),
        ),
        (
            "role",
            Box::new(move |p| {
                let b = &mut p.bricks[0];
                b.device_id = arbiter_device.id;
                b.device = arbiter_device.name.as_str().into();
                b.node_id = arbiter_node.id;
                b.node = arbiter_node.manage_hostname.as_str().into();
                b.storage_host = arbiter_node.storage_hostname.as_str().into();
                b.zone = arbiter_node.zone;
                b.path = Brick::heketi_path("/var/lib/heketi/mounts", b.device_id, b.id);
            }),
        ),
        (
            "volume_name",
            Box::new(|p| p.volume_name = "x; rm -rf /".into()),
        ),
        ("volume_name", Box::new(|p| p.volume_name = "$(id)".into())),
        (
            "path",
            Box::new(|p| p.bricks[1].path = "/tmp/`id`/x".into()),
        ),
        (
            "path",
            Box::new(|p| {
                p.bricks[1].path = format!(
                    "/a/../b{}",
                    Brick::heketi_path("", p.bricks[1].device_id, p.bricks[1].id)
                )
            }),
        ),
        (
            "node",
            Box::new(|p| p.bricks[2].storage_host = "evil.example;reboot".into()),
        ),
        ("set", Box::new(|p| p.bricks.swap(0, 1))),
        (
            "options",
            Box::new(|p| p.options.push(("a b".into(), "x".into()))),
        ),
    ];
    for (field, forge) in forgeries {
        let mut plan = good.clone();
        forge(&mut plan);
        let err = engine.commit(&plan).expect_err(field);
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert_eq!(engine.model(), &before, "{field}: refused but changed");
        engine.check_index().unwrap();
    }
    engine.commit(&good).unwrap();
    // Committed once: the same plan again is refused (name and ids taken).
    let err = engine.commit(&good).unwrap_err();
    assert!(
        matches!(
            err,
            PlacementError::Model(ModelError::DuplicateVolumeName(_))
        ),
        "{err}"
    );
    assert!(engine.model().check().is_empty());
}

/// What-if questions run on a snapshot: the engine is unchanged.
#[test]
fn simulate_and_forecast_leave_the_engine_alone() {
    let model = uniform(3, 2, 2, ByteSize::tib(1));
    let mut engine = Engine::new(model.clone(), settings());
    let request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    let plan = engine.plan(&request, 3).unwrap();
    engine.commit(&plan).unwrap();
    let after_commit = engine.model().clone();
    let report = engine.simulate(&request, 9, None).unwrap();
    assert!(report.placed > 10, "{report:?}");
    let forecast = engine.forecast(&request, 9, None).unwrap();
    assert_eq!(forecast.fits, report.placed);
    assert_eq!(engine.model(), &after_commit);
    engine.check_index().unwrap();
    // The snapshot's simulation equals one over a fresh copy of the model.
    let fresh = gluster_placement::simulate(&after_commit, &request, &settings(), 9, None).unwrap();
    assert_eq!(report, fresh);
}

/// The interleavings are not degenerate: every kind of step succeeds in some cases, and a
/// good share of creates are placed (the small worlds sit near the edge of feasibility by
/// design, so refusals are exercised too).
#[test]
fn interleavings_exercise_every_step() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut ok: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for _ in 0..48 {
        let world = prop_oneof![small_world(), arbiter_world()]
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let ops = prop::collection::vec(op(), 1..=24)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut engine = Engine::new(build(&world), settings());
        let mut added = 0;
        for op in &ops {
            let kind = format!("{op:?}");
            let kind = &kind[..kind.find('(').unwrap_or(kind.len())];
            let kind: &str = Box::leak(kind.to_string().into_boxed_str());
            let entry = ok.entry(kind).or_default();
            entry.1 += 1;
            if step(&mut engine, op, &mut added).is_ok() {
                entry.0 += 1;
            }
        }
    }
    eprintln!("successes / attempts per step: {ok:?}");
    for (kind, (done, tried)) in &ok {
        if *kind == "Corrupt" {
            assert_eq!(*done, 0, "a corrupted plan was committed");
        } else {
            assert!(*done > 0, "{kind}: none of {tried} succeeded");
        }
    }
    let (created, tried) = ok["Create"];
    assert!(created * 4 > tried, "{created} of {tried} creates placed");
}

//! Every public planning entry point takes arbitrary values, invalid ones included, and
//! answers with a plan or an error: never a panic (issue 15 item 8).
//!
//! `Durability` cannot hold an invalid layout (its variants hold checked types), so the
//! arbitrary layouts are the constructors' answers to arbitrary numbers: the refused ones are
//! checked to be refused, the accepted ones are planned with.

use gluster_model::{
    arbiter_brick_size, import_heketi_load, BrickSpace, ByteSize, Durability, HeketiLoadOptions,
    Model, SnapshotFactor, Zone, ZoneChecking, DEFAULT_EXTENT_SIZE,
};
use gluster_placement::day2::{
    plan_evacuation, plan_expand, plan_grow, plan_rebalance, Day2Settings, EvacuationTarget,
    ExpandBy,
};
use gluster_placement::multiplex::{check_nodes, BrickBudget};
use gluster_placement::snapshot::{check_snapshot, snapshots_left, ThinPoolUse};
use gluster_placement::subvolume::{check_expand, choose_hosting, HostingVolume, SubvolumePolicy};
use gluster_placement::{
    forecast, plan_block_volume, plan_volume, simulate, BlockRequest, Engine, PlacementError,
    PlacementSettings, VolumeRequest,
};
use proptest::prelude::*;

fn model() -> Model {
    let json = r#"{"clusters":[{"nodes":[
 {"node":{"hostnames":{"manage":["n1"],"storage":["10.0.0.1"]},"zone":1},"devices":["/dev/sdb",{"name":"/dev/sdc","tags":{"arbiter":"required"}}]},
 {"node":{"hostnames":{"manage":["n2"],"storage":["10.0.0.2"]},"zone":2},"devices":["/dev/sdb"]},
 {"node":{"hostnames":{"manage":["n3"],"storage":["10.0.0.3"]},"zone":3},"devices":["/dev/sdb"]},
 {"node":{"hostnames":{"manage":["n4"],"storage":["10.0.0.4"]},"zone":1},"devices":["/dev/sdb"]}
]}]}"#;
    let mut m = import_heketi_load(
        json,
        &HeketiLoadOptions::with_default_size(ByteSize::gib(200)),
    )
    .unwrap();
    // Two volumes, so the day-2 planners have bricks to move, grow and expand.
    for (size, d) in [(10, Durability::REPLICA_3), (4, Durability::REPLICA_2)] {
        let request = VolumeRequest::new(ByteSize::gib(size), d);
        let plan = plan_volume(&m, &request, &PlacementSettings::default(), size).unwrap();
        plan.commit_to(&mut m).unwrap();
    }
    m
}

/// A layout from arbitrary numbers through the public constructors; `None` when refused
/// (which is then the right answer: checked by `constructors_refuse_what_gluster_refuses`).
fn layout(kind: u8, a: u8, b: u8) -> Option<Durability> {
    match kind % 5 {
        0 => Some(Durability::None),
        1 => Durability::replicate(a).ok(),
        2 => Durability::arbiter(a, b).ok(),
        3 => Durability::disperse(a, b).ok(),
        _ => Durability::disperse_default(u16::from(a)).ok(),
    }
}

fn durability() -> impl Strategy<Value = Durability> {
    (any::<u8>(), any::<u8>(), any::<u8>())
        .prop_map(|(k, a, b)| layout(k, a, b).unwrap_or(Durability::Arbiter))
}

fn size() -> impl Strategy<Value = ByteSize> {
    prop_oneof![
        Just(ByteSize::ZERO),
        Just(ByteSize::b(u64::MAX)),
        (0u64..=1 << 42).prop_map(ByteSize::b),
    ]
}

prop_compose! {
    fn request()(
        size in size(),
        durability in durability(),
        zone_checking in prop_oneof![Just(ZoneChecking::Strict), Just(ZoneChecking::Prefer), Just(ZoneChecking::None)],
        allowed in proptest::collection::vec(0u32..5, 0..3),
        average_file_size in size(),
        name in proptest::option::of("[a-z-]{0,4}"),
        factor in prop_oneof![Just(1.0f64), Just(1.5), Just(100.0)],
    ) -> VolumeRequest {
        let mut r = VolumeRequest::new(size, durability);
        r.zone_checking = zone_checking;
        r.allowed_zones = allowed.into_iter().map(Zone).collect();
        r.average_file_size = average_file_size;
        r.name = name;
        r.snapshot_factor = SnapshotFactor::new(factor).unwrap();
        r
    }
}

prop_compose! {
    fn settings()(
        min in size(),
        max in size(),
        max_bricks in prop_oneof![Just(0usize), Just(usize::MAX), 1usize..64],
        reserve in prop_oneof![Just(0u32), Just(999u32), Just(1000u32), any::<u32>()],
        min_arbiter in size(),
        root in prop_oneof![Just("/var/lib/heketi/mounts".to_string()), Just(String::new()), Just("rel/x".to_string()), Just("/a/../b".to_string())],
        budget in proptest::option::of((any::<bool>(), any::<u32>(), any::<u32>())),
        overcommit in any::<u32>(),
        hosting in size(),
    ) -> PlacementSettings {
        PlacementSettings {
            min_brick_size: min,
            max_brick_size: max,
            max_bricks_per_volume: max_bricks,
            min_arbiter_brick_size: min_arbiter,
            device_reserve_per_mille: reserve,
            brick_mount_root: root,
            brick_budget: budget.map(|(multiplex, max_bricks_per_process, max_processes)| BrickBudget {
                multiplex,
                max_bricks_per_process,
                max_processes,
            }),
            subvolume_policy: SubvolumePolicy {
                overcommit_percent: overcommit,
                hosting_size: hosting,
            },
        }
    }
}

proptest! {
    #[test]
    fn constructors_refuse_what_gluster_refuses(kind in any::<u8>(), a in any::<u8>(), b in any::<u8>()) {
        if let Some(d) = layout(kind, a, b) {
            // What a constructor accepts has sane arithmetic: no zero-sized set, losses
            // below the set size, a data share that divides.
            prop_assert!(d.set_size() >= 1);
            prop_assert!(d.data_share() >= 1 && d.data_share() <= d.set_size());
            prop_assert!(d.tolerated_losses() < d.set_size() || d.set_size() == 1);
            prop_assert!(d.check_brick_count(d.set_size() * 2) == Ok(2));
            let json = serde_json::to_string(&d).unwrap();
            prop_assert_eq!(serde_json::from_str::<Durability>(&json).unwrap(), d);
        } else if kind % 5 == 1 {
            prop_assert!(a < 2);
        }
    }

    #[test]
    fn planning_entry_points_never_panic(
        request in request(),
        settings in settings(),
        seed in any::<u64>(),
        ha in 0usize..5,
        target in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-1.0), Just(0.0), 0.5f64..3.0],
        max_moves in prop_oneof![Just(0usize), Just(usize::MAX), 1usize..50],
        sets in prop_oneof![Just(0usize), Just(usize::MAX), 1usize..4],
        add in size(),
        which in any::<u8>(),
        allow_degraded in any::<bool>(),
    ) {
        let m = model();
        let planned = plan_volume(&m, &request, &settings, seed);
        if request.size == ByteSize::ZERO {
            prop_assert!(matches!(planned, Err(PlacementError::InvalidRequest(_))), "{planned:?}");
        }
        let _ = simulate(&m, &request, &settings, seed, Some(3));
        let _ = simulate(&m, &request, &settings, seed, Some(0));
        let _ = forecast(&m, &request, &settings, seed, Some(3));

        let mut engine = Engine::new(m.clone(), settings.clone());
        if let Ok(plan) = engine.plan(&request, seed) {
            engine.commit(&plan).unwrap();
            prop_assert!(engine.model().check().is_empty());
        }
        let _ = engine.simulate(&request, seed, Some(2));
        let _ = engine.forecast(&request, seed, Some(2));

        let mut block = BlockRequest::new(request.size);
        block.ha = ha;
        block.hosting_durability = request.durability;
        block.name = request.name.clone();
        let _ = plan_block_volume(&m, &block, &settings, seed);

        let day2 = Day2Settings { placement: settings.clone(), allow_degraded, ..Day2Settings::default() };
        let volumes: Vec<_> = m.volumes().map(|v| v.id).collect();
        let volume = volumes[usize::from(which) % volumes.len()];
        let _ = plan_expand(&m, volume, ExpandBy::Sets(sets), &day2, seed);
        let _ = plan_expand(&m, volume, ExpandBy::Size(add), &day2, seed);
        let _ = plan_grow(&m, volume, add, &day2);
        let _ = plan_rebalance(&m, target, &day2, seed, max_moves);
        let devices: Vec<_> = m.devices().map(|d| (d.id, d.node)).collect();
        let (device, node) = devices[usize::from(which) % devices.len()];
        for t in [EvacuationTarget::Device(device), EvacuationTarget::Node(node), EvacuationTarget::Zone(Zone(u32::from(which) % 4))] {
            let _ = plan_evacuation(&m, t, &day2, seed);
        }

        // Sizing and the data services.
        let _ = BrickSpace::for_brick(request.size, request.snapshot_factor, DEFAULT_EXTENT_SIZE);
        let _ = BrickSpace::for_brick(request.size, request.snapshot_factor, ByteSize::ZERO);
        let _ = arbiter_brick_size(request.size, request.average_file_size, add);
        let pool = ThinPoolUse {
            brick: "n1:/b".into(),
            brick_size: request.size,
            pool_size: add,
            data_used: request.average_file_size,
            reserved: settings.min_brick_size,
        };
        let _ = check_snapshot(std::slice::from_ref(&pool));
        let _ = snapshots_left(&[pool]);
        let policy = SubvolumePolicy { overcommit_percent: settings.device_reserve_per_mille, hosting_size: add };
        let hosting = HostingVolume { name: "h".into(), size: request.size, committed: add };
        let _ = choose_hosting(std::slice::from_ref(&hosting), request.average_file_size, &policy);
        let _ = check_expand(&hosting, add, request.size, &policy);
        let budget = BrickBudget { multiplex: allow_degraded, max_bricks_per_process: u32::from(which), max_processes: settings.device_reserve_per_mille };
        let _ = check_nodes(&budget, [("n1", request.size.bytes(), add.bytes())]);
    }
}

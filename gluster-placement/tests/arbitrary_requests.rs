//! Every public planning entry point takes arbitrary values, invalid ones included, and
//! answers with a plan or an error: never a panic (issue 15 item 8).

use gluster_model::{
    import_heketi_load, ByteSize, Durability, HeketiLoadOptions, Model, Zone, ZoneChecking,
};
use gluster_placement::{
    forecast, plan_block_volume, plan_volume, simulate, BlockRequest, PlacementError,
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
    import_heketi_load(
        json,
        &HeketiLoadOptions::with_default_size(ByteSize::gib(200)),
    )
    .unwrap()
}

fn durability() -> impl Strategy<Value = Durability> {
    prop_oneof![
        Just(Durability::None),
        Just(Durability::Arbiter),
        any::<u8>().prop_map(|replica| Durability::Replicate { replica }),
        (any::<u8>(), any::<u8>())
            .prop_map(|(data, redundancy)| Durability::Disperse { data, redundancy }),
    ]
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
    ) -> VolumeRequest {
        let mut r = VolumeRequest::new(size, durability);
        r.zone_checking = zone_checking;
        r.allowed_zones = allowed.into_iter().map(Zone).collect();
        r.average_file_size = average_file_size;
        r.name = name;
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
    ) -> PlacementSettings {
        PlacementSettings {
            min_brick_size: min,
            max_brick_size: max,
            max_bricks_per_volume: max_bricks,
            min_arbiter_brick_size: min_arbiter,
            device_reserve_per_mille: reserve,
            ..PlacementSettings::default()
        }
    }
}

proptest! {
    #[test]
    fn planning_entry_points_never_panic(
        request in request(),
        settings in settings(),
        seed in any::<u64>(),
        ha in 0usize..5,
    ) {
        let m = model();
        let valid = request.durability.validate().is_ok();
        let planned = plan_volume(&m, &request, &settings, seed);
        if !valid {
            prop_assert!(matches!(planned, Err(PlacementError::InvalidRequest(_))), "{planned:?}");
        }
        let _ = simulate(&m, &request, &settings, seed, Some(3));
        let _ = forecast(&m, &request, &settings, seed, 3);
        let mut block = BlockRequest::new(request.size);
        block.ha = ha;
        block.hosting_durability = request.durability;
        block.name = request.name.clone();
        let _ = plan_block_volume(&m, &block, &settings, seed);
    }
}

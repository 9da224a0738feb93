//! The index against the reference scan on clusters large enough that the zone orders are
//! cut into many chunks, through sequences of plans and commits (which split and merge
//! chunks): every plan, refusal included, must be the same.

mod common;

use common::*;
use gluster_model::*;
use gluster_placement::{PlacementSettings, Planner, VolumeRequest};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// Up to 4 zones of up to 24 nodes with up to 5 devices each (up to 480 devices): some zones
/// of one device size, some mixed; some devices offline or tagged.
fn medium_world() -> impl Strategy<Value = Vec<NodeSpec>> {
    let device = (
        prop_oneof![2 => Just(None), 1 => (1u64..=6).prop_map(Some)],
        prop_oneof![8 => Just(EntityState::Online), 1 => Just(EntityState::Offline)],
        prop_oneof![
            8 => Just(Tags::new()),
            1 => Just(tags(&[("arbiter", "required")])),
            1 => Just(tags(&[("media", "ssd")])),
        ],
    );
    let node = (1u32..=4, proptest::collection::vec(device, 1..=5));
    (proptest::collection::vec(node, 8..=96), 1u64..=4).prop_map(|(nodes, base)| {
        nodes
            .into_iter()
            .map(|(zone, devices)| NodeSpec {
                zone,
                state: EntityState::Online,
                tags: Tags::new(),
                devices: devices
                    .into_iter()
                    .map(|(size, state, tags)| DeviceSpec {
                        // Zones 1 and 2 have one device size; 3 and 4 mix sizes.
                        total: ByteSize::tib(if zone <= 2 {
                            base
                        } else {
                            size.unwrap_or(base)
                        }),
                        used_pct: 0,
                        state,
                        tags,
                    })
                    .collect(),
            })
            .collect()
    })
}

fn requests() -> impl Strategy<Value = Vec<(VolumeRequest, u64)>> {
    let one = (durability(), zone_checking(), 50u64..=2000, any::<u64>()).prop_map(
        |(durability, zones, gib, seed)| {
            let mut r = VolumeRequest::new(ByteSize::gib(gib), durability);
            r.zone_checking = zones;
            (r, seed)
        },
    );
    proptest::collection::vec(one, 1..=40)
}

/// The generator is not degenerate: zones hold more devices than one chunk (32), and most
/// requests are placed and committed (else the agreement proves little about updates).
#[test]
fn cases_split_chunks_and_commit() {
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut big_zones, mut placed, mut asked) = (0, 0, 0);
    for _ in 0..64 {
        let world = medium_world().new_tree(&mut runner).unwrap().current();
        let requests = requests().new_tree(&mut runner).unwrap().current();
        let mut per_zone = std::collections::BTreeMap::new();
        for n in &world {
            *per_zone.entry(n.zone).or_insert(0) += n.devices.len();
        }
        big_zones += per_zone.values().filter(|&&d| d > 64).count();
        let model = build(&world);
        let mut planner = Planner::new(&model, &settings());
        for (request, seed) in &requests {
            asked += 1;
            if let Ok(plan) = planner.plan(request, *seed) {
                planner.commit(&plan).unwrap();
                placed += 1;
            }
        }
    }
    assert!(big_zones >= 32, "{big_zones} zones above 64 devices");
    assert!(placed * 2 >= asked, "{placed} of {asked} placed");
}

/// Bricks of at most 256 GiB: requests of up to 2,000 GiB take several sets, so planning
/// moves devices within the orders and rolls them back.
fn settings() -> PlacementSettings {
    PlacementSettings {
        max_brick_size: ByteSize::gib(256),
        ..PlacementSettings::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn index_and_scan_agree_through_commits(world in medium_world(), requests in requests()) {
        let model = build(&world);
        let settings = settings();
        let mut index = Planner::new(&model, &settings);
        let mut scan = Planner::new(&model, &settings);
        scan.use_reference_scan(true);
        for (request, seed) in &requests {
            let planned = index.plan(request, *seed);
            prop_assert_eq!(&planned, &scan.plan(request, *seed), "index and scan disagree");
            if let Ok(plan) = planned {
                index.commit(&plan).unwrap();
                scan.commit(&plan).unwrap();
            }
        }
        prop_assert_eq!(index.device_usage(), scan.device_usage());
    }
}

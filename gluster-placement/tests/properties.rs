//! Properties of every plan: invariants, applying it keeps the model consistent, the same
//! seed gives the same plan, and a committed planner equals a freshly built one.

mod common;

use common::*;
use gluster_model::{ByteSize, Durability};
use gluster_placement::{plan_volume, PlacementError, PlacementSettings, Planner, VolumeRequest};
use proptest::prelude::*;

fn settings() -> PlacementSettings {
    PlacementSettings {
        min_brick_size: ByteSize::mib(256),
        max_brick_size: ByteSize::gib(8),
        max_bricks_per_volume: 12,
        ..PlacementSettings::default()
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// A sequence of plans through one planner: each keeps every rule against the current
    /// model, applies cleanly, is reproducible, and equals the plan of a planner rebuilt
    /// from the updated model (commit keeps the index exact).
    #[test]
    fn sequences_keep_every_invariant(
        world in small_world(),
        requests in prop::collection::vec(request(1..=30), 1..=4),
        seed in any::<u64>(),
    ) {
        let mut model = build(&world);
        let settings = settings();
        let mut planner = Planner::new(&model, &settings);
        for (i, request) in requests.iter().enumerate() {
            let seed = seed.wrapping_add(i as u64);
            let fresh = plan_volume(&model, request, &settings, seed);
            let result = planner.plan(request, seed);
            prop_assert_eq!(&result, &fresh, "committed planner differs from a rebuilt one");
            match result {
                Ok(plan) => {
                    check_plan(&model, request, &settings, &plan);
                    let again = plan_volume(&model, request, &settings, seed).unwrap();
                    prop_assert_eq!(
                        serde_json::to_string(&plan).unwrap(),
                        serde_json::to_string(&again).unwrap()
                    );
                    planner.commit(&plan).unwrap();
                    plan.apply(&mut model).unwrap();
                    prop_assert!(model.check().is_empty());
                }
                Err(PlacementError::Infeasible(inf)) => prop_assert!(!inf.reasons.is_empty()),
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }
    }
}

#[test]
fn different_seeds_spread_equal_choices() {
    let model = uniform(3, 4, 2, ByteSize::tib(1));
    let request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    let devices: std::collections::BTreeSet<_> = (0..20)
        .map(|seed| {
            plan_volume(&model, &request, &PlacementSettings::default(), seed)
                .unwrap()
                .bricks[0]
                .device_id
        })
        .collect();
    assert!(
        devices.len() > 3,
        "seeds should break ties differently: {devices:?}"
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Planner>();
    check::<gluster_placement::Plan>();
    check::<PlacementError>();
    check::<gluster_placement::SimulationReport>();
    check::<VolumeRequest>();
}

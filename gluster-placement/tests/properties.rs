//! Properties of every plan: every invariant (node and strict-zone separation, no
//! over-booking even within one plan, tag and arbiter-tag rules, online nodes and devices),
//! applying it keeps the model consistent, the same seed gives the same bytes, and a planner
//! that committed earlier plans equals one rebuilt from the updated model.

mod common;

use common::*;
use gluster_model::{ByteSize, Durability};
use gluster_placement::{
    plan_volume, PlacementError, PlacementSettings, Plan, Planner, VolumeRequest,
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

proptest! {
    #![proptest_config(config(512))]

    /// A sequence of plans through one planner: each keeps every rule against the current
    /// model, applies cleanly, is reproducible, and equals the plan of a planner rebuilt
    /// from the updated model (commit keeps the index exact).
    #[test]
    fn sequences_keep_every_invariant(
        world in prop_oneof![small_world(), arbiter_world()],
        requests in prop::collection::vec(request(1..=30), 1..=5),
        seed in any::<u64>(),
    ) {
        let mut model = build(&world);
        let settings = settings();
        let mut planner = Planner::new(&model, &settings);
        let mut committed: Vec<Plan> = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            let seed = seed.wrapping_add(i as u64);
            let fresh = plan_volume(&model, request, &settings, seed);
            let result = planner.plan(request, seed);
            prop_assert_eq!(&result, &fresh, "committed planner differs from a rebuilt one");
            match result {
                Ok(plan) => {
                    check_plan(&model, request, &settings, &plan);
                    // Same seed, same bytes: on this model and on one rebuilt from scratch
                    // with the same volumes.
                    let mut rebuilt = build(&world);
                    for earlier in &committed {
                        Plan::commit_to(earlier, &mut rebuilt).unwrap();
                    }
                    let again = plan_volume(&rebuilt, request, &settings, seed).unwrap();
                    prop_assert_eq!(
                        serde_json::to_string(&plan).unwrap(),
                        serde_json::to_string(&again).unwrap()
                    );
                    planner.commit(&plan).unwrap();
                    plan.commit_to(&mut model).unwrap();
                    prop_assert!(model.check().is_empty(), "{:?}", model.check());
                    committed.push(plan);
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

/// One plan books the space of all its sets together: three 20 GiB devices cannot hold a
/// 20 GiB replica-3 volume (every layout puts 20 GiB plus pool metadata on each device),
/// while 21 GiB devices can, with every device's total within its size.
#[test]
fn one_plan_never_overbooks_a_device() {
    let settings = PlacementSettings {
        max_brick_size: ByteSize::gib(10),
        ..PlacementSettings::default()
    };
    let request = VolumeRequest::new(ByteSize::gib(20), Durability::replicate(3).unwrap());
    let tight = uniform(3, 1, 1, ByteSize::gib(20));
    let err = plan_volume(&tight, &request, &settings, 1).unwrap_err();
    assert!(!err.reasons().is_empty(), "{err}");
    let roomy = uniform(3, 1, 1, ByteSize::gib(21));
    let plan = plan_volume(&roomy, &request, &settings, 1).unwrap();
    assert_eq!(plan.set_count, 2);
    check_plan(&roomy, &request, &settings, &plan);
}

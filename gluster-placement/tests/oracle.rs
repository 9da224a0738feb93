//! The planner against a brute-force oracle on small clusters (up to 4 nodes, 8 devices,
//! 3 zones, random capacities and pre-used space, online/offline/failed states, media and
//! arbiter tags, tag rules, allowed zones), and the indexed search against the reference
//! scan.

mod common;

use common::*;
use gluster_model::{ByteSize, Durability};
use gluster_placement::{plan_volume, PlacementError, Planner, VolumeRequest};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

proptest! {
    #![proptest_config(config(512))]

    /// For one set, the planner finds a plan exactly when exhaustive search finds a valid
    /// device tuple; its plan keeps every rule and its refusal names the true causes.
    #[test]
    fn single_set_matches_brute_force(
        world in small_world(),
        request in request(1..=24),
        reserve in prop_oneof![Just(0u32), Just(100)],
        seed in any::<u64>(),
    ) {
        single_set_case(&world, &request, reserve, seed)?;
    }

    /// The same on worlds built to make arbiter sets hard (tags and capacity decide).
    #[test]
    fn arbiter_set_matches_brute_force(
        world in arbiter_world(),
        size in 1u64..=24,
        zone_checking in zone_checking(),
        seed in any::<u64>(),
    ) {
        let mut request = VolumeRequest::new(ByteSize::gib(size), Durability::Arbiter);
        request.zone_checking = zone_checking;
        single_set_case(&world, &request, 0, seed)?;
    }

    /// For two sets, every plan is valid, with the space of both sets accounted together.
    #[test]
    fn two_set_plans_are_valid(
        world in small_world(),
        request in request(2..=60),
        seed in any::<u64>(),
    ) {
        let model = build(&world);
        let settings = settings_for_sets(&request, 2, 0);
        let result = plan_volume(&model, &request, &settings, seed);
        if let Ok(plan) = &result {
            check_plan(&model, &request, &settings, plan);
        }
        let mut scan = Planner::new(&model, &settings);
        scan.use_reference_scan(true);
        prop_assert_eq!(scan.plan(&request, seed), result, "index and scan disagree");
    }
}

/// The generators are not degenerate: among the oracle's cases, feasible and infeasible
/// ones are both common, including arbiter requests (else the oracle test proves little).
#[test]
fn oracle_cases_cover_both_outcomes() {
    let mut runner = TestRunner::deterministic();
    let strategy = (small_world(), request(1..=24));
    let (mut feasible, mut infeasible) = (0, 0);
    for _ in 0..512 {
        let (world, request) = strategy.new_tree(&mut runner).unwrap().current();
        let model = build(&world);
        let settings = settings_for_sets(&request, 1, 0);
        if exists_single_set(&model, &request, &settings) {
            feasible += 1;
        } else {
            infeasible += 1;
        }
    }
    assert!(
        feasible >= 100 && infeasible >= 100,
        "{feasible} feasible, {infeasible} not"
    );
}

fn single_set_case(
    world: &[NodeSpec],
    request: &VolumeRequest,
    reserve: u32,
    seed: u64,
) -> Result<(), TestCaseError> {
    let model = build(world);
    let settings = settings_for_sets(request, 1, reserve);
    let oracle = exists_single_set(&model, request, &settings);
    let result = plan_volume(&model, request, &settings, seed);
    match &result {
        Ok(plan) => {
            prop_assert!(oracle, "planner placed what brute force calls impossible");
            prop_assert_eq!(plan.set_count, 1);
            // The oracle's brick sizes are the engine's.
            let (data, arbiter) = brick_sizes(request, &settings, 1);
            prop_assert_eq!(plan.data_brick_bytes, data);
            prop_assert_eq!(plan.arbiter_brick_bytes, arbiter);
            check_plan(&model, request, &settings, plan);
        }
        Err(PlacementError::Infeasible(inf)) => {
            prop_assert!(
                !oracle,
                "brute force found a set the planner missed: {}",
                inf
            );
            check_reasons(&model, request, &settings, &inf.reasons);
        }
        Err(e) => prop_assert!(false, "unexpected error {e}"),
    }
    let mut scan = Planner::new(&model, &settings);
    scan.use_reference_scan(true);
    prop_assert_eq!(scan.plan(request, seed), result, "index and scan disagree");
    Ok(())
}

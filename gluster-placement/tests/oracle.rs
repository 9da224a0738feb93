//! The planner against a brute-force oracle on small clusters (up to 4 nodes, 8 devices,
//! 3 zones, random capacities, states and tags), and the indexed search against the
//! reference scan.

mod common;

use common::*;
use gluster_placement::{plan_volume, PlacementError, Planner};
use proptest::prelude::*;

proptest! {
    #![proptest_config(config(400))]

    /// For one set, the planner finds a plan exactly when exhaustive search finds a valid
    /// device tuple, and its plan keeps every rule.
    #[test]
    fn single_set_matches_brute_force(
        world in small_world(),
        request in request(1..=40),
        reserve in prop_oneof![Just(0u32), Just(100)],
        seed in any::<u64>(),
    ) {
        let model = build(&world);
        let settings = settings_for_sets(&request, 1, reserve);
        let oracle = exists_single_set(&model, &request, &settings);
        let result = plan_volume(&model, &request, &settings, seed);
        match &result {
            Ok(plan) => {
                prop_assert!(oracle, "planner placed what brute force calls impossible");
                prop_assert_eq!(plan.set_count, 1);
                check_plan(&model, &request, &settings, plan);
            }
            Err(PlacementError::Infeasible(inf)) => {
                prop_assert!(!oracle, "brute force found a set the planner missed: {}", inf);
                prop_assert!(!inf.reasons.is_empty());
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
        let mut scan = Planner::new(&model, &settings);
        scan.use_reference_scan(true);
        prop_assert_eq!(scan.plan(&request, seed), result, "index and scan disagree");
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

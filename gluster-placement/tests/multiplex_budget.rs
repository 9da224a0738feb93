//! The per-node brick budget (`PlacementSettings::brick_budget`) in placement: against a
//! brute-force oracle on small clusters (a node at its budget is as good as absent), across
//! the sets of one plan, and through the engine's commits, deletes and replacements.

mod common;

use common::*;
use gluster_model::{ByteSize, Durability, EntityState, Model, NodeId, ZoneChecking};
use gluster_placement::multiplex::BrickBudget;
use gluster_placement::{
    plan_volume, Engine, PlacementError, PlacementSettings, Planner, Reason, VolumeRequest,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

fn budget(multiplex: bool, per_process: u32, processes: u32) -> BrickBudget {
    BrickBudget {
        multiplex,
        max_bricks_per_process: per_process,
        max_processes: processes,
    }
}

fn bricks_of(model: &Model, node: NodeId) -> u64 {
    model.bricks().filter(|b| b.node == node).count() as u64
}

/// The budget's refusal, if the reasons carry one.
fn budget_nodes(reasons: &[Reason]) -> Option<&[String]> {
    reasons.iter().find_map(|r| match r {
        Reason::BrickBudget { nodes, .. } => Some(nodes.as_slice()),
        _ => None,
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// For one set, the planner with a budget finds a plan exactly when brute force finds
    /// one on the same world with every node at its budget taken offline; a refusal caused
    /// by the budget names it and exactly the online nodes at it.
    #[test]
    fn multiplex_budget_single_set_matches_brute_force(
        world in small_world(),
        request in request(1..=24),
        multiplex in any::<bool>(),
        per_process in 1u32..=2,
        processes in 0u32..=3,
        seed in any::<u64>(),
    ) {
        let model = build(&world);
        let budget = budget(multiplex, per_process, processes);
        let max = budget.max_bricks();
        let mut settings = settings_for_sets(&request, 1, 0);
        let unlimited = exists_single_set(&model, &request, &settings);
        settings.brick_budget = Some(budget);
        let full: Vec<bool> = world
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let id = NodeId::derived(&["node", &i.to_string()]);
                bricks_of(&model, id) >= max
            })
            .collect();
        let mut restricted = world.clone();
        for (spec, &f) in restricted.iter_mut().zip(&full) {
            if f {
                spec.state = EntityState::Offline;
            }
        }
        let oracle = exists_single_set(&build(&restricted), &request, &settings);
        let result = plan_volume(&model, &request, &settings, seed);
        match &result {
            Ok(plan) => {
                prop_assert!(oracle, "placed on a node at its budget");
                check_plan(&model, &request, &settings, plan);
                for b in &plan.bricks {
                    prop_assert!(bricks_of(&model, b.node_id) < max, "{} is at its budget", b.node);
                }
            }
            Err(PlacementError::Infeasible(inf)) => {
                prop_assert!(!oracle, "brute force found a set the planner missed: {}", inf);
                let at_budget: Vec<String> = world
                    .iter()
                    .enumerate()
                    .filter(|(i, n)| full[*i] && n.state == EntityState::Online)
                    .map(|(i, _)| format!("node{i}"))
                    .collect();
                match budget_nodes(&inf.reasons) {
                    Some(nodes) => prop_assert_eq!(nodes, at_budget.as_slice()),
                    None => prop_assert!(at_budget.is_empty(), "no budget reason: {}", inf),
                }
                if unlimited {
                    prop_assert!(budget_nodes(&inf.reasons).is_some(), "the budget refused: {}", inf);
                }
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
        let mut scan = Planner::new(&model, &settings);
        scan.use_reference_scan(true);
        prop_assert_eq!(scan.plan(&request, seed), result, "index and scan disagree");
    }

    /// Across the sets of one plan, no node ends above its budget: earlier sets' bricks
    /// count against later sets.
    #[test]
    fn multiplex_budget_counts_the_earlier_sets_of_a_plan(
        world in small_world(),
        request in request(2..=60),
        processes in 0u32..=4,
        seed in any::<u64>(),
    ) {
        let model = build(&world);
        let mut settings = settings_for_sets(&request, 3, 0);
        settings.brick_budget = Some(budget(false, 250, processes));
        if let Ok(plan) = plan_volume(&model, &request, &settings, seed) {
            check_plan(&model, &request, &settings, &plan);
            for n in model.nodes() {
                let added = plan.bricks.iter().filter(|b| b.node_id == n.id).count() as u64;
                prop_assert!(bricks_of(&model, n.id) + added <= u64::from(processes));
            }
        }
    }
}

/// Six nodes in three zones: volumes are committed until the budget of 4 bricks per node
/// refuses, naming it and the nodes; a delete frees a node's budget again; the index's
/// brick counts stay equal to a fresh count through commits, deletes and replacements.
#[test]
fn multiplex_budget_through_the_engine() {
    let model = uniform(3, 2, 2, ByteSize::tib(1));
    let settings = PlacementSettings {
        brick_budget: Some(budget(false, 250, 4)),
        ..PlacementSettings::default()
    };
    let mut engine = Engine::new(model, settings);
    let mut request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    request.zone_checking = ZoneChecking::Strict;
    let mut plans = Vec::new();
    let refusal = loop {
        match engine.plan(&request, plans.len() as u64) {
            Ok(plan) => {
                engine.commit(&plan).unwrap();
                engine.check_index().unwrap();
                plans.push(plan);
            }
            Err(e) => break e,
        }
        assert!(plans.len() <= 8, "the budget never refused");
    };
    // 6 nodes x 4 bricks / 3 bricks per volume.
    assert_eq!(plans.len(), 8);
    let nodes = budget_nodes(refusal.reasons()).expect("the refusal names the budget");
    assert_eq!(nodes.len(), 6, "{refusal}");
    assert!(
        refusal.to_string().contains("maximum of 4 bricks"),
        "{refusal}"
    );
    for n in engine.model().nodes() {
        assert_eq!(bricks_of(engine.model(), n.id), 4);
    }
    engine.delete_volume(plans[0].volume_id).unwrap();
    engine.check_index().unwrap();
    let again = engine.plan(&request, 99).unwrap();
    let freed: Vec<_> = plans[0].bricks.iter().map(|b| b.node_id).collect();
    assert!(again.bricks.iter().all(|b| freed.contains(&b.node_id)));
    engine.commit(&again).unwrap();
    engine.check_index().unwrap();

    // With multiplexing on (2 bricks per process, 4 processes: 8 bricks) the nodes take more.
    let mut settings = engine.settings().clone();
    settings.brick_budget = Some(budget(true, 2, 4));
    engine.set_settings(&settings);
    let more = engine.plan(&request, 100).unwrap();
    engine.commit(&more).unwrap();
    engine.check_index().unwrap();
}

/// A replacement moves the brick's count from the old node to the new one.
#[test]
fn multiplex_budget_follows_replaced_bricks() {
    let model = uniform(1, 4, 1, ByteSize::tib(1));
    let settings = PlacementSettings {
        brick_budget: Some(budget(false, 250, 1)),
        ..PlacementSettings::default()
    };
    let mut engine = Engine::new(model, settings);
    let request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    let plan = engine.plan(&request, 1).unwrap();
    engine.commit(&plan).unwrap();
    let free = engine
        .model()
        .nodes()
        .find(|n| bricks_of(engine.model(), n.id) == 0)
        .unwrap()
        .id;
    // The budget leaves one node: a second volume cannot be placed.
    assert!(budget_nodes(engine.plan(&request, 2).unwrap_err().reasons()).is_some());
    let old = engine.model().brick(plan.bricks[0].id).unwrap().clone();
    let device = engine.model().devices_of(free).next().unwrap().id;
    let mut new = old.clone();
    new.id = gluster_model::BrickId::derived(&["replacement"]);
    new.node = free;
    new.device = device;
    engine.replace_brick(old.id, new).unwrap();
    engine.check_index().unwrap();
    assert_eq!(bricks_of(engine.model(), old.node), 0);
}

/// The oracle's cases are not degenerate: the budget alone refuses often, and budgeted
/// plans are common.
#[test]
fn multiplex_budget_cases_cover_both_outcomes() {
    let mut runner = TestRunner::deterministic();
    let strategy = (small_world(), request(1..=24), 0u32..=3);
    let (mut placed, mut refused_by_budget) = (0, 0);
    for _ in 0..512 {
        let (world, request, processes) = strategy.new_tree(&mut runner).unwrap().current();
        let model = build(&world);
        let mut settings = settings_for_sets(&request, 1, 0);
        if !exists_single_set(&model, &request, &settings) {
            continue;
        }
        settings.brick_budget = Some(budget(false, 250, processes));
        match plan_volume(&model, &request, &settings, 0) {
            Ok(_) => placed += 1,
            Err(_) => refused_by_budget += 1,
        }
    }
    assert!(
        placed >= 30 && refused_by_budget >= 30,
        "{placed} placed, {refused_by_budget} refused by the budget"
    );
}

/// A commit trusts no plan: one made without the budget is refused when it would put a
/// node over it, naming the node, and changes nothing.
#[test]
fn multiplex_budget_refuses_a_foreign_plan_at_commit() {
    let model = uniform(1, 3, 1, ByteSize::tib(1));
    let request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    let mut free = Engine::new(model.clone(), PlacementSettings::default());
    let first = free.plan(&request, 1).unwrap();
    free.commit(&first).unwrap();
    let second = free.plan(&request, 2).unwrap();
    let settings = PlacementSettings {
        brick_budget: Some(budget(false, 250, 1)),
        ..PlacementSettings::default()
    };
    let mut engine = Engine::new(model, settings);
    engine.commit(&first).unwrap();
    let before = engine.model().clone();
    let err = engine.commit(&second).unwrap_err();
    assert!(matches!(err, PlacementError::InvalidPlan { .. }), "{err}");
    assert!(err.to_string().contains("budget of 1"), "{err}");
    assert_eq!(engine.model(), &before);
    engine.check_index().unwrap();
}

//! The long planners' progress callback: positions never go back, never pass the total,
//! and the last report is the total; a plan made with a callback is the plan made without.

mod day2_support;

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;
use gluster_placement::{Engine, PlacementSettings, Progress, VolumeRequest};

/// Every report of one run, checked: `done` never decreases, is never above `total`, and
/// the last report has `done == total`. Gives the last report.
fn check(reports: &[Progress]) -> Progress {
    let last = *reports.last().expect("at least one report");
    for pair in reports.windows(2) {
        assert!(pair[0].done <= pair[1].done, "went back: {reports:?}");
    }
    for r in reports {
        assert!(r.done <= r.total, "done above total: {r:?}");
    }
    assert!(last.is_finished(), "last report {last:?} is not the total");
    last
}

/// 3 zones x 2 nodes of 1 TiB.
fn six_nodes() -> Builder {
    let mut b = Builder::new();
    for z in 1..=3 {
        for _ in 0..2 {
            let n = b.node(z);
            b.device(n, ByteSize::tib(1));
        }
    }
    b
}

fn request() -> VolumeRequest {
    let mut request = VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3).unwrap());
    request.zone_checking = ZoneChecking::Strict;
    request
}

#[test]
fn simulate_until_refused_counts_every_volume_and_ends_at_the_total() {
    let engine = Engine::new(six_nodes().model, PlacementSettings::default());
    let mut reports = Vec::new();
    let report = engine
        .simulate_with_progress(&request(), 1, None, &mut |p| reports.push(p))
        .unwrap();
    assert!(report.placed > 10, "{}", report.placed);
    let last = check(&reports);
    assert_eq!(last.done, report.placed as u64);
    // One report per volume placed, each one further than the one before.
    let dones: Vec<u64> = reports.iter().map(|p| p.done).collect();
    let expected: Vec<u64> = (1..=report.placed as u64).collect();
    assert_eq!(dones, expected);
    // The estimate is an upper bound from the start: it is never below what was placed.
    assert!(reports[0].total >= report.placed as u64, "{:?}", reports[0]);
    assert_eq!(report, engine.simulate(&request(), 1, None).unwrap());
}

#[test]
fn simulate_with_a_count_reports_of_that_count() {
    let engine = Engine::new(six_nodes().model, PlacementSettings::default());
    let mut reports = Vec::new();
    let report = engine
        .simulate_with_progress(&request(), 1, Some(5), &mut |p| reports.push(p))
        .unwrap();
    assert_eq!(report.placed, 5);
    assert!(reports.iter().all(|p| p.total == 5), "{reports:?}");
    assert_eq!(check(&reports).done, 5);
}

#[test]
fn a_simulation_that_places_nothing_still_ends_at_its_total() {
    let engine = Engine::new(six_nodes().model, PlacementSettings::default());
    let mut big = request();
    big.size = ByteSize::tib(10);
    let mut reports = Vec::new();
    let report = engine
        .simulate_with_progress(&big, 1, None, &mut |p| reports.push(p))
        .unwrap();
    assert_eq!(report.placed, 0);
    assert_eq!(reports, vec![Progress::new(0, 0)]);
}

#[test]
fn forecast_counts_volumes_and_ends_at_the_total() {
    let engine = Engine::new(six_nodes().model, PlacementSettings::default());
    let mut reports = Vec::new();
    let forecast = engine
        .forecast_with_progress(&request(), 3, None, &mut |p| reports.push(p))
        .unwrap();
    assert_eq!(check(&reports).done, forecast.fits as u64);
    assert_eq!(reports.len(), forecast.fits);
    assert_eq!(forecast, engine.forecast(&request(), 3, None).unwrap());
}

#[test]
fn rebalance_reports_each_move_of_at_most_max_moves() {
    let model = grown(120);
    let settings = Day2Settings::default();
    let mut reports = Vec::new();
    let plan =
        plan_rebalance_with_progress(&model, 1.10, &settings, 1, 1000, &mut |p| reports.push(p));
    assert!(!plan.steps.is_empty());
    assert_eq!(check(&reports).done, plan.steps.len() as u64);
    // One report per move, then the final one.
    assert_eq!(reports.len(), plan.steps.len() + 1);
    // Before the end the total is the bound: max moves or bricks, the smaller.
    let bound = 1000.min(model.bricks().len()) as u64;
    assert!(reports[..plan.steps.len()].iter().all(|p| p.total == bound));
    assert_eq!(plan, plan_rebalance(&model, 1.10, &settings, 1, 1000));

    let mut capped = Vec::new();
    let plan = plan_rebalance_with_progress(&model, 1.0, &settings, 1, 3, &mut |p| capped.push(p));
    assert_eq!(plan.steps.len(), 3);
    assert_eq!(check(&capped), Progress::new(3, 3));
}

#[test]
fn evacuation_reports_its_four_stages() {
    let model = grown(120);
    let node = model.nodes().next().unwrap().id;
    let settings = Day2Settings::default();
    let mut reports = Vec::new();
    let plan = plan_evacuation_with_progress(
        &model,
        EvacuationTarget::Node(node),
        &settings,
        1,
        &mut |p| reports.push(p),
    )
    .unwrap();
    let dones: Vec<u64> = reports.iter().map(|p| p.done).collect();
    assert_eq!(dones, vec![1, 2, 3, 4]);
    assert_eq!(check(&reports), Progress::new(4, 4));
    assert_eq!(
        plan,
        plan_evacuation(&model, EvacuationTarget::Node(node), &settings, 1).unwrap()
    );
}

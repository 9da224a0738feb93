//! Fixtures of the executor concurrency benchmark.

use std::sync::Arc;
use std::time::Duration;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{Cancel, HostLimits, Journal, MemoryJournal, Runner};
use gluster_model::testing::TestCluster;
use gluster_model::*;
use gluster_placement::{PlacementSettings, Plan, Planner, VolumeRequest};

/// 6 hosts in 3 zones, 4 devices of 4 TiB each.
pub fn six_host_model() -> Model {
    TestCluster::new(6, 3)
        .devices(4, ByteSize::tib(4))
        .storage_hosts(|n| format!("10.0.0.{}", n + 1))
        .build()
}

/// `count` replica-3 volumes of 10 GiB, planned one after another into `model`.
pub fn plans(model: &Model, count: usize) -> Vec<Plan> {
    let settings = PlacementSettings::default();
    let mut planner = Planner::new(model, &settings);
    (0..count)
        .map(|i| {
            let durability = Durability::replicate(3).expect("replica 3");
            let mut request = VolumeRequest::new(ByteSize::gib(10), durability);
            request.name = Some(format!("bench_{i}"));
            let plan = planner
                .plan(&request, i as u64)
                .expect("room for every volume");
            planner.commit(&plan).expect("commit");
            plan
        })
        .collect()
}

/// Apply every plan at once through one runner (shared per-host `limit`) on a fresh
/// simulated executor with `latency` per call; returns the executor and the calls each host
/// received.
pub async fn apply_all(
    model: &Model,
    plans: &Arc<Vec<Plan>>,
    limit: usize,
    latency: Duration,
) -> (Arc<SimulatedExecutor>, Vec<usize>) {
    let sim = Arc::new(SimulatedExecutor::from_model(model, true));
    sim.set_latency(latency);
    let journal: Arc<dyn Journal> = Arc::new(MemoryJournal::new());
    let runner = Runner::new(sim.clone(), journal, HostLimits::new(limit));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..plans.len() {
        let (runner, plans) = (runner.clone(), plans.clone());
        tasks.spawn(async move { runner.apply(&plans[i], &Cancel::new()).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("apply");
    }
    let calls = (0..6).map(|n| sim.calls_on(&format!("node{n}"))).collect();
    (sim, calls)
}

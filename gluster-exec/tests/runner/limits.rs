//! Many plans at once: the per-host limit holds, and hosts work in parallel.

use std::sync::Arc;
use std::time::Duration;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{Cancel, HostLimits, Journal, MemoryJournal, Runner};
use gluster_model::{ByteSize, Durability};
use gluster_placement::{PlacementSettings, Planner, VolumeRequest};

use super::support::model;

#[tokio::test(start_paused = true)]
async fn concurrent_runs_share_the_per_host_limit() {
    let model = model();
    let settings = PlacementSettings::default();
    let mut planner = Planner::new(&model, &settings);
    let plans: Vec<_> = (0..24)
        .map(|i| {
            let mut request =
                VolumeRequest::new(ByteSize::gib(5), Durability::replicate(3).unwrap());
            request.name = Some(format!("vol_{i}"));
            let plan = planner.plan(&request, i).unwrap();
            planner.commit(&plan).unwrap();
            plan
        })
        .collect();

    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    sim.set_latency(Duration::from_millis(50));
    let journal: Arc<dyn Journal> = Arc::new(MemoryJournal::new());
    let runner = Runner::new(sim.clone(), journal, HostLimits::new(3));
    let mut tasks = tokio::task::JoinSet::new();
    for plan in plans {
        let runner = runner.clone();
        tasks.spawn(async move { runner.apply(&plan, &Cancel::new()).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    assert_eq!(sim.snapshot().volumes.len(), 24);
    let max: Vec<usize> = (0..6)
        .map(|n| sim.max_in_flight(&format!("node{n}")))
        .collect();
    assert!(
        max.iter().all(|&m| m <= 3),
        "per-host limit exceeded: {max:?}"
    );
    assert!(max.contains(&3), "never ran in parallel on a host: {max:?}");
}

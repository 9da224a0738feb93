//! Fixtures of the executor concurrency benchmark.

use std::sync::Arc;
use std::time::Duration;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{Cancel, HostLimits, Journal, MemoryJournal, Runner};
use gluster_model::*;
use gluster_placement::{PlacementSettings, Plan, Planner, VolumeRequest};

/// 6 hosts in 3 zones, 4 devices of 4 TiB each.
pub fn six_host_model() -> Model {
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: false,
            file: true,
        })
        .expect("cluster");
    for n in 0..6u32 {
        let node = NodeId::derived(&["bench-node", &n.to_string()]);
        model
            .add_node(Node {
                id: node,
                cluster,
                zone: Zone(n % 3 + 1),
                manage_hostname: format!("host{n}"),
                storage_hostname: format!("10.0.0.{}", n + 1),
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .expect("node");
        for d in 0..4 {
            model
                .add_device(Device {
                    id: DeviceId::derived(&["bench-device", &n.to_string(), &d.to_string()]),
                    node,
                    name: format!("/dev/sd{}", char::from(b'b' + d)),
                    total: ByteSize::tib(4),
                    used: ByteSize::ZERO,
                    extent_size: DEFAULT_EXTENT_SIZE,
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
                .expect("device");
        }
    }
    model
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
    let calls = (0..6).map(|n| sim.calls_on(&format!("host{n}"))).collect();
    (sim, calls)
}

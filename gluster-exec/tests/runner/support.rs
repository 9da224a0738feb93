//! Shared fixtures: a 6-node, 3-zone model and plans of each layout.
// Shared by several test binaries; each uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{HostLimits, Journal, MemoryJournal, Runner};
use gluster_model::testing::TestCluster;
use gluster_model::*;
use gluster_placement::{plan_volume, PlacementSettings, Plan, VolumeRequest};

/// 6 nodes (2 per zone, 3 zones), 2 devices of 1 TiB each.
pub fn model() -> Model {
    TestCluster::new(6, 3)
        .devices(2, ByteSize::tib(1))
        .block(true)
        .storage_hosts(|n| format!("192.0.2.{}", n + 1))
        .build()
}

/// The three layouts the runner must take back at every step.
pub fn layouts() -> Vec<(&'static str, Durability)> {
    vec![
        ("replica-3", Durability::replicate(3).unwrap()),
        ("arbiter", Durability::Arbiter),
        ("disperse-4+2", Durability::disperse(4, 2).unwrap()),
    ]
}

/// A plan of `durability` on `model` (two sets for replica and arbiter, one for disperse).
pub fn plan(model: &Model, durability: Durability, name: &str) -> Plan {
    let size = match durability {
        Durability::Disperse(_) => ByteSize::gib(40),
        _ => ByteSize::gib(20),
    };
    let mut request = VolumeRequest::new(size, durability);
    request.name = Some(name.to_string());
    let settings = PlacementSettings {
        max_brick_size: ByteSize::gib(10),
        ..PlacementSettings::default()
    };
    plan_volume(model, &request, &settings, 7).unwrap()
}

/// A runner over `sim` with `journal`, 2 steps at a time per host.
pub fn runner(sim: &Arc<SimulatedExecutor>, journal: &Arc<MemoryJournal>) -> Runner {
    let journal: Arc<dyn Journal> = journal.clone();
    Runner::new(sim.clone(), journal, HostLimits::new(2))
}

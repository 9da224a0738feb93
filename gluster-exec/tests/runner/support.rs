//! Shared fixtures: a 6-node, 3-zone model and plans of each layout.
// Shared by several test binaries; each uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{HostLimits, Journal, MemoryJournal, Runner};
use gluster_model::*;
use gluster_placement::{plan_volume, PlacementSettings, Plan, VolumeRequest};

/// 6 nodes (2 per zone, 3 zones), 2 devices of 1 TiB each.
pub fn model() -> Model {
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: true,
            file: true,
        })
        .unwrap();
    for n in 0..6u32 {
        let node = NodeId::derived(&["node", &n.to_string()]);
        model
            .add_node(Node {
                id: node,
                cluster,
                zone: Zone(n % 3 + 1),
                manage_hostname: format!("node{n}"),
                storage_hostname: format!("192.0.2.{}", n + 1),
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .unwrap();
        for dev in ["/dev/sdb", "/dev/sdc"] {
            model
                .add_device(Device {
                    id: DeviceId::derived(&[&n.to_string(), dev]),
                    node,
                    name: dev.into(),
                    total: ByteSize::tib(1),
                    used: ByteSize::ZERO,
                    extent_size: DEFAULT_EXTENT_SIZE,
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
                .unwrap();
        }
    }
    model
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

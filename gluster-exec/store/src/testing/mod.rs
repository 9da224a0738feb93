//! Helpers for tests and benches (feature `testing`): a topology, a ready provisioner, a
//! random workload, and simulated hosts that outlive a process.

mod hosts;
mod load;

pub use hosts::PersistentHosts;
pub use load::{workload, Tally};

use std::sync::Arc;

use gluster_exec::{Executor, HostLimits};
use gluster_model::*;
use gluster_placement::PlacementSettings;

use crate::error::StoreError;
use crate::provisioner::{import_model, Provisioner};
use crate::store::Store;

/// `nodes` nodes in 3 zones, each with `devices` devices of `size`, in one cluster.
pub fn topology(nodes: u32, devices: u32, size: ByteSize) -> Model {
    gluster_model::testing::TestCluster::new(nodes, 3)
        .devices(devices, size)
        .storage_hosts(|n| format!("10.0.{}.{}", n / 200, n % 200 + 1))
        .build()
}

/// Import `model` into `store` if it is empty, and a provisioner over it and `hosts`.
pub async fn provisioner(
    store: Arc<dyn Store>,
    model: &Model,
    hosts: Arc<dyn Executor>,
) -> Result<Provisioner, StoreError> {
    if store.list(crate::Kind::Device).await?.is_empty() {
        import_model(store.as_ref(), model).await?;
    }
    Provisioner::new(
        store,
        hosts,
        HostLimits::new(8),
        PlacementSettings::default(),
    )
    .await
}

/// A 3-node model holding every data service: volume `origin` (snapshot factor 2) with
/// snapshot `s1`, its clone `restored`, and subvolume `pvc-1` in hosting volume `subvols_1`.
pub fn data_model() -> Model {
    use gluster_placement::{Engine, SubvolumePlacement, VolumeRequest};
    let mut engine = Engine::new(
        topology(3, 1, ByteSize::tib(4)),
        PlacementSettings::default(),
    );
    let mut request = VolumeRequest::new(ByteSize::gib(10), Durability::REPLICA_3);
    request.name = Some("origin".into());
    request.snapshot_factor = SnapshotFactor::new(2.0).expect("factor");
    let plan = engine.plan(&request, 1).expect("origin");
    engine.commit(&plan).expect("origin");
    let used: Vec<(BrickId, ByteSize)> = engine
        .model()
        .volume(plan.volume_id)
        .expect("origin")
        .brick_ids()
        .map(|b| (b, ByteSize::gib(1)))
        .collect();
    let snap = engine
        .plan_snapshot(plan.volume_id, "s1", &used)
        .expect("snapshot");
    engine.commit_snapshot(snap).expect("snapshot");
    engine.set_snapshot_ready("s1", true).expect("ready");
    let clone = engine.plan_clone("s1", "restored", &used).expect("clone");
    engine.commit_clone(&clone).expect("clone");
    let SubvolumePlacement::NewHosting { name, size } = engine
        .plan_subvolume("pvc-1", ByteSize::gib(1))
        .expect("subvolume")
    else {
        panic!("no hosting volume yet");
    };
    let mut hosting = VolumeRequest::new(size, Durability::REPLICA_3);
    hosting.name = Some(name);
    let plan = engine.plan(&hosting, 2).expect("hosting");
    engine.commit(&plan).expect("hosting");
    let SubvolumePlacement::Existing(sub) = engine
        .plan_subvolume("pvc-1", ByteSize::gib(1))
        .expect("subvolume")
    else {
        panic!("the hosting volume has room");
    };
    engine.commit_subvolume(sub).expect("subvolume");
    engine.into_model()
}

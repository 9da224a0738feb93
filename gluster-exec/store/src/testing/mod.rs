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

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
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: false,
            file: true,
        })
        .expect("cluster");
    for n in 0..nodes {
        let node = NodeId::derived(&["node", &n.to_string()]);
        model
            .add_node(Node {
                id: node,
                cluster,
                zone: Zone(n % 3 + 1),
                manage_hostname: format!("node{n}"),
                storage_hostname: format!("10.0.{}.{}", n / 200, n % 200 + 1),
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .expect("node");
        for d in 0..devices {
            let name = format!("/dev/sd{}", (b'b' + d as u8) as char);
            model
                .add_device(Device {
                    id: DeviceId::derived(&[&n.to_string(), &name]),
                    node,
                    name,
                    total: size,
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

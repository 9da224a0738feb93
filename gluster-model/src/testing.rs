//! One cluster builder for the family's tests, benchmarks and fuzz targets (feature
//! `test-support`; not part of the API): "N nodes in Z zones x D devices" written once.

use crate::{
    ByteSize, Cluster, ClusterId, Device, DeviceId, EntityState, Model, Node, NodeId, Tags, Zone,
    DEFAULT_EXTENT_SIZE,
};

/// A one-cluster model of `nodes` online nodes spread round-robin over `zones` zones (node
/// `i` in zone `i % zones + 1`), each with empty online devices.
///
/// Names and ids follow one convention, so the copies it replaced keep their plans: node
/// `i` is `node{i}` (id derived from `["node", i]`), its storage address `10.0.0.{i}`
/// unless [`TestCluster::storage_hosts`] says otherwise, its devices `/dev/sdb`, `/dev/sdc`,
/// ... (ids derived from `[i, name]`), the cluster id 1.
///
/// ```
/// use gluster_model::testing::TestCluster;
/// use gluster_model::{ByteSize, Zone};
///
/// let model = TestCluster::new(6, 3).devices(2, ByteSize::tib(1)).build();
/// assert_eq!(model.nodes().count(), 6);
/// assert_eq!(model.devices().count(), 12);
/// assert_eq!(model.nodes().filter(|n| n.zone == Zone(3)).count(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct TestCluster {
    nodes: u32,
    zones: u32,
    devices: u32,
    device_size: ByteSize,
    block: bool,
    storage_host: fn(u32) -> String,
}

impl TestCluster {
    /// `nodes` nodes in `zones` zones (at least 1), one 1 TiB device each, file volumes only.
    pub fn new(nodes: u32, zones: u32) -> Self {
        TestCluster {
            nodes,
            zones: zones.max(1),
            devices: 1,
            device_size: ByteSize::tib(1),
            block: false,
            storage_host: |i| format!("10.0.0.{i}"),
        }
    }

    /// `per_node` devices of `size` on every node.
    pub fn devices(mut self, per_node: u32, size: ByteSize) -> Self {
        self.devices = per_node;
        self.device_size = size;
        self
    }

    /// Whether the cluster also takes block volumes.
    pub fn block(mut self, block: bool) -> Self {
        self.block = block;
        self
    }

    /// The storage address of node `i`.
    pub fn storage_hosts(mut self, host: fn(u32) -> String) -> Self {
        self.storage_host = host;
        self
    }

    /// The model.
    pub fn build(&self) -> Model {
        let mut model = Model::new();
        let cluster = ClusterId::from_u128(1);
        model
            .add_cluster(Cluster {
                id: cluster,
                block: self.block,
                file: true,
            })
            .expect("a new model takes a cluster");
        for i in 0..self.nodes {
            let node = NodeId::derived(&["node", &i.to_string()]);
            model
                .add_node(Node {
                    id: node,
                    cluster,
                    zone: Zone(i % self.zones + 1),
                    manage_hostname: format!("node{i}"),
                    storage_hostname: (self.storage_host)(i),
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
                .expect("distinct node names");
            for d in 0..self.devices {
                let name = device_name(d);
                model
                    .add_device(Device {
                        id: DeviceId::derived(&[&i.to_string(), &name]),
                        node,
                        name,
                        total: self.device_size,
                        used: ByteSize::ZERO,
                        extent_size: DEFAULT_EXTENT_SIZE,
                        tags: Tags::new(),
                        state: EntityState::Online,
                    })
                    .expect("distinct device names");
            }
        }
        model
    }
}

/// `/dev/sdb`, `/dev/sdc`, ..., `/dev/sdz`, then `/dev/sd27`, ... (a node has at most a few
/// dozen in any test).
fn device_name(d: u32) -> String {
    match char::from_u32(u32::from(b'b') + d) {
        Some(c) if c <= 'z' => format!("/dev/sd{c}"),
        _ => format!("/dev/sd{}", d + 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_spread_round_robin_and_every_device_name_is_distinct() {
        let model = TestCluster::new(7, 3).devices(30, ByteSize::gib(1)).build();
        let zones: Vec<u32> = model.nodes().map(|n| n.zone.0).collect();
        let mut sorted = zones.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![1, 1, 1, 2, 2, 3, 3]);
        let names: std::collections::BTreeSet<String> =
            model.devices().map(|d| d.name.to_string()).collect();
        assert_eq!(names.len(), 30);
        assert!(names.contains("/dev/sdb") && names.contains("/dev/sdz"));
        assert!(model.check().is_empty());
        // Zero zones is one zone, not a division by zero.
        assert!(TestCluster::new(2, 0)
            .build()
            .nodes()
            .all(|n| n.zone == Zone(1)));
    }
}

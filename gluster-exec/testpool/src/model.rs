//! The pool as a `gluster_model::Model`, so placement plans target its real nodes and disks.

use gluster_model::{
    Cluster, ClusterId, Device, EntityState, Model, ModelError, Node as ModelNode, Tags,
    DEFAULT_EXTENT_SIZE,
};

use super::node::Node;

/// The cluster id of every test pool.
pub fn cluster_id() -> ClusterId {
    ClusterId::derived(&["gluster-testpool"])
}

/// One cluster; per node its zone, manage hostname `node<i>` and storage hostname = its
/// address; per disk its loop device and real XFS size, nothing used.
pub fn build(nodes: &[Node]) -> Result<Model, ModelError> {
    let mut model = Model::new();
    let cluster = cluster_id();
    model.add_cluster(Cluster {
        id: cluster,
        block: false,
        file: true,
    })?;
    for node in nodes {
        model.add_node(ModelNode {
            id: node.id,
            cluster,
            zone: node.zone,
            manage_hostname: node.name.clone(),
            storage_hostname: node.address.clone(),
            tags: Tags::new(),
            state: EntityState::Online,
        })?;
        for disk in &node.disks {
            model.add_device(Device {
                id: disk.id,
                node: node.id,
                name: disk.loop_device.clone(),
                total: disk.size,
                used: gluster_model::ByteSize::ZERO,
                extent_size: DEFAULT_EXTENT_SIZE,
                tags: Tags::new(),
                state: EntityState::Online,
            })?;
        }
    }
    Ok(model)
}

//! Read views of a [`Model`] shared by the backends: a volume whose create is still pending
//! (`hidden`) has its space counted but is not shown.

use std::collections::HashSet;

use gluster_model::{ClusterId, DeviceId, Model, NodeId, VolumeId};

use crate::backend::*;

pub(crate) fn not_found(kind: &'static str, id: impl std::fmt::Display) -> BackendError {
    BackendError::NotFound {
        kind,
        id: id.to_string(),
    }
}

pub(crate) fn cluster(
    model: &Model,
    hidden: &HashSet<VolumeId>,
    id: ClusterId,
) -> Result<ClusterView, BackendError> {
    let cluster = model
        .cluster(id)
        .ok_or_else(|| not_found("cluster", id))?
        .clone();
    Ok(ClusterView {
        cluster,
        nodes: model
            .nodes()
            .filter(|n| n.cluster == id)
            .map(|n| n.id)
            .collect(),
        volumes: model
            .volumes()
            .filter(|v| v.cluster == id && !hidden.contains(&v.id))
            .map(|v| v.id)
            .collect(),
        block_volumes: model
            .block_volumes()
            .filter(|b| b.cluster == id)
            .map(|b| b.id)
            .collect(),
    })
}

pub(crate) fn device(model: &Model, id: DeviceId) -> Result<DeviceView, BackendError> {
    let device = model.device(id).ok_or_else(|| not_found("device", id))?;
    Ok(DeviceView {
        device: device.clone(),
        bricks: model.bricks_on(id).cloned().collect(),
    })
}

pub(crate) fn node(model: &Model, id: NodeId) -> Result<NodeView, BackendError> {
    let node = model.node(id).ok_or_else(|| not_found("node", id))?;
    let devices = model
        .devices_of(id)
        .map(|d| device(model, d.id))
        .collect::<Result<_, _>>()?;
    Ok(NodeView {
        node: node.clone(),
        devices,
    })
}

pub(crate) fn volumes(model: &Model, hidden: &HashSet<VolumeId>) -> Vec<VolumeId> {
    model
        .volumes()
        .filter(|v| !hidden.contains(&v.id))
        .map(|v| v.id)
        .collect()
}

pub(crate) fn volume(
    model: &Model,
    hidden: &HashSet<VolumeId>,
    id: VolumeId,
) -> Result<VolumeView, BackendError> {
    let volume = model
        .volume(id)
        .filter(|_| !hidden.contains(&id))
        .ok_or_else(|| not_found("volume", id))?
        .clone();
    let bricks: Vec<_> = volume
        .brick_ids()
        .filter_map(|b| model.brick(b).cloned())
        .collect();
    let mut hosts: Vec<String> = Vec::new();
    for b in &bricks {
        if let Some(n) = model.node(b.node) {
            if !hosts.contains(&n.storage_hostname) {
                hosts.push(n.storage_hostname.clone());
            }
        }
    }
    Ok(VolumeView {
        volume,
        bricks,
        hosts,
    })
}

pub(crate) fn capacity(model: &Model, hidden: &HashSet<VolumeId>) -> CapacityReport {
    let mut report = CapacityReport::default();
    for d in model.devices() {
        let Some(node) = model.node(d.node) else {
            continue;
        };
        report.devices.push(DeviceCapacity {
            cluster: node.cluster,
            zone: node.zone,
            node: node.manage_hostname.clone(),
            device: d.name.clone(),
            total: d.total,
            used: d.used,
        });
    }
    for c in model.clusters() {
        let volumes: Vec<_> = model
            .volumes()
            .filter(|v| v.cluster == c.id && !hidden.contains(&v.id))
            .collect();
        let bricks = volumes.iter().map(|v| v.brick_ids().count()).sum();
        report.volumes.push((c.id, volumes.len()));
        report.bricks.push((c.id, bricks));
    }
    report
}

//! Nodes and devices of the provisioner backend: the hosts first (peer probe, device setup),
//! then one guarded store transaction that also rewrites the parent (cluster or node) at
//! its revision, so a concurrent delete of the parent conflicts instead of orphaning the
//! child. A failed write undoes what the hosts did.

use gluster_exec::ops::{DeviceSetup, PeerRequest};
use gluster_model::{
    ByteSize, Cluster, ClusterId, Device, DeviceId, EntityState, Model, Node, NodeId,
    DEFAULT_EXTENT_SIZE,
};
use gluster_store::{Expect, Kind, Txn};

use super::{json, not_found, ProvisionerBackend};
use crate::backend::{BackendError, NewDevice, NewNode};

fn exec(what: &str, e: impl std::fmt::Display) -> BackendError {
    BackendError::Exec(format!("{what}: {e}"))
}

/// Another online node of `cluster` than `except`, whose glusterd runs peer commands.
fn peer_host(model: &Model, cluster: ClusterId, except: NodeId) -> Option<String> {
    model
        .nodes()
        .filter(|n| n.cluster == cluster && n.id != except)
        .find(|n| n.state == EntityState::Online)
        .map(|n| n.manage_hostname.clone())
}

/// The setup request of a device on its node.
fn setup_of(model: &Model, id: DeviceId) -> Result<(DeviceSetup, Device), BackendError> {
    let device = model.device(id).ok_or_else(|| not_found("device", id))?;
    let node = model
        .node(device.node)
        .ok_or_else(|| not_found("node", device.node))?;
    let setup = DeviceSetup {
        host: node.manage_hostname.clone(),
        device_id: id,
        device: device.name.clone(),
    };
    Ok((setup, device.clone()))
}

impl ProvisionerBackend {
    pub(super) async fn add_node_impl(&self, new: NewNode) -> Result<NodeId, BackendError> {
        let id = NodeId::from_u128(self.ids.next());
        let node = Node {
            id,
            cluster: new.cluster,
            zone: new.zone,
            manage_hostname: new.manage.clone(),
            storage_hostname: new.storage.clone(),
            tags: new.tags,
            state: EntityState::Online,
        };
        let mut model = self.model().await?;
        let probe_from = peer_host(&model, new.cluster, id);
        model.add_node(node.clone())?; // unknown cluster, hostname taken: refused here
        let (cluster, cluster_entry) = self
            .read::<Cluster>(&Self::key(Kind::Cluster, new.cluster), "cluster")
            .await?;
        if let Some((sim, _)) = &self.simulated {
            sim.add_host(&new.manage, &new.storage);
        }
        let probed = match &probe_from {
            Some(host) => self
                .executor
                .peer_probe(&PeerRequest {
                    host: host.clone(),
                    peer: new.storage.clone(),
                })
                .await
                .map_err(|e| exec("peer probe", e)),
            None => self
                .executor
                .check_glusterd(&new.manage)
                .await
                .map_err(|e| exec("glusterd check", e)),
        };
        probed?;
        let txn = Txn::new()
            .put(Self::key(Kind::Node, id), Expect::Absent, json(&node)?)
            .put(
                cluster_entry.key,
                Expect::Revision(cluster_entry.revision),
                json(&cluster)?,
            );
        if let Err(e) = self.commit(txn).await {
            if let Some(host) = &probe_from {
                let _ = self
                    .executor
                    .peer_detach(&PeerRequest {
                        host: host.clone(),
                        peer: new.storage.clone(),
                    })
                    .await;
            }
            return Err(e);
        }
        Ok(id)
    }

    pub(super) async fn delete_node_impl(&self, id: NodeId) -> Result<(), BackendError> {
        let (node, entry) = self
            .read::<Node>(&Self::key(Kind::Node, id), "node")
            .await?;
        let model = self.model().await?;
        if let Some(d) = model.devices_of(id).next() {
            return Err(BackendError::Conflict(format!(
                "node {id} still holds device {} ({}): delete its devices first",
                d.id, d.name
            )));
        }
        if let Some(host) = peer_host(&model, node.cluster, id) {
            self.executor
                .peer_detach(&PeerRequest {
                    host,
                    peer: node.storage_hostname.clone(),
                })
                .await
                .map_err(|e| exec("peer detach", e))?;
        }
        self.commit(Txn::new().delete(entry.key, Expect::Revision(entry.revision)))
            .await
    }

    pub(super) async fn add_device_impl(&self, new: NewDevice) -> Result<DeviceId, BackendError> {
        let id = DeviceId::from_u128(self.ids.next());
        let (node, node_entry) = self
            .read::<Node>(&Self::key(Kind::Node, new.node), "node")
            .await?;
        let model = self.model().await?;
        if model.devices_of(new.node).any(|d| d.name == new.name) {
            return Err(BackendError::Conflict(format!(
                "node {} already has device {}",
                new.node, new.name
            )));
        }
        if let Some((sim, size)) = &self.simulated {
            sim.add_disk(
                &node.manage_hostname,
                &node.storage_hostname,
                id,
                &new.name,
                *size,
            );
        }
        let setup = DeviceSetup {
            host: node.manage_hostname.clone(),
            device_id: id,
            device: new.name.clone(),
        };
        let info = self
            .executor
            .device_setup(&setup)
            .await
            .map_err(|e| exec("device setup", e))?;
        let device = Device {
            id,
            node: new.node,
            name: new.name,
            total: info.total,
            used: ByteSize::ZERO,
            extent_size: if info.extent == ByteSize::ZERO {
                DEFAULT_EXTENT_SIZE
            } else {
                info.extent
            },
            tags: new.tags,
            state: EntityState::Online,
        };
        let txn = Txn::new()
            .put(Self::key(Kind::Device, id), Expect::Absent, json(&device)?)
            .put(
                node_entry.key,
                Expect::Revision(node_entry.revision),
                json(&node)?,
            );
        if let Err(e) = self.commit(txn).await {
            let _ = self.executor.device_teardown(&setup).await;
            return Err(e);
        }
        Ok(id)
    }

    pub(super) async fn delete_device_impl(&self, id: DeviceId) -> Result<(), BackendError> {
        let (_, entry) = self
            .read::<Device>(&Self::key(Kind::Device, id), "device")
            .await?;
        let model = self.model().await?;
        let (setup, _) = setup_of(&model, id)?;
        if let Some(b) = model.bricks_on(id).next() {
            return Err(BackendError::Conflict(format!(
                "device {id} still holds brick {} of volume {}",
                b.id, b.volume
            )));
        }
        // Guarded by the revision read before the check: a brick reserved since conflicts.
        self.store
            .commit(Txn::new().check(entry.key.clone(), Expect::Revision(entry.revision)))
            .await
            .map_err(super::from_store)?;
        self.executor
            .device_teardown(&setup)
            .await
            .map_err(|e| exec("device teardown", e))?;
        self.commit(Txn::new().delete(entry.key, Expect::Revision(entry.revision)))
            .await
    }

    pub(super) async fn resync_device_impl(&self, id: DeviceId) -> Result<(), BackendError> {
        let model = self.model().await?;
        let (setup, device) = setup_of(&model, id)?;
        let info = self
            .executor
            .device_info(&setup)
            .await
            .map_err(|e| exec("device info", e))?;
        if info.total == device.total {
            return Ok(());
        }
        // Only an empty device can take a new size: its bricks' accounting stays exact.
        let total = info.total;
        self.update(Self::key(Kind::Device, id), "device", |d: &mut Device| {
            if d.used != ByteSize::ZERO || model.bricks_on(id).next().is_some() {
                return Err(BackendError::Conflict(format!(
                    "device {id} changed size from {} to {total}; resizing a device with bricks is not supported",
                    d.total
                )));
            }
            d.total = total;
            Ok(())
        })
        .await
    }
}

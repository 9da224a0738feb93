//! Nodes and devices of the in-process backend: peer probe and detach, device setup and
//! teardown, each undone when the model refuses the change.

use gluster_exec::ops::{DeviceSetup, PeerRequest};
use gluster_model::{ByteSize, Device, DeviceId, EntityState, Node, NodeId, DEFAULT_EXTENT_SIZE};

use super::{not_found, InProcessBackend};
use crate::backend::{BackendError, NewDevice, NewNode};

fn exec(what: &str, e: impl std::fmt::Display) -> BackendError {
    BackendError::Exec(format!("{what}: {e}"))
}

impl InProcessBackend {
    /// Another node of `cluster` than `except` whose glusterd runs peer commands.
    fn peer_host(&self, cluster: gluster_model::ClusterId, except: NodeId) -> Option<String> {
        let st = self.lock();
        let host = st
            .model
            .nodes()
            .filter(|n| n.cluster == cluster && n.id != except)
            .find(|n| n.state == EntityState::Online)
            .map(|n| n.manage_hostname.clone());
        host
    }

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
        let probe_from = self.peer_host(new.cluster, id);
        // Taking the hostname first keeps a second add of the same node out.
        self.lock().model.add_node(node)?;
        if let Some((sim, _)) = &self.simulated {
            sim.add_host(&new.manage, &new.storage);
        }
        let result = match &probe_from {
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
        match result {
            Ok(()) => Ok(id),
            Err(e) => {
                let _ = self.lock().model.remove_node(id);
                Err(e)
            }
        }
    }

    pub(super) async fn delete_node_impl(&self, id: NodeId) -> Result<(), BackendError> {
        let node = {
            let st = self.lock();
            let node = st.model.node(id).ok_or_else(|| not_found("node", id))?;
            if let Some(d) = st.model.devices_of(id).next() {
                return Err(BackendError::Conflict(format!(
                    "node {id} still holds device {} ({}): delete its devices first",
                    d.id, d.name
                )));
            }
            node.clone()
        };
        if let Some(host) = self.peer_host(node.cluster, id) {
            self.executor
                .peer_detach(&PeerRequest {
                    host,
                    peer: node.storage_hostname.clone(),
                })
                .await
                .map_err(|e| exec("peer detach", e))?;
        }
        let mut st = self.lock();
        st.model.remove_node(id)?;
        st.planner = None;
        Ok(())
    }

    pub(super) async fn add_device_impl(&self, new: NewDevice) -> Result<DeviceId, BackendError> {
        let id = DeviceId::from_u128(self.ids.next());
        let node = {
            let st = self.lock();
            let node = st
                .model
                .node(new.node)
                .ok_or_else(|| not_found("node", new.node))?;
            if st.model.devices_of(new.node).any(|d| d.name == new.name) {
                return Err(BackendError::Conflict(format!(
                    "node {} already has device {}",
                    new.node, new.name
                )));
            }
            node.clone()
        };
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
        let added = {
            let mut st = self.lock();
            st.planner = None;
            st.model.add_device(device)
        };
        match added {
            Ok(()) => Ok(id),
            Err(e) => {
                let _ = self.executor.device_teardown(&setup).await;
                Err(e.into())
            }
        }
    }

    /// The setup request of an existing device, if it holds no brick.
    fn empty_device(&self, id: DeviceId) -> Result<DeviceSetup, BackendError> {
        let st = self.lock();
        let device = st.model.device(id).ok_or_else(|| not_found("device", id))?;
        if let Some(b) = st.model.bricks_on(id).next() {
            return Err(BackendError::Conflict(format!(
                "device {id} still holds brick {} of volume {}",
                b.id, b.volume
            )));
        }
        let node = st
            .model
            .node(device.node)
            .ok_or_else(|| not_found("node", device.node))?;
        Ok(DeviceSetup {
            host: node.manage_hostname.clone(),
            device_id: id,
            device: device.name.clone(),
        })
    }

    pub(super) async fn delete_device_impl(&self, id: DeviceId) -> Result<(), BackendError> {
        let setup = self.empty_device(id)?;
        self.executor
            .device_teardown(&setup)
            .await
            .map_err(|e| exec("device teardown", e))?;
        let mut st = self.lock();
        st.model.remove_device(id)?;
        st.planner = None;
        Ok(())
    }

    pub(super) async fn resync_device_impl(&self, id: DeviceId) -> Result<(), BackendError> {
        let (setup, total) = {
            let st = self.lock();
            let device = st.model.device(id).ok_or_else(|| not_found("device", id))?;
            let node = st
                .model
                .node(device.node)
                .ok_or_else(|| not_found("node", device.node))?;
            let setup = DeviceSetup {
                host: node.manage_hostname.clone(),
                device_id: id,
                device: device.name.clone(),
            };
            (setup, device.total)
        };
        let info = self
            .executor
            .device_info(&setup)
            .await
            .map_err(|e| exec("device info", e))?;
        if info.total == total {
            return Ok(());
        }
        // Only an empty device can take a new size: its bricks' accounting stays exact.
        self.empty_device(id).map_err(|_| {
            BackendError::Conflict(format!(
                "device {id} changed size from {total} to {}; resizing a device with bricks is not supported",
                info.total
            ))
        })?;
        let mut st = self.lock();
        let mut device = st.model.remove_device(id)?;
        device.total = info.total;
        st.model.add_device(device)?;
        st.planner = None;
        Ok(())
    }
}

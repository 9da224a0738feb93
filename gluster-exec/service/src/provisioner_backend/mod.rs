//! [`ProvisionerBackend`]: a [`ClusterBackend`] on the gluster-store [`Provisioner`] and its
//! [`Store`], so the service's state survives a restart and several replicas can share an
//! etcd.
//!
//! Volume create, expand and delete go through the provisioner (intent, reservation by
//! compare-and-swap, the Runner, then finalize or roll back). Clusters, nodes and devices are
//! guarded store transactions written after the hosts agreed (peer probe, device setup).
//! Reads come from the stored state, as the provisioner sees it after catching up; a volume
//! whose create is still pending is not shown.

mod data;
mod hosts;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{de::DeserializeOwned, Serialize};

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::Executor;
use gluster_model::{
    BlockVolume, BlockVolumeId, ByteSize, Cluster, ClusterId, DeviceId, EntityState, Model, NodeId,
    VolumeId,
};
use gluster_placement::day2::ExpandBy;
use gluster_placement::{BlockRequest, VolumeRequest};
use gluster_store::{Entry, Expect, Key, Kind, PendingOp, Provisioner, Store, StoreError, Txn};

use crate::backend::*;
use crate::ids::IdSource;
use crate::views::{self, not_found};

/// How many times a guarded write of a cluster, node or device is retried on conflicts.
const ATTEMPTS: usize = 16;

/// A backend over a [`Provisioner`]. See the module documentation.
#[derive(Debug)]
pub struct ProvisionerBackend {
    provisioner: Provisioner,
    store: Arc<dyn Store>,
    executor: Arc<dyn Executor>,
    /// With the simulated transport: the executor, and the size a newly added disk has.
    simulated: Option<(Arc<SimulatedExecutor>, ByteSize)>,
    ids: IdSource,
}

/// The text of an error with its sources, so a client sees the real cause.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn from_store(e: StoreError) -> BackendError {
    match e {
        StoreError::NotFound(id) => BackendError::NotFound { kind: "volume", id },
        StoreError::Placement(p) => BackendError::Placement(*p),
        StoreError::Model(m) => BackendError::from(*m),
        StoreError::Invalid(m) => BackendError::Invalid(m),
        e @ (StoreError::InProgress(_)
        | StoreError::Conflict { .. }
        | StoreError::TooManyConflicts { .. }) => BackendError::Conflict(chain(&e)),
        e @ StoreError::Hosts { .. } => BackendError::Exec(chain(&e)),
        e => BackendError::Internal(chain(&e)),
    }
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, BackendError> {
    serde_json::to_vec(value).map_err(|e| BackendError::Internal(e.to_string()))
}

impl ProvisionerBackend {
    /// A backend over `provisioner` (recovered already) driving `executor`, the executor
    /// the provisioner runs plans with.
    pub fn new(provisioner: Provisioner, executor: Arc<dyn Executor>) -> Self {
        ProvisionerBackend {
            store: provisioner.store().clone(),
            provisioner,
            executor,
            simulated: None,
            ids: IdSource::new(),
        }
    }

    /// As [`ProvisionerBackend::new`] on simulated hosts; a device added later appears on
    /// its simulated host with `new_disk_size`.
    pub fn simulated(
        provisioner: Provisioner,
        sim: Arc<SimulatedExecutor>,
        new_disk_size: ByteSize,
    ) -> Self {
        let mut backend = Self::new(provisioner, sim.clone());
        backend.simulated = Some((sim, new_disk_size));
        backend
    }

    /// The simulated hosts, when the backend has them.
    pub fn simulated_hosts(&self) -> Option<&Arc<SimulatedExecutor>> {
        self.simulated.as_ref().map(|(sim, _)| sim)
    }

    /// The provisioner.
    pub fn provisioner(&self) -> &Provisioner {
        &self.provisioner
    }

    /// The stored state (pending volumes included) and the volumes not to show: those
    /// whose create is pending, and those only planned in this process so far.
    pub async fn state(&self) -> Result<(Model, HashSet<VolumeId>), BackendError> {
        // Volumes first, then pending creates: a create that ends in between is shown, one
        // that starts in between is not.
        let stored = self.store.list(Kind::Volume).await.map_err(from_store)?;
        let mut shown: HashSet<String> = stored.into_iter().map(|e| e.key.id).collect();
        for e in self.store.list(Kind::Pending).await.map_err(from_store)? {
            if let Ok(op @ PendingOp::Create { .. }) = serde_json::from_slice::<PendingOp>(&e.value)
            {
                shown.remove(&op.volume().to_string());
            }
        }
        let model = self.provisioner.model().await.map_err(from_store)?;
        let hidden = model
            .volumes()
            .filter(|v| !shown.contains(&v.id.to_string()))
            .map(|v| v.id)
            .collect();
        Ok((model, hidden))
    }

    /// A copy of the stored model (pending volumes included).
    pub async fn model(&self) -> Result<Model, BackendError> {
        Ok(self.state().await?.0)
    }

    fn key(kind: Kind, id: impl std::fmt::Display) -> Key {
        Key::new(kind, id.to_string())
    }

    /// The stored entity at `key` with its entry.
    async fn read<T: DeserializeOwned>(
        &self,
        key: &Key,
        kind: &'static str,
    ) -> Result<(T, Entry), BackendError> {
        let entry = self
            .store
            .get(key)
            .await
            .map_err(from_store)?
            .ok_or_else(|| not_found(kind, &key.id))?;
        let value = serde_json::from_slice(&entry.value).map_err(|e| {
            BackendError::Internal(format!("{}: key {key}: {e}", self.store.location()))
        })?;
        Ok((value, entry))
    }

    /// Commit `txn` and let the provisioner see it.
    async fn commit(&self, txn: Txn) -> Result<(), BackendError> {
        self.store.commit(txn).await.map_err(from_store)?;
        self.provisioner.refresh().await.map_err(from_store)
    }

    /// Change the entity at `key` with `change` (which validates), guarded by its revision;
    /// re-read and retried on conflicts.
    async fn update<T: DeserializeOwned + Serialize>(
        &self,
        key: Key,
        kind: &'static str,
        change: impl Fn(&mut T) -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        for _ in 0..ATTEMPTS {
            let (mut value, entry) = self.read::<T>(&key, kind).await?;
            change(&mut value)?;
            let txn = Txn::new().put(key.clone(), Expect::Revision(entry.revision), json(&value)?);
            match self.commit(txn).await {
                Err(BackendError::Conflict(_)) => continue,
                other => return other,
            }
        }
        Err(BackendError::Conflict(format!(
            "{key} kept changing: gave up after {ATTEMPTS} attempts"
        )))
    }

    /// Delete the entity at `key` if `check` passes on the current model; guarded by the
    /// revision the check saw, so a concurrent change (a brick placed on the device, a
    /// device added to the node) makes it conflict instead of orphaning anything.
    async fn remove(
        &self,
        key: Key,
        kind: &'static str,
        check: impl Fn(&mut Model) -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        let entry = self
            .store
            .get(&key)
            .await
            .map_err(from_store)?
            .ok_or_else(|| not_found(kind, &key.id))?;
        let mut model = self.model().await?;
        check(&mut model)?;
        self.commit(Txn::new().delete(key, Expect::Revision(entry.revision)))
            .await
    }
}

#[async_trait]
impl ClusterBackend for ProvisionerBackend {
    async fn list_clusters(&self) -> Result<Vec<ClusterId>, BackendError> {
        Ok(self.model().await?.clusters().map(|c| c.id).collect())
    }

    async fn cluster(&self, id: ClusterId) -> Result<ClusterView, BackendError> {
        let (model, hidden) = self.state().await?;
        views::cluster(&model, &hidden, id)
    }

    async fn create_cluster(&self, block: bool, file: bool) -> Result<ClusterView, BackendError> {
        let cluster = Cluster {
            id: ClusterId::from_u128(self.ids.next()),
            block,
            file,
        };
        let key = Self::key(Kind::Cluster, cluster.id);
        self.commit(Txn::new().put(key, Expect::Absent, json(&cluster)?))
            .await?;
        Ok(ClusterView {
            cluster,
            nodes: Vec::new(),
            volumes: Vec::new(),
            block_volumes: Vec::new(),
        })
    }

    async fn delete_cluster(&self, id: ClusterId) -> Result<(), BackendError> {
        self.remove(Self::key(Kind::Cluster, id), "cluster", |m| {
            m.remove_cluster(id).map(|_| ()).map_err(Into::into)
        })
        .await
    }

    async fn node(&self, id: NodeId) -> Result<NodeView, BackendError> {
        views::node(&self.model().await?, id)
    }

    async fn add_node(&self, node: NewNode) -> Result<NodeId, BackendError> {
        self.add_node_impl(node).await
    }

    async fn delete_node(&self, id: NodeId) -> Result<(), BackendError> {
        self.delete_node_impl(id).await
    }

    async fn set_node_state(&self, id: NodeId, state: EntityState) -> Result<(), BackendError> {
        // The model validates the change; the store keeps the node as the model left it.
        let mut model = self.model().await?;
        model.set_node_state(id, state)?;
        let want = model
            .node(id)
            .cloned()
            .ok_or_else(|| not_found("node", id))?;
        self.update(
            Self::key(Kind::Node, id),
            "node",
            |n: &mut gluster_model::Node| {
                n.state = want.state;
                Ok(())
            },
        )
        .await
    }

    async fn device(&self, id: DeviceId) -> Result<DeviceView, BackendError> {
        views::device(&self.model().await?, id)
    }

    async fn add_device(&self, device: NewDevice) -> Result<DeviceId, BackendError> {
        self.add_device_impl(device).await
    }

    async fn delete_device(&self, id: DeviceId) -> Result<(), BackendError> {
        self.delete_device_impl(id).await
    }

    async fn set_device_state(&self, id: DeviceId, state: EntityState) -> Result<(), BackendError> {
        let mut model = self.model().await?;
        model.set_device_state(id, state)?;
        let want = model
            .device(id)
            .cloned()
            .ok_or_else(|| not_found("device", id))?;
        self.update(
            Self::key(Kind::Device, id),
            "device",
            |d: &mut gluster_model::Device| {
                d.state = want.state;
                Ok(())
            },
        )
        .await
    }

    async fn resync_device(&self, id: DeviceId) -> Result<(), BackendError> {
        self.resync_device_impl(id).await
    }

    async fn list_volumes(&self) -> Result<Vec<VolumeId>, BackendError> {
        let (model, hidden) = self.state().await?;
        Ok(views::volumes(&model, &hidden))
    }

    async fn volume(&self, id: VolumeId) -> Result<VolumeView, BackendError> {
        let (model, hidden) = self.state().await?;
        views::volume(&model, &hidden, id)
    }

    async fn create_volume(&self, request: VolumeRequest) -> Result<VolumeId, BackendError> {
        if let Some(c) = request.cluster {
            self.model()
                .await?
                .cluster(c)
                .ok_or_else(|| not_found("cluster", c))?;
        }
        // Each HTTP create is a request of its own (Heketi has no request names).
        let name = format!("heketi-{:032x}", self.ids.next());
        let created = self
            .provisioner
            .create(&name, &request)
            .await
            .map_err(from_store)?;
        Ok(created.volume)
    }

    async fn expand_volume(&self, id: VolumeId, by: ByteSize) -> Result<(), BackendError> {
        self.volume(id).await?;
        self.provisioner
            .expand(id, ExpandBy::Size(by))
            .await
            .map(|_| ())
            .map_err(from_store)
    }

    async fn delete_volume(&self, id: VolumeId) -> Result<(), BackendError> {
        let view = self.volume(id).await?;
        if let Some(b) = view
            .volume
            .block_hosting
            .as_ref()
            .and_then(|h| h.block_volumes.first())
        {
            return Err(BackendError::Conflict(format!(
                "volume {id} hosts block volume {b}: delete it first"
            )));
        }
        self.provisioner.delete(id).await.map_err(from_store)
    }

    async fn list_block_volumes(&self) -> Result<Vec<BlockVolumeId>, BackendError> {
        Ok(self.model().await?.block_volumes().map(|b| b.id).collect())
    }

    async fn block_volume(&self, id: BlockVolumeId) -> Result<BlockVolume, BackendError> {
        self.model()
            .await?
            .block_volume(id)
            .cloned()
            .ok_or_else(|| not_found("block volume", id))
    }

    async fn create_block_volume(
        &self,
        request: BlockRequest,
    ) -> Result<BlockVolumeId, BackendError> {
        if let Some(c) = request.cluster {
            self.model()
                .await?
                .cluster(c)
                .ok_or_else(|| not_found("cluster", c))?;
        }
        let name = format!("heketi-block-{:032x}", self.ids.next());
        let block = self
            .provisioner
            .create_block(&name, &request)
            .await
            .map_err(from_store)?;
        Ok(block.id)
    }

    async fn delete_block_volume(&self, id: BlockVolumeId) -> Result<(), BackendError> {
        self.block_volume(id).await?;
        self.provisioner
            .delete_block(id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => not_found("block volume", id),
                e => from_store(e),
            })
    }

    async fn capacity(&self) -> Result<CapacityReport, BackendError> {
        let (model, hidden) = self.state().await?;
        Ok(views::capacity(&model, &hidden))
    }

    fn data(&self) -> Option<&dyn DataBackend> {
        Some(self)
    }
}

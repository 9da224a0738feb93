//! [`InProcessBackend`]: a [`ClusterBackend`] holding a `Model` and a `Planner` in this
//! process and carrying plans out through a [`Runner`] (journaled in a `MemoryJournal`).
//!
//! A create is: plan and reserve under the state lock (planner commit + model commit, the
//! volume hidden while pending) -> run on the hosts without the lock -> reveal, or release
//! the reservation on failure. Many operations run at once; only planning is serialized.
//! Nothing here survives a restart: the store's provisioner will take this role.

mod hosts;
mod volumes;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{Executor, HostLimits, MemoryJournal, Runner};
use gluster_model::{
    BlockVolume, BlockVolumeId, ByteSize, Cluster, ClusterId, DeviceId, EntityState, Model, NodeId,
    VolumeId,
};
use gluster_placement::day2::VolumePolicy;
use gluster_placement::{BlockRequest, PlacementSettings, Planner, VolumeRequest};

use crate::backend::*;
use crate::ids::IdSource;
use crate::views;
pub(crate) use crate::views::not_found;

/// The state behind the lock.
#[derive(Debug)]
struct State {
    model: Model,
    /// The planner over `model`; `None` after a change other than a commit (rebuilt lazily).
    planner: Option<Planner>,
    /// Volumes being created: their space is reserved, but they are not shown.
    pending: HashSet<VolumeId>,
    /// Volumes being expanded or deleted: refused to a second change.
    busy: HashSet<VolumeId>,
    /// The placement rules each volume was created with (for expansions).
    policies: BTreeMap<VolumeId, VolumePolicy>,
}

impl State {
    fn planner(&mut self, settings: &PlacementSettings) -> &mut Planner {
        let model = &self.model;
        self.planner
            .get_or_insert_with(|| Planner::new(model, settings))
    }

    /// A volume that exists, is not pending and, with `idle`, not busy either.
    fn ready_volume(
        &self,
        id: VolumeId,
        idle: bool,
    ) -> Result<&gluster_model::Volume, BackendError> {
        let volume = self
            .model
            .volume(id)
            .filter(|_| !self.pending.contains(&id))
            .ok_or_else(|| not_found("volume", id))?;
        if idle && self.busy.contains(&id) {
            return Err(BackendError::Conflict(format!(
                "volume {id} has an operation in progress"
            )));
        }
        Ok(volume)
    }
}

/// A backend over a model in memory. See the module documentation.
#[derive(Debug)]
pub struct InProcessBackend {
    state: Mutex<State>,
    executor: Arc<dyn Executor>,
    runner: Runner,
    /// With the simulated transport: the executor, and the size a newly added disk has.
    simulated: Option<(Arc<SimulatedExecutor>, ByteSize)>,
    settings: PlacementSettings,
    ids: IdSource,
}

impl InProcessBackend {
    /// A backend over `model` driving `executor` (at most `host_limit` steps at a time per
    /// host), placing with `settings`.
    pub fn new(
        model: Model,
        executor: Arc<dyn Executor>,
        settings: PlacementSettings,
        host_limit: usize,
    ) -> Self {
        let runner = Runner::new(
            executor.clone(),
            Arc::new(MemoryJournal::new()),
            HostLimits::new(host_limit),
        );
        InProcessBackend {
            state: Mutex::new(State {
                model,
                planner: None,
                pending: HashSet::new(),
                busy: HashSet::new(),
                policies: BTreeMap::new(),
            }),
            executor,
            runner,
            simulated: None,
            settings,
            ids: IdSource::new(),
        }
    }

    /// A backend over `model` with simulated hosts built from it; a device added later
    /// appears on its simulated host with `new_disk_size`.
    pub fn simulated(model: Model, settings: PlacementSettings, new_disk_size: ByteSize) -> Self {
        let sim = Arc::new(SimulatedExecutor::from_model(&model, false));
        let mut backend = Self::new(model, sim.clone(), settings, 4);
        backend.simulated = Some((sim, new_disk_size));
        backend
    }

    /// The simulated hosts, when the backend has them.
    pub fn simulated_hosts(&self) -> Option<&Arc<SimulatedExecutor>> {
        self.simulated.as_ref().map(|(sim, _)| sim)
    }

    /// A copy of the model (pending volumes included).
    pub fn model(&self) -> Model {
        self.lock().model.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn seed(&self) -> u64 {
        self.ids.next() as u64
    }

    fn view_volume(st: &State, id: VolumeId) -> Result<VolumeView, BackendError> {
        st.ready_volume(id, false)?;
        views::volume(&st.model, &st.pending, id)
    }
}

#[async_trait]
impl ClusterBackend for InProcessBackend {
    async fn list_clusters(&self) -> Result<Vec<ClusterId>, BackendError> {
        Ok(self.lock().model.clusters().map(|c| c.id).collect())
    }

    async fn cluster(&self, id: ClusterId) -> Result<ClusterView, BackendError> {
        let st = self.lock();
        views::cluster(&st.model, &st.pending, id)
    }

    async fn create_cluster(&self, block: bool, file: bool) -> Result<ClusterView, BackendError> {
        let cluster = Cluster {
            id: ClusterId::from_u128(self.ids.next()),
            block,
            file,
        };
        let mut st = self.lock();
        st.model.add_cluster(cluster.clone())?;
        st.planner = None;
        Ok(ClusterView {
            cluster,
            nodes: Vec::new(),
            volumes: Vec::new(),
            block_volumes: Vec::new(),
        })
    }

    async fn delete_cluster(&self, id: ClusterId) -> Result<(), BackendError> {
        let mut st = self.lock();
        st.model.remove_cluster(id)?;
        st.planner = None;
        Ok(())
    }

    async fn node(&self, id: NodeId) -> Result<NodeView, BackendError> {
        views::node(&self.lock().model, id)
    }

    async fn add_node(&self, node: NewNode) -> Result<NodeId, BackendError> {
        self.add_node_impl(node).await
    }

    async fn delete_node(&self, id: NodeId) -> Result<(), BackendError> {
        self.delete_node_impl(id).await
    }

    async fn set_node_state(&self, id: NodeId, state: EntityState) -> Result<(), BackendError> {
        let mut st = self.lock();
        st.model.set_node_state(id, state)?;
        st.planner = None;
        Ok(())
    }

    async fn device(&self, id: DeviceId) -> Result<DeviceView, BackendError> {
        views::device(&self.lock().model, id)
    }

    async fn add_device(&self, device: NewDevice) -> Result<DeviceId, BackendError> {
        self.add_device_impl(device).await
    }

    async fn delete_device(&self, id: DeviceId) -> Result<(), BackendError> {
        self.delete_device_impl(id).await
    }

    async fn set_device_state(&self, id: DeviceId, state: EntityState) -> Result<(), BackendError> {
        let mut st = self.lock();
        st.model.set_device_state(id, state)?;
        st.planner = None;
        Ok(())
    }

    async fn resync_device(&self, id: DeviceId) -> Result<(), BackendError> {
        self.resync_device_impl(id).await
    }

    async fn list_volumes(&self) -> Result<Vec<VolumeId>, BackendError> {
        let st = self.lock();
        Ok(views::volumes(&st.model, &st.pending))
    }

    async fn volume(&self, id: VolumeId) -> Result<VolumeView, BackendError> {
        Self::view_volume(&self.lock(), id)
    }

    async fn create_volume(&self, request: VolumeRequest) -> Result<VolumeId, BackendError> {
        self.create_volume_impl(request).await
    }

    async fn expand_volume(&self, id: VolumeId, by: ByteSize) -> Result<(), BackendError> {
        self.expand_volume_impl(id, by).await
    }

    async fn delete_volume(&self, id: VolumeId) -> Result<(), BackendError> {
        self.delete_volume_impl(id).await
    }

    async fn list_block_volumes(&self) -> Result<Vec<BlockVolumeId>, BackendError> {
        Ok(self.lock().model.block_volumes().map(|b| b.id).collect())
    }

    async fn block_volume(&self, id: BlockVolumeId) -> Result<BlockVolume, BackendError> {
        self.lock()
            .model
            .block_volume(id)
            .cloned()
            .ok_or_else(|| not_found("block volume", id))
    }

    async fn create_block_volume(
        &self,
        request: BlockRequest,
    ) -> Result<BlockVolumeId, BackendError> {
        self.create_block_volume_impl(request).await
    }

    async fn delete_block_volume(&self, id: BlockVolumeId) -> Result<(), BackendError> {
        self.delete_block_volume_impl(id).await
    }

    async fn capacity(&self) -> Result<CapacityReport, BackendError> {
        let st = self.lock();
        Ok(views::capacity(&st.model, &st.pending))
    }
}

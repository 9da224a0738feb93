//! The seam between the HTTP layer and whatever keeps the state: [`ClusterBackend`].
//!
//! Handlers only parse, validate and render; every read and change goes through this trait.
//! Reads return plain `gluster_model` entities ([`ClusterView`], [`NodeView`], ...), so a
//! backend over a store of per-entity keys can answer without building a whole `Model`.
//! Changes return typed errors ([`BackendError`]) that keep the placement engine's
//! structured refusal reasons.

use async_trait::async_trait;

use gluster_model::data::{Snapshot, Subvolume};
use gluster_model::{
    BlockVolume, BlockVolumeId, Brick, ByteSize, Cluster, ClusterId, Device, DeviceId, EntityState,
    ModelError, Node, NodeId, Tags, Volume, VolumeId, Zone,
};
use gluster_placement::day2::ExpandError;
use gluster_placement::{BlockRequest, PlacementError, VolumeRequest};

/// A cluster with the ids of what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterView {
    /// The cluster.
    pub cluster: Cluster,
    /// Its nodes.
    pub nodes: Vec<NodeId>,
    /// Its file volumes.
    pub volumes: Vec<VolumeId>,
    /// Its block volumes.
    pub block_volumes: Vec<BlockVolumeId>,
}

/// A device with its bricks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceView {
    /// The device.
    pub device: Device,
    /// Bricks on it.
    pub bricks: Vec<Brick>,
}

/// A node with its devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    /// The node.
    pub node: Node,
    /// Its devices.
    pub devices: Vec<DeviceView>,
}

/// A volume with its bricks and the storage hostnames serving them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeView {
    /// The volume.
    pub volume: Volume,
    /// Its bricks, set by set.
    pub bricks: Vec<Brick>,
    /// Storage hostnames of the nodes holding its bricks, without repeats.
    pub hosts: Vec<String>,
}

/// One device's capacity with the labels metrics group it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCapacity {
    /// Cluster.
    pub cluster: ClusterId,
    /// Zone of the node.
    pub zone: Zone,
    /// Manage hostname of the node.
    pub node: String,
    /// Device path.
    pub device: String,
    /// Size.
    pub total: ByteSize,
    /// Used by bricks.
    pub used: ByteSize,
}

/// Counts and capacity, for `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapacityReport {
    /// Every device.
    pub devices: Vec<DeviceCapacity>,
    /// Volumes per cluster.
    pub volumes: Vec<(ClusterId, usize)>,
    /// Bricks per cluster.
    pub bricks: Vec<(ClusterId, usize)>,
}

/// A node to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNode {
    /// Cluster it joins.
    pub cluster: ClusterId,
    /// Failure zone.
    pub zone: Zone,
    /// Manage hostname.
    pub manage: String,
    /// Storage hostname.
    pub storage: String,
    /// Tags.
    pub tags: Tags,
}

/// A device to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// Node it is on.
    pub node: NodeId,
    /// Device path.
    pub name: String,
    /// Tags.
    pub tags: Tags,
    /// Wipe what is on it first.
    pub destroy_data: bool,
}

/// Why a backend call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// No such entity (404).
    #[error("{kind} {id} not found")]
    NotFound {
        /// `cluster`, `node`, `device`, `volume` or `block volume`.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The change conflicts with the state (409), e.g. a cluster that is not empty.
    #[error("{0}")]
    Conflict(String),
    /// The request is invalid (400).
    #[error("{0}")]
    Invalid(String),
    /// The placement engine refused; keeps its structured reasons.
    #[error("{0}")]
    Placement(#[from] PlacementError),
    /// An expansion could not be planned; keeps its structured reasons.
    #[error("{0}")]
    Expand(#[from] ExpandError),
    /// The hosts failed the operation (rolled back as far as the message says).
    #[error("{0}")]
    Exec(String),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl From<ModelError> for BackendError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::UnknownCluster(id) => BackendError::NotFound {
                kind: "cluster",
                id: id.to_string(),
            },
            ModelError::UnknownNode(id) => BackendError::NotFound {
                kind: "node",
                id: id.to_string(),
            },
            ModelError::UnknownDevice(id) => BackendError::NotFound {
                kind: "device",
                id: id.to_string(),
            },
            ModelError::UnknownVolume(id) => BackendError::NotFound {
                kind: "volume",
                id: id.to_string(),
            },
            other => BackendError::Conflict(other.to_string()),
        }
    }
}

/// What the REST handlers need from the state and the hosts.
///
/// Long calls (`add_node`, `create_volume`, ...) run in a spawned task while the client
/// polls the queue; they must leave nothing half-made when they fail.
#[async_trait]
pub trait ClusterBackend: Send + Sync + std::fmt::Debug + 'static {
    /// Every cluster id.
    async fn list_clusters(&self) -> Result<Vec<ClusterId>, BackendError>;
    /// One cluster.
    async fn cluster(&self, id: ClusterId) -> Result<ClusterView, BackendError>;
    /// Create an empty cluster.
    async fn create_cluster(&self, block: bool, file: bool) -> Result<ClusterView, BackendError>;
    /// Delete an empty cluster ([`BackendError::Conflict`] when it is not).
    async fn delete_cluster(&self, id: ClusterId) -> Result<(), BackendError>;

    /// One node.
    async fn node(&self, id: NodeId) -> Result<NodeView, BackendError>;
    /// Add a node (peer probe); returns its id.
    async fn add_node(&self, node: NewNode) -> Result<NodeId, BackendError>;
    /// Remove a node without devices (peer detach).
    async fn delete_node(&self, id: NodeId) -> Result<(), BackendError>;
    /// Set a node's state.
    async fn set_node_state(&self, id: NodeId, state: EntityState) -> Result<(), BackendError>;

    /// One device.
    async fn device(&self, id: DeviceId) -> Result<DeviceView, BackendError>;
    /// Add and prepare a device; returns its id.
    async fn add_device(&self, device: NewDevice) -> Result<DeviceId, BackendError>;
    /// Remove a device without bricks.
    async fn delete_device(&self, id: DeviceId) -> Result<(), BackendError>;
    /// Set a device's state.
    async fn set_device_state(&self, id: DeviceId, state: EntityState) -> Result<(), BackendError>;
    /// Read a device's size from its host again.
    async fn resync_device(&self, id: DeviceId) -> Result<(), BackendError>;

    /// Every file volume id.
    async fn list_volumes(&self) -> Result<Vec<VolumeId>, BackendError>;
    /// One volume.
    async fn volume(&self, id: VolumeId) -> Result<VolumeView, BackendError>;
    /// Plan, reserve and create a volume; returns its id.
    async fn create_volume(&self, request: VolumeRequest) -> Result<VolumeId, BackendError>;
    /// Add at least `by` of usable size to a volume.
    async fn expand_volume(&self, id: VolumeId, by: ByteSize) -> Result<(), BackendError>;
    /// Stop and delete a volume and its bricks.
    async fn delete_volume(&self, id: VolumeId) -> Result<(), BackendError>;

    /// Every block volume id.
    async fn list_block_volumes(&self) -> Result<Vec<BlockVolumeId>, BackendError>;
    /// One block volume.
    async fn block_volume(&self, id: BlockVolumeId) -> Result<BlockVolume, BackendError>;
    /// Place and create a block volume; returns its id.
    async fn create_block_volume(
        &self,
        request: BlockRequest,
    ) -> Result<BlockVolumeId, BackendError>;
    /// Delete a block volume.
    async fn delete_block_volume(&self, id: BlockVolumeId) -> Result<(), BackendError>;

    /// Capacity and counts for `/metrics`.
    async fn capacity(&self) -> Result<CapacityReport, BackendError>;

    /// The data services beside Heketi's API (snapshots, clones, subvolumes); a backend
    /// without them answers [`BackendError::Invalid`].
    fn data(&self) -> Option<&dyn DataBackend> {
        None
    }
}

/// Snapshots, clones and subvolumes (Heketi had none): what the extra endpoints need.
#[async_trait]
pub trait DataBackend: Send + Sync {
    /// Every snapshot.
    async fn list_snapshots(&self) -> Result<Vec<Snapshot>, BackendError>;
    /// Create (or find, by name for the same volume) an activated snapshot of `volume`;
    /// `data_used` is what each brick holds (None: taken as full).
    async fn create_snapshot(
        &self,
        volume: VolumeId,
        name: &str,
        data_used: Option<ByteSize>,
    ) -> Result<Snapshot, BackendError>;
    /// Delete a snapshot.
    async fn delete_snapshot(&self, name: &str) -> Result<(), BackendError>;
    /// Restore a snapshot as the new volume `name` (a clone); its id. `data_used` as for
    /// [`DataBackend::create_snapshot`].
    async fn clone_snapshot(
        &self,
        snapshot: &str,
        name: &str,
        data_used: Option<ByteSize>,
    ) -> Result<VolumeId, BackendError>;
    /// Every subvolume.
    async fn list_subvolumes(&self) -> Result<Vec<Subvolume>, BackendError>;
    /// Create a subvolume with a hard quota of `size`.
    async fn create_subvolume(&self, name: &str, size: ByteSize)
        -> Result<Subvolume, BackendError>;
    /// Set a subvolume's quota.
    async fn expand_subvolume(&self, name: &str, size: ByteSize)
        -> Result<Subvolume, BackendError>;
    /// Delete a subvolume.
    async fn delete_subvolume(&self, name: &str) -> Result<(), BackendError>;
}

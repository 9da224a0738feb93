//! Heketi's JSON documents, with the field names of Heketi's `pkg/glusterfs/api` types.
//!
//! Sizes are as Heketi sends them: device storage and brick sizes in KiB, volume and block
//! volume sizes in GiB. Ids are 32 hex digits; a request field that holds an id is parsed
//! with the typed ids of `gluster_model`, so a malformed id is refused before any lookup.

use serde::{Deserialize, Serialize};

use gluster_model::{BlockVolumeId, BrickId, ClusterId, DeviceId, NodeId, VolumeId};

/// `POST /clusters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterCreateRequest {
    /// The cluster may host block volumes.
    pub block: bool,
    /// The cluster may host file volumes.
    pub file: bool,
}

impl Default for ClusterCreateRequest {
    fn default() -> Self {
        ClusterCreateRequest {
            block: true,
            file: true,
        }
    }
}

/// `GET /clusters/{id}` (and the answer of `POST /clusters`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfoResponse {
    /// Cluster id.
    pub id: ClusterId,
    /// Node ids.
    pub nodes: Vec<NodeId>,
    /// File volume ids.
    pub volumes: Vec<VolumeId>,
    /// Hosts block volumes.
    pub block: bool,
    /// Hosts file volumes.
    pub file: bool,
    /// Block volume ids.
    pub blockvolumes: Vec<BlockVolumeId>,
}

/// `GET /clusters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterListResponse {
    /// Cluster ids.
    pub clusters: Vec<ClusterId>,
}

/// Manage and storage hostnames of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HostAddresses {
    /// Hostnames the service reaches the node by (one).
    pub manage: Vec<String>,
    /// Hostnames or addresses Gluster's bricks use (one).
    pub storage: Vec<String>,
}

/// `POST /nodes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAddRequest {
    /// Failure zone (at least 1).
    pub zone: u32,
    /// Hostnames.
    pub hostnames: HostAddresses,
    /// Cluster to join.
    pub cluster: ClusterId,
    /// Tags.
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// Storage of a device, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StorageSize {
    /// Total KiB.
    pub total: u64,
    /// Free KiB.
    pub free: u64,
    /// Used KiB.
    pub used: u64,
}

/// A brick, as Heketi lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrickInfo {
    /// Brick id.
    pub id: BrickId,
    /// Brick directory.
    pub path: String,
    /// Device id.
    pub device: DeviceId,
    /// Node id.
    pub node: NodeId,
    /// Volume id.
    pub volume: VolumeId,
    /// Size in KiB.
    pub size: u64,
}

/// A device of a node (`GET /devices/{id}` and in node info).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfoResponse {
    /// Device path.
    pub name: String,
    /// Storage in KiB.
    pub storage: StorageSize,
    /// Device id.
    pub id: DeviceId,
    /// `online`, `offline` or `failed`.
    pub state: String,
    /// Tags.
    pub tags: std::collections::BTreeMap<String, String>,
    /// Bricks on it.
    pub bricks: Vec<BrickInfo>,
}

/// `GET /nodes/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfoResponse {
    /// Failure zone.
    pub zone: u32,
    /// Hostnames.
    pub hostnames: HostAddresses,
    /// Cluster.
    pub cluster: ClusterId,
    /// Node id.
    pub id: NodeId,
    /// `online`, `offline` or `failed`.
    pub state: String,
    /// Tags.
    pub tags: std::collections::BTreeMap<String, String>,
    /// Devices.
    pub devices: Vec<DeviceInfoResponse>,
}

/// `POST /devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAddRequest {
    /// Device path, e.g. `/dev/sdb`.
    pub name: String,
    /// Node id.
    pub node: NodeId,
    /// Wipe what is on the device first.
    #[serde(default)]
    pub destroydata: bool,
    /// Tags.
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// `POST /nodes/{id}/state`, `POST /devices/{id}/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRequest {
    /// `online`, `offline` or `failed`.
    pub state: String,
}

/// Replica count of a replicated volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ReplicaDurability {
    /// Copies (Heketi's default when absent: 3).
    pub replica: u8,
}

/// Data and redundancy of a dispersed volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct DisperseDurability {
    /// Data bricks per set (Heketi's default when absent: 4).
    pub data: u8,
    /// Redundancy bricks per set (Heketi's default when absent: 2).
    pub redundancy: u8,
}

/// A volume's durability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct VolumeDurability {
    /// `replicate`, `disperse` or `none` (Heketi's default when empty: `none`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Replicate settings.
    pub replicate: ReplicaDurability,
    /// Disperse settings.
    pub disperse: DisperseDurability,
}

/// Snapshot settings of a volume.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct VolumeSnapshot {
    /// Snapshots enabled.
    pub enable: bool,
    /// Thin pool factor (1 to 100).
    pub factor: f32,
}

/// `POST /volumes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct VolumeCreateRequest {
    /// Size in GiB.
    pub size: u64,
    /// Clusters it may go to (the first is used).
    pub clusters: Vec<ClusterId>,
    /// Gluster volume name (default `vol_<id>`).
    pub name: String,
    /// Layout.
    pub durability: VolumeDurability,
    /// Group id of the volume root.
    pub gid: u64,
    /// Gluster options, each `"key value"`.
    pub glustervolumeoptions: Vec<String>,
    /// Snapshot settings.
    pub snapshot: VolumeSnapshot,
}

/// How clients mount a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GlusterFsMount {
    /// Storage hostnames of the volume's nodes.
    pub hosts: Vec<String>,
    /// `host:volname`.
    pub device: String,
    /// Mount options (`backup-volfile-servers`).
    pub options: std::collections::BTreeMap<String, String>,
}

/// The mount section of volume info.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VolumeMount {
    /// The GlusterFS mount.
    pub glusterfs: GlusterFsMount,
}

/// Block hosting information of a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BlockInfo {
    /// GiB left for block volumes.
    pub freesize: u64,
    /// GiB reserved.
    pub reservedsize: u64,
    /// Block volumes it hosts.
    pub blockvolume: Vec<BlockVolumeId>,
    /// Restriction (empty, or `locked`).
    pub restriction: String,
}

/// `GET /volumes/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeInfoResponse {
    /// Size in GiB.
    pub size: u64,
    /// Gluster volume name.
    pub name: String,
    /// Layout.
    pub durability: VolumeDurability,
    /// Group id.
    pub gid: u64,
    /// Gluster options, each `"key value"`.
    pub glustervolumeoptions: Vec<String>,
    /// Snapshot settings.
    pub snapshot: VolumeSnapshot,
    /// Volume id.
    pub id: VolumeId,
    /// Cluster.
    pub cluster: ClusterId,
    /// Mount information.
    pub mount: VolumeMount,
    /// Block hosting volume.
    pub block: bool,
    /// Block hosting information.
    pub blockinfo: BlockInfo,
    /// Bricks.
    pub bricks: Vec<BrickInfo>,
}

/// `GET /volumes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeListResponse {
    /// Volume ids.
    pub volumes: Vec<VolumeId>,
}

/// `POST /volumes/{id}/expand`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeExpandRequest {
    /// GiB to add.
    pub expand_size: u64,
}

/// `POST /blockvolumes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BlockVolumeCreateRequest {
    /// Size in GiB.
    pub size: u64,
    /// Clusters it may go to (the first is used).
    pub clusters: Vec<ClusterId>,
    /// Name (default `blockvol_<id>`).
    pub name: String,
    /// Nodes that export it (default 3).
    pub hacount: usize,
    /// CHAP authentication (not supported: must be false).
    pub auth: bool,
}

/// The export of a block volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BlockVolumeExport {
    /// Storage hostnames exporting it.
    pub hosts: Vec<String>,
    /// iSCSI qualified name (empty: not known to this service).
    pub iqn: String,
    /// LUN.
    pub lun: u32,
    /// CHAP user (empty).
    pub username: String,
    /// CHAP password (empty).
    pub password: String,
}

/// `GET /blockvolumes/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockVolumeInfoResponse {
    /// Size in GiB.
    pub size: u64,
    /// Name.
    pub name: String,
    /// Export count.
    pub hacount: usize,
    /// CHAP authentication.
    pub auth: bool,
    /// Block volume id.
    pub id: BlockVolumeId,
    /// Cluster.
    pub cluster: ClusterId,
    /// Hosting volume.
    pub blockhostingvolume: VolumeId,
    /// Export.
    pub blockvolume: BlockVolumeExport,
}

/// `GET /blockvolumes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockVolumeListResponse {
    /// Block volume ids.
    pub blockvolumes: Vec<BlockVolumeId>,
}

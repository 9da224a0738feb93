//! The entities of a cluster: plain data, held and kept consistent by [`crate::Model`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::durability::{BrickRole, Durability};
use crate::id::{BlockVolumeId, BrickId, ClusterId, DeviceId, NodeId, VolumeId};
use crate::size::ByteSize;
use crate::sizing::{SnapshotFactor, DEFAULT_EXTENT_SIZE};
use crate::state::EntityState;
use crate::tags::Tags;

/// A failure domain: Heketi's integer zone of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Zone(pub u32);

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A trusted storage pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// Identifier.
    pub id: ClusterId,
    /// Takes block-hosting volumes.
    pub block: bool,
    /// Takes file volumes.
    pub file: bool,
}

/// A glusterd host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Identifier.
    pub id: NodeId,
    /// The cluster it belongs to.
    pub cluster: ClusterId,
    /// Failure domain.
    pub zone: Zone,
    /// Hostname used to manage the node (ssh, kubectl).
    pub manage_hostname: String,
    /// Hostname or address bricks are exported on.
    pub storage_hostname: String,
    /// Labels, inherited by its devices.
    #[serde(default)]
    pub tags: Tags,
    /// Service state.
    #[serde(default)]
    pub state: EntityState,
}

/// A raw disk on a node, carved into bricks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Identifier.
    pub id: DeviceId,
    /// The node it is attached to.
    pub node: NodeId,
    /// Device path, e.g. `/dev/sdb`.
    pub name: String,
    /// Usable size (the volume group's size).
    pub total: ByteSize,
    /// Space taken by bricks (their pools and pool metadata).
    pub used: ByteSize,
    /// Allocation unit; pool sizes round up to it.
    #[serde(default = "default_extent")]
    pub extent_size: ByteSize,
    /// Labels; override the node's of the same key.
    #[serde(default)]
    pub tags: Tags,
    /// Service state.
    #[serde(default)]
    pub state: EntityState,
}

fn default_extent() -> ByteSize {
    DEFAULT_EXTENT_SIZE
}

impl Device {
    /// Space not taken by bricks.
    pub fn free(&self) -> ByteSize {
        self.total.saturating_sub(self.used)
    }
}

/// A brick: a directory on a filesystem on a device, exported by its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brick {
    /// Identifier.
    pub id: BrickId,
    /// The volume it belongs to.
    pub volume: VolumeId,
    /// The node exporting it.
    pub node: NodeId,
    /// The device it is carved from.
    pub device: DeviceId,
    /// Usable brick size (the thin volume's virtual size).
    pub size: ByteSize,
    /// Thin pool size on the device.
    pub pool_size: ByteSize,
    /// Thin pool metadata size on the device.
    pub metadata_size: ByteSize,
    /// Data or arbiter.
    pub role: BrickRole,
    /// Absolute path of the brick directory on the node.
    pub path: String,
}

impl Brick {
    /// Space the brick takes from its device (pool + metadata), or `None` on overflow.
    pub fn space(&self) -> Option<ByteSize> {
        self.pool_size.checked_add(self.metadata_size)
    }

    /// Heketi's brick path: `<root>/vg_<device>/brick_<brick>/brick`.
    pub fn heketi_path(mount_root: &str, device: DeviceId, brick: BrickId) -> String {
        let root = mount_root.trim_end_matches('/');
        let mut path = String::with_capacity(root.len() + 92);
        path.push_str(root);
        path.push_str("/vg_");
        device.push_to(&mut path);
        path.push_str("/brick_");
        brick.push_to(&mut path);
        path.push_str("/brick");
        path
    }

    /// The mount root of `path` when it is [`Brick::heketi_path`] of `device` and `brick`
    /// under some root (`""` for none), else `None`; compares without allocating.
    ///
    /// ```
    /// use gluster_model::{Brick, BrickId, DeviceId};
    /// let (d, b) = (DeviceId::from_u128(7), BrickId::from_u128(9));
    /// let path = Brick::heketi_path("/var/lib/heketi/mounts/", d, b);
    /// assert_eq!(Brick::heketi_mount_root(&path, d, b), Some("/var/lib/heketi/mounts"));
    /// assert_eq!(Brick::heketi_mount_root(&path, DeviceId::from_u128(9), b), None);
    /// assert_eq!(Brick::heketi_mount_root("/bricks/b1", d, b), None);
    /// ```
    pub fn heketi_mount_root(path: &str, device: DeviceId, brick: BrickId) -> Option<&str> {
        let hex = |v: u128| crate::id::hex128(v);
        let rest = path.strip_suffix("/brick")?;
        let rest = rest.strip_suffix(std::str::from_utf8(&hex(brick.as_u128())).ok()?)?;
        let rest = rest.strip_suffix("/brick_")?;
        let rest = rest.strip_suffix(std::str::from_utf8(&hex(device.as_u128())).ok()?)?;
        rest.strip_suffix("/vg_")
    }
}

/// Snapshot settings of a volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnapshotSettings {
    /// Snapshots enabled.
    pub enabled: bool,
    /// Pool reserve factor for snapshots.
    pub factor: SnapshotFactor,
}

/// Block-hosting state of a volume that holds block volumes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BlockHosting {
    /// Space still free for block volumes.
    pub free_size: ByteSize,
    /// Space kept in reserve (Heketi: 2 %).
    pub reserved_size: ByteSize,
    /// The block volumes it hosts.
    pub block_volumes: Vec<BlockVolumeId>,
    /// No new block volumes may be placed.
    pub restricted: bool,
}

/// A Gluster volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    /// Identifier.
    pub id: VolumeId,
    /// The cluster it lives in.
    pub cluster: ClusterId,
    /// Gluster volume name.
    pub name: String,
    /// Usable size.
    pub size: ByteSize,
    /// Layout of every brick set.
    pub durability: Durability,
    /// Bricks grouped in sets, in the order Gluster forms them.
    pub brick_sets: Vec<Vec<BrickId>>,
    /// Gluster volume options `(key, value)`, in order.
    #[serde(default)]
    pub options: Vec<(String, String)>,
    /// Group id owning the volume root (0 = none).
    #[serde(default)]
    pub gid: u64,
    /// Snapshot settings.
    #[serde(default)]
    pub snapshot: SnapshotSettings,
    /// Present when the volume hosts block volumes.
    #[serde(default)]
    pub block_hosting: Option<BlockHosting>,
}

impl Volume {
    /// Every brick id, set by set.
    pub fn brick_ids(&self) -> impl Iterator<Item = BrickId> + '_ {
        self.brick_sets.iter().flatten().copied()
    }
}

/// A block volume: a file in a block-hosting volume exported over iSCSI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockVolume {
    /// Identifier.
    pub id: BlockVolumeId,
    /// The cluster it lives in.
    pub cluster: ClusterId,
    /// Name.
    pub name: String,
    /// Size.
    pub size: ByteSize,
    /// The block-hosting volume holding its file.
    pub hosting_volume: VolumeId,
    /// Storage hostnames of the iSCSI targets (`ha` hosts).
    pub ha_hosts: Vec<String>,
}

//! Typed requests and results of executor operations, built from the model and plans.
//!
//! Every request names the host it runs on (a node's manage hostname). Storage addresses of
//! bricks (`BrickAddress`) use the node's storage hostname, as Gluster does.

use gluster_model::{BrickId, ByteSize, DeviceId, Durability};
use serde::{Deserialize, Serialize};

/// `host:/path` of a brick as Gluster names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BrickAddress {
    /// The node's storage hostname or address.
    pub host: String,
    /// Absolute path of the brick directory.
    pub path: String,
}

impl std::fmt::Display for BrickAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.path)
    }
}

/// Prepare a raw block device for bricks (LVM: physical volume and volume group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSetup {
    /// Manage hostname of the node.
    pub host: String,
    /// The device's id (names the volume group `vg_<id>`).
    pub device_id: DeviceId,
    /// Device path, e.g. `/dev/sdb`.
    pub device: String,
}

/// Remove what `DeviceSetup` created; the device must hold no brick.
pub type DeviceTeardown = DeviceSetup;

/// What a host reports about a prepared device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Usable size.
    pub total: ByteSize,
    /// Space not used by bricks.
    pub free: ByteSize,
    /// Allocation unit (LVM extent size).
    pub extent: ByteSize,
}

/// Create one brick: thin pool, logical volume, filesystem and mount (LVM backend) or a
/// directory on the device's filesystem (directory backend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrickCreate {
    /// Manage hostname of the node.
    pub host: String,
    /// Device that holds the brick.
    pub device_id: DeviceId,
    /// Device path, e.g. `/dev/sdb`.
    pub device: String,
    /// The brick's id (names `tp_<id>` and `brick_<id>`).
    pub brick_id: BrickId,
    /// Usable size of the brick.
    pub size: ByteSize,
    /// Thin pool size (brick x snapshot factor).
    pub pool_size: ByteSize,
    /// Thin pool metadata size.
    pub metadata_size: ByteSize,
    /// Whether this is an arbiter brick (more inode space).
    pub arbiter: bool,
    /// Absolute path of the brick directory Gluster serves (`<mount>/brick`).
    pub path: String,
}

/// Remove a brick created by `BrickCreate` (unmount, remove LV and pool, or the directory).
pub type BrickDestroy = BrickCreate;

/// Grow a brick in place to the request's sizes: pool metadata, pool, thin LV, filesystem
/// (LVM backend; a directory brick has no size of its own).
pub type BrickGrow = BrickCreate;

/// Create a Gluster volume from bricks in the order Gluster forms sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeCreate {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Volume name.
    pub name: String,
    /// Layout of every brick set.
    pub durability: Durability,
    /// Bricks, set after set, each set in position order.
    pub bricks: Vec<BrickAddress>,
    /// Volume options set after creation (`gluster volume set`).
    pub options: Vec<(String, String)>,
}

/// A volume on a host, for start, stop, delete, info and heal info.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeRef {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Volume name.
    pub name: String,
}

/// Add brick sets to a volume (`gluster volume add-brick`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeExpand {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Volume name.
    pub name: String,
    /// The volume's layout (gives the replica count the command needs).
    pub durability: Durability,
    /// New bricks, whole sets in position order.
    pub bricks: Vec<BrickAddress>,
}

/// Replace one brick of a volume (`gluster volume replace-brick ... commit force`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceBrick {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Volume name.
    pub name: String,
    /// The brick leaving.
    pub old: BrickAddress,
    /// Its replacement (already created).
    pub new: BrickAddress,
}

/// Set volume options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetOptions {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Volume name.
    pub name: String,
    /// Key/value pairs, set in order.
    pub options: Vec<(String, String)>,
}

/// Probe or detach a peer from a host's trusted pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRequest {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// The peer's storage hostname or address.
    pub peer: String,
}

/// Create a block volume in a block-hosting volume (gluster-block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockVolumeCreate {
    /// Host that runs the command.
    pub host: String,
    /// The hosting volume.
    pub hosting_volume: String,
    /// Block volume name.
    pub name: String,
    /// Size.
    pub size: ByteSize,
    /// Storage hostnames that export the block device (`ha` hosts).
    pub ha_hosts: Vec<String>,
}

/// Delete a block volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockVolumeDelete {
    /// Host that runs the command.
    pub host: String,
    /// The hosting volume.
    pub hosting_volume: String,
    /// Block volume name.
    pub name: String,
}

/// State of a volume as glusterd reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeStatus {
    /// Created, never started.
    Created,
    /// Started.
    Started,
    /// Stopped.
    Stopped,
}

/// One brick in `volume info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeInfoBrick {
    /// `host:/path`.
    pub address: BrickAddress,
    /// Whether Gluster marks it as the arbiter of its set.
    pub arbiter: bool,
}

/// What `gluster volume info` says about a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeInfo {
    /// Volume name.
    pub name: String,
    /// Volume status.
    pub status: VolumeStatus,
    /// Gluster's type name, e.g. `Replicate`, `Distributed-Disperse`.
    pub type_name: String,
    /// Bricks in Gluster's order.
    pub bricks: Vec<VolumeInfoBrick>,
    /// Replica count (1 when not replicated).
    pub replica_count: u32,
    /// Arbiter count (0 or 1).
    pub arbiter_count: u32,
    /// Disperse count (0 when not dispersed).
    pub disperse_count: u32,
    /// Redundancy count (0 when not dispersed).
    pub redundancy_count: u32,
    /// Options reconfigured on the volume.
    pub options: Vec<(String, String)>,
}

/// Heal state of one brick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealBrick {
    /// `host:/path`.
    pub address: BrickAddress,
    /// Whether the brick process is connected.
    pub connected: bool,
    /// Entries pending heal (None when unknown, e.g. brick not connected).
    pub pending: Option<u64>,
}

/// What `gluster volume heal VOL info` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealInfo {
    /// One entry per brick.
    pub bricks: Vec<HealBrick>,
}

impl HealInfo {
    /// Whether every brick is connected and nothing is pending heal.
    pub fn is_healed(&self) -> bool {
        self.bricks
            .iter()
            .all(|b| b.connected && b.pending == Some(0))
    }
}

/// A snapshot of a volume (`gluster snapshot create NAME VOL no-timestamp`): LVM thin
/// snapshots of every brick, in the bricks' thin pools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCreate {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Snapshot name (a volume name: the same rules).
    pub name: String,
    /// The origin volume (started, every brick on LVM thin).
    pub volume: String,
}

/// A snapshot on a host, for activate, delete and info.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRef {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Snapshot name.
    pub name: String,
}

/// A writable volume made from an activated snapshot (`gluster snapshot clone CLONE SNAP`):
/// its bricks are thin snapshots in the origin's thin pools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotClone {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Name of the new volume.
    pub clone: String,
    /// The activated snapshot it is made from.
    pub snapshot: String,
}

/// What glusterd says about one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// Snapshot name.
    pub name: String,
    /// The origin volume.
    pub volume: String,
    /// Whether it is activated (its bricks run): a CSI snapshot is ready when activated.
    pub activated: bool,
}

/// Options of the whole trusted pool (`gluster volume set all KEY VALUE`), e.g.
/// `cluster.brick-multiplex`, `cluster.max-bricks-per-process`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterOptions {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// Key/value pairs, set in order.
    pub options: Vec<(String, String)>,
}

/// A directory quota (`gluster volume quota VOL limit-usage DIR SIZE`): sets or raises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaLimit {
    /// Host whose glusterd runs the command.
    pub host: String,
    /// The volume.
    pub volume: String,
    /// Directory inside the volume, absolute from the volume's root, e.g. `/subvol_1`.
    pub dir: String,
    /// Hard limit.
    pub size: ByteSize,
}

/// A directory of a volume, for `quota remove` and for subvolume directories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeDir {
    /// Host that runs the command (glusterd for quota; a client of the volume for
    /// directories).
    pub host: String,
    /// The volume.
    pub volume: String,
    /// Directory inside the volume, absolute from the volume's root, e.g. `/subvol_1`.
    pub dir: String,
    /// Where the volume is (or will be) FUSE-mounted on `host` for directory work; unused by
    /// quota commands.
    pub mount: String,
}

/// Re-read a prepared device's size after it changed under us (a grown disk or LUN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceResync {
    /// The device.
    pub device: DeviceSetup,
    /// The size the caller knew so far.
    pub known_total: ByteSize,
    /// Space its bricks take: a device found smaller than this is an error.
    pub used: ByteSize,
}

/// How a device's size changed, as [`DeviceResync`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change", content = "by")]
pub enum SizeChange {
    /// Larger than known, by this much.
    Grown(ByteSize),
    /// Smaller than known (but still holding its bricks), by this much.
    Shrunk(ByteSize),
    /// As known.
    Unchanged,
}

/// The outcome of a device resync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncReport {
    /// The device's size and free space now.
    pub info: DeviceInfo,
    /// How the size changed from `known_total`.
    pub change: SizeChange,
}

impl ResyncReport {
    /// Compare what a device reports now with the size known before.
    pub fn compare(known_total: ByteSize, info: DeviceInfo) -> Self {
        let change = if info.total > known_total {
            SizeChange::Grown(info.total.saturating_sub(known_total))
        } else if info.total < known_total {
            SizeChange::Shrunk(known_total.saturating_sub(info.total))
        } else {
            SizeChange::Unchanged
        };
        ResyncReport { info, change }
    }

    /// The report of `r` given what the device reports now, or `ExecError::DeviceShrunk`
    /// when it no longer holds its bricks.
    pub fn checked(r: &DeviceResync, info: DeviceInfo) -> Result<Self, crate::ExecError> {
        if info.total < r.used {
            return Err(crate::ExecError::DeviceShrunk {
                host: r.device.host.clone(),
                device: r.device.device.clone(),
                total: info.total,
                used: r.used,
            });
        }
        Ok(Self::compare(r.known_total, info))
    }
}

/// Copy a subvolume's directory tree (directories and empty files, modes and times)
/// through the hosting volume's FUSE mount, so that every file gets its own gfid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubvolumeTree {
    /// Client host where the hosting volume is (or will be) mounted.
    pub host: String,
    /// The hosting volume.
    pub volume: String,
    /// Mount point on `host`.
    pub mount: String,
    /// Source directory, absolute from the volume's root.
    pub source: String,
    /// New directory, absolute from the volume's root.
    pub dest: String,
}

/// One regular file of a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFile {
    /// Path relative to the tree's root.
    pub path: String,
    /// Size.
    pub size: ByteSize,
}

/// On one brick, clone each file's data under `dest` from the same file under `source`
/// (`cp --reflink=always`, i.e. `FICLONE`, onto the existing file: its inode, gfid and
/// Gluster xattrs stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrickReflink {
    /// Manage hostname of the brick's node.
    pub host: String,
    /// The brick directory.
    pub brick: String,
    /// Source directory, absolute from the volume's root.
    pub source: String,
    /// New directory, absolute from the volume's root.
    pub dest: String,
}

/// What a brick reflink did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReflinkReport {
    /// Files whose data was cloned on this brick.
    pub cloned: Vec<String>,
    /// Files under `dest` on this brick with no source file on this brick (distributed
    /// elsewhere): they need the copy through the mount.
    pub missing: Vec<String>,
}

/// Copy one file's data through the FUSE mount (the fallback of a clone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCopy {
    /// Client host with the mount.
    pub host: String,
    /// The hosting volume.
    pub volume: String,
    /// Mount point on `host`.
    pub mount: String,
    /// Source directory, absolute from the volume's root.
    pub source: String,
    /// New directory, absolute from the volume's root.
    pub dest: String,
    /// The file, relative to both directories.
    pub file: String,
}

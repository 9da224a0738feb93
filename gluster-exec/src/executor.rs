//! The `Executor` trait: the operations plans and day-2 work need on hosts.

use async_trait::async_trait;

use crate::error::ExecError;
use crate::ops::*;

/// Carries out operations on storage hosts.
///
/// Every operation is idempotent: running a create that already happened with the same
/// arguments succeeds, and removing what does not exist succeeds. This is what lets the
/// runner retry and lets recovery replay a journal after a crash.
#[async_trait]
pub trait Executor: Send + Sync + std::fmt::Debug + 'static {
    /// Refuses a plan whose bricks this executor cannot make where the plan puts them, before
    /// anything runs: e.g. brick paths (built under `PlacementSettings::brick_mount_root`)
    /// outside the mount points the executor's [`crate::Backend`] gives their devices. The
    /// [`crate::Runner`] asks before it journals a run. Accepts every plan by default.
    fn check_plan(&self, plan: &gluster_placement::Plan) -> Result<(), ExecError> {
        let _ = plan;
        Ok(())
    }

    /// Whether this executor only rehearses (simulated hosts: nothing runs on real ones).
    /// The runner journals it in the run's `Begin` record.
    fn is_rehearsal(&self) -> bool {
        false
    }
    /// Check that glusterd answers on a host.
    async fn check_glusterd(&self, host: &str) -> Result<(), ExecError>;
    /// Add a peer to the host's trusted pool.
    async fn peer_probe(&self, request: &PeerRequest) -> Result<(), ExecError>;
    /// Remove a peer from the host's trusted pool.
    async fn peer_detach(&self, request: &PeerRequest) -> Result<(), ExecError>;
    /// Prepare a device for bricks.
    async fn device_setup(&self, request: &DeviceSetup) -> Result<DeviceInfo, ExecError>;
    /// Undo `device_setup`; the device must hold no brick.
    async fn device_teardown(&self, request: &DeviceTeardown) -> Result<(), ExecError>;
    /// Report a prepared device's size and free space.
    async fn device_info(&self, request: &DeviceSetup) -> Result<DeviceInfo, ExecError>;
    /// Create a brick (storage, filesystem, mount, brick directory).
    async fn brick_create(&self, request: &BrickCreate) -> Result<(), ExecError>;
    /// Remove a brick and return its space to the device.
    async fn brick_destroy(&self, request: &BrickDestroy) -> Result<(), ExecError>;
    /// Grow a brick in place (never shrinks: a smaller or equal size is a success).
    async fn brick_grow(&self, request: &BrickGrow) -> Result<(), ExecError>;
    /// Create a volume from its bricks and set its options.
    async fn volume_create(&self, request: &VolumeCreate) -> Result<(), ExecError>;
    /// Start a volume.
    async fn volume_start(&self, request: &VolumeRef) -> Result<(), ExecError>;
    /// Stop a volume.
    async fn volume_stop(&self, request: &VolumeRef) -> Result<(), ExecError>;
    /// Delete a stopped volume (bricks stay; destroy them separately).
    async fn volume_delete(&self, request: &VolumeRef) -> Result<(), ExecError>;
    /// Add brick sets to a volume.
    async fn volume_expand(&self, request: &VolumeExpand) -> Result<(), ExecError>;
    /// Replace one brick of a volume.
    async fn replace_brick(&self, request: &ReplaceBrick) -> Result<(), ExecError>;
    /// Set options on a volume.
    async fn set_options(&self, request: &SetOptions) -> Result<(), ExecError>;
    /// Describe a volume; `ExecError::NotFound` when it does not exist.
    async fn volume_info(&self, request: &VolumeRef) -> Result<VolumeInfo, ExecError>;
    /// Heal state of a replicated or dispersed volume.
    async fn heal_info(&self, request: &VolumeRef) -> Result<HealInfo, ExecError>;
    /// Create a block volume in a hosting volume.
    async fn block_volume_create(&self, request: &BlockVolumeCreate) -> Result<(), ExecError>;
    /// Delete a block volume.
    async fn block_volume_delete(&self, request: &BlockVolumeDelete) -> Result<(), ExecError>;
    /// Snapshot a started volume on LVM thin bricks; an existing snapshot of that name and
    /// volume is a success.
    async fn snapshot_create(&self, request: &SnapshotCreate) -> Result<(), ExecError>;
    /// Activate a snapshot (start its bricks); activating an active one is a success.
    async fn snapshot_activate(&self, request: &SnapshotRef) -> Result<(), ExecError>;
    /// Make a new volume from an activated snapshot; an existing clone of that name made
    /// from that snapshot's volume is a success.
    async fn snapshot_clone(&self, request: &SnapshotClone) -> Result<(), ExecError>;
    /// Delete a snapshot; deleting a missing one is a success.
    async fn snapshot_delete(&self, request: &SnapshotRef) -> Result<(), ExecError>;
    /// Describe a snapshot; `ExecError::NotFound` when it does not exist.
    async fn snapshot_info(&self, request: &SnapshotRef) -> Result<SnapshotInfo, ExecError>;
    /// Set options of the whole trusted pool (brick multiplexing and its limit).
    async fn cluster_set(&self, request: &ClusterOptions) -> Result<(), ExecError>;
    /// Enable directory quotas on a volume (already enabled is a success).
    async fn quota_enable(&self, request: &VolumeRef) -> Result<(), ExecError>;
    /// Set or change a directory's hard limit.
    async fn quota_limit(&self, request: &QuotaLimit) -> Result<(), ExecError>;
    /// Remove a directory's limit (none set is a success).
    async fn quota_remove(&self, request: &VolumeDir) -> Result<(), ExecError>;
    /// Create a directory in a started volume through a FUSE mount on the request's host.
    async fn volume_dir_create(&self, request: &VolumeDir) -> Result<(), ExecError>;
    /// Remove a directory and its data from a volume (missing is a success).
    async fn volume_dir_delete(&self, request: &VolumeDir) -> Result<(), ExecError>;
    /// Unmount the FUSE mount the directory operations made (not mounted is a success).
    async fn volume_unmount(&self, request: &VolumeDir) -> Result<(), ExecError>;
    /// Copy a subvolume's tree without data through the FUSE mount; lists the source's files.
    async fn subvolume_tree(&self, request: &SubvolumeTree) -> Result<Vec<TreeFile>, ExecError>;
    /// Clone file data on one brick; `ExecError::Unsupported` when the brick's filesystem
    /// cannot reflink.
    async fn brick_reflink(&self, request: &BrickReflink) -> Result<ReflinkReport, ExecError>;
    /// Copy one file's data through the FUSE mount.
    async fn file_copy(&self, request: &FileCopy) -> Result<(), ExecError>;
    /// Re-read a device's size after it changed; a device now smaller than its bricks is
    /// `ExecError::DeviceShrunk`.
    async fn device_resync(&self, request: &DeviceResync) -> Result<ResyncReport, ExecError>;
}

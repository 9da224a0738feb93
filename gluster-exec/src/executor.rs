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
}

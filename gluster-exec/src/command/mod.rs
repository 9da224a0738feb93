//! [`CommandExecutor`]: the [`Executor`] that runs real commands on hosts over a
//! [`Transport`].
//!
//! Requests are validated and rendered ([`crate::render`]) before anything runs; storage steps
//! run behind their probes ([`crate::render::Guard`]), gluster commands' XML answers are
//! parsed ([`crate::xml`]). Idempotency: a create that already happened (same volume and
//! bricks, an existing LV or mount), a start of a started volume, a stop or delete of a
//! missing volume all succeed.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;
use crate::render::Backend;
use crate::transport::{display_command, CommandOutput, Transport};

mod data;
mod gluster;
mod storage;

/// How long each kind of command may run before it is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Storage commands (LVM, mkfs, mount, directories).
    pub storage: Duration,
    /// gluster and gluster-block commands.
    pub gluster: Duration,
    /// Probes that tell whether a step is already done.
    pub probe: Duration,
}

impl Default for Timeouts {
    /// 5 minutes for storage (mkfs on a large device), 2 minutes for gluster, 30 s for probes.
    fn default() -> Self {
        Timeouts {
            storage: Duration::from_secs(300),
            gluster: Duration::from_secs(120),
            probe: Duration::from_secs(30),
        }
    }
}

/// Carries out executor operations by running commands on hosts.
#[derive(Debug)]
pub struct CommandExecutor<T: Transport> {
    transport: T,
    backend: Backend,
    timeouts: Timeouts,
}

impl<T: Transport> CommandExecutor<T> {
    /// An executor running commands over `transport`, making bricks with `backend`.
    pub fn new(transport: T, backend: Backend) -> Self {
        CommandExecutor {
            transport,
            backend,
            timeouts: Timeouts::default(),
        }
    }

    /// Use these timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The brick backend.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Run a command that must exit 0.
    async fn run_ok(
        &self,
        host: &str,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        let out = self.transport.run(host, argv, timeout).await?;
        if out.success() {
            Ok(out)
        } else {
            Err(failure(host, argv, out))
        }
    }
}

/// Exit status of a shell or exec layer that could not find the program.
const NOT_FOUND_STATUS: i32 = 127;

/// The error for a command that exited non-zero (a missing program is `Unsupported`).
fn failure(host: &str, argv: &[String], out: CommandOutput) -> ExecError {
    if out.status == NOT_FOUND_STATUS {
        return ExecError::Unsupported(format!(
            "{} is not installed on {host}",
            argv.first().map(String::as_str).unwrap_or("the program")
        ));
    }
    ExecError::CommandFailed {
        host: host.to_string(),
        command: display_command(argv),
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

#[async_trait]
impl<T: Transport> Executor for CommandExecutor<T> {
    fn check_plan(&self, plan: &gluster_placement::Plan) -> Result<(), ExecError> {
        self.backend.check_plan(plan)
    }
    async fn check_glusterd(&self, host: &str) -> Result<(), ExecError> {
        self.check_glusterd_impl(host).await
    }
    async fn peer_probe(&self, request: &PeerRequest) -> Result<(), ExecError> {
        self.peer_probe_impl(request).await
    }
    async fn peer_detach(&self, request: &PeerRequest) -> Result<(), ExecError> {
        self.peer_detach_impl(request).await
    }
    async fn device_setup(&self, request: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        self.device_setup_impl(request).await
    }
    async fn device_teardown(&self, request: &DeviceTeardown) -> Result<(), ExecError> {
        self.device_teardown_impl(request).await
    }
    async fn device_info(&self, request: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        self.device_info_impl(request).await
    }
    async fn brick_create(&self, request: &BrickCreate) -> Result<(), ExecError> {
        self.brick_create_impl(request).await
    }
    async fn brick_grow(&self, request: &BrickGrow) -> Result<(), ExecError> {
        self.brick_grow_impl(request).await
    }
    async fn brick_destroy(&self, request: &BrickDestroy) -> Result<(), ExecError> {
        self.brick_destroy_impl(request).await
    }
    async fn volume_create(&self, request: &VolumeCreate) -> Result<(), ExecError> {
        self.volume_create_impl(request).await
    }
    async fn volume_start(&self, request: &VolumeRef) -> Result<(), ExecError> {
        self.volume_start_impl(request).await
    }
    async fn volume_stop(&self, request: &VolumeRef) -> Result<(), ExecError> {
        self.volume_stop_impl(request).await
    }
    async fn volume_delete(&self, request: &VolumeRef) -> Result<(), ExecError> {
        self.volume_delete_impl(request).await
    }
    async fn volume_expand(&self, request: &VolumeExpand) -> Result<(), ExecError> {
        self.volume_expand_impl(request).await
    }
    async fn replace_brick(&self, request: &ReplaceBrick) -> Result<(), ExecError> {
        self.replace_brick_impl(request).await
    }
    async fn set_options(&self, request: &SetOptions) -> Result<(), ExecError> {
        self.set_options_impl(request).await
    }
    async fn volume_info(&self, request: &VolumeRef) -> Result<VolumeInfo, ExecError> {
        self.volume_info_impl(request).await
    }
    async fn heal_info(&self, request: &VolumeRef) -> Result<HealInfo, ExecError> {
        self.heal_info_impl(request).await
    }
    async fn block_volume_create(&self, request: &BlockVolumeCreate) -> Result<(), ExecError> {
        self.block_volume_create_impl(request).await
    }
    async fn block_volume_delete(&self, request: &BlockVolumeDelete) -> Result<(), ExecError> {
        self.block_volume_delete_impl(request).await
    }
    async fn snapshot_create(&self, request: &SnapshotCreate) -> Result<(), ExecError> {
        self.snapshot_create_impl(request).await
    }
    async fn snapshot_activate(&self, request: &SnapshotRef) -> Result<(), ExecError> {
        self.snapshot_activate_impl(request).await
    }
    async fn snapshot_clone(&self, request: &SnapshotClone) -> Result<(), ExecError> {
        self.snapshot_clone_impl(request).await
    }
    async fn snapshot_delete(&self, request: &SnapshotRef) -> Result<(), ExecError> {
        self.snapshot_delete_impl(request).await
    }
    async fn snapshot_info(&self, request: &SnapshotRef) -> Result<SnapshotInfo, ExecError> {
        self.snapshot_info_impl(request).await
    }
    async fn cluster_set(&self, request: &ClusterOptions) -> Result<(), ExecError> {
        self.cluster_set_impl(request).await
    }
    async fn quota_enable(&self, request: &VolumeRef) -> Result<(), ExecError> {
        self.quota_enable_impl(request).await
    }
    async fn quota_limit(&self, request: &QuotaLimit) -> Result<(), ExecError> {
        self.quota_limit_impl(request).await
    }
    async fn quota_remove(&self, request: &VolumeDir) -> Result<(), ExecError> {
        self.quota_remove_impl(request).await
    }
    async fn volume_dir_create(&self, request: &VolumeDir) -> Result<(), ExecError> {
        self.volume_dir_create_impl(request).await
    }
    async fn volume_dir_delete(&self, request: &VolumeDir) -> Result<(), ExecError> {
        self.volume_dir_delete_impl(request).await
    }
    async fn volume_unmount(&self, request: &VolumeDir) -> Result<(), ExecError> {
        self.volume_unmount_impl(request).await
    }
    async fn subvolume_tree(&self, request: &SubvolumeTree) -> Result<Vec<TreeFile>, ExecError> {
        self.subvolume_tree_impl(request).await
    }
    async fn brick_reflink(&self, request: &BrickReflink) -> Result<ReflinkReport, ExecError> {
        self.brick_reflink_impl(request).await
    }
    async fn file_copy(&self, request: &FileCopy) -> Result<(), ExecError> {
        self.file_copy_impl(request).await
    }
    async fn device_resync(&self, request: &DeviceResync) -> Result<ResyncReport, ExecError> {
        self.device_resync_impl(request).await
    }
}

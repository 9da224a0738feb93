//! Data services: snapshots and clones, pool-wide options, quotas and subvolume
//! directories, device resync.

use crate::error::ExecError;
use crate::ops::*;
use crate::render::{clone, quota, resync, snapshot};
use crate::transport::Transport;
use crate::xml;

use super::gluster::{has_message, is_missing_volume, missing_volume};
use super::CommandExecutor;

fn missing_snapshot(host: &str, name: &str) -> ExecError {
    ExecError::NotFound {
        host: host.to_string(),
        what: format!("snapshot {name}"),
    }
}

/// "Snapshot (NAME) does not exist" and its variants.
fn is_missing_snapshot(e: &ExecError) -> bool {
    has_message(e, "does not exist") && !is_missing_volume(e)
}

impl<T: Transport> CommandExecutor<T> {
    /// A snapshot command; glusterd without LVM ("snapshot functionality is disabled") is
    /// `Unsupported`.
    async fn snapshot_cmd(
        &self,
        host: &str,
        argv: &[String],
        operation: &str,
    ) -> Result<String, ExecError> {
        match self.gluster(host, argv, operation).await {
            Err(e) if has_message(&e, "snapshot functionality is disabled") => {
                Err(ExecError::Unsupported(format!("{host}: {operation}: {e}")))
            }
            other => other,
        }
    }

    pub(super) async fn snapshot_create_impl(&self, r: &SnapshotCreate) -> Result<(), ExecError> {
        let argv = snapshot::create(r)?;
        let Err(e) = self.snapshot_cmd(&r.host, &argv, "snapshot create").await else {
            return Ok(());
        };
        if is_missing_volume(&e) {
            return Err(missing_volume(&r.host, &r.volume));
        }
        if !has_message(&e, "already exists") {
            return Err(e);
        }
        // Idempotent only when the existing snapshot is of the same volume.
        let sref = SnapshotRef {
            host: r.host.clone(),
            name: r.name.clone(),
        };
        match self.snapshot_info_impl(&sref).await {
            Ok(info) if info.volume == r.volume => Ok(()),
            _ => Err(e),
        }
    }

    pub(super) async fn snapshot_activate_impl(&self, r: &SnapshotRef) -> Result<(), ExecError> {
        let argv = snapshot::activate(r)?;
        match self.snapshot_cmd(&r.host, &argv, "snapshot activate").await {
            Err(e) if has_message(&e, "already activated") => Ok(()),
            Err(e) if is_missing_snapshot(&e) => Err(missing_snapshot(&r.host, &r.name)),
            other => other.map(drop),
        }
    }

    pub(super) async fn snapshot_clone_impl(&self, r: &SnapshotClone) -> Result<(), ExecError> {
        let argv = snapshot::clone(r)?;
        let Err(e) = self.snapshot_cmd(&r.host, &argv, "snapshot clone").await else {
            return Ok(());
        };
        if !has_message(&e, "already exists") {
            return match is_missing_snapshot(&e) {
                true => Err(missing_snapshot(&r.host, &r.snapshot)),
                false => Err(e),
            };
        }
        // glusterd does not report a clone's origin: an existing volume of the clone's name
        // is taken as the clone when the snapshot still exists.
        let vref = VolumeRef {
            host: r.host.clone(),
            name: r.clone.clone(),
        };
        let sref = SnapshotRef {
            host: r.host.clone(),
            name: r.snapshot.clone(),
        };
        match (
            self.volume_info_impl(&vref).await,
            self.snapshot_info_impl(&sref).await,
        ) {
            (Ok(_), Ok(_)) => Ok(()),
            _ => Err(e),
        }
    }

    pub(super) async fn snapshot_delete_impl(&self, r: &SnapshotRef) -> Result<(), ExecError> {
        let argv = snapshot::delete(r)?;
        match self.snapshot_cmd(&r.host, &argv, "snapshot delete").await {
            Err(e) if is_missing_snapshot(&e) => Ok(()),
            other => other.map(drop),
        }
    }

    pub(super) async fn snapshot_info_impl(
        &self,
        r: &SnapshotRef,
    ) -> Result<SnapshotInfo, ExecError> {
        let argv = snapshot::info(r)?;
        let stdout = match self.snapshot_cmd(&r.host, &argv, "snapshot info").await {
            Err(e) if is_missing_snapshot(&e) => return Err(missing_snapshot(&r.host, &r.name)),
            other => other?,
        };
        xml::parse_snapshot_info(&stdout)
            .map_err(|e| e.into_exec(&r.host, "snapshot info", &stdout, ""))?
            .into_iter()
            .find(|s| s.name == r.name)
            .ok_or_else(|| missing_snapshot(&r.host, &r.name))
    }

    pub(super) async fn cluster_set_impl(&self, r: &ClusterOptions) -> Result<(), ExecError> {
        for argv in snapshot::cluster_set(r)? {
            self.gluster(&r.host, &argv, "volume set all").await?;
        }
        Ok(())
    }

    pub(super) async fn quota_enable_impl(&self, r: &VolumeRef) -> Result<(), ExecError> {
        let argv = quota::enable(r)?;
        match self.gluster(&r.host, &argv, "volume quota enable").await {
            Err(e) if has_message(&e, "already enabled") => Ok(()),
            Err(e) if is_missing_volume(&e) => Err(missing_volume(&r.host, &r.name)),
            other => other.map(drop),
        }
    }

    pub(super) async fn quota_limit_impl(&self, r: &QuotaLimit) -> Result<(), ExecError> {
        let argv = quota::limit(r)?;
        match self
            .gluster(&r.host, &argv, "volume quota limit-usage")
            .await
        {
            Err(e) if is_missing_volume(&e) => Err(missing_volume(&r.host, &r.volume)),
            other => other.map(drop),
        }
    }

    pub(super) async fn quota_remove_impl(&self, r: &VolumeDir) -> Result<(), ExecError> {
        let argv = quota::remove(r)?;
        match self.gluster(&r.host, &argv, "volume quota remove").await {
            Err(e) if is_missing_volume(&e) => Err(missing_volume(&r.host, &r.volume)),
            // No limit on that directory: glusterd 10 says the limit xattr's removal found
            // "No data available" (ENODATA); a directory already gone has no gfid (ENOENT).
            Err(e)
                if has_message(&e, "No data available")
                    || has_message(&e, "No limit")
                    || has_message(&e, "No such file or directory") =>
            {
                Ok(())
            }
            other => other.map(drop),
        }
    }

    pub(super) async fn volume_dir_create_impl(&self, r: &VolumeDir) -> Result<(), ExecError> {
        let steps = quota::dir_create(r)?;
        self.run_steps(&r.host, &steps).await
    }

    pub(super) async fn volume_dir_delete_impl(&self, r: &VolumeDir) -> Result<(), ExecError> {
        let steps = quota::dir_delete(r)?;
        self.run_steps(&r.host, &steps).await
    }

    pub(super) async fn volume_unmount_impl(&self, r: &VolumeDir) -> Result<(), ExecError> {
        let steps = quota::unmount(r)?;
        self.run_steps(&r.host, &steps).await
    }

    pub(super) async fn subvolume_tree_impl(
        &self,
        r: &SubvolumeTree,
    ) -> Result<Vec<TreeFile>, ExecError> {
        self.run_steps(&r.host, &clone::tree(r)?).await?;
        let argv = clone::list_files(r)?;
        let out = self.run_ok(&r.host, &argv, self.timeouts.storage).await?;
        clone::parse_files(&out.stdout).ok_or_else(|| unreadable(&r.host, &argv, out))
    }

    pub(super) async fn brick_reflink_impl(
        &self,
        r: &BrickReflink,
    ) -> Result<ReflinkReport, ExecError> {
        let argv = clone::brick_reflink(r)?;
        let out = match self.run_ok(&r.host, &argv, self.timeouts.storage).await {
            Err(ExecError::CommandFailed { stderr, .. })
                if stderr.contains("not supported") || stderr.contains("Invalid cross-device") =>
            {
                return Err(ExecError::Unsupported(format!(
                    "{}: the filesystem of brick {} cannot reflink: {}",
                    r.host,
                    r.brick,
                    stderr.trim()
                )))
            }
            other => other?,
        };
        clone::parse_reflink(&out.stdout).ok_or_else(|| unreadable(&r.host, &argv, out))
    }

    pub(super) async fn file_copy_impl(&self, r: &FileCopy) -> Result<(), ExecError> {
        let argv = clone::file_copy(r)?;
        self.run_ok(&r.host, &argv, self.timeouts.storage)
            .await
            .map(drop)
    }

    pub(super) async fn device_resync_impl(
        &self,
        r: &DeviceResync,
    ) -> Result<ResyncReport, ExecError> {
        let steps = resync::resync(&self.backend, r)?;
        self.run_steps(&r.device.host, &steps).await?;
        let info = self.device_info_impl(&r.device).await?;
        ResyncReport::checked(r, info)
    }
}

fn unreadable(host: &str, argv: &[String], out: crate::transport::CommandOutput) -> ExecError {
    ExecError::CommandFailed {
        host: host.to_string(),
        command: crate::transport::display_command(argv),
        status: out.status,
        stdout: out.stdout,
        stderr: "unreadable output".into(),
    }
}

//! Subvolumes on an [`Executor`]: a directory of a hosting volume with its own hard quota.
//! Create makes the directory (through a FUSE mount on a client host), enables quotas on
//! the hosting volume and sets the limit, removing the directory again if the limit cannot
//! be set; expand raises the limit; delete removes the limit, then the directory.
//!
//! Where a subvolume goes is the pure choice of [`gluster_placement::subvolume`].

use gluster_model::ByteSize;

use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;

/// One subvolume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subvolume {
    /// Host that runs gluster commands and holds the hosting volume's FUSE mount.
    pub host: String,
    /// The hosting volume.
    pub volume: String,
    /// Its directory, absolute from the volume's root (e.g. `/subvol_pvc-1`).
    pub dir: String,
    /// Where the hosting volume is FUSE-mounted on `host`.
    pub mount: String,
}

impl Subvolume {
    fn dir(&self) -> VolumeDir {
        VolumeDir {
            host: self.host.clone(),
            volume: self.volume.clone(),
            dir: self.dir.clone(),
            mount: self.mount.clone(),
        }
    }

    fn limit(&self, size: ByteSize) -> QuotaLimit {
        QuotaLimit {
            host: self.host.clone(),
            volume: self.volume.clone(),
            dir: self.dir.clone(),
            size,
        }
    }
}

/// Create subvolume `s` with a hard limit of `size` (idempotent).
pub async fn create(ex: &dyn Executor, s: &Subvolume, size: ByteSize) -> Result<(), ExecError> {
    ex.volume_dir_create(&s.dir()).await?;
    let limited = async {
        ex.quota_enable(&VolumeRef {
            host: s.host.clone(),
            name: s.volume.clone(),
        })
        .await?;
        ex.quota_limit(&s.limit(size)).await
    }
    .await;
    if let Err(e) = limited {
        let _ = ex.volume_dir_delete(&s.dir()).await;
        return Err(e);
    }
    Ok(())
}

/// Set subvolume `s`'s limit to `size` (check first with
/// [`gluster_placement::subvolume::check_expand`]).
pub async fn expand(ex: &dyn Executor, s: &Subvolume, size: ByteSize) -> Result<(), ExecError> {
    ex.quota_limit(&s.limit(size)).await
}

/// Remove subvolume `s`: its limit, then its directory and data (missing is a success).
pub async fn delete(ex: &dyn Executor, s: &Subvolume) -> Result<(), ExecError> {
    ex.quota_remove(&s.dir()).await?;
    ex.volume_dir_delete(&s.dir()).await
}

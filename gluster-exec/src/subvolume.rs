//! Subvolumes on an [`Executor`]: a directory of a hosting volume with its own hard quota.
//! Create makes the directory (through a FUSE mount on a client host), enables quotas on
//! the hosting volume and sets the limit, removing the directory again if the limit cannot
//! be set; expand raises the limit; delete removes the limit, then the directory.
//!
//! Where a subvolume goes is the pure choice of [`gluster_placement::subvolume`]. A clone
//! ([`clone`]) shares blocks with its source where the bricks can reflink.

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

/// A brick of the hosting volume, for a clone: its node's manage hostname and its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostingBrick {
    /// Manage hostname of the brick's node.
    pub host: String,
    /// The brick directory.
    pub path: String,
}

/// How a clone is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloneProgress {
    /// Files whose data is in place.
    pub files_done: usize,
    /// Files in the tree.
    pub files: usize,
    /// Bytes copied through the mount so far (reflinked bytes cost no copy).
    pub bytes_copied: ByteSize,
    /// Bytes the copy through the mount has to move.
    pub bytes_to_copy: ByteSize,
}

/// What a clone did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloneReport {
    /// Files in the tree.
    pub files: usize,
    /// Their total size.
    pub bytes: ByteSize,
    /// Files whose data was reflinked on every brick that holds them.
    pub reflinked: usize,
    /// Files copied through the mount.
    pub copied: usize,
    /// Why the copy through the mount was needed, when it was.
    pub fallback: Option<String>,
}

/// Clone subvolume `source` into the new directory `dest` of the same hosting volume,
/// sharing blocks: the tree is made through the mount (each file gets its gfid), each
/// file's data is cloned on every brick from the source's brick file (`FICLONE`); files a
/// brick cannot reflink, or whose source lives on another brick set, are copied through the
/// mount instead, with `progress` after each. The clone gets its own limit of `size`. On
/// failure the new directory is removed again.
pub async fn clone(
    ex: &dyn Executor,
    source: &Subvolume,
    dest: &str,
    size: ByteSize,
    bricks: &[HostingBrick],
    progress: &mut (dyn FnMut(CloneProgress) + Send),
) -> Result<CloneReport, ExecError> {
    let target = Subvolume {
        dir: dest.to_string(),
        ..source.clone()
    };
    let result = clone_steps(ex, source, &target, size, bricks, progress).await;
    if result.is_err() {
        let _ = ex.volume_dir_delete(&target.dir()).await;
    }
    result
}

async fn clone_steps(
    ex: &dyn Executor,
    source: &Subvolume,
    target: &Subvolume,
    size: ByteSize,
    bricks: &[HostingBrick],
    progress: &mut (dyn FnMut(CloneProgress) + Send),
) -> Result<CloneReport, ExecError> {
    let tree = SubvolumeTree {
        host: source.host.clone(),
        volume: source.volume.clone(),
        mount: source.mount.clone(),
        source: source.dir.clone(),
        dest: target.dir.clone(),
    };
    let files = ex.subvolume_tree(&tree).await?;
    let mut cloned = std::collections::BTreeSet::new();
    let mut missing = std::collections::BTreeSet::new();
    let mut fallback = None;
    for b in bricks {
        let r = BrickReflink {
            host: b.host.clone(),
            brick: b.path.clone(),
            source: source.dir.clone(),
            dest: target.dir.clone(),
        };
        match ex.brick_reflink(&r).await {
            Ok(report) => {
                cloned.extend(report.cloned);
                missing.extend(report.missing);
            }
            Err(ExecError::Unsupported(why)) => {
                fallback = Some(why);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let to_copy: Vec<&TreeFile> = files
        .iter()
        .filter(|f| fallback.is_some() || missing.contains(&f.path) || !cloned.contains(&f.path))
        .collect();
    if fallback.is_none() && !to_copy.is_empty() {
        fallback = Some(format!(
            "{} files are not on the same brick set as their source",
            to_copy.len()
        ));
    }
    let bytes_to_copy = to_copy
        .iter()
        .fold(ByteSize::ZERO, |a, f| a.checked_add(f.size).unwrap_or(a));
    let mut state = CloneProgress {
        files_done: files.len() - to_copy.len(),
        files: files.len(),
        bytes_copied: ByteSize::ZERO,
        bytes_to_copy,
    };
    progress(state);
    for f in &to_copy {
        ex.file_copy(&FileCopy {
            host: source.host.clone(),
            volume: source.volume.clone(),
            mount: source.mount.clone(),
            source: source.dir.clone(),
            dest: target.dir.clone(),
            file: f.path.clone(),
        })
        .await?;
        state.files_done += 1;
        state.bytes_copied = state
            .bytes_copied
            .checked_add(f.size)
            .unwrap_or(state.bytes_copied);
        progress(state);
    }
    ex.quota_enable(&VolumeRef {
        host: source.host.clone(),
        name: source.volume.clone(),
    })
    .await?;
    ex.quota_limit(&target.limit(size)).await?;
    Ok(CloneReport {
        files: files.len(),
        bytes: files
            .iter()
            .fold(ByteSize::ZERO, |a, f| a.checked_add(f.size).unwrap_or(a)),
        reflinked: files.len() - to_copy.len(),
        copied: to_copy.len(),
        fallback,
    })
}

//! CSI snapshot semantics on top of an [`Executor`]: create-snapshot idempotent by name,
//! a ready flag, and restore as a clone into a new volume name. Each call rolls back what it
//! made when a later step fails, so nothing is left half-created.
//!
//! Capacity: the caller passes the origin's thin pools as the store knows them; a snapshot
//! that does not fit the reserve the snapshot factor gave is refused before anything runs
//! ([`gluster_placement::snapshot`]).

use gluster_placement::snapshot::{check_snapshot, SnapshotCharge, SnapshotRefusal, ThinPoolUse};

use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;

/// A snapshot as a CSI driver reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsiSnapshot {
    /// Snapshot name (the CSI snapshot's name).
    pub name: String,
    /// The origin volume.
    pub source_volume: String,
    /// Whether it can be restored from (activated).
    pub ready: bool,
    /// What it charged to the pools, brick by brick (`None` when it already existed).
    pub charge: Option<SnapshotCharge>,
}

/// Why a CSI call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsiError {
    /// The thin pools lack room; nothing ran.
    #[error("snapshot {name} of {volume} refused: {refusal}")]
    Refused {
        /// Snapshot name.
        name: String,
        /// Origin volume.
        volume: String,
        /// Why.
        refusal: SnapshotRefusal,
    },
    /// The name is taken by a snapshot of another volume (CSI: ALREADY_EXISTS).
    #[error("snapshot {name} exists already, of volume {existing}, not {requested}")]
    NameTaken {
        /// Snapshot name.
        name: String,
        /// Its volume.
        existing: String,
        /// The volume asked for.
        requested: String,
    },
    /// An executor call failed (what was made is rolled back).
    #[error("{0}")]
    Exec(#[from] ExecError),
}

/// Create (or find) snapshot `name` of `volume` and activate it. An existing snapshot of
/// the same volume is returned as it is, activated if needed; of another volume, refused.
pub async fn create_snapshot(
    ex: &dyn Executor,
    host: &str,
    name: &str,
    volume: &str,
    pools: &[ThinPoolUse],
) -> Result<CsiSnapshot, CsiError> {
    let sref = SnapshotRef {
        host: host.to_string(),
        name: name.to_string(),
    };
    match ex.snapshot_info(&sref).await {
        Ok(info) if info.volume != volume => {
            return Err(CsiError::NameTaken {
                name: name.to_string(),
                existing: info.volume,
                requested: volume.to_string(),
            })
        }
        Ok(info) => {
            if !info.activated {
                ex.snapshot_activate(&sref).await?;
            }
            return Ok(CsiSnapshot {
                name: name.to_string(),
                source_volume: volume.to_string(),
                ready: true,
                charge: None,
            });
        }
        Err(ExecError::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let charge = check_snapshot(pools).map_err(|refusal| CsiError::Refused {
        name: name.to_string(),
        volume: volume.to_string(),
        refusal,
    })?;
    ex.snapshot_create(&SnapshotCreate {
        host: host.to_string(),
        name: name.to_string(),
        volume: volume.to_string(),
    })
    .await?;
    if let Err(e) = ex.snapshot_activate(&sref).await {
        let _ = ex.snapshot_delete(&sref).await;
        return Err(e.into());
    }
    Ok(CsiSnapshot {
        name: name.to_string(),
        source_volume: volume.to_string(),
        ready: true,
        charge: Some(charge),
    })
}

/// Whether snapshot `name` exists and is ready (`None` when it does not exist).
pub async fn snapshot_ready(
    ex: &dyn Executor,
    host: &str,
    name: &str,
) -> Result<Option<bool>, ExecError> {
    let sref = SnapshotRef {
        host: host.to_string(),
        name: name.to_string(),
    };
    match ex.snapshot_info(&sref).await {
        Ok(info) => Ok(Some(info.activated)),
        Err(ExecError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Restore snapshot `snapshot` as the new volume `volume` (a clone, started). The pools of
/// the origin are checked as for a snapshot (a clone lives in them too). On failure the
/// clone is stopped and deleted again.
pub async fn restore_snapshot(
    ex: &dyn Executor,
    host: &str,
    snapshot: &str,
    volume: &str,
    pools: &[ThinPoolUse],
) -> Result<Option<SnapshotCharge>, CsiError> {
    let vref = VolumeRef {
        host: host.to_string(),
        name: volume.to_string(),
    };
    let exists = match ex.volume_info(&vref).await {
        Ok(_) => true,
        Err(ExecError::NotFound { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    let sref = SnapshotRef {
        host: host.to_string(),
        name: snapshot.to_string(),
    };
    let info = ex.snapshot_info(&sref).await?;
    let charge = if exists {
        None
    } else {
        Some(check_snapshot(pools).map_err(|refusal| CsiError::Refused {
            name: volume.to_string(),
            volume: info.volume.clone(),
            refusal,
        })?)
    };
    if !info.activated {
        ex.snapshot_activate(&sref).await?;
    }
    let clone = SnapshotClone {
        host: host.to_string(),
        clone: volume.to_string(),
        snapshot: snapshot.to_string(),
    };
    let made = async {
        ex.snapshot_clone(&clone).await?;
        ex.volume_start(&vref).await
    }
    .await;
    if let Err(e) = made {
        if !exists {
            let _ = ex.volume_stop(&vref).await;
            let _ = ex.volume_delete(&vref).await;
        }
        return Err(e.into());
    }
    Ok(charge)
}

/// Delete snapshot `name` (missing is a success).
pub async fn delete_snapshot(ex: &dyn Executor, host: &str, name: &str) -> Result<(), ExecError> {
    ex.snapshot_delete(&SnapshotRef {
        host: host.to_string(),
        name: name.to_string(),
    })
    .await
}

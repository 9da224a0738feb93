//! `gluster snapshot` commands (LVM thin bricks only) and pool-wide options.
//!
//! Snapshots are named without glusterd's timestamp suffix (`no-timestamp`), so a name is
//! stable and a repeated create can be recognised.

use super::argv;
use crate::error::ExecError;
use crate::ops::{ClusterOptions, SnapshotClone, SnapshotCreate, SnapshotRef};
use crate::validate;

fn gluster(args: &[&str]) -> Vec<String> {
    let mut v = argv(["gluster", "--mode=script", "--xml"]);
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

fn snapshot_name(name: &str) -> Result<(), ExecError> {
    validate::volume_name(name)
        .map_err(|e| ExecError::InvalidRequest(format!("snapshot name: {e}")))
}

/// `snapshot create NAME VOL no-timestamp`.
pub fn create(r: &SnapshotCreate) -> Result<Vec<String>, ExecError> {
    validate::hostname(&r.host)?;
    snapshot_name(&r.name)?;
    validate::volume_name(&r.volume)?;
    Ok(gluster(&[
        "snapshot",
        "create",
        &r.name,
        &r.volume,
        "no-timestamp",
    ]))
}

fn verb(verb: &str, r: &SnapshotRef) -> Result<Vec<String>, ExecError> {
    validate::hostname(&r.host)?;
    snapshot_name(&r.name)?;
    Ok(gluster(&["snapshot", verb, &r.name]))
}

/// `snapshot activate NAME`.
pub fn activate(r: &SnapshotRef) -> Result<Vec<String>, ExecError> {
    verb("activate", r)
}

/// `snapshot deactivate NAME`.
pub fn deactivate(r: &SnapshotRef) -> Result<Vec<String>, ExecError> {
    verb("deactivate", r)
}

/// `snapshot delete NAME`.
pub fn delete(r: &SnapshotRef) -> Result<Vec<String>, ExecError> {
    verb("delete", r)
}

/// `snapshot info NAME`.
pub fn info(r: &SnapshotRef) -> Result<Vec<String>, ExecError> {
    verb("info", r)
}

/// `snapshot clone CLONE SNAP`.
pub fn clone(r: &SnapshotClone) -> Result<Vec<String>, ExecError> {
    validate::hostname(&r.host)?;
    validate::volume_name(&r.clone)?;
    snapshot_name(&r.snapshot)?;
    Ok(gluster(&["snapshot", "clone", &r.clone, &r.snapshot]))
}

/// One `volume set all KEY VALUE` per option, in order.
pub fn cluster_set(r: &ClusterOptions) -> Result<Vec<Vec<String>>, ExecError> {
    validate::hostname(&r.host)?;
    validate::options(&r.options)?;
    if r.options.is_empty() {
        return Err(ExecError::InvalidRequest(
            "cluster options: nothing to set".into(),
        ));
    }
    Ok(r.options
        .iter()
        .map(|(k, v)| gluster(&["volume", "set", "all", k, v]))
        .collect())
}

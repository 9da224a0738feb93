//! Subvolumes: directory quotas (`gluster volume quota`) and the directories themselves,
//! made through a FUSE mount of the hosting volume on a client host.

use super::{argv, Step};
use crate::error::ExecError;
use crate::ops::{QuotaLimit, VolumeDir, VolumeRef};
use crate::validate;

fn gluster(args: &[&str]) -> Vec<String> {
    let mut v = argv(["gluster", "--mode=script", "--xml"]);
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

/// `volume quota VOL enable`.
pub fn enable(r: &VolumeRef) -> Result<Vec<String>, ExecError> {
    validate::volume_ref(r)?;
    Ok(gluster(&["volume", "quota", &r.name, "enable"]))
}

/// `volume quota VOL limit-usage DIR BYTES` (sets or changes the hard limit).
pub fn limit(r: &QuotaLimit) -> Result<Vec<String>, ExecError> {
    validate::hostname(&r.host)?;
    validate::volume_name(&r.volume)?;
    validate::abs_path("quota directory", &r.dir)?;
    if r.size.bytes() == 0 {
        return Err(ExecError::InvalidRequest(format!(
            "quota of {} on volume {}: a limit of 0 bytes",
            r.dir, r.volume
        )));
    }
    let size = r.size.bytes().to_string();
    Ok(gluster(&[
        "volume",
        "quota",
        &r.volume,
        "limit-usage",
        &r.dir,
        &size,
    ]))
}

/// `volume quota VOL remove DIR`.
pub fn remove(r: &VolumeDir) -> Result<Vec<String>, ExecError> {
    validate::hostname(&r.host)?;
    validate::volume_name(&r.volume)?;
    validate::abs_path("quota directory", &r.dir)?;
    Ok(gluster(&["volume", "quota", &r.volume, "remove", &r.dir]))
}

fn checked(r: &VolumeDir) -> Result<String, ExecError> {
    validate::hostname(&r.host)?;
    validate::volume_name(&r.volume)?;
    validate::abs_path("subvolume directory", &r.dir)?;
    validate::abs_path("hosting volume mount point", &r.mount)?;
    Ok(format!("{}{}", r.mount.trim_end_matches('/'), r.dir))
}

/// Steps that FUSE-mount the hosting volume at `mount` on `host` (unless mounted already);
/// the mount stays for the next directory.
fn mount_steps(r: &VolumeDir) -> Vec<Step> {
    let source = format!("localhost:/{}", r.volume);
    vec![
        Step::always(argv(["mkdir", "-p", &r.mount])),
        Step::skip_if_ok(
            argv(["mount", "-t", "glusterfs", &source, &r.mount]),
            argv(["mountpoint", "-q", &r.mount]),
        ),
    ]
}

/// Mount the hosting volume if needed, then `mkdir -p` the subvolume's directory.
pub fn dir_create(r: &VolumeDir) -> Result<Vec<Step>, ExecError> {
    let path = checked(r)?;
    let mut steps = mount_steps(r);
    steps.push(Step::always(argv(["mkdir", "-p", &path])));
    Ok(steps)
}

/// Mount the hosting volume if needed, then remove the subvolume's directory and its data
/// (never crossing into another filesystem).
pub fn dir_delete(r: &VolumeDir) -> Result<Vec<Step>, ExecError> {
    let path = checked(r)?;
    let mut steps = mount_steps(r);
    steps.push(Step::only_if_ok(
        argv(["rm", "-rf", "--one-file-system", "--", &path]),
        argv(["test", "-e", &path]),
    ));
    Ok(steps)
}

/// `umount MOUNT` when the hosting volume is mounted there.
pub fn unmount(r: &VolumeDir) -> Result<Vec<Step>, ExecError> {
    checked(r)?;
    Ok(vec![Step::only_if_ok(
        argv(["umount", &r.mount]),
        argv(["mountpoint", "-q", &r.mount]),
    )])
}

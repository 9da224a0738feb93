//! Directory bricks on an already-mounted XFS filesystem per device (Kadalu style; works
//! where device-mapper is missing). Capacity is the planner's business.

use super::{argv, Step};
use crate::error::ExecError;
use crate::ops::{BrickCreate, DeviceInfo, DeviceSetup};
use crate::validate;

/// The brick path relative to the device's mount point; refused unless strictly below it.
fn below_mount<'a>(mount: &str, r: &'a BrickCreate) -> Result<&'a str, ExecError> {
    validate::brick_create(r)?;
    validate::abs_path("device mount point", mount)?;
    match r.path.strip_prefix(mount).and_then(|s| s.strip_prefix('/')) {
        Some(rel) if !rel.is_empty() => Ok(rel),
        _ => Err(ExecError::InvalidRequest(format!(
            "brick path {} is not below the mount point {mount} of device {}",
            r.path, r.device
        ))),
    }
}

/// Check that an XFS filesystem is mounted at `mount` (`findmnt` exits 1 when not).
pub fn device_setup(mount: &str, r: &DeviceSetup) -> Result<Vec<Step>, ExecError> {
    validate::device_setup(r)?;
    validate::abs_path("device mount point", mount)?;
    Ok(vec![Step::always(argv([
        "findmnt",
        "--noheadings",
        "--types",
        "xfs",
        "--mountpoint",
        mount,
    ]))])
}

/// Nothing to undo: the filesystem was mounted before and stays mounted.
pub fn device_teardown(mount: &str, r: &DeviceSetup) -> Result<Vec<Step>, ExecError> {
    validate::device_setup(r)?;
    validate::abs_path("device mount point", mount)?;
    Ok(Vec::new())
}

/// `stat -f` printing block size, total blocks and available blocks.
pub fn device_info(mount: &str, r: &DeviceSetup) -> Result<Vec<String>, ExecError> {
    validate::device_setup(r)?;
    validate::abs_path("device mount point", mount)?;
    Ok(argv(["stat", "--file-system", "--format=%S %b %a", mount]))
}

/// Parse the output of [`device_info`].
pub fn parse_device_info(stdout: &str) -> Option<DeviceInfo> {
    let mut it = stdout.split_whitespace().map(|s| s.parse::<u64>());
    let (Some(Ok(block)), Some(Ok(blocks)), Some(Ok(avail)), None) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    Some(DeviceInfo {
        total: gluster_model::ByteSize::b(block.checked_mul(blocks)?),
        free: gluster_model::ByteSize::b(block.checked_mul(avail)?),
        extent: gluster_model::ByteSize::b(block),
    })
}

/// `mkdir -p` of the brick directory (and the directories between it and the mount).
pub fn brick_create(mount: &str, r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    below_mount(mount, r)?;
    Ok(vec![
        Step::always(argv(["mountpoint", "-q", mount])),
        Step::always(argv(["mkdir", "-p", &r.path])),
    ])
}

/// `rm -rf` of exactly the brick directory, then each now-empty directory between it and the
/// mount point, deepest first.
pub fn brick_destroy(mount: &str, r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    let rel = below_mount(mount, r)?;
    let mut steps = vec![Step::always(argv([
        "rm",
        "-rf",
        "--one-file-system",
        "--",
        &r.path,
    ]))];
    let segments: Vec<&str> = rel.split('/').collect();
    for depth in (1..segments.len()).rev() {
        let dir = format!("{mount}/{}", segments[..depth].join("/"));
        steps.push(Step::only_if_ok(
            argv(["rmdir", "--ignore-fail-on-non-empty", "--", &dir]),
            argv(["test", "-d", &dir]),
        ));
    }
    Ok(steps)
}

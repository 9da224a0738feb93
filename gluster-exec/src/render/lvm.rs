//! The LVM thin brick recipe of Heketi and the Gluster admin guide (pvcreate with 128 MiB
//! metadata and 256 KiB alignment, vgcreate `vg_<device>`, a thin pool `tp_<brick>` with
//! 256 KiB chunks and no zeroing, a thin LV `brick_<brick>`, `mkfs.xfs -i size=512 -n
//! size=8192`, mounted `rw,inode64,noatime,nouuid`): one thin pool, thin LV, XFS filesystem and
//! mount per brick; the brick is the subdirectory `brick` of the mount.

use gluster_model::ByteSize;

use super::{argv, Step};
use crate::error::ExecError;
use crate::ops::{BrickCreate, DeviceSetup};
use crate::validate;

/// Mount options of every brick filesystem.
pub const MOUNT_OPTIONS: &str = "rw,inode64,noatime,nouuid";

/// Appends its first argument to /etc/fstab unless the exact line is there (a fixed script:
/// the line is passed as an argument, never spliced into the script).
const FSTAB_ADD: &str = r#"grep -qxF -- "$1" /etc/fstab || printf '%s\n' "$1" >> /etc/fstab"#;

/// Removes every line equal to its first argument from /etc/fstab (fixed script, as above).
const FSTAB_REMOVE: &str = r#"if grep -qxF -- "$1" /etc/fstab; then { grep -vxF -- "$1" /etc/fstab || [ $? -eq 1 ]; } > /etc/fstab.gluster-exec && cat /etc/fstab.gluster-exec > /etc/fstab && rm -f /etc/fstab.gluster-exec; fi"#;

/// Names LVM objects of one brick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrickNames {
    /// `vg_<device-id>`.
    pub vg: String,
    /// `tp_<brick-id>`.
    pub pool: String,
    /// `brick_<brick-id>`.
    pub lv: String,
    /// `/dev/vg_<device-id>/brick_<brick-id>`.
    pub device: String,
    /// Mount point: the parent of the brick path.
    pub mount: String,
}

/// The LVM names of a brick and its mount point (the brick path's parent).
pub fn brick_names(r: &BrickCreate) -> Result<BrickNames, ExecError> {
    validate::brick_create(r)?;
    let vg = vg_name(r.device_id);
    let pool = format!("tp_{}", r.brick_id);
    let lv = format!("brick_{}", r.brick_id);
    let mount = match r.path.rsplit_once('/') {
        Some((parent, _)) if !parent.is_empty() => parent.to_string(),
        _ => {
            return Err(ExecError::InvalidRequest(format!(
                "brick path {} must be a subdirectory of the brick's mount point",
                r.path
            )))
        }
    };
    Ok(BrickNames {
        device: format!("/dev/{vg}/{lv}"),
        vg,
        pool,
        lv,
        mount,
    })
}

/// `vg_<device-id>`.
pub fn vg_name(id: gluster_model::DeviceId) -> String {
    format!("vg_{id}")
}

/// An LVM size argument in KiB, rounded up (plans are extent-aligned, so exact).
fn kib(size: ByteSize) -> String {
    format!("{}K", size.bytes().div_ceil(1024))
}

/// `pvcreate` and `vgcreate`, each skipped when already done.
pub fn device_setup(r: &DeviceSetup) -> Result<Vec<Step>, ExecError> {
    validate::device_setup(r)?;
    let vg = vg_name(r.device_id);
    Ok(vec![
        Step::skip_if_ok(
            argv([
                "pvcreate",
                "--metadatasize=128M",
                "--dataalignment=256K",
                &r.device,
            ]),
            argv(["pvs", &r.device]),
        ),
        Step::skip_if_ok(argv(["vgcreate", &vg, &r.device]), argv(["vgs", &vg])),
    ])
}

/// `vgremove` (refused by LVM while bricks remain) and `pvremove`, each only when present.
pub fn device_teardown(r: &DeviceSetup) -> Result<Vec<Step>, ExecError> {
    validate::device_setup(r)?;
    let vg = vg_name(r.device_id);
    Ok(vec![
        Step::only_if_ok(argv(["vgremove", &vg]), argv(["vgs", &vg])),
        Step::only_if_ok(argv(["pvremove", &r.device]), argv(["pvs", &r.device])),
    ])
}

/// `vgs` printing `size:free:extent` in bytes.
pub fn device_info(r: &DeviceSetup) -> Result<Vec<String>, ExecError> {
    validate::device_setup(r)?;
    Ok(argv([
        "vgs",
        "--noheadings",
        "--units",
        "b",
        "--nosuffix",
        "--separator",
        ":",
        "-o",
        "vg_size,vg_free,vg_extent_size",
        &vg_name(r.device_id),
    ]))
}

/// The `/etc/fstab` line of a brick.
pub fn fstab_line(names: &BrickNames) -> String {
    format!("{} {} xfs {MOUNT_OPTIONS} 1 2", names.device, names.mount)
}

/// Thin pool, thin LV, XFS, mount point, mount, fstab line, brick directory.
pub fn brick_create(r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    let n = brick_names(r)?;
    let pool_path = format!("{}/{}", n.vg, n.pool);
    let lv_path = format!("{}/{}", n.vg, n.lv);
    let inode_opts = if r.arbiter {
        "size=512,maxpct=100"
    } else {
        "size=512"
    };
    Ok(vec![
        Step::skip_if_ok(
            argv([
                "lvcreate",
                "--thin",
                &pool_path,
                "--size",
                &kib(r.pool_size),
                "--poolmetadatasize",
                &kib(r.metadata_size),
                "--chunksize",
                "256K",
                "--zero",
                "n",
            ]),
            argv(["lvs", &pool_path]),
        ),
        Step::skip_if_ok(
            argv([
                "lvcreate",
                "--thin",
                "--virtualsize",
                &kib(r.size),
                "--name",
                &n.lv,
                &pool_path,
            ]),
            argv(["lvs", &lv_path]),
        ),
        Step::skip_if_ok(
            argv(["mkfs.xfs", "-i", inode_opts, "-n", "size=8192", &n.device]),
            argv(["blkid", "-o", "value", "-s", "TYPE", &n.device]),
        ),
        Step::always(argv(["mkdir", "-p", &n.mount])),
        Step::skip_if_ok(
            argv(["mount", "-o", MOUNT_OPTIONS, &n.device, &n.mount]),
            argv(["mountpoint", "-q", &n.mount]),
        ),
        Step::always(argv([
            "sh",
            "-c",
            FSTAB_ADD,
            "gluster-exec-fstab",
            &fstab_line(&n),
        ])),
        Step::always(argv(["mkdir", "-p", &r.path])),
    ])
}

/// Grow in place: pool metadata, pool, thin LV, then the filesystem. `lvextend` to a size
/// that is not larger fails with "matches existing size" or "not larger than existing size";
/// the command executor takes that as done (so a repeated grow is a success).
pub fn brick_grow(r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    let n = brick_names(r)?;
    let pool_path = format!("{}/{}", n.vg, n.pool);
    let lv_path = format!("{}/{}", n.vg, n.lv);
    Ok(vec![
        Step::always(argv([
            "lvextend",
            "--poolmetadatasize",
            &kib(r.metadata_size),
            &pool_path,
        ])),
        Step::always(argv(["lvextend", "--size", &kib(r.pool_size), &pool_path])),
        Step::always(argv(["lvextend", "--size", &kib(r.size), &lv_path])),
        Step::always(argv(["xfs_growfs", &n.mount])),
    ])
}

/// The reverse: unmount, fstab line, mount point, thin LV, thin pool.
pub fn brick_destroy(r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    let n = brick_names(r)?;
    let pool_path = format!("{}/{}", n.vg, n.pool);
    let lv_path = format!("{}/{}", n.vg, n.lv);
    Ok(vec![
        Step::only_if_ok(
            argv(["umount", &n.mount]),
            argv(["mountpoint", "-q", &n.mount]),
        ),
        Step::always(argv([
            "sh",
            "-c",
            FSTAB_REMOVE,
            "gluster-exec-fstab",
            &fstab_line(&n),
        ])),
        Step::only_if_ok(argv(["rmdir", &n.mount]), argv(["test", "-d", &n.mount])),
        Step::only_if_ok(argv(["lvremove", "-f", &lv_path]), argv(["lvs", &lv_path])),
        Step::only_if_ok(
            argv(["lvremove", "-f", &pool_path]),
            argv(["lvs", &pool_path]),
        ),
    ])
}

/// Parse `vgs` output of [`device_info`]: `size:free:extent` in bytes.
pub fn parse_device_info(stdout: &str) -> Option<crate::ops::DeviceInfo> {
    let mut it = stdout.trim().split(':').map(|s| s.trim().parse::<u64>());
    let (Some(Ok(total)), Some(Ok(free)), Some(Ok(extent)), None) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    Some(crate::ops::DeviceInfo {
        total: ByteSize::b(total),
        free: ByteSize::b(free),
        extent: ByteSize::b(extent),
    })
}

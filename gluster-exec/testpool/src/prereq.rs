//! The machine must offer what a real pool needs; say loudly what is missing.

use std::path::Path;

use super::cmd::run_any;
use super::PoolError;

/// Programs the harness and glusterd need, with the package that brings each.
const PROGRAMS: &[(&str, &str)] = &[
    ("glusterd", "glusterfs-server"),
    ("gluster", "glusterfs-server"),
    ("mkfs.xfs", "xfsprogs"),
    ("losetup", "mount"),
    ("ip", "iproute2"),
    ("nsenter", "util-linux"),
    ("unshare", "util-linux"),
    ("truncate", "coreutils"),
];

/// Check root, programs, /dev/fuse, network namespaces and XFS on a loop device.
///
/// Returns every problem at once, so a CI log names all of them.
pub fn check_prerequisites() -> Result<(), PoolError> {
    let mut missing = Vec::new();
    if !is_root() {
        missing.push("not running as root (namespaces, loop devices and mounts need root)".into());
    }
    for (program, package) in PROGRAMS {
        if !on_path(program) {
            missing.push(format!(
                "`{program}` not found: install the `{package}` package"
            ));
        }
    }
    if !Path::new("/dev/fuse").exists() {
        missing.push("/dev/fuse is missing: the FUSE client cannot mount volumes".into());
    }
    if !Path::new("/var/lib/glusterd").is_dir() || !Path::new("/var/log/glusterfs").is_dir() {
        missing.push(
            "/var/lib/glusterd or /var/log/glusterfs is missing: install glusterfs-server".into(),
        );
    }
    if missing.is_empty() && is_root() {
        if let Err(e) = run_any(&["ip", "netns", "list"]).map(|r| r.status) {
            missing.push(format!("`ip netns` does not work: {e}"));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(PoolError::Prerequisites(missing))
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|u| u.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

fn on_path(program: &str) -> bool {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/sbin", "/sbin"])
        .any(|dir| Path::new(dir).join(program).is_file());
    found
}

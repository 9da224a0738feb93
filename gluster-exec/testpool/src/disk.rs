//! "Disks": sparse files on loop devices, formatted XFS and mounted inside a node.

use std::path::{Path, PathBuf};

use gluster_model::{ByteSize, DeviceId};

use super::cmd::{run, run_any};
use super::PoolError;

/// One XFS-formatted loop device mounted in a node's mount namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    /// Device id in the pool's model.
    pub id: DeviceId,
    /// The loop device, e.g. `/dev/loop3` (the model's device name).
    pub loop_device: String,
    /// The sparse backing file in the root namespace.
    pub image: PathBuf,
    /// Mount point inside the node: `<brick root>/vg_<id>`, where plans put bricks.
    pub mount: String,
    /// Size of the XFS filesystem (block size x blocks).
    pub size: ByteSize,
}

/// Create a sparse `image` of `size` bytes, attach it to a free loop device and format it.
/// Returns the loop device.
pub fn create_loop_xfs(image: &Path, size: u64) -> Result<String, PoolError> {
    let image_s = image.display().to_string();
    run(&["truncate", "-s", &size.to_string(), &image_s])?;
    let loop_device = run(&["losetup", "--find", "--show", &image_s])?
        .trim()
        .to_string();
    if let Err(e) = run(&["mkfs.xfs", "-q", "-f", "-i", "size=512", &loop_device]) {
        detach_loop(&loop_device);
        return Err(e);
    }
    Ok(loop_device)
}

/// Detach a loop device (a busy one is detached by the kernel once released).
pub fn detach_loop(loop_device: &str) -> bool {
    run_any(&["losetup", "-d", loop_device]).is_ok_and(|r| r.status == 0)
}

/// Loop devices whose backing file lies under `dir`, as `(device, file)`.
pub fn loops_under(dir: &Path) -> Vec<(String, String)> {
    let dir = dir.display().to_string();
    run_any(&[
        "losetup",
        "--list",
        "--noheadings",
        "--output",
        "NAME,BACK-FILE",
    ])
    .map(|r| {
        r.stdout
            .lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                Some((it.next()?.to_string(), it.next()?.to_string()))
            })
            .filter(|(_, file)| file.starts_with(&dir))
            .collect()
    })
    .unwrap_or_default()
}

/// Parse `stat --file-system --format='%S %b'` into the filesystem size.
pub fn parse_fs_size(stdout: &str) -> Option<ByteSize> {
    let mut it = stdout.split_whitespace().map(|s| s.parse::<u64>().ok());
    let (Some(Some(block)), Some(Some(blocks))) = (it.next(), it.next()) else {
        return None;
    };
    Some(ByteSize::b(block.checked_mul(blocks)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filesystem_size_is_block_size_times_blocks() {
        assert_eq!(
            parse_fs_size("4096 2096635\n"),
            Some(ByteSize::b(4096 * 2_096_635))
        );
        assert_eq!(parse_fs_size("4096"), None);
        assert_eq!(parse_fs_size("x 1"), None);
    }
}

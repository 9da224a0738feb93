//! Device resync: make LVM or the filesystem take a device's new size, then read it.

use super::{argv, Backend, Step};
use crate::error::ExecError;
use crate::ops::DeviceResync;
use crate::validate;

/// The step that makes the new size usable: `pvresize DEVICE` (LVM) or `xfs_growfs MOUNT`
/// (directory bricks); read the size afterwards with [`super::device_info`].
pub fn resync(backend: &Backend, r: &DeviceResync) -> Result<Vec<Step>, ExecError> {
    validate::device_setup(&r.device)?;
    match backend {
        Backend::LvmThin => Ok(vec![Step::always(argv(["pvresize", &r.device.device]))]),
        Backend::Directory(m) => {
            let mount = m.mount_for(&r.device)?;
            validate::abs_path("device mount point", &mount)?;
            Ok(vec![Step::always(argv(["xfs_growfs", &mount]))])
        }
    }
}

//! Which brick backend a command executor renders for.

use std::collections::BTreeMap;

use gluster_model::DeviceId;

use crate::error::ExecError;
use crate::ops::{BrickCreate, DeviceSetup};
use crate::validate;

/// How bricks are made on a device: a closed set, so an enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// LVM thin pool and XFS filesystem per brick (Heketi's recipe; needs device-mapper).
    LvmThin,
    /// Directories on one already-mounted XFS filesystem per device.
    Directory(DirectoryMounts),
}

/// Where each device's XFS filesystem is mounted, for the directory backend.
///
/// A device has an explicit mount point, or else `<root>/vg_<device-id>` under the default
/// root: the directory a placement plan's Heketi-style brick paths
/// (`<root>/vg_<device>/brick_<brick>/brick`) already point into.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectoryMounts {
    root: Option<String>,
    devices: BTreeMap<DeviceId, String>,
}

impl DirectoryMounts {
    /// Devices are mounted at `<root>/vg_<device-id>`.
    pub fn under_root(root: impl Into<String>) -> Self {
        DirectoryMounts {
            root: Some(root.into().trim_end_matches('/').to_string()),
            devices: BTreeMap::new(),
        }
    }

    /// No default root: every device needs [`DirectoryMounts::device`].
    pub fn explicit() -> Self {
        Self::default()
    }

    /// Device `id` is mounted at `mount`.
    pub fn device(mut self, id: DeviceId, mount: impl Into<String>) -> Self {
        self.devices.insert(id, mount.into());
        self
    }

    /// The mount point of a device (validated).
    pub fn mount_of(&self, id: DeviceId) -> Result<String, ExecError> {
        let mount = match (self.devices.get(&id), &self.root) {
            (Some(m), _) => m.clone(),
            (None, Some(root)) => format!("{root}/{}", super::lvm::vg_name(id)),
            (None, None) => {
                return Err(ExecError::InvalidRequest(format!(
                    "no mount point is configured for device {id}"
                )))
            }
        };
        validate::abs_path("device mount point", &mount)?;
        Ok(mount)
    }

    pub(crate) fn mount_for(&self, r: &DeviceSetup) -> Result<String, ExecError> {
        self.mount_of(r.device_id)
    }

    pub(crate) fn mount_for_brick(&self, r: &BrickCreate) -> Result<String, ExecError> {
        self.mount_of(r.device_id)
    }
}

impl Backend {
    /// Refuses a `brick_mount_root` (the `PlacementSettings` one plans' brick paths are
    /// built under) that is not the root this backend mounts devices under: a directory
    /// backend with a default root must have the same one. LVM mounts each brick at its own
    /// path, so it agrees with every root.
    pub fn check_mount_root(&self, brick_mount_root: &str) -> Result<(), ExecError> {
        match self {
            Backend::Directory(DirectoryMounts {
                root: Some(root), ..
            }) if root != brick_mount_root.trim_end_matches('/') => {
                Err(ExecError::InvalidRequest(format!(
                    "the placement settings' brick_mount_root {brick_mount_root} is not the \
                     directory backend's mount root {root}: bricks would be made outside \
                     their devices' filesystems (configure one root for both)"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Refuses a plan with a brick whose path is not below its device's mount point (see
    /// [`crate::Executor::check_plan`]).
    pub fn check_plan(&self, plan: &gluster_placement::Plan) -> Result<(), ExecError> {
        let Backend::Directory(mounts) = self else {
            return Ok(());
        };
        for (i, b) in plan.bricks.iter().enumerate() {
            let mount = mounts.mount_of(b.device_id)?;
            let below = b
                .path
                .strip_prefix(&mount)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rel| !rel.is_empty());
            if !below {
                return Err(ExecError::InvalidRequest(format!(
                    "brick {} (bricks[{i}]) path {} is not below the mount point {mount} of \
                     device {} on {}: the plan's brick_mount_root and the directory \
                     backend's mounts disagree",
                    b.id, b.path, b.device, b.node
                )));
            }
        }
        Ok(())
    }
}

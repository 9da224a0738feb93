//! Device resync: a device re-read at a new size (Heketi's `device resync`).

use crate::entity::Device;
use crate::error::ModelError;
use crate::id::DeviceId;
use crate::model::Model;
use crate::size::ByteSize;

impl Model {
    /// Sets a device's size to what was re-read from it (`pvresize` and `vgs`, or the
    /// filesystem's size after `xfs_growfs`). Growing always succeeds; a size below the
    /// space its bricks take is refused, naming the device and the bricks, and changes
    /// nothing. Returns the device as it was.
    pub fn resize_device(&mut self, id: DeviceId, total: ByteSize) -> Result<Device, ModelError> {
        let device = self.devices.get(&id).ok_or(ModelError::UnknownDevice(id))?;
        if total < device.used {
            return Err(ModelError::DeviceShrunk {
                device: id,
                total,
                used: device.used,
                bricks: self.bricks_on(id).map(|b| b.id).collect(),
            });
        }
        let before = device.clone();
        if let Some(d) = self.devices.get_mut(&id) {
            d.total = total;
        }
        Ok(before)
    }
}

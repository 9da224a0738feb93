//! gluster-block commands (rendered only here: the binary is not on every host).

use gluster_model::ByteSize;

use super::argv;
use crate::error::ExecError;
use crate::ops::{BlockVolumeCreate, BlockVolumeDelete};
use crate::validate;

/// A size as gluster-block reads it: whole GiB when exact, else bytes.
fn size_arg(size: ByteSize) -> String {
    const GIB: u64 = 1 << 30;
    if size.bytes().is_multiple_of(GIB) {
        format!("{}GiB", size.bytes() / GIB)
    } else {
        size.bytes().to_string()
    }
}

/// `gluster-block create HOSTVOL/NAME ha N HOST,HOST,... SIZE --json`.
pub fn create(r: &BlockVolumeCreate) -> Result<Vec<String>, ExecError> {
    validate::block_volume_create(r)?;
    Ok(argv([
        "gluster-block".to_string(),
        "create".to_string(),
        format!("{}/{}", r.hosting_volume, r.name),
        "ha".to_string(),
        r.ha_hosts.len().to_string(),
        r.ha_hosts.join(","),
        size_arg(r.size),
        "--json".to_string(),
    ]))
}

/// `gluster-block delete HOSTVOL/NAME --json`.
pub fn delete(r: &BlockVolumeDelete) -> Result<Vec<String>, ExecError> {
    validate::block_volume_delete(r)?;
    Ok(argv([
        "gluster-block".to_string(),
        "delete".to_string(),
        format!("{}/{}", r.hosting_volume, r.name),
        "--json".to_string(),
    ]))
}

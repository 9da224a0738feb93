//! The family's rules (`crate::valid`) applied to a document's fields at load, each
//! refusal naming the JSON path: names and paths that would reach a command are checked
//! once, here, not when a command is rendered.

use super::ImportError;
use crate::tags::{Tags, ARBITER_TAG};
use crate::valid::{
    check_tags, BlockVolumeName, BrickPath, DevicePath, HostName, InvalidValue, VolumeName,
};

fn at(path: String, r: Result<(), InvalidValue>) -> Result<(), ImportError> {
    r.map_err(|e| ImportError::invalid(path, e.to_string()))
}

/// [`at`] with the path built only on error (loads check millions of fields).
fn at_with(path: impl FnOnce() -> String, r: Result<(), InvalidValue>) -> Result<(), ImportError> {
    r.map_err(|e| ImportError::invalid(path(), e.to_string()))
}

/// A node's hostnames, zone and tags. `path` is the node's JSON path; `fields` the names of
/// its manage, storage, zone and tags fields in this format.
pub(super) fn node(
    path: impl Fn() -> String,
    fields: [&str; 4],
    manage: &str,
    storage: &str,
    zone: u32,
    tags: Option<&Tags>,
) -> Result<(), ImportError> {
    at_with(
        || format!("{}.{}", path(), fields[0]),
        HostName::check(manage),
    )?;
    at_with(
        || format!("{}.{}", path(), fields[1]),
        HostName::check(storage),
    )?;
    if zone == 0 {
        return Err(ImportError::invalid(
            format!("{}.{}", path(), fields[2]),
            format!("node {manage:?} is in zone 0: zones count from 1"),
        ));
    }
    self::tags(|| format!("{}.{}", path(), fields[3]), tags)
}

/// A device's name and tags (`path` is built only on error).
pub(super) fn device(
    path: impl Fn() -> String,
    name: &str,
    tags: Option<&Tags>,
) -> Result<(), ImportError> {
    at_with(|| format!("{}.name", path()), DevicePath::check(name))?;
    self::tags(|| format!("{}.tags", path()), tags)
}

/// Tag keys and values, and the `arbiter` tag's value (a misspelt `requird` would be
/// read as the default, `supported`).
pub(super) fn tags(path: impl Fn() -> String, tags: Option<&Tags>) -> Result<(), ImportError> {
    let Some(tags) = tags else {
        return Ok(());
    };
    at_with(&path, check_tags(tags))?;
    match tags.get(ARBITER_TAG).map(String::as_str) {
        None | Some("required" | "supported" | "disabled") => Ok(()),
        Some(other) => Err(ImportError::invalid(
            format!("{}.{ARBITER_TAG}", path()),
            format!("{other:?} is not an arbiter tag value: use required, supported or disabled"),
        )),
    }
}

/// A volume name.
pub(super) fn volume_name(path: String, name: &str) -> Result<(), ImportError> {
    at(path, VolumeName::check(name))
}

/// A block volume name.
pub(super) fn block_volume_name(path: String, name: &str) -> Result<(), ImportError> {
    at(path, BlockVolumeName::check(name))
}

/// A brick's directory.
pub(super) fn brick_path(path: String, dir: &str) -> Result<(), ImportError> {
    at(path, BrickPath::check(dir))
}

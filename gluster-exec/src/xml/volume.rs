//! `volume info`, `volume list` and `volume heal ... info` answers.

use super::status::parse_success;
use super::tree::Element;
use super::XmlError;
use crate::ops::{BrickAddress, HealBrick, HealInfo, VolumeInfo, VolumeInfoBrick, VolumeStatus};

/// Split gluster's `host:/path` brick name.
fn brick_address(name: &str) -> Result<BrickAddress, XmlError> {
    match name.split_once(':') {
        Some((host, path)) if !host.is_empty() && path.starts_with('/') => Ok(BrickAddress {
            host: host.to_string(),
            path: path.to_string(),
        }),
        _ => Err(XmlError::Malformed(format!(
            "brick name {name:?} is not host:/path"
        ))),
    }
}

fn status(volume: &Element) -> Result<VolumeStatus, XmlError> {
    match volume.text_of("statusStr") {
        Some("Created") => Ok(VolumeStatus::Created),
        Some("Started") => Ok(VolumeStatus::Started),
        Some("Stopped") => Ok(VolumeStatus::Stopped),
        other => Err(XmlError::Malformed(format!(
            "unknown volume status {other:?}"
        ))),
    }
}

fn volume(v: &Element) -> Result<VolumeInfo, XmlError> {
    let name = v
        .text_of("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| XmlError::Malformed("volume without a name".into()))?;
    let bricks = v
        .child("bricks")
        .map(|bs| {
            bs.children("brick")
                .map(|b| {
                    let name = b
                        .text_of("name")
                        .ok_or_else(|| XmlError::Malformed("brick without a name".into()))?;
                    Ok(VolumeInfoBrick {
                        address: brick_address(name)?,
                        arbiter: b.text_of("isArbiter") == Some("1"),
                    })
                })
                .collect::<Result<Vec<_>, XmlError>>()
        })
        .transpose()?
        .unwrap_or_default();
    let options = v
        .child("options")
        .map(|os| {
            os.children("option")
                .map(|o| {
                    (
                        o.text_of("name").unwrap_or("").to_string(),
                        o.text_of("value").unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(VolumeInfo {
        name: name.to_string(),
        status: status(v)?,
        type_name: v.text_of("typeStr").unwrap_or("").to_string(),
        bricks,
        replica_count: v.number("replicaCount")?,
        arbiter_count: v.number("arbiterCount").unwrap_or(0),
        disperse_count: v.number("disperseCount").unwrap_or(0),
        redundancy_count: v.number("redundancyCount").unwrap_or(0),
        options,
    })
}

/// Parse `volume info [NAME]`: every volume described (none is an empty list).
pub fn parse_volume_info(xml: &str) -> Result<Vec<VolumeInfo>, XmlError> {
    let root = parse_success(xml)?;
    let volumes = root
        .at("volInfo/volumes")
        .ok_or_else(|| XmlError::Malformed("no <volInfo><volumes>".into()))?;
    volumes.children("volume").map(volume).collect()
}

/// Parse `volume list`: the volume names.
pub fn parse_volume_list(xml: &str) -> Result<Vec<String>, XmlError> {
    let root = parse_success(xml)?;
    let list = root
        .child("volList")
        .ok_or_else(|| XmlError::Malformed("no <volList>".into()))?;
    Ok(list
        .children("volume")
        .map(|v| v.text.trim().to_string())
        .collect())
}

/// Parse `volume heal NAME info` (or `info summary`): per brick, connected and pending.
pub fn parse_heal_info(xml: &str) -> Result<HealInfo, XmlError> {
    let root = parse_success(xml)?;
    let bricks = root
        .at("healInfo/bricks")
        .ok_or_else(|| XmlError::Malformed("no <healInfo><bricks>".into()))?;
    let bricks = bricks
        .children("brick")
        .map(|b| {
            let name = b
                .text_of("name")
                .ok_or_else(|| XmlError::Malformed("heal brick without a name".into()))?;
            let pending = b
                .text_of("numberOfEntries")
                .or_else(|| b.text_of("totalNumberOfEntries"))
                .and_then(|n| n.parse().ok());
            Ok(HealBrick {
                address: brick_address(name)?,
                connected: b.text_of("status") == Some("Connected"),
                pending,
            })
        })
        .collect::<Result<Vec<_>, XmlError>>()?;
    Ok(HealInfo { bricks })
}

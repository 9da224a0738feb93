//! `snapshot info NAME` answers.

use super::status::parse_success;
use super::tree::Element;
use super::XmlError;
use crate::ops::SnapshotInfo;

/// Every element named `name` below `e`, depth first.
fn find_all<'a>(e: &'a Element, name: &str, out: &mut Vec<&'a Element>) {
    for c in &e.children {
        if c.name == name {
            out.push(c);
        }
        find_all(c, name, out);
    }
}

/// Parse `snapshot info` into the snapshots it lists: name, origin volume, and whether its
/// snapshot volume is started (activated).
pub fn parse_snapshot_info(xml: &str) -> Result<Vec<SnapshotInfo>, XmlError> {
    let root = parse_success(xml)?;
    let mut snaps = Vec::new();
    find_all(&root, "snapshot", &mut snaps);
    snaps
        .into_iter()
        .filter(|s| s.child("name").is_some())
        .map(|s| {
            let name = s
                .text_of("name")
                .filter(|n| !n.is_empty())
                .ok_or_else(|| XmlError::Malformed("snapshot without a name".into()))?;
            let vol = s
                .child("snapVolume")
                .ok_or_else(|| XmlError::Malformed(format!("snapshot {name}: no <snapVolume>")))?;
            let volume = vol
                .at("originVolume/name")
                .map(|e| e.text.trim())
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    XmlError::Malformed(format!("snapshot {name}: no origin volume name"))
                })?;
            let activated = match vol.text_of("status") {
                Some("Started") => true,
                Some("Stopped") | Some("Created") => false,
                other => {
                    return Err(XmlError::Malformed(format!(
                        "snapshot {name}: unknown status {other:?}"
                    )))
                }
            };
            Ok(SnapshotInfo {
                name: name.to_string(),
                volume: volume.to_string(),
                activated,
            })
        })
        .collect()
}

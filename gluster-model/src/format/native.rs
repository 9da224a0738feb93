//! This crate's own versioned JSON format.

use serde::{Deserialize, Serialize};

use super::{parse_with_path, require_consistent, ImportError};
use crate::data::{Snapshot, Subvolume, VolumeClone};
use crate::entity::{BlockVolume, Brick, Cluster, Device, Node, Volume};
use crate::model::Model;

/// The `format` tag of a native document.
pub const NATIVE_FORMAT: &str = "gluster-model";
/// The version written; documents of a newer version are refused.
pub const NATIVE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: u32,
    #[serde(default)]
    clusters: Vec<Cluster>,
    #[serde(default)]
    nodes: Vec<Node>,
    #[serde(default)]
    devices: Vec<Device>,
    #[serde(default)]
    volumes: Vec<Volume>,
    #[serde(default)]
    bricks: Vec<Brick>,
    #[serde(default)]
    block_volumes: Vec<BlockVolume>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    snapshots: Vec<Snapshot>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    clones: Vec<VolumeClone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    subvolumes: Vec<Subvolume>,
}

/// Writes a model as a native JSON document (pretty-printed, deterministic).
pub fn to_native_json(model: &Model) -> String {
    let doc = Document {
        format: NATIVE_FORMAT.to_string(),
        version: NATIVE_VERSION,
        clusters: model.clusters().cloned().collect(),
        nodes: model.nodes().cloned().collect(),
        devices: model.devices().cloned().collect(),
        volumes: model.volumes().cloned().collect(),
        bricks: model.bricks().cloned().collect(),
        block_volumes: model.block_volumes().cloned().collect(),
        snapshots: model.snapshots().cloned().collect(),
        clones: model.clones().cloned().collect(),
        subvolumes: model.subvolumes().cloned().collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Reads a native JSON document; refuses duplicates and inconsistent state, naming them.
pub fn from_native_json(json: &str) -> Result<Model, ImportError> {
    let doc: Document = parse_with_path(json)?;
    if doc.format != NATIVE_FORMAT {
        return Err(ImportError::invalid(
            "format",
            format!("expected {NATIVE_FORMAT:?}, got {:?}", doc.format),
        ));
    }
    if doc.version == 0 || doc.version > NATIVE_VERSION {
        return Err(ImportError::invalid(
            "version",
            format!(
                "version {} is not supported (this build reads 1 to {NATIVE_VERSION})",
                doc.version
            ),
        ));
    }
    let mut hosts = super::hosts::HostAddresses::default();
    for (i, n) in doc.nodes.iter().enumerate() {
        hosts.add(
            &n.manage_hostname,
            &n.storage_hostname,
            ["manage_hostname", "storage_hostname"],
            || format!("nodes[{i}]"),
        )?;
        super::fields::node(
            || format!("nodes[{i}]"),
            ["manage_hostname", "storage_hostname", "zone", "tags"],
            &n.manage_hostname,
            &n.storage_hostname,
            n.zone.0,
            Some(&n.tags),
        )?;
    }
    for (i, d) in doc.devices.iter().enumerate() {
        super::fields::device(|| format!("devices[{i}]"), &d.name, Some(&d.tags))?;
    }
    for (i, v) in doc.volumes.iter().enumerate() {
        super::fields::volume_name(format!("volumes[{i}].name"), &v.name)?;
    }
    for (i, b) in doc.bricks.iter().enumerate() {
        super::fields::brick_path(format!("bricks[{i}].path"), &b.path)?;
    }
    for (i, b) in doc.block_volumes.iter().enumerate() {
        super::fields::block_volume_name(format!("block_volumes[{i}].name"), &b.name)?;
    }
    let mut m = Model::new();
    macro_rules! fill {
        ($field:ident, $map:ident, $kind:literal) => {
            for (i, e) in doc.$field.into_iter().enumerate() {
                if m.$map.insert(e.id, e).is_some() {
                    return Err(ImportError::invalid(
                        format!("{}[{i}].id", stringify!($field)),
                        concat!("duplicate ", $kind, " id"),
                    ));
                }
            }
        };
    }
    fill!(clusters, clusters, "cluster");
    fill!(nodes, nodes, "node");
    fill!(devices, devices, "device");
    fill!(volumes, volumes, "volume");
    fill!(bricks, bricks, "brick");
    fill!(block_volumes, block_volumes, "block volume");
    let mut m = require_consistent(m)?;
    crate::model_data::restore(&mut m, doc.snapshots, doc.clones, doc.subvolumes)
        .map_err(|(at, e)| ImportError::invalid(at, e.to_string()))?;
    Ok(m)
}

//! Heketi's topology load file (`heketi-cli topology load --json=FILE`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{parse_with_path, require_consistent, ImportError};
use crate::entity::{Cluster, Device, Node, Zone};
use crate::id::{ClusterId, DeviceId, NodeId};
use crate::model::Model;
use crate::size::ByteSize;
use crate::sizing::DEFAULT_EXTENT_SIZE;
use crate::state::EntityState;
use crate::tags::Tags;

/// Device sizes for a load file, which carries none (Heketi learned them from LVM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeketiLoadOptions {
    /// Size of every device without a size of its own.
    pub default_device_size: Option<ByteSize>,
    /// Sizes by `"<manage host>:<device name>"` or by device name alone (for every node).
    pub device_sizes: BTreeMap<String, ByteSize>,
}

impl HeketiLoadOptions {
    /// Options giving every device the same size.
    pub fn with_default_size(size: ByteSize) -> Self {
        HeketiLoadOptions {
            default_device_size: Some(size),
            device_sizes: BTreeMap::new(),
        }
    }

    fn size_for(&self, host: &str, device: &str) -> Option<ByteSize> {
        if self.device_sizes.is_empty() {
            return self.default_device_size;
        }
        self.device_sizes
            .get(&format!("{host}:{device}"))
            .or_else(|| self.device_sizes.get(device))
            .copied()
            .or(self.default_device_size)
    }
}

#[derive(Deserialize)]
struct LoadFile {
    clusters: Vec<LoadCluster>,
}

#[derive(Deserialize)]
struct LoadCluster {
    nodes: Vec<LoadNode>,
    #[serde(default)]
    block: Option<bool>,
    #[serde(default)]
    file: Option<bool>,
}

#[derive(Deserialize)]
struct LoadNode {
    node: LoadNodeInfo,
    #[serde(default)]
    devices: Vec<LoadDevice>,
}

#[derive(Deserialize)]
struct LoadNodeInfo {
    hostnames: Hostnames,
    zone: u32,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Deserialize)]
pub(super) struct Hostnames {
    pub(super) manage: Vec<String>,
    pub(super) storage: Vec<String>,
}

/// A device of a load file: its name alone, or an object with a `"name"`.
enum LoadDevice {
    Name(String),
    Full(LoadDeviceObject),
}

#[derive(Deserialize)]
struct LoadDeviceObject {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    destroydata: Option<bool>,
    #[serde(default)]
    tags: Option<Tags>,
    /// An extension: the device size with a unit, e.g. `"2TiB"`.
    #[serde(default)]
    size: Option<String>,
}

// By hand rather than `#[serde(untagged)]`: untagged buffers every device into an
// intermediate tree and tries each form in turn, which was the largest cost of loading a
// 10,000-device file. The JSON type says which form it is.
impl<'de> Deserialize<'de> for LoadDevice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = LoadDevice;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a device name or an object with a \"name\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<LoadDevice, E> {
                Ok(LoadDevice::Name(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<LoadDevice, E> {
                Ok(LoadDevice::Name(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<LoadDevice, A::Error> {
                let object = LoadDeviceObject::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(LoadDevice::Full(object))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Imports a Heketi topology load file. Each device gets the size it carries (an extension
/// field `"size": "2TiB"`), else one from `options`; a device left without a size is an error.
/// Ids are derived from hostnames and device names, so the same file gives the same ids.
///
/// ```
/// use gluster_model::{import_heketi_load, ByteSize, HeketiLoadOptions};
/// let json = r#"{"clusters":[{"nodes":[{"node":{"hostnames":{"manage":["h1"],"storage":["192.0.2.1"]},"zone":1},
///                "devices":["/dev/sdb"]}]}]}"#;
/// let m = import_heketi_load(json, &HeketiLoadOptions::with_default_size(ByteSize::tib(1))).unwrap();
/// assert_eq!(m.devices().next().unwrap().total, ByteSize::tib(1));
/// ```
pub fn import_heketi_load(json: &str, options: &HeketiLoadOptions) -> Result<Model, ImportError> {
    let file: LoadFile = parse_with_path(json)?;
    let mut m = Model::new();
    // Addresses seen so far (a scan of the model per node would be quadratic).
    let mut hosts = super::hosts::HostAddresses::default();
    let nodes = file.clusters.iter().map(|c| c.nodes.len()).sum();
    let devices = file.clusters.iter().flat_map(|c| &c.nodes);
    let devices = devices.map(|n| n.devices.len()).sum();
    m.nodes.reserve(nodes);
    m.devices.reserve(devices);
    for (ci, c) in file.clusters.into_iter().enumerate() {
        let cluster = ClusterId::derived(&["heketi-load-cluster", &ci.to_string()]);
        m.clusters.insert(
            cluster,
            Cluster {
                id: cluster,
                block: c.block.unwrap_or(true),
                file: c.file.unwrap_or(true),
            },
        );
        for (ni, n) in c.nodes.into_iter().enumerate() {
            // Error paths are built only on error: a format per node and device showed in
            // the cost of loading large files.
            let at = || format!("clusters[{ci}].nodes[{ni}]");
            let (manage, storage) =
                first_hostnames(&n.node.hostnames, || format!("{}.node.hostnames", at()))?;
            hosts.add(&manage, &storage, ["manage", "storage"], || {
                format!("{}.node.hostnames", at())
            })?;
            super::fields::node(
                || format!("{}.node", at()),
                ["hostnames.manage", "hostnames.storage", "zone", "tags"],
                &manage,
                &storage,
                n.node.zone,
                n.node.tags.as_ref(),
            )?;
            let node = NodeId::derived(&["node", &manage]);
            m.nodes.insert(
                node,
                Node {
                    id: node,
                    cluster,
                    zone: Zone(n.node.zone),
                    manage_hostname: manage.clone(),
                    storage_hostname: storage,
                    tags: n.node.tags.unwrap_or_default(),
                    state: EntityState::Online,
                },
            );
            for (di, d) in n.devices.into_iter().enumerate() {
                let dat = || format!("{}.devices[{di}]", at());
                let (name, tags, own_size) = match d {
                    LoadDevice::Name(name) => (name, Tags::new(), None),
                    LoadDevice::Full(LoadDeviceObject {
                        name, tags, size, ..
                    }) => (name, tags.unwrap_or_default(), size),
                };
                super::fields::device(dat, &name, Some(&tags))?;
                let own_size = match own_size {
                    Some(s) => Some(s.parse::<ByteSize>().map_err(|e| {
                        ImportError::invalid(format!("{}.size", dat()), e.to_string())
                    })?),
                    None => None,
                };
                let total = own_size.or_else(|| options.size_for(&manage, &name)).ok_or_else(|| {
                    ImportError::invalid(dat(), format!("device {name} of node {manage} has no size: a topology load file carries none, give a default device size"))
                })?;
                if total == ByteSize::ZERO {
                    return Err(ImportError::invalid(
                        format!("{}.size", dat()),
                        format!("device {name} of node {manage} has size 0: give its size"),
                    ));
                }
                let id = DeviceId::derived(&["device", &manage, &name]);
                if m.devices.contains_key(&id) {
                    return Err(ImportError::invalid(
                        format!("{}.name", dat()),
                        format!("device {name} appears twice on node {manage}"),
                    ));
                }
                m.devices.insert(
                    id,
                    Device {
                        id,
                        node,
                        name,
                        total,
                        used: ByteSize::ZERO,
                        extent_size: DEFAULT_EXTENT_SIZE,
                        tags,
                        state: EntityState::Online,
                    },
                );
            }
        }
    }
    require_consistent(m)
}

pub(super) fn first_hostnames(
    h: &Hostnames,
    at: impl Fn() -> String,
) -> Result<(String, String), ImportError> {
    let manage = h
        .manage
        .first()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ImportError::invalid(format!("{}.manage", at()), "no manage hostname"))?;
    let storage = h
        .storage
        .first()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ImportError::invalid(format!("{}.storage", at()), "no storage hostname"))?;
    Ok((manage.clone(), storage.clone()))
}

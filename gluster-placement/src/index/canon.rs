//! A comparable form of the index, independent of dense indices and of the order changes
//! were made in: an index kept up to date change by change must equal one built from the
//! changed model.

use std::collections::{BTreeMap, BTreeSet};

use gluster_model::{ArbiterTag, ByteSize, ClusterId, DeviceId, NodeId, Tags, Zone};

use super::{Index, ZoneIx, CLASSES};

/// What the index says about one device.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DevCanon {
    name: String,
    node: NodeId,
    zone: (ClusterId, Zone),
    sizes: (u64, u64, u64, ByteSize),
    label: u64,
    arbiter: ArbiterTag,
    online: (bool, bool),
    tags: Tags,
    probe: (NodeId, bool, u64),
}

/// What the index says about one zone; the orders as (rank, label, device).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ZoneCanon {
    nodes: BTreeSet<NodeId>,
    orders: [Vec<(u64, u64, DeviceId)>; 3],
    uniform: bool,
    size_if_uniform: Option<(u64, ByteSize)>,
    min_rank: [u64; 3],
}

/// A node: names, zone, online, tags, devices.
type NodeCanon = (
    String,
    String,
    (ClusterId, Zone),
    bool,
    Tags,
    BTreeSet<DeviceId>,
);

/// A cluster: file volumes, zones, zones shared with requests, nodes, volume names.
type ClusterCanon = (
    bool,
    Vec<Zone>,
    Vec<Zone>,
    BTreeSet<NodeId>,
    BTreeSet<String>,
);

/// The whole index, keyed by model ids.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Canon {
    reserve: u32,
    devices: BTreeMap<DeviceId, DevCanon>,
    nodes: BTreeMap<NodeId, NodeCanon>,
    zones: BTreeMap<(ClusterId, Zone), ZoneCanon>,
    clusters: BTreeMap<ClusterId, ClusterCanon>,
}

impl Index {
    /// The comparable form (O(D log D); for tests and consistency checks).
    pub(crate) fn canonical(&self) -> Canon {
        let dev_id = |dx: super::DevIx| self.devs[dx.ix()].id;
        let zone_cluster: BTreeMap<ZoneIx, ClusterId> = self
            .zone_by
            .iter()
            .map(|(&(c, _), &z)| (z, self.clusters[c.ix()].id))
            .collect();
        let zone_key = |z: ZoneIx| (zone_cluster[&z], self.zones[z.ix()].zone);
        let mut devices = BTreeMap::new();
        for (&id, &dx) in &self.dev_by_id {
            let d = &self.devs[dx.ix()];
            let p = &self.probes[dx.ix()];
            devices.insert(
                id,
                DevCanon {
                    name: d.name.to_string(),
                    node: self.nodes[d.node.ix()].id,
                    zone: zone_key(d.zone),
                    sizes: (d.total, d.used, d.cap, d.extent),
                    label: d.label,
                    arbiter: d.arbiter,
                    online: (d.device_online, d.online),
                    tags: d.tags.clone(),
                    probe: (self.nodes[p.node.ix()].id, p.default_extent, p.room),
                },
            );
        }
        let nodes = self
            .node_by_id
            .iter()
            .map(|(&id, &nx)| {
                let n = &self.nodes[nx.ix()];
                let devs = n.devices.iter().map(|&d| dev_id(d)).collect();
                let key = zone_key(n.zone);
                let rec = (n.manage.to_string(), n.storage.to_string(), key, n.online);
                (id, (rec.0, rec.1, rec.2, rec.3, n.tags.clone(), devs))
            })
            .collect();
        let zones = (0..self.zones.len())
            .map(|z| ZoneIx(z as u32))
            .filter(|&z| !self.zones[z.ix()].nodes.is_empty())
            .map(|z| {
                let rec = &self.zones[z.ix()];
                let orders = std::array::from_fn(|class| {
                    let class = CLASSES[class];
                    let mut v: Vec<_> = rec
                        .set(class)
                        .iter()
                        .map(|e| (e.rank(), e.label(), dev_id(e.dev())))
                        .collect();
                    v.sort_unstable();
                    v
                });
                let canon = ZoneCanon {
                    nodes: rec.nodes.iter().map(|n| self.nodes[n.ix()].id).collect(),
                    orders,
                    uniform: rec.uniform,
                    size_if_uniform: rec.first_size.filter(|_| rec.uniform),
                    min_rank: rec.min_rank,
                };
                (zone_key(z), canon)
            })
            .collect();
        let clusters = self
            .clusters
            .iter()
            .map(|c| {
                let zone_numbers = |zs: &[ZoneIx]| {
                    zs.iter()
                        .filter(|z| !self.zones[z.ix()].nodes.is_empty())
                        .map(|z| self.zones[z.ix()].zone)
                        .collect::<Vec<_>>()
                };
                let rec = (
                    c.file,
                    zone_numbers(&c.zones),
                    zone_numbers(&c.all_zones),
                    c.nodes.iter().map(|n| self.nodes[n.ix()].id).collect(),
                    c.names.iter().cloned().collect(),
                );
                (c.id, rec)
            })
            .collect();
        Canon {
            reserve: self.reserve_per_mille,
            devices,
            nodes,
            zones,
            clusters,
        }
    }
}

impl Canon {
    /// The first part where `self` and `other` differ, described; `None` when equal.
    pub(crate) fn first_difference(&self, other: &Canon) -> Option<String> {
        fn diff<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
            what: &str,
            a: &BTreeMap<K, V>,
            b: &BTreeMap<K, V>,
        ) -> Option<String> {
            for (k, v) in a {
                match b.get(k) {
                    None => return Some(format!("{what} {k:?} only in the first: {v:?}")),
                    Some(w) if w != v => return Some(format!("{what} {k:?}: {v:?} vs {w:?}")),
                    Some(_) => {}
                }
            }
            b.keys()
                .find(|k| !a.contains_key(k))
                .map(|k| format!("{what} {k:?} only in the second"))
        }
        if self.reserve != other.reserve {
            return Some(format!("reserve {} vs {}", self.reserve, other.reserve));
        }
        diff("device", &self.devices, &other.devices)
            .or_else(|| diff("node", &self.nodes, &other.nodes))
            .or_else(|| diff("zone", &self.zones, &other.zones))
            .or_else(|| diff("cluster", &self.clusters, &other.clusters))
    }
}

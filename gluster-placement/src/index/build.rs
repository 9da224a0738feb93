//! Building the index of a whole model in one pass.

use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use gluster_model::{ArbiterTag, Device, DeviceId, Model, SharedStr, Zone};

use super::{
    Class, ClusterIx, ClusterRec, Dev, DevIx, Entry, Index, NodeIx, NodeRec, ZoneIx, ZoneRec,
    CLASSES,
};
use crate::ordered::OrderedSet;
use crate::seq::{mix64, GOLDEN};

/// A stable 64-bit label from a device id (splitmix64 finalizer over both halves).
pub(super) fn label_of(id: DeviceId) -> u64 {
    let v = id.as_u128();
    mix64(((v as u64) ^ ((v >> 64) as u64).rotate_left(29)).wrapping_add(GOLDEN))
}

/// Names shared by value: every `/dev/sdb` of the index is one allocation, and a node's
/// manage and storage names are one when equal. Plans copy names into every brick; a
/// shared name's reference count stays in cache where a name per device or node would miss
/// it on large clusters.
#[derive(Default, Clone)]
pub(super) struct Interner(HashSet<SharedStr>);

impl Interner {
    pub(super) fn get(&mut self, name: &str) -> SharedStr {
        if let Some(shared) = self.0.get(name) {
            return shared.clone();
        }
        let shared = SharedStr::from(name);
        self.0.insert(shared.clone());
        shared
    }
}

/// What a device of `total` bytes may fill to with `reserve_per_mille` kept free.
pub(crate) fn fill_cap(total: u64, reserve_per_mille: u32) -> u64 {
    let keep = u128::from(total) * u128::from(reserve_per_mille.min(1000));
    total - (keep.div_ceil(1000) as u64)
}

impl Index {
    /// Builds the index of every cluster of `model`.
    pub(crate) fn build(model: &Model, reserve_per_mille: u32) -> Index {
        let mut index = Index {
            devs: Vec::with_capacity(model.devices().len()),
            nodes: Vec::with_capacity(model.nodes().len()),
            zones: Vec::new(),
            clusters: Vec::new(),
            dev_by_id: HashMap::with_capacity_and_hasher(model.devices().len(), Default::default()),
            node_by_id: HashMap::with_capacity_and_hasher(model.nodes().len(), Default::default()),
            cluster_by_id: HashMap::default(),
            zone_by: HashMap::default(),
            reserve_per_mille,
            names: Interner::default(),
            probes: Vec::with_capacity(model.devices().len()),
            scan: false,
        };
        for c in model.clusters() {
            index
                .cluster_by_id
                .insert(c.id, ClusterIx(index.clusters.len() as u32));
            index.clusters.push(ClusterRec {
                id: c.id,
                file: c.file,
                zones: Vec::new(),
                all_zones: Arc::from([]),
                nodes: Vec::new(),
                names: HashSet::default(),
            });
        }
        for v in model.volumes() {
            if let Some(c) = index.cluster_by_id.get(&v.cluster) {
                index.clusters[c.ix()].names.insert(v.name.clone());
            }
        }
        for n in model.nodes() {
            let Some(&c) = index.cluster_by_id.get(&n.cluster) else {
                continue;
            };
            let z = index.zone_of(c, n.zone);
            let nx = NodeIx(index.nodes.len() as u32);
            index.node_by_id.insert(n.id, nx);
            index.zones[z.ix()].nodes.push(nx);
            index.clusters[c.ix()].nodes.push(nx);
            let (manage, storage) = (
                index.names.get(&n.manage_hostname),
                index.names.get(&n.storage_hostname),
            );
            index.nodes.push(NodeRec {
                id: n.id,
                manage,
                storage,
                zone: z,
                online: n.state.is_online(),
                tags: n.tags.clone(),
                devices: Vec::new(),
            });
        }
        for d in model.devices() {
            let Some(&nx) = index.node_by_id.get(&d.node) else {
                continue;
            };
            index.push_device(d, nx);
        }
        // The ordered sets are built from sorted runs at the end: inserting devices one by
        // one into random places was a tenth of loading a 10,000-device file.
        let mut runs: Vec<[Vec<Entry>; 3]> = vec![Default::default(); index.zones.len()];
        for (i, dev) in index.devs.iter().enumerate() {
            let entry = dev.entry(DevIx(i as u32));
            for class in [Class::Data, Class::ArbRequired, Class::ArbSupported] {
                if dev.in_class(class) {
                    runs[dev.zone.ix()][class as usize].push(entry);
                }
            }
        }
        for (zone, zone_runs) in index.zones.iter_mut().zip(runs) {
            // Data-only devices are in the data run and not in the arbiter-supported one.
            let [data, _, supported] = &zone_runs;
            zone.data_only = (data.len() - data.len().min(supported.len())) as u32;
            for (class, mut run) in CLASSES.into_iter().zip(zone_runs) {
                if zone.kept(class) == class {
                    run.sort_unstable();
                    zone.sets[class as usize] = OrderedSet::from_sorted(run);
                }
            }
            zone.refresh_min_rank();
        }
        index
    }

    /// The zone record of zone `zone` of cluster `c`, made (empty, and listed in the
    /// cluster's zones by number) when new.
    pub(super) fn zone_of(&mut self, c: ClusterIx, zone: Zone) -> ZoneIx {
        if let Some(&z) = self.zone_by.get(&(c, zone)) {
            return z;
        }
        let z = ZoneIx(self.zones.len() as u32);
        self.zones.push(ZoneRec {
            zone,
            nodes: Vec::new(),
            sets: Default::default(),
            uniform: true,
            first_size: None,
            min_rank: [u64::MAX; 3],
            data_only: 0,
        });
        self.zone_by.insert((c, zone), z);
        let zones = &self.zones;
        let cluster = &mut self.clusters[c.ix()];
        let at = cluster.zones.partition_point(|x| zones[x.ix()].zone < zone);
        cluster.zones.insert(at, z);
        cluster.all_zones = Arc::from(cluster.zones.as_slice());
        z
    }

    /// Appends the record of model device `d` on node `nx` (not yet in the zone's orders).
    pub(super) fn push_device(&mut self, d: &Device, nx: NodeIx) -> DevIx {
        let node = &self.nodes[nx.ix()];
        let dx = DevIx(self.devs.len() as u32);
        let dev = Dev {
            id: d.id,
            name: self.names.get(&d.name),
            node: nx,
            zone: node.zone,
            total: d.total.bytes(),
            used: d.used.bytes(),
            cap: fill_cap(d.total.bytes(), self.reserve_per_mille),
            extent: d.extent_size,
            label: label_of(d.id),
            arbiter: ArbiterTag::of(&node.tags, &d.tags),
            device_online: d.state.is_online(),
            online: d.state.is_online() && node.online,
            removed: false,
            tags: d.tags.clone(),
        };
        let zone = &mut self.zones[node.zone.ix()];
        let size = (dev.total, dev.extent);
        if *zone.first_size.get_or_insert(size) != size {
            zone.uniform = false;
        }
        self.dev_by_id.insert(d.id, dx);
        self.nodes[nx.ix()].devices.push(dx);
        self.probes.push(dev.probe());
        self.devs.push(dev);
        dx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_caps_the_fill() {
        assert_eq!(fill_cap(1000, 0), 1000);
        assert_eq!(fill_cap(1000, 100), 900);
        assert_eq!(fill_cap(1001, 100), 900);
        assert_eq!(fill_cap(u64::MAX, 1), u64::MAX - u64::MAX.div_ceil(1000));
    }

    #[test]
    fn labels_are_stable() {
        let a = label_of(DeviceId::from_u128(1));
        assert_eq!(a, label_of(DeviceId::from_u128(1)));
        assert_ne!(a, label_of(DeviceId::from_u128(2)));
    }
}

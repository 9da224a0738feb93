//! A re-implementation of Heketi's allocator, as the baseline of the placement benchmarks
//! (Heketi, archived, placed bricks this way; it also decoded every device record from its
//! database per set, which this baseline leaves out): for every brick set, rebuild a zone- and node-interleaved ring
//! of all devices, rotate it by a random offset, and take the first devices with room on
//! nodes the set does not use yet. Free space only decides whether a device fits, never
//! which device is chosen; zones only shape the ring's order.

use gluster_model::Model;

/// One device as the ring sees it.
#[derive(Debug, Clone, Copy)]
struct RingDevice {
    node: u32,
    free: u64,
}

/// The cluster as Heketi's database holds it: devices grouped by zone, then node.
#[derive(Debug, Clone)]
pub struct HeketiRing {
    /// zones -> nodes -> devices (indices into `devices`).
    zones: Vec<Vec<Vec<usize>>>,
    devices: Vec<RingDevice>,
}

impl HeketiRing {
    /// The ring's view of `model`.
    pub fn new(model: &Model) -> Self {
        let mut zones: std::collections::BTreeMap<u32, Vec<Vec<usize>>> = Default::default();
        let mut devices = Vec::new();
        for (n, node) in model.nodes().enumerate() {
            let mut list = Vec::new();
            for d in model.devices_of(node.id) {
                list.push(devices.len());
                devices.push(RingDevice {
                    node: n as u32,
                    free: d.total.bytes().saturating_sub(d.used.bytes()),
                });
            }
            zones.entry(node.zone.0).or_default().push(list);
        }
        HeketiRing {
            zones: zones.into_values().collect(),
            devices,
        }
    }

    /// The interleaved ring: one device of each node of each zone in turn.
    fn ring(&self) -> Vec<usize> {
        let mut ring = Vec::with_capacity(self.devices.len());
        let most = self
            .zones
            .iter()
            .flat_map(|z| z.iter().map(Vec::len))
            .max()
            .unwrap_or(0);
        let nodes = self.zones.iter().map(Vec::len).max().unwrap_or(0);
        for d in 0..most {
            for n in 0..nodes {
                for zone in &self.zones {
                    if let Some(&dev) = zone.get(n).and_then(|node| node.get(d)) {
                        ring.push(dev);
                    }
                }
            }
        }
        ring
    }

    /// One set of `k` bricks of `need` bytes each, the ring rotated by `offset`; `None`
    /// when the walk finds no such set. Like Heketi, it does not book the space.
    pub fn place_set(&self, k: usize, need: u64, offset: u64) -> Option<Vec<usize>> {
        let ring = self.ring();
        if ring.is_empty() {
            return None;
        }
        let start = (offset % ring.len() as u64) as usize;
        let mut set: Vec<usize> = Vec::with_capacity(k);
        for i in 0..ring.len() {
            let dev = ring[(start + i) % ring.len()];
            let d = self.devices[dev];
            if d.free < need || set.iter().any(|&s| self.devices[s].node == d.node) {
                continue;
            }
            set.push(dev);
            if set.len() == k {
                return Some(set);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{heketi_load_json, model};

    #[test]
    fn sets_are_on_distinct_nodes_and_skip_full_devices() {
        let mut m = model(3, 2, 2);
        let full: Vec<_> = m.devices().take(2).map(|d| d.id).collect();
        // Fill the first node's devices: the ring must walk past them.
        let mut ring = HeketiRing::new(&m);
        for d in &mut ring.devices[..2] {
            d.free = 0;
        }
        for offset in 0..24 {
            let set = ring.place_set(3, 1, offset).expect("room on 5 nodes");
            let nodes: std::collections::BTreeSet<u32> =
                set.iter().map(|&d| ring.devices[d].node).collect();
            assert_eq!(nodes.len(), 3);
            assert!(set.iter().all(|&d| d >= 2), "{set:?}");
        }
        assert!(ring.place_set(6, 1, 0).is_none(), "only 5 nodes have room");
        m.remove_device(full[0]).unwrap();
    }

    #[test]
    fn the_generated_load_file_imports() {
        let json = heketi_load_json(2, 3, 4);
        let m = gluster_model::import_heketi_load(&json, &Default::default()).unwrap();
        assert_eq!(m.devices().count(), 24);
        assert_eq!(m.nodes().count(), 6);
    }
}

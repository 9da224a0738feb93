//! Incremental changes: each keeps the index equal (see `canon.rs`) to one built from the
//! changed model, touching only the records and zone orders involved.

use std::sync::Arc;

use rustc_hash::FxHashSet as HashSet;

use gluster_model::{Cluster, Device, DeviceId, Node};

use super::{ClusterIx, ClusterRec, DevIx, Index, NodeIx, NodeRec, ZoneIx};

impl Index {
    /// Records a new cluster.
    pub(crate) fn add_cluster(&mut self, c: &Cluster) {
        let cx = ClusterIx(self.clusters.len() as u32);
        self.cluster_by_id.insert(c.id, cx);
        self.clusters.push(ClusterRec {
            id: c.id,
            file: c.file,
            zones: Vec::new(),
            all_zones: Arc::from([]),
            nodes: Vec::new(),
            names: HashSet::default(),
        });
    }

    /// Records a new node (of a known cluster; without devices).
    pub(crate) fn add_node(&mut self, n: &Node) {
        let Some(&c) = self.cluster_by_id.get(&n.cluster) else {
            return;
        };
        let z = self.zone_of(c, n.zone);
        let nx = NodeIx(self.nodes.len() as u32);
        self.node_by_id.insert(n.id, nx);
        self.zones[z.ix()].nodes.push(nx);
        self.clusters[c.ix()].nodes.push(nx);
        let (manage, storage) = (
            self.names.get(&n.manage_hostname),
            self.names.get(&n.storage_hostname),
        );
        self.nodes.push(NodeRec {
            id: n.id,
            manage,
            storage,
            zone: z,
            online: n.state.is_online(),
            tags: n.tags.clone(),
            devices: Vec::new(),
        });
    }

    /// Records a new device of a known node and puts it in its zone's orders.
    pub(crate) fn add_device(&mut self, d: &Device) {
        let Some(&nx) = self.node_by_id.get(&d.node) else {
            return;
        };
        let dx = self.push_device(d, nx);
        self.insert(dx);
    }

    /// Forgets a device: its slot stays, empty and in no order; the zone's uniformity is
    /// worked out again from the devices left.
    pub(crate) fn remove_device(&mut self, id: DeviceId) {
        let Some(dx) = self.dev_by_id.remove(&id) else {
            return;
        };
        self.remove(dx);
        let dev = &mut self.devs[dx.ix()];
        (dev.total, dev.used, dev.cap) = (0, 0, 0);
        (dev.online, dev.device_online, dev.removed) = (false, false, true);
        self.probes[dx.ix()] = dev.probe();
        let (nx, z) = (dev.node, dev.zone);
        self.nodes[nx.ix()].devices.retain(|&d| d != dx);
        self.refresh_uniform(z);
    }

    /// Works out again whether every device of zone `z` has one size and extent.
    fn refresh_uniform(&mut self, z: ZoneIx) {
        let zone = &self.zones[z.ix()];
        let mut sizes = zone
            .nodes
            .iter()
            .flat_map(|n| self.nodes[n.ix()].devices.iter())
            .map(|d| (self.devs[d.ix()].total, self.devs[d.ix()].extent));
        let first = sizes.next();
        let uniform = sizes.all(|s| Some(s) == first);
        let zone = &mut self.zones[z.ix()];
        (zone.first_size, zone.uniform) = (first, uniform);
    }

    /// Takes a device's used space and state from the model's record of it.
    pub(crate) fn sync_device(&mut self, d: &Device) {
        let Some(&dx) = self.dev_by_id.get(&d.id) else {
            return;
        };
        let node_online = self.nodes[self.devs[dx.ix()].node.ix()].online;
        if self.devs[dx.ix()].device_online == d.state.is_online() {
            // Only the use may have changed: the entry moves in place.
            self.set_used(dx, d.used.bytes());
            return;
        }
        self.remove(dx);
        let dev = &mut self.devs[dx.ix()];
        dev.used = d.used.bytes();
        dev.device_online = d.state.is_online();
        dev.online = dev.device_online && node_online;
        self.probes[dx.ix()] = dev.probe();
        self.insert(dx);
    }

    /// Takes a device's new size from the model's record of it (a resync): its fill cap,
    /// its place in its zone's orders and the zone's uniformity follow.
    pub(crate) fn resize_device(&mut self, d: &Device) {
        let Some(&dx) = self.dev_by_id.get(&d.id) else {
            return;
        };
        self.remove(dx);
        let reserve = self.reserve_per_mille;
        let dev = &mut self.devs[dx.ix()];
        dev.total = d.total.bytes();
        dev.used = d.used.bytes();
        dev.cap = super::build::fill_cap(dev.total, reserve);
        self.probes[dx.ix()] = dev.probe();
        let z = dev.zone;
        self.insert(dx);
        self.refresh_uniform(z);
    }

    /// Takes a node's state from the model's record of it (its devices follow).
    pub(crate) fn sync_node(&mut self, n: &Node) {
        let Some(&nx) = self.node_by_id.get(&n.id) else {
            return;
        };
        let online = n.state.is_online();
        if self.nodes[nx.ix()].online == online {
            return;
        }
        self.nodes[nx.ix()].online = online;
        for i in 0..self.nodes[nx.ix()].devices.len() {
            let dx: DevIx = self.nodes[nx.ix()].devices[i];
            self.remove(dx);
            let dev = &mut self.devs[dx.ix()];
            dev.online = dev.device_online && online;
            self.insert(dx);
        }
    }
}

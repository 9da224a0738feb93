//! A dense, read-only view of a model for the day-2 planners: nodes and devices by index,
//! usable free space (after the device reserve), and the per-brick eligibility checks.

use std::collections::HashMap;

use gluster_model::{
    ArbiterTag, Brick, BrickRole, BrickSpace, ByteSize, ClusterId, DeviceId, Model, NodeId,
    SharedStr, SnapshotFactor, Volume, Zone, ZoneChecking,
};

use super::{BrickLocation, VolumePolicy};
use crate::plan::PlannedBrick;
use crate::request::PlacementSettings;

pub(crate) struct NodeRec<'m> {
    pub id: NodeId,
    pub cluster: ClusterId,
    pub zone: Zone,
    pub online: bool,
    pub manage: &'m str,
    pub storage: &'m str,
    pub tags: &'m gluster_model::Tags,
}

pub(crate) struct DevRec<'m> {
    pub id: DeviceId,
    pub node: usize,
    pub zone: Zone,
    pub cluster: ClusterId,
    /// Device and node online.
    pub online: bool,
    pub name: &'m str,
    pub total: ByteSize,
    pub extent: ByteSize,
    pub arbiter: ArbiterTag,
    pub tags: &'m gluster_model::Tags,
    /// Space kept free by the device reserve.
    pub reserve: ByteSize,
    /// A seeded tie-breaker.
    pub tie: u64,
}

/// The model by dense index, plus the current `used` of every device (planners update it).
pub(crate) struct Topo<'m> {
    pub model: &'m Model,
    pub nodes: Vec<NodeRec<'m>>,
    pub devs: Vec<DevRec<'m>>,
    pub used: Vec<ByteSize>,
    pub node_ix: HashMap<NodeId, usize>,
    pub dev_ix: HashMap<DeviceId, usize>,
    /// Distinct zones, ascending.
    pub zones: Vec<Zone>,
    /// Devices per node.
    pub node_devs: Vec<Vec<usize>>,
}

/// SplitMix64: a stable, seedable mixer for tie-breaking (the sequence never changes).
pub(crate) fn mix(seed: u64, value: u64) -> u64 {
    use crate::seq::{mix64, GOLDEN};
    mix64((seed ^ value.wrapping_mul(GOLDEN)).wrapping_add(GOLDEN))
}

/// Space kept free on a device of `total` bytes by a reserve of `per_mille` thousandths.
pub(crate) fn reserve_of(total: ByteSize, per_mille: u32) -> ByteSize {
    total
        .mul_ratio_ceil(u64::from(per_mille), 1000)
        .unwrap_or(total)
}

/// The snapshot factor a volume's pools are sized with.
pub(crate) fn factor_of(volume: &Volume) -> SnapshotFactor {
    if volume.snapshot.enabled {
        volume.snapshot.factor
    } else {
        SnapshotFactor::ONE
    }
}

impl<'m> Topo<'m> {
    pub fn new(model: &'m Model, settings: &PlacementSettings, seed: u64) -> Self {
        let mut nodes = Vec::with_capacity(model.nodes().len());
        let mut node_ix = HashMap::with_capacity(model.nodes().len());
        for n in model.nodes() {
            node_ix.insert(n.id, nodes.len());
            nodes.push(NodeRec {
                id: n.id,
                cluster: n.cluster,
                zone: n.zone,
                online: n.state.is_online(),
                manage: &n.manage_hostname,
                storage: &n.storage_hostname,
                tags: &n.tags,
            });
        }
        let mut devs = Vec::with_capacity(model.devices().len());
        let mut used = Vec::with_capacity(model.devices().len());
        let mut dev_ix = HashMap::with_capacity(model.devices().len());
        let mut node_devs = vec![Vec::new(); nodes.len()];
        for d in model.devices() {
            let Some(&ni) = node_ix.get(&d.node) else {
                continue;
            };
            let n = &nodes[ni];
            let i = devs.len();
            dev_ix.insert(d.id, i);
            node_devs[ni].push(i);
            devs.push(DevRec {
                id: d.id,
                node: ni,
                zone: n.zone,
                cluster: n.cluster,
                online: n.online && d.state.is_online(),
                name: &d.name,
                total: d.total,
                extent: d.extent_size,
                arbiter: ArbiterTag::of(n.tags, &d.tags),
                tags: &d.tags,
                reserve: reserve_of(d.total, settings.device_reserve_per_mille),
                tie: mix(seed, d.id.as_u128() as u64 ^ (d.id.as_u128() >> 64) as u64),
            });
            used.push(d.used);
        }
        let mut zones: Vec<Zone> = nodes.iter().map(|n| n.zone).collect();
        zones.sort();
        zones.dedup();
        Topo {
            model,
            nodes,
            devs,
            used,
            node_ix,
            dev_ix,
            zones,
            node_devs,
        }
    }

    /// Free space a new brick may use on device `d` (after the reserve).
    pub fn usable(&self, d: usize) -> ByteSize {
        let dev = &self.devs[d];
        dev.total
            .saturating_sub(dev.reserve)
            .saturating_sub(self.used[d])
    }

    /// Free fraction as a sortable key (higher = emptier).
    pub fn free_key(&self, d: usize) -> u64 {
        let dev = &self.devs[d];
        if dev.total == ByteSize::ZERO {
            return 0;
        }
        let free = u128::from(dev.total.saturating_sub(self.used[d]).bytes());
        ((free << 40) / u128::from(dev.total.bytes())) as u64
    }

    /// Utilization of device `d`, 0..=1.
    pub fn util(&self, d: usize) -> f64 {
        let t = self.devs[d].total.bytes();
        if t == 0 {
            0.0
        } else {
            self.used[d].bytes() as f64 / t as f64
        }
    }

    /// Space a brick of `size` takes on device `d`.
    pub fn space_on(&self, d: usize, size: ByteSize, factor: SnapshotFactor) -> Option<ByteSize> {
        BrickSpace::for_brick(size, factor, self.devs[d].extent)?.total()
    }

    /// Whether device `d` passes the static filters for a brick of `role` under `policy` in
    /// `cluster` (online, cluster, allowed zones, tag rules, arbiter tag), ignoring nodes,
    /// zones of the set and capacity.
    pub fn static_ok(
        &self,
        d: usize,
        cluster: ClusterId,
        policy: &VolumePolicy,
        role: BrickRole,
    ) -> Result<(), Filter> {
        let dev = &self.devs[d];
        if dev.cluster != cluster || !dev.online {
            return Err(Filter::Online);
        }
        if !policy.allows_zone(dev.zone) {
            return Err(Filter::Zones);
        }
        let node_tags = self.nodes[dev.node].tags;
        if !policy
            .device_tag_match
            .iter()
            .all(|r| r.matches(node_tags, dev.tags))
        {
            return Err(Filter::Tags);
        }
        let ok = match role {
            BrickRole::Data => dev.arbiter.takes_data(),
            BrickRole::Arbiter => dev.arbiter.takes_arbiter(),
        };
        if !ok {
            return Err(Filter::Arbiter);
        }
        Ok(())
    }

    /// Where an existing brick is.
    pub fn location(&self, b: &Brick) -> BrickLocation {
        let (node, storage, zone) = match self.node_ix.get(&b.node) {
            Some(&ni) => {
                let n = &self.nodes[ni];
                (n.manage.to_string(), n.storage.to_string(), n.zone)
            }
            None => (String::new(), String::new(), Zone(0)),
        };
        let device = self
            .dev_ix
            .get(&b.device)
            .map(|&d| self.devs[d].name.to_string())
            .unwrap_or_default();
        BrickLocation {
            id: b.id,
            host_path: format!("{storage}:{}", b.path),
            path: b.path.clone(),
            node,
            node_id: b.node,
            storage_host: storage,
            zone,
            device,
            device_id: b.device,
            size_bytes: b.size,
        }
    }

    /// A new brick of `size` on device `d`.
    #[allow(clippy::too_many_arguments)]
    pub fn planned(
        &self,
        id: gluster_model::BrickId,
        d: usize,
        set: usize,
        position: usize,
        role: BrickRole,
        size: ByteSize,
        factor: SnapshotFactor,
        mount_root: &str,
    ) -> Option<PlannedBrick> {
        let dev = &self.devs[d];
        let node = &self.nodes[dev.node];
        let space = BrickSpace::for_brick(size, factor, dev.extent)?;
        Some(PlannedBrick {
            id,
            set,
            position,
            role,
            node: SharedStr::from(node.manage),
            node_id: node.id,
            storage_host: SharedStr::from(node.storage),
            zone: dev.zone,
            device: SharedStr::from(dev.name),
            device_id: dev.id,
            size_bytes: size,
            pool_bytes: space.pool,
            metadata_bytes: space.metadata,
            path: gluster_model::Brick::heketi_path(mount_root, dev.id, id),
        })
    }
}

/// The filters a candidate device goes through, in the order explanations report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    Online,
    Zones,
    Tags,
    Arbiter,
}

/// Whether a zone is acceptable for a brick whose set's other bricks use `others`.
pub(crate) fn zone_good(policy: ZoneChecking, zone: Zone, others: &[Zone]) -> bool {
    policy == ZoneChecking::None || !others.contains(&zone)
}

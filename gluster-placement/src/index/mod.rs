//! The index over one model snapshot: dense typed indices, and per zone the eligible devices
//! ordered by free fraction, so that the best device of a zone is found in O(log devices).
//!
//! Dense indices (`DevIx`, `NodeIx`, `ZoneIx`, `ClusterIx`) never leave the crate: plans carry
//! the model's ids.

use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::ordered::OrderedSet;

mod build;
mod canon;
mod update;

use build::Interner;

use gluster_model::{
    ArbiterTag, ByteSize, ClusterId, DeviceId, NodeId, SharedStr, Tags, Zone, DEFAULT_EXTENT_SIZE,
};

macro_rules! dense {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) struct $name(pub(crate) u32);

        impl $name {
            pub(crate) fn ix(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense!(DevIx);
dense!(NodeIx);
dense!(ZoneIx);
dense!(ClusterIx);

/// Which ordered set of a zone a device is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Takes data bricks (`arbiter` tag `supported` or `disabled`).
    Data = 0,
    /// Dedicated to arbiter bricks (`arbiter: required`).
    ArbRequired = 1,
    /// Takes arbiter bricks among others (`arbiter: supported`).
    ArbSupported = 2,
}

/// One entry of a zone's ordered set: rank (32 bits), label (64 bits) and device (32 bits)
/// packed into one integer, so that ascending order is "most free fraction first", then by
/// label, and a comparison is one 128-bit compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Entry(u128);

impl Entry {
    fn new(rank: u64, label: u64, dev: u32) -> Entry {
        // Ranks are at most `FRACTION_ONE`, which fits 32 bits.
        let rank = rank.min(FRACTION_ONE);
        Entry(u128::from(rank) << 96 | u128::from(label) << 32 | u128::from(dev))
    }

    /// The device's rank when the entry was made (its rank now: entries are remade on
    /// every change).
    pub(crate) fn rank(self) -> u64 {
        (self.0 >> 96) as u64
    }

    /// The device's label.
    pub(crate) fn label(self) -> u64 {
        (self.0 >> 32) as u64
    }

    /// The device.
    pub(crate) fn dev(self) -> DevIx {
        DevIx(self.0 as u32)
    }
}

/// The free fraction scale: a fraction is stored as `free * FRACTION_ONE / total`.
const FRACTION_ONE: u64 = u32::MAX as u64;

/// `part / total` on the fraction scale (rounded down; `total` > 0).
fn share_of(part: u64, total: u64) -> u64 {
    let share = u128::from(part) * u128::from(FRACTION_ONE) / u128::from(total);
    u64::try_from(share).unwrap_or(u64::MAX)
}

/// What a query asks of a device, 16 bytes per device in a dense array: the zone orders
/// plus the probes of a 10,000-device index fit in a core's L2 cache, where the full
/// records do not, and a query reads nothing else.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    pub(crate) node: NodeIx,
    /// The device has the default extent size (the need is then precomputed).
    pub(crate) default_extent: bool,
    /// Space a brick may still take (see [`Dev::room`]).
    pub(crate) room: u64,
}

/// A device. Laid out so that what a plan copies out of it (id, name, node, zone, extent)
/// fills the first cache line and records never straddle lines: on large clusters each
/// planned brick then misses one line here, not two.
#[derive(Clone)]
#[repr(C, align(64))]
pub(crate) struct Dev {
    pub(crate) id: DeviceId,
    pub(crate) name: SharedStr,
    pub(crate) node: NodeIx,
    pub(crate) zone: ZoneIx,
    pub(crate) extent: ByteSize,
    pub(crate) total: u64,
    pub(crate) used: u64,
    /// What the device may fill to (total minus the reserve).
    pub(crate) cap: u64,
    /// A stable pseudo-random label derived from the id: the tie-break order.
    pub(crate) label: u64,
    pub(crate) arbiter: ArbiterTag,
    /// The device itself is online.
    pub(crate) device_online: bool,
    /// The device and its node are online.
    pub(crate) online: bool,
    /// The device was removed from the model: its slot stays (dense indices are stable),
    /// empty, offline and in no order.
    pub(crate) removed: bool,
    pub(crate) tags: Tags,
}

impl Dev {
    /// Space a brick may still take.
    pub(crate) fn room(&self) -> u64 {
        self.cap.saturating_sub(self.used)
    }

    /// Ascending rank: 0 is an empty device, `FRACTION_ONE` a full one.
    pub(crate) fn rank(&self) -> u64 {
        if self.total == 0 {
            return FRACTION_ONE;
        }
        FRACTION_ONE - share_of(self.total.saturating_sub(self.used), self.total)
    }

    /// Ascending rank the device would have after taking `need` more bytes.
    pub(crate) fn rank_after(&self, need: u64) -> u64 {
        if self.total == 0 {
            return FRACTION_ONE;
        }
        let free = self.total.saturating_sub(self.used).saturating_sub(need);
        FRACTION_ONE - share_of(free, self.total)
    }

    fn probe(&self) -> Probe {
        Probe {
            node: self.node,
            default_extent: self.extent == DEFAULT_EXTENT_SIZE,
            room: self.room(),
        }
    }

    pub(crate) fn entry(&self, ix: DevIx) -> Entry {
        Entry::new(self.rank(), self.label, ix.0)
    }

    /// Online, takes data bricks but no arbiter.
    fn data_only(&self) -> bool {
        self.online && self.arbiter == ArbiterTag::Disabled
    }

    pub(crate) fn in_class(&self, class: Class) -> bool {
        self.online
            && match class {
                Class::Data => self.arbiter.takes_data(),
                Class::ArbRequired => self.arbiter == ArbiterTag::Required,
                Class::ArbSupported => self.arbiter == ArbiterTag::Supported,
            }
    }
}

/// A node; what a plan copies out of it (id and names) fills the first cache line.
#[derive(Clone)]
#[repr(C, align(64))]
pub(crate) struct NodeRec {
    pub(crate) id: NodeId,
    pub(crate) manage: SharedStr,
    pub(crate) storage: SharedStr,
    pub(crate) zone: ZoneIx,
    pub(crate) online: bool,
    pub(crate) tags: Tags,
    pub(crate) devices: Vec<DevIx>,
}

/// The last share of a brick in a uniform zone's device size (see
/// [`ZoneRec::uniform_rank_after`]), with the need and size it is for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ShareMemo {
    need: u64,
    total: u64,
    share: u64,
}

#[derive(Clone)]
pub(crate) struct ZoneRec {
    pub(crate) zone: Zone,
    pub(crate) nodes: Vec<NodeIx>,
    sets: [OrderedSet<Entry>; 3],
    /// Every device of the zone has the same size and extent: the order by free fraction
    /// before a brick is also the order after it, so no refinement is needed.
    pub(crate) uniform: bool,
    /// Size and extent of the zone's first device (to keep `uniform` up to date).
    first_size: Option<(u64, ByteSize)>,
    /// Smallest rank in each class set (`u64::MAX` when empty): a zone's lower bound.
    pub(crate) min_rank: [u64; 3],
    /// Online devices that take data bricks but no arbiter (`arbiter: disabled`). While
    /// there are none (default tags), the arbiter-supported devices are exactly the data
    /// devices: they share the data set, and only that one is kept up to date.
    data_only: u32,
}

/// The classes, in set order.
const CLASSES: [Class; 3] = [Class::Data, Class::ArbRequired, Class::ArbSupported];

impl ZoneRec {
    fn refresh_min_rank(&mut self) {
        for class in CLASSES {
            self.min_rank[class as usize] = self.set(class).first().map_or(u64::MAX, |e| e.rank());
        }
    }

    /// The ordered set of `class` (see `data_only`).
    pub(crate) fn set(&self, class: Class) -> &OrderedSet<Entry> {
        &self.sets[self.kept(class) as usize]
    }

    /// The set that holds `class`'s devices: the data set stands in for the
    /// arbiter-supported one while the zone has no data-only device.
    fn kept(&self, class: Class) -> Class {
        if class == Class::ArbSupported && self.data_only == 0 {
            Class::Data
        } else {
            class
        }
    }

    /// The zone's place among zones tied on everything else under rotation `r`: a stable
    /// mix of the zone number and `r` (splitmix64 finalizer).
    pub(crate) fn rotation(&self, r: u64) -> u64 {
        crate::seq::mix64(r ^ u64::from(self.zone.0).wrapping_mul(crate::seq::GOLDEN))
    }

    /// The share of a brick of `need(extent)` bytes in the size of every device, when the
    /// zone's devices all have one size and extent. `memo` keeps the last share with the
    /// need and device size it was worked out for: plans ask for one need many times, and
    /// the 128-bit division is the costly part.
    fn uniform_share(&self, need: impl Fn(ByteSize) -> u64, memo: &mut ShareMemo) -> Option<u64> {
        let (total, extent) = self
            .first_size
            .filter(|(total, _)| self.uniform && *total > 0)?;
        let need = need(extent);
        // Keyed by the size too: a zone's devices may all be replaced by ones of another
        // size while a planner's memo lives on.
        if (memo.need, memo.total) != (need, total) {
            *memo = ShareMemo {
                need,
                total,
                share: share_of(need, total),
            };
        }
        Some(memo.share)
    }

    /// In a uniform zone, the rank the device of `entry` is compared by after taking
    /// `need(extent)` bytes: its rank plus the brick's share, so that
    /// [`Self::rank_after_bound`] is exact for the zone's first device. `None` elsewhere
    /// (devices are then compared by their exact rank after the brick).
    pub(crate) fn uniform_rank_after(
        &self,
        entry: Entry,
        need: impl Fn(ByteSize) -> u64,
        memo: &mut ShareMemo,
    ) -> Option<u64> {
        let share = self.uniform_share(need, memo)?;
        Some(entry.rank().saturating_add(share))
    }

    /// A lower bound of the rank after a brick ([`Self::uniform_rank_after`], else
    /// [`Dev::rank_after`]) for every device of `class` here: the smallest rank, plus the
    /// brick's share when every device has one size.
    pub(crate) fn rank_after_bound(
        &self,
        class: Class,
        need: impl Fn(ByteSize) -> u64,
        memo: &mut ShareMemo,
    ) -> u64 {
        let min = self.min_rank[class as usize];
        if min == u64::MAX {
            return min;
        }
        match self.uniform_share(need, memo) {
            Some(share) => min.saturating_add(share),
            None => min,
        }
    }
}

#[derive(Clone)]
pub(crate) struct ClusterRec {
    pub(crate) id: ClusterId,
    pub(crate) file: bool,
    /// Zones by zone number.
    pub(crate) zones: Vec<ZoneIx>,
    /// The same, shared with every request that allows all zones (no copy per plan).
    pub(crate) all_zones: Arc<[ZoneIx]>,
    pub(crate) nodes: Vec<NodeIx>,
    pub(crate) names: HashSet<String>,
}

/// The index. Queries are two binary searches per zone; an update moves at most a chunk of
/// a zone order plus, on a split or merge, its chunk list (see `ordered.rs`).
#[derive(Clone)]
pub(crate) struct Index {
    pub(crate) devs: Vec<Dev>,
    pub(crate) nodes: Vec<NodeRec>,
    pub(crate) zones: Vec<ZoneRec>,
    pub(crate) clusters: Vec<ClusterRec>,
    pub(crate) dev_by_id: HashMap<DeviceId, DevIx>,
    pub(crate) node_by_id: HashMap<NodeId, NodeIx>,
    pub(crate) cluster_by_id: HashMap<ClusterId, ClusterIx>,
    zone_by: HashMap<(ClusterIx, Zone), ZoneIx>,
    /// Per mille of every device kept free (what `cap` is derived with).
    pub(crate) reserve_per_mille: u32,
    /// The shared names, for devices and nodes added later.
    names: Interner,
    /// Per device, what queries read (kept in step with `devs` by `set_used`).
    pub(crate) probes: Vec<Probe>,
    /// Answer queries by scanning every device of the zone (the reference oracle).
    pub(crate) scan: bool,
}

/// Most devices [`Index::refine_after`] looks at per query (bounds its cost on large zones).
const REFINE_CAP: usize = 32;

impl Index {
    fn insert(&mut self, dx: DevIx) {
        let dev = &self.devs[dx.ix()];
        let entry = dev.entry(dx);
        let zone = &mut self.zones[dev.zone.ix()];
        if dev.data_only() {
            if zone.data_only == 0 {
                // The arbiter-supported devices part from the data devices: their own set
                // starts as the data set (all of them until now).
                zone.sets[Class::ArbSupported as usize] = zone.sets[Class::Data as usize].clone();
            }
            zone.data_only += 1;
        }
        for class in CLASSES {
            if dev.in_class(class) && zone.kept(class) == class {
                zone.sets[class as usize].insert(entry);
            }
        }
        zone.refresh_min_rank();
    }

    fn remove(&mut self, dx: DevIx) {
        let dev = &self.devs[dx.ix()];
        let entry = dev.entry(dx);
        let zone = &mut self.zones[dev.zone.ix()];
        for class in CLASSES {
            if dev.in_class(class) && zone.kept(class) == class {
                zone.sets[class as usize].remove(&entry);
            }
        }
        if dev.data_only() {
            zone.data_only = zone.data_only.saturating_sub(1);
            if zone.data_only == 0 {
                // Equal to the data set again: shared.
                zone.sets[Class::ArbSupported as usize] = OrderedSet::default();
            }
        }
        zone.refresh_min_rank();
    }

    /// Sets a device's used space, keeping the ordered sets in step.
    pub(crate) fn set_used(&mut self, dx: DevIx, used: u64) {
        let old = self.devs[dx.ix()].entry(dx);
        self.devs[dx.ix()].used = used;
        let dev = &self.devs[dx.ix()];
        self.probes[dx.ix()] = dev.probe();
        let new = dev.entry(dx);
        if new == old {
            return;
        }
        // The classes depend on states and tags, not on use: the entry moves in place.
        let zone = &mut self.zones[dev.zone.ix()];
        for class in CLASSES {
            if dev.in_class(class) && zone.kept(class) == class {
                zone.sets[class as usize].replace(&old, new);
            }
        }
        zone.refresh_min_rank();
    }

    /// The device of `class` in `zone` that satisfies `pred` and comes first in the order
    /// (rank ascending, then label rotated by `r` ascending, then index).
    pub(crate) fn best(
        &self,
        zone: ZoneIx,
        class: Class,
        r: u64,
        mut pred: impl FnMut(DevIx) -> bool,
    ) -> Option<Entry> {
        if self.scan {
            let dx = self.best_by_scan(zone, class, r, pred)?;
            return Some(self.devs[dx.ix()].entry(dx));
        }
        let rec = &self.zones[zone.ix()];
        let set = rec.set(class);
        let mut group = rec.min_rank[class as usize];
        if group == u64::MAX {
            return None;
        }
        loop {
            // One descent per pass: open-ended ranges, stopped by hand at the group's end.
            let mut next_group = None;
            for e in set.range_from(&Entry::new(group, r, 0)) {
                if e.rank() != group {
                    next_group = Some(e.rank());
                    break;
                }
                if pred(e.dev()) {
                    return Some(*e);
                }
            }
            if r > 0 {
                for e in set.range_from(&Entry::new(group, 0, 0)) {
                    if e.rank() != group || e.label() >= r {
                        break;
                    }
                    if pred(e.dev()) {
                        return Some(*e);
                    }
                }
            }
            group = next_group?;
        }
    }

    /// The same answer as [`Index::best`] by a plain scan of the zone's devices.
    fn best_by_scan(
        &self,
        zone: ZoneIx,
        class: Class,
        r: u64,
        mut pred: impl FnMut(DevIx) -> bool,
    ) -> Option<DevIx> {
        let mut best: Option<(u64, u64, u32)> = None;
        for &n in &self.zones[zone.ix()].nodes {
            for &dx in &self.nodes[n.ix()].devices {
                let dev = &self.devs[dx.ix()];
                if !dev.in_class(class) || !pred(dx) {
                    continue;
                }
                let key = (dev.rank(), dev.label.wrapping_sub(r), dx.0);
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
        }
        best.map(|b| DevIx(b.2))
    }

    /// Among `first` and the devices of `class` in `zone` that come before it could be beaten
    /// (at most `REFINE_CAP` of them, in rank order, passing `pred`), the one with the most
    /// free fraction *after* taking its brick (`need`), then by rotated label and index. On
    /// mixed device sizes this keeps a small device from taking a brick that would lift it
    /// far above the rest; on a uniform zone the answer is always `first`.
    pub(crate) fn refine_after(
        &self,
        zone: ZoneIx,
        class: Class,
        r: u64,
        first: DevIx,
        need: impl Fn(DevIx) -> u64,
        mut pred: impl FnMut(DevIx) -> bool,
    ) -> DevIx {
        let key = |dx: DevIx| {
            let dev = &self.devs[dx.ix()];
            (dev.rank_after(need(dx)), dev.label.wrapping_sub(r), dx.0)
        };
        let mut best = (key(first), first);
        let mut consider = |dx: DevIx, rank: u64, best: &mut ((u64, u64, u32), DevIx)| {
            if rank >= best.0 .0 {
                return false;
            }
            if dx != first && pred(dx) {
                let k = key(dx);
                if k < best.0 {
                    *best = (k, dx);
                }
            }
            true
        };
        let mut seen = 0;
        if self.scan {
            let mut all: Vec<Entry> = self.zones[zone.ix()]
                .nodes
                .iter()
                .flat_map(|n| self.nodes[n.ix()].devices.iter())
                .filter(|dx| self.devs[dx.ix()].in_class(class))
                .map(|&dx| self.devs[dx.ix()].entry(dx))
                .collect();
            all.sort_unstable();
            for e in all {
                if seen == REFINE_CAP || !consider(e.dev(), e.rank(), &mut best) {
                    break;
                }
                seen += 1;
            }
        } else {
            for e in self.zones[zone.ix()].set(class).iter() {
                if seen == REFINE_CAP || !consider(e.dev(), e.rank(), &mut best) {
                    break;
                }
                seen += 1;
            }
        }
        best.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_what_plans_copy_in_one_line() {
        assert_eq!(std::mem::align_of::<Dev>(), 64);
        assert_eq!(std::mem::offset_of!(Dev, extent) + 8, 56);
        assert_eq!(std::mem::align_of::<NodeRec>(), 64);
        assert!(std::mem::offset_of!(NodeRec, storage) + std::mem::size_of::<SharedStr>() <= 64);
    }
}

//! Choosing the devices of one brick set.
//!
//! Every zone can offer its best candidate (most free fraction after the brick among the
//! devices that pass the filters and have room; ties within a zone broken by a seeded
//! rotation of stable device labels, ties between zones by a seeded rotation of the zones);
//! the set takes the best candidates across zones. A zone's key is bounded from below by its
//! cached smallest rank (plus the brick's share in a zone of one device size, where the bound
//! is then exact), so only zones whose bound can beat the best candidate found so far are
//! queried: O(zones) cheap bounds plus a few O(log devices) queries per brick.
//!
//! The choice is complete for one set: it finds a set whenever one exists. Without an
//! arbiter, a greedy choice of distinct units (zones when strict, nodes otherwise) is
//! complete. With an arbiter (two data slots, one arbiter slot) the arbiter is chosen first
//! (dedicated `arbiter: required` devices first) and the data bricks after it; if the data
//! bricks then no longer fit, exactly two units can hold data and the arbiter must go
//! outside them, which the second attempt does (Hall's condition for this small matching).

use gluster_model::ZoneChecking;

use crate::filter::{Filter, Needs};
use crate::index::{Class, DevIx, Index, NodeIx, ShareMemo, ZoneIx};

/// How bricks of a set are spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spread {
    /// Every brick in a distinct zone.
    Zones,
    /// Distinct nodes; `prefer_new_zones` ranks zones the set does not use yet first.
    Nodes { prefer_new_zones: bool },
}

impl Spread {
    /// Whether zones the set already uses rank after the others.
    fn prefers_new_zones(self) -> bool {
        self == Spread::Nodes {
            prefer_new_zones: true,
        }
    }
}

/// A candidate's comparison key: (zone already used, role tier x 2 + zone tier, rank after
/// taking the brick, zone rotation, device rotated label, device index).
type Key = (u8, u8, u64, u64, u64, u32);

/// What a zone's candidate key is at least: its first four parts, with the rank bounded
/// from below without looking at a device, packed into one integer (see [`pack`]).
type Bound = u128;

/// Packs `(used, tier, rank, zone rotation)` into one integer with the same order: 1 bit,
/// 2 bits, 61 bits (ranks are at most 2^32; larger bounds are clamped, which keeps them
/// bounds), 64 bits.
fn pack(used: u8, tier: u8, rank: u64, zone_rot: u64) -> Bound {
    const RANK_MAX: u64 = (1 << 61) - 1;
    u128::from(used & 1) << 127
        | u128::from(tier & 3) << 125
        | u128::from(rank.min(RANK_MAX)) << 64
        | u128::from(zone_rot)
}

/// Whether a bound says its zone is one the set uses already.
fn bound_zone_used(bound: Bound) -> bool {
    bound >> 127 == 1
}

/// The zone rotation a bound carries (its low 64 bits).
fn bound_zone_rotation(bound: Bound) -> u64 {
    bound as u64
}

/// A candidate: the device and its comparison key.
#[derive(Debug, Clone, Copy)]
struct Cand {
    dev: DevIx,
    key: Key,
}

impl Cand {
    fn bound(&self) -> Bound {
        pack(self.key.0, self.key.1, self.key.2, self.key.3)
    }
}

/// Reusable buffers of set choices, kept by the planner so that choosing allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Nodes the set uses so far.
    nodes: Vec<NodeIx>,
    /// Zones the set uses so far.
    zones: Vec<ZoneIx>,
    /// Allowed zones that may take the next brick and were not queried yet, as
    /// `(bound, slot)`.
    unqueried: Vec<(Bound, usize)>,
    /// Allowed zones that may take the next brick, queried: `(slot, candidate)`.
    queried: Vec<(usize, Cand)>,
    /// Per zone of the index, the last share of a data and of an arbiter brick
    /// (see `ZoneRec::uniform_rank_after`); kept across plans.
    shares: Vec<[ShareMemo; 2]>,
    /// The rotation `rotations` were computed for.
    rotations_for: Option<u64>,
    /// Per allowed zone, its rotation under `rotations_for` (a set's picks share one).
    rotations: Vec<u64>,
}

impl Scratch {
    /// Forgets what depends on the filter (its zone slots): called before choosing with a
    /// new one.
    pub(crate) fn new_filter(&mut self) {
        self.rotations_for = None;
    }

    /// The share memo of `zone` for data or arbiter bricks.
    fn share_memo(shares: &mut Vec<[ShareMemo; 2]>, zone: ZoneIx, arbiter: bool) -> &mut ShareMemo {
        if shares.len() <= zone.ix() {
            shares.resize(zone.ix() + 1, [ShareMemo::default(); 2]);
        }
        &mut shares[zone.ix()][usize::from(arbiter)]
    }
}

/// What one set choice reads.
pub(crate) struct SetChooser<'a> {
    pub(crate) index: &'a Index,
    pub(crate) filter: &'a Filter,
    pub(crate) needs: &'a Needs,
    /// Data bricks per set.
    pub(crate) data_slots: usize,
    /// Whether the set ends with an arbiter brick.
    pub(crate) arbiter: bool,
}

impl SetChooser<'_> {
    /// Chooses one set under the zone policy; `r` is the set's tie-break rotation. The
    /// devices are appended to `out` in position order; on refusal `out` is unchanged.
    pub(crate) fn choose(
        &self,
        policy: ZoneChecking,
        r: u64,
        scratch: &mut Scratch,
        out: &mut Vec<DevIx>,
    ) -> bool {
        match policy {
            ZoneChecking::Strict => self.choose_spread(Spread::Zones, r, scratch, out),
            ZoneChecking::Prefer => {
                self.choose_spread(Spread::Zones, r, scratch, out)
                    || self.choose_spread(
                        Spread::Nodes {
                            prefer_new_zones: true,
                        },
                        r,
                        scratch,
                        out,
                    )
            }
            ZoneChecking::None => self.choose_spread(
                Spread::Nodes {
                    prefer_new_zones: false,
                },
                r,
                scratch,
                out,
            ),
        }
    }

    fn choose_spread(
        &self,
        spread: Spread,
        r: u64,
        scratch: &mut Scratch,
        out: &mut Vec<DevIx>,
    ) -> bool {
        let start = out.len();
        scratch.nodes.clear();
        scratch.zones.clear();
        if !self.arbiter {
            return self.pick_data(spread, r, scratch, out);
        }
        // First attempt: the arbiter where it fits best, then the data bricks.
        let Some(a) = self.pick_one(true, spread, r, scratch) else {
            return false;
        };
        if self.pick_data(spread, r, scratch, out) {
            out.push(a);
            return true;
        }
        // Second attempt: the only units that hold data are the data bricks' units; the
        // arbiter goes outside them.
        out.truncate(start);
        scratch.nodes.clear();
        scratch.zones.clear();
        if !self.pick_data(spread, r, scratch, out) {
            return false;
        }
        match self.pick_one(true, spread, r, scratch) {
            Some(a) => {
                out.push(a);
                true
            }
            None => {
                out.truncate(start);
                false
            }
        }
    }

    /// The best candidate of `zone` for a data or arbiter brick on a node not in `nodes`;
    /// `bound` is the zone's bound (whether the set uses the zone, and its rotation).
    fn candidate(
        &self,
        zone: ZoneIx,
        arbiter: bool,
        r: u64,
        nodes: &[NodeIx],
        bound: Bound,
        memo: &mut ShareMemo,
    ) -> Option<Cand> {
        let index = self.index;
        let pred = |dx: DevIx| {
            let probe = &index.probes[dx.ix()];
            let need = if probe.default_extent {
                self.needs.default_bytes(arbiter)
            } else {
                self.needs.bytes(arbiter, index.devs[dx.ix()].extent)
            };
            self.filter.tags_match(dx)
                && !nodes.contains(&probe.node)
                && probe.room >= need
                && self.filter.node_ok(probe.node)
        };
        let (class, entry, role_tier) = if arbiter {
            match index.best(zone, Class::ArbRequired, r, pred) {
                Some(e) => (Class::ArbRequired, e, 0),
                None => (
                    Class::ArbSupported,
                    index.best(zone, Class::ArbSupported, r, pred)?,
                    1,
                ),
            }
        } else {
            (Class::Data, index.best(zone, Class::Data, r, pred)?, 0)
        };
        let rec = &index.zones[zone.ix()];
        let need = |extent| self.needs.bytes(arbiter, extent);
        // A uniform zone's order by rank is also its order after the brick; elsewhere the
        // devices that could end lower after the brick are looked at.
        let (entry, rank) = match rec.uniform_rank_after(entry, need, memo) {
            Some(rank) => (entry, rank),
            None => {
                let need_of = |dx: DevIx| self.needs.bytes(arbiter, index.devs[dx.ix()].extent);
                let dx = index.refine_after(zone, class, r, entry.dev(), need_of, pred);
                let dev = &index.devs[dx.ix()];
                (dev.entry(dx), dev.rank_after(need_of(dx)))
            }
        };
        let dev = entry.dev();
        let (rot, ix) = (entry.label().wrapping_sub(r), dev.0);
        let zone_tier = self.filter.tier(zone);
        let used = u8::from(bound_zone_used(bound));
        let zone_rot = bound_zone_rotation(bound);
        Some(Cand {
            dev,
            key: (used, role_tier * 2 + zone_tier, rank, zone_rot, rot, ix),
        })
    }

    /// A lower bound of `candidate(zone, arbiter, r, ..)`'s key, from the zone's cached
    /// smallest ranks: zones whose bound is above the best key found need no query.
    fn bound(
        &self,
        zone: ZoneIx,
        arbiter: bool,
        zone_used: bool,
        zone_rot: u64,
        memo: &mut ShareMemo,
    ) -> Bound {
        let rec = &self.index.zones[zone.ix()];
        let need = |extent| self.needs.bytes(arbiter, extent);
        let (role_tier, rank) = if !arbiter {
            (0, rec.rank_after_bound(Class::Data, need, memo))
        } else if rec.min_rank[Class::ArbRequired as usize] != u64::MAX {
            // A dedicated device may fail the filters, and the fallback ranks lower still.
            (0, rec.rank_after_bound(Class::ArbRequired, need, memo))
        } else {
            (1, rec.rank_after_bound(Class::ArbSupported, need, memo))
        };
        pack(
            u8::from(zone_used),
            role_tier * 2 + self.filter.tier(zone),
            rank,
            zone_rot,
        )
    }

    /// Bounds the allowed zones for picks of this kind: zones the set uses are left out when
    /// strict, ranked last when preferring new zones.
    fn open_slots(&self, arbiter: bool, spread: Spread, r: u64, scratch: &mut Scratch) {
        let prefer_new = spread.prefers_new_zones();
        let Scratch {
            zones,
            unqueried,
            queried,
            shares,
            rotations_for,
            rotations,
            ..
        } = scratch;
        if *rotations_for != Some(r) {
            rotations.clear();
            let index = self.index;
            rotations.extend(
                self.filter
                    .zones
                    .iter()
                    .map(|z| index.zones[z.ix()].rotation(r)),
            );
            *rotations_for = Some(r);
        }
        unqueried.clear();
        queried.clear();
        for (slot, z) in self.filter.zones.iter().enumerate() {
            let used = zones.contains(z);
            if !(used && spread == Spread::Zones) {
                let memo = Scratch::share_memo(shares, *z, arbiter);
                let bound = self.bound(*z, arbiter, prefer_new && used, rotations[slot], memo);
                unqueried.push((bound, slot));
            }
        }
    }

    /// The open slot with the best candidate. Slots are queried lazily, smallest bound
    /// first, until no unqueried bound can beat the best candidate found. One pass finds
    /// the two smallest unqueried bounds, so a pick whose first query wins costs one pass.
    fn best_slot(&self, arbiter: bool, r: u64, scratch: &mut Scratch) -> Option<(usize, Cand)> {
        let Scratch {
            nodes,
            unqueried,
            queried,
            shares,
            ..
        } = scratch;
        let mut best: Option<(usize, Cand)> = None;
        for &(slot, c) in queried.iter() {
            if best.is_none_or(|(_, b)| c.key < b.key) {
                best = Some((slot, c));
            }
        }
        let beaten = |bound: Bound, best: Option<(usize, Cand)>| {
            best.is_some_and(|(_, b)| bound > b.bound())
        };
        loop {
            // The two smallest unqueried bounds.
            let mut first: Option<(Bound, usize, usize)> = None;
            let mut second: Option<Bound> = None;
            for (at, &(bound, slot)) in unqueried.iter().enumerate() {
                if first.is_none_or(|(b, s, _)| (bound, slot) < (b, s)) {
                    second = first.map(|f| f.0);
                    first = Some((bound, slot, at));
                } else if second.is_none_or(|s| bound < s) {
                    second = Some(bound);
                }
            }
            let Some((bound, slot, at)) = first else {
                break;
            };
            if beaten(bound, best) {
                break;
            }
            unqueried.swap_remove(at);
            let zone = self.filter.zones[slot];
            let memo = Scratch::share_memo(shares, zone, arbiter);
            // A zone without a candidate leaves both lists: it has none for this set.
            if let Some(c) = self.candidate(zone, arbiter, r, nodes, bound, memo) {
                queried.push((slot, c));
                if best.is_none_or(|(_, b)| c.key < b.key) {
                    best = Some((slot, c));
                }
            }
            if second.is_none_or(|s| beaten(s, best)) {
                break;
            }
        }
        best
    }

    /// Records a pick of `cand` in the set's nodes and zones.
    fn take(&self, slot: usize, cand: &Cand, scratch: &mut Scratch) {
        scratch.nodes.push(self.index.probes[cand.dev.ix()].node);
        scratch.zones.push(self.filter.zones[slot]);
    }

    /// The best device for one brick on a node the set does not use yet.
    fn pick_one(
        &self,
        arbiter: bool,
        spread: Spread,
        r: u64,
        scratch: &mut Scratch,
    ) -> Option<DevIx> {
        self.open_slots(arbiter, spread, r, scratch);
        let (slot, cand) = self.best_slot(arbiter, r, scratch)?;
        self.take(slot, &cand, scratch);
        Some(cand.dev)
    }

    /// Picks `data_slots` data bricks into `out`; the scratch's nodes and zones hold what
    /// the set uses already and grow with every pick. On refusal `out` is unchanged.
    fn pick_data(
        &self,
        spread: Spread,
        r: u64,
        scratch: &mut Scratch,
        out: &mut Vec<DevIx>,
    ) -> bool {
        let start = out.len();
        let prefer_new = spread.prefers_new_zones();
        self.open_slots(false, spread, r, scratch);
        for _ in 0..self.data_slots {
            let Some((slot, cand)) = self.best_slot(false, r, scratch) else {
                out.truncate(start);
                return false;
            };
            out.push(cand.dev);
            self.take(slot, &cand, scratch);
            // The picked zone leaves the queried ones; other zones' candidates stay valid
            // (a node lies in one zone).
            scratch.queried.retain(|&(s, _)| s != slot);
            if spread != Spread::Zones {
                // The zone may offer another node; its key (and bound) change with the pick.
                let zone = self.filter.zones[slot];
                let memo = Scratch::share_memo(&mut scratch.shares, zone, false);
                let rot = scratch.rotations[slot];
                let bound = self.bound(zone, false, prefer_new, rot, memo);
                scratch.unqueried.push((bound, slot));
            }
        }
        true
    }
}

//! Choosing the devices of one brick set.
//!
//! Every zone can offer its best candidate (most free fraction after the brick among the
//! devices that pass the filters and have room; ties within a zone broken by a seeded
//! rotation of stable device labels, ties between zones by a seeded rotation of the zones);
//! the set takes the best candidates across zones. A zone's key is bounded from below by its cached smallest rank, so only zones whose
//! bound can beat the best candidate found so far are queried: O(zones) cheap bounds plus a
//! few O(log devices) queries per brick.
//!
//! The choice is complete for one set: it finds a set whenever one exists. Without an
//! arbiter, a greedy choice of distinct units (zones when strict, nodes otherwise) is
//! complete. With an arbiter (two data slots, one arbiter slot) the arbiter is chosen first
//! (dedicated `arbiter: required` devices first) and the data bricks after it; if the data
//! bricks then no longer fit, exactly two units can hold data and the arbiter must go
//! outside them, which the second attempt does (Hall's condition for this small matching).

use gluster_model::ZoneChecking;

use crate::filter::{Filter, Needs};
use crate::index::{Class, DevIx, Index, NodeIx, ZoneIx};

/// How bricks of a set are spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spread {
    /// Every brick in a distinct zone.
    Zones,
    /// Distinct nodes; `prefer_new_zones` ranks zones the set does not use yet first.
    Nodes { prefer_new_zones: bool },
}

/// A candidate's comparison key: (zone already used, role tier x 2 + zone tier, rank after
/// taking the brick, zone rotation, device rotated label, device index).
type Key = (u8, u8, u64, u64, u64, u32);

/// What a zone's candidate key is at least: its first four parts, with the rank bounded
/// from below without looking at a device.
type Bound = (u8, u8, u64, u64);

/// A candidate: the device and its comparison key.
#[derive(Debug, Clone, Copy)]
struct Cand {
    dev: DevIx,
    key: Key,
}

impl Cand {
    fn bound(&self) -> Bound {
        (self.key.0, self.key.1, self.key.2, self.key.3)
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

/// Chosen devices of a set, in position order.
pub(crate) type SetChoice = Vec<DevIx>;

impl SetChooser<'_> {
    /// Chooses one set under the zone policy; `r` is the set's tie-break rotation.
    pub(crate) fn choose(&self, policy: ZoneChecking, r: u64) -> Option<SetChoice> {
        match policy {
            ZoneChecking::Strict => self.choose_spread(Spread::Zones, r),
            ZoneChecking::Prefer => self.choose_spread(Spread::Zones, r).or_else(|| {
                self.choose_spread(
                    Spread::Nodes {
                        prefer_new_zones: true,
                    },
                    r,
                )
            }),
            ZoneChecking::None => self.choose_spread(
                Spread::Nodes {
                    prefer_new_zones: false,
                },
                r,
            ),
        }
    }

    fn choose_spread(&self, spread: Spread, r: u64) -> Option<SetChoice> {
        let mut nodes: Vec<NodeIx> = Vec::with_capacity(self.data_slots + 1);
        let mut zones: Vec<ZoneIx> = Vec::with_capacity(self.data_slots + 1);
        if !self.arbiter {
            return self.pick_data(spread, r, &mut nodes, &mut zones);
        }
        // First attempt: the arbiter where it fits best, then the data bricks.
        let a = self.pick_arbiter(spread, r, &[], &[])?;
        nodes.push(self.index.devs[a.ix()].node);
        zones.push(self.index.devs[a.ix()].zone);
        if let Some(mut data) = self.pick_data(spread, r, &mut nodes, &mut zones) {
            data.push(a);
            return Some(data);
        }
        // Second attempt: the only units that hold data are the data bricks' units; the
        // arbiter goes outside them.
        nodes.clear();
        zones.clear();
        let mut data = self.pick_data(spread, r, &mut nodes, &mut zones)?;
        let a = self.pick_arbiter(spread, r, &nodes, &zones)?;
        data.push(a);
        Some(data)
    }

    /// The best candidate of `zone` for a data or arbiter brick on a node not in `nodes`.
    fn candidate(
        &self,
        zone: ZoneIx,
        arbiter: bool,
        r: u64,
        nodes: &[NodeIx],
        zone_used: bool,
    ) -> Option<Cand> {
        let index = self.index;
        let pred = |dx: DevIx| {
            let dev = &index.devs[dx.ix()];
            self.filter.tags_match(dx)
                && !nodes.contains(&dev.node)
                && dev.room() >= self.needs.bytes(arbiter, dev.extent)
        };
        let (class, dev, role_tier) = if arbiter {
            match index.best(zone, Class::ArbRequired, r, pred) {
                Some(d) => (Class::ArbRequired, d, 0),
                None => (
                    Class::ArbSupported,
                    index.best(zone, Class::ArbSupported, r, pred)?,
                    1,
                ),
            }
        } else {
            (Class::Data, index.best(zone, Class::Data, r, pred)?, 0)
        };
        let need = |dx: DevIx| self.needs.bytes(arbiter, index.devs[dx.ix()].extent);
        let dev = if index.zones[zone.ix()].uniform {
            dev
        } else {
            index.refine_after(zone, class, r, dev, need, pred)
        };
        let (_, rot, ix) = index.key(dev, r);
        let rank = index.devs[dev.ix()].rank_after(need(dev));
        let zone_tier = self.filter.tier(zone);
        let used = u8::from(zone_used);
        let zone_rot = index.zones[zone.ix()].rotation(r);
        Some(Cand {
            dev,
            key: (used, role_tier * 2 + zone_tier, rank, zone_rot, rot, ix),
        })
    }

    /// A lower bound of `candidate(zone, false, r, ..)`'s key, from the zone's cached
    /// smallest rank: zones whose bound is above the best key found need no query.
    fn data_bound(&self, zone: ZoneIx, r: u64, zone_used: bool) -> Bound {
        let rec = &self.index.zones[zone.ix()];
        let rank = rec.rank_after_bound(Class::Data, |extent| self.needs.bytes(false, extent));
        (
            u8::from(zone_used),
            self.filter.tier(zone),
            rank,
            rec.rotation(r),
        )
    }

    /// The best arbiter device on a node not in `nodes`; `zones` are the set's zones so far
    /// (excluded when strict, ranked last when preferring new zones).
    fn pick_arbiter(
        &self,
        spread: Spread,
        r: u64,
        nodes: &[NodeIx],
        zones: &[ZoneIx],
    ) -> Option<DevIx> {
        let mut best: Option<Cand> = None;
        for &z in &self.filter.zones {
            let used = zones.contains(&z);
            if used && spread == Spread::Zones {
                continue;
            }
            let prefer_new = spread
                == Spread::Nodes {
                    prefer_new_zones: true,
                };
            if let Some(c) = self.candidate(z, true, r, nodes, used && prefer_new) {
                if best.is_none_or(|b| c.key < b.key) {
                    best = Some(c);
                }
            }
        }
        best.map(|c| c.dev)
    }

    /// Picks `data_slots` data bricks; `nodes` and `zones` hold what the set uses already
    /// and grow with every pick.
    fn pick_data(
        &self,
        spread: Spread,
        r: u64,
        nodes: &mut Vec<NodeIx>,
        zones: &mut Vec<ZoneIx>,
    ) -> Option<SetChoice> {
        let prefer_new = matches!(
            spread,
            Spread::Nodes {
                prefer_new_zones: true
            }
        );
        let strict = spread == Spread::Zones;
        let allowed = &self.filter.zones;
        // Zones by the lower bound of their key; a zone's candidate is computed only when
        // its bound could beat the best candidate found so far (lazily, at most once per
        // pick). Untried: `None`; tried: `Some(candidate or none)`.
        let mut order: Vec<(Bound, usize)> = allowed
            .iter()
            .enumerate()
            .filter(|(_, z)| !(strict && zones.contains(z)))
            .map(|(slot, &z)| {
                (
                    self.data_bound(z, r, prefer_new && zones.contains(&z)),
                    slot,
                )
            })
            .collect();
        order.sort_unstable();
        let mut cands: Vec<Option<Option<Cand>>> = vec![None; allowed.len()];
        let mut picked = Vec::with_capacity(self.data_slots + 1);
        for _ in 0..self.data_slots {
            let mut best: Option<(usize, Cand)> = None;
            for &(bound, slot) in &order {
                if best.is_some_and(|(_, b)| bound > b.bound()) {
                    break;
                }
                let cand = *cands[slot].get_or_insert_with(|| {
                    let z = allowed[slot];
                    self.candidate(z, false, r, nodes, prefer_new && zones.contains(&z))
                });
                if let Some(c) = cand {
                    if best.is_none_or(|(_, b)| c.key < b.key) {
                        best = Some((slot, c));
                    }
                }
            }
            let (slot, cand) = best?;
            let dev = &self.index.devs[cand.dev.ix()];
            picked.push(cand.dev);
            nodes.push(dev.node);
            zones.push(dev.zone);
            if strict {
                order.retain(|&(_, s)| s != slot);
            } else {
                // The zone may offer another node; its key (and bound) change with the pick.
                cands[slot] = None;
                let z = allowed[slot];
                if let Some(entry) = order.iter_mut().find(|(_, s)| *s == slot) {
                    entry.0 = self.data_bound(z, r, prefer_new);
                }
                // (Other zones' candidates stay valid: a node lies in one zone.)
                order.sort_unstable();
            }
        }
        Some(picked)
    }
}

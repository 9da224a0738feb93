//! Choosing the devices of one brick set.
//!
//! Every zone offers its best candidate (most free fraction among the devices that pass the
//! filters and have room, ties broken by a seeded rotation of stable labels); the set takes
//! the best candidates across zones. The cost is O(zones) queries of O(log devices) each,
//! plus one query more per brick.
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

/// A candidate: the device and its comparison key
/// (zone already used, role tier, zone tier, rank, rotated label, index).
#[derive(Debug, Clone, Copy)]
struct Cand {
    dev: DevIx,
    key: (u8, u8, u64, u64, u32),
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
        let (dev, role_tier) = if arbiter {
            match index.best(zone, Class::ArbRequired, r, pred) {
                Some(d) => (d, 0),
                None => (index.best(zone, Class::ArbSupported, r, pred)?, 1),
            }
        } else {
            (index.best(zone, Class::Data, r, pred)?, 0)
        };
        let (rank, rot, ix) = index.key(dev, r);
        let zone_tier = self.filter.tier(zone);
        let used = u8::from(zone_used);
        Some(Cand {
            dev,
            key: (used, role_tier * 2 + zone_tier, rank, rot, ix),
        })
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
        let mut cands: Vec<Option<Cand>> = allowed
            .iter()
            .map(|&z| {
                if strict && zones.contains(&z) {
                    None
                } else {
                    self.candidate(z, false, r, nodes, prefer_new && zones.contains(&z))
                }
            })
            .collect();
        let mut picked = Vec::with_capacity(self.data_slots + 1);
        for _ in 0..self.data_slots {
            let (slot, cand) = cands
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.map(|c| (i, c)))
                .min_by_key(|(_, c)| c.key)?;
            let dev = &self.index.devs[cand.dev.ix()];
            picked.push(cand.dev);
            nodes.push(dev.node);
            zones.push(dev.zone);
            cands[slot] = if strict {
                None
            } else {
                self.candidate(allowed[slot], false, r, nodes, prefer_new)
            };
        }
        Some(picked)
    }
}

//! The greedy pass: biggest bricks first, each to the good device with the most free
//! fraction.

#[allow(unused_imports)]
use super::*;

/// Nodes and zones taken by the group's bricks (fixed and already assigned co-movers).
pub(super) struct GroupTaken {
    pub(super) nodes: Vec<Vec<usize>>,
    pub(super) zones: Vec<Vec<Zone>>,
}

impl GroupTaken {
    pub(super) fn new(n: usize) -> Self {
        GroupTaken {
            nodes: vec![Vec::new(); n],
            zones: vec![Vec::new(); n],
        }
    }
    pub(super) fn take(&mut self, topo: &Topo<'_>, m: &Mover<'_>, d: usize) {
        let ni = topo.devs[d].node;
        self.nodes[m.group].push(ni);
        self.zones[m.group].push(topo.devs[d].zone);
    }
    pub(super) fn untake(&mut self, topo: &Topo<'_>, m: &Mover<'_>, d: usize) {
        let ni = topo.devs[d].node;
        let g = m.group;
        if let Some(p) = self.nodes[g].iter().position(|&n| n == ni) {
            self.nodes[g].swap_remove(p);
        }
        if let Some(p) = self.zones[g].iter().position(|&z| z == topo.devs[d].zone) {
            self.zones[g].swap_remove(p);
        }
    }
    pub(super) fn node_taken(&self, m: &Mover<'_>, n: usize) -> bool {
        m.fixed_nodes.contains(&n) || self.nodes[m.group].contains(&n)
    }
    pub(super) fn zone_ok(&self, m: &Mover<'_>, z: Zone) -> bool {
        zone_good(m.policy.zone_checking, z, &m.fixed_zones)
            && zone_good(m.policy.zone_checking, z, &self.zones[m.group])
    }
}

/// Whether device `d` can take mover `m` now (all filters but the zone policy).
pub(super) fn fits(
    topo: &Topo<'_>,
    m: &Mover<'_>,
    taken: &GroupTaken,
    target: &[bool],
    d: usize,
) -> bool {
    !target[d]
        && topo.static_ok(d, m.cluster, m.policy, m.role).is_ok()
        && !taken.node_taken(m, topo.devs[d].node)
        && topo
            .space_on(d, m.size, m.factor)
            .is_some_and(|s| topo.usable(d) >= s)
}

type ZoneIndex = BTreeMap<Zone, BTreeSet<(Reverse<u64>, u64, usize)>>;

pub(super) fn index_key(topo: &Topo<'_>, d: usize) -> (Reverse<u64>, u64, usize) {
    (Reverse(topo.free_key(d)), topo.devs[d].tie, d)
}

/// The balanced greedy pass: biggest bricks first, each to the fitting device with the most
/// free fraction in a good zone, else (when allowed) in any zone on a distinct node.
pub(super) fn greedy_assign(
    topo: &mut Topo<'_>,
    movers: &[Mover<'_>],
    target: &[bool],
    ngroups: usize,
) -> Assign {
    let mut index: ZoneIndex = BTreeMap::new();
    for (d, dev) in topo.devs.iter().enumerate() {
        if !target[d] && dev.online {
            index
                .entry(dev.zone)
                .or_default()
                .insert(index_key(topo, d));
        }
    }
    let mut order: Vec<usize> = (0..movers.len()).collect();
    order.sort_by_key(|&i| (Reverse(movers[i].size), movers[i].brick.id));
    let mut taken = GroupTaken::new(ngroups);
    let mut assign = Assign {
        dev: vec![None; movers.len()],
    };
    for i in order {
        let m = &movers[i];
        let mut pick = None;
        for good_pass in [true, false] {
            if !good_pass && !m.degrade_ok {
                break;
            }
            let mut best: Option<(Reverse<u64>, u64, usize)> = None;
            for (&z, set) in &index {
                if !m.policy.allows_zone(z) || taken.zone_ok(m, z) != good_pass {
                    continue;
                }
                if let Some(k) = set
                    .iter()
                    .find(|k| fits(topo, m, &taken, target, k.2))
                    .copied()
                {
                    if best.is_none_or(|b| k < b) {
                        best = Some(k);
                    }
                }
            }
            if let Some(k) = best {
                pick = Some(k.2);
                break;
            }
        }
        if let Some(d) = pick {
            let space = topo.space_on(d, m.size, m.factor).unwrap_or(ByteSize::ZERO);
            if let Some(set) = index.get_mut(&topo.devs[d].zone) {
                set.remove(&index_key(topo, d));
                topo.used[d] = topo.used[d].checked_add(space).unwrap_or(topo.used[d]);
                set.insert(index_key(topo, d));
            }
            taken.take(topo, m, d);
            assign.dev[i] = Some(d);
        }
    }
    assign
}

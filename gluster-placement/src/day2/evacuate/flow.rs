//! The exact solver: max-flow over bricks, zone and node hubs and devices, by size class.

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Device(usize),
    Other,
}

/// A flow network under construction.
pub(super) struct Net {
    pub(super) g: Graph<(), u32>,
    pub(super) kind: Vec<Kind>,
    pub(super) sink: NodeIndex,
    pub(super) dev_node: HashMap<usize, Option<NodeIndex>>,
}

impl Net {
    pub(super) fn node(&mut self, k: Kind) -> NodeIndex {
        self.kind.push(k);
        self.g.add_node(())
    }

    /// A split node: `(in, out)` joined by an edge of capacity 1.
    pub(super) fn gadget(&mut self) -> (NodeIndex, NodeIndex) {
        let a = self.node(Kind::Other);
        let b = self.node(Kind::Other);
        self.g.add_edge(a, b, 1);
        (a, b)
    }

    /// A device's node, with its capacity in bricks of the mover's class.
    pub(super) fn device(&mut self, topo: &Topo<'_>, m: &Mover<'_>, d: usize) -> Option<NodeIndex> {
        if let Some(n) = self.dev_node.get(&d) {
            return *n;
        }
        let count = topo
            .space_on(d, m.size, m.factor)
            .filter(|s| *s > ByteSize::ZERO)
            .map(|s| topo.usable(d).bytes() / s.bytes())
            .unwrap_or(0);
        let n = if count == 0 {
            None
        } else {
            let n = self.node(Kind::Device(d));
            self.g
                .add_edge(n, self.sink, u32::try_from(count).unwrap_or(u32::MAX));
            Some(n)
        };
        self.dev_node.insert(d, n);
        n
    }

    /// A hub feeding `devices` (those that pass the static filters and have room), or
    /// `None` when none does. Edges are added least-preferred first, so that the solver,
    /// which walks adjacency lists newest first, tries the emptiest devices first.
    pub(super) fn hub(
        &mut self,
        topo: &Topo<'_>,
        m: &Mover<'_>,
        target: &[bool],
        devices: impl Iterator<Item = usize>,
    ) -> Option<NodeIndex> {
        let mut cands: Vec<usize> = devices
            .filter(|&d| !target[d] && topo.static_ok(d, m.cluster, m.policy, m.role).is_ok())
            .collect();
        cands.sort_by_key(|&d| (topo.free_key(d), Reverse(topo.devs[d].tie)));
        let mut hub = None;
        for d in cands {
            if let Some(dn) = self.device(topo, m, d) {
                let h = match hub {
                    Some(h) => h,
                    None => {
                        let h = self.node(Kind::Other);
                        hub = Some(h);
                        h
                    }
                };
                self.g.add_edge(h, dn, u32::MAX / 2);
            }
        }
        hub
    }
}

/// The exact solver: per size class, a max-flow of good edges, then (if needed) of all
/// edges; then a repair pass moving degraded bricks to good devices with room.
pub(super) fn flow_assign(
    topo: &mut Topo<'_>,
    movers: &[Mover<'_>],
    target: &[bool],
    ngroups: usize,
) -> Assign {
    let mut assign = Assign {
        dev: vec![None; movers.len()],
    };
    let mut taken = GroupTaken::new(ngroups);
    let mut classes: BTreeMap<(Reverse<ByteSize>, SnapshotFactor, BrickRole), Vec<usize>> =
        BTreeMap::new();
    for (i, m) in movers.iter().enumerate() {
        classes
            .entry((Reverse(m.size), m.factor, m.role))
            .or_default()
            .push(i);
    }
    let mut zone_nodes: BTreeMap<Zone, Vec<usize>> = BTreeMap::new();
    for (ni, n) in topo.nodes.iter().enumerate() {
        zone_nodes.entry(n.zone).or_default().push(ni);
    }
    for batch in classes.values() {
        let good = flow_batch(topo, movers, batch, target, &taken, &zone_nodes, false);
        let placed_good = good.iter().filter(|d| d.is_some()).count();
        let result = if placed_good < batch.len() && batch.iter().any(|&i| movers[i].degrade_ok) {
            let all = flow_batch(topo, movers, batch, target, &taken, &zone_nodes, true);
            if all.iter().filter(|d| d.is_some()).count() > placed_good {
                all
            } else {
                good
            }
        } else {
            good
        };
        for (&i, d) in batch.iter().zip(result) {
            if let Some(d) = d {
                let m = &movers[i];
                let space = topo.space_on(d, m.size, m.factor).unwrap_or(ByteSize::ZERO);
                topo.used[d] = topo.used[d].checked_add(space).unwrap_or(topo.used[d]);
                taken.take(topo, m, d);
                assign.dev[i] = Some(d);
            }
        }
    }
    // Repair: a degraded brick moves to a good device with room if one is left.
    for (i, m) in movers.iter().enumerate() {
        let Some(d) = assign.dev[i] else { continue };
        taken.untake(topo, m, d);
        if taken.zone_ok(m, topo.devs[d].zone) {
            taken.take(topo, m, d);
            continue;
        }
        let space = topo.space_on(d, m.size, m.factor).unwrap_or(ByteSize::ZERO);
        topo.used[d] = topo.used[d].saturating_sub(space);
        let better = (0..topo.devs.len())
            .filter(|&c| {
                m.policy.allows_zone(topo.devs[c].zone)
                    && taken.zone_ok(m, topo.devs[c].zone)
                    && fits(topo, m, &taken, target, c)
            })
            .max_by_key(|&c| (topo.free_key(c), Reverse(topo.devs[c].tie)));
        let to = better.unwrap_or(d);
        let space = topo
            .space_on(to, m.size, m.factor)
            .unwrap_or(ByteSize::ZERO);
        topo.used[to] = topo.used[to].checked_add(space).unwrap_or(topo.used[to]);
        taken.take(topo, m, to);
        assign.dev[i] = Some(to);
    }
    assign
}

/// Hubs of one flow network: per (node, policy) the node's fitting devices, and segment-tree
/// hubs over ranges of a zone's nodes (per cluster and policy).
#[derive(Default)]
pub(super) struct Hubs {
    pub(super) node: HashMap<(usize, usize), Option<NodeIndex>>,
    pub(super) range: HashMap<(Zone, ClusterId, usize, usize, usize), Option<NodeIndex>>,
}

impl Hubs {
    pub(super) fn node(
        &mut self,
        net: &mut Net,
        topo: &Topo<'_>,
        m: &Mover<'_>,
        target: &[bool],
        n: usize,
    ) -> Option<NodeIndex> {
        if let Some(h) = self.node.get(&(n, m.pol_ix)) {
            return *h;
        }
        let h = net.hub(topo, m, target, topo.node_devs[n].iter().copied());
        self.node.insert((n, m.pol_ix), h);
        h
    }

    /// The hub of the zone's nodes `a..b` (a segment-tree range).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn range(
        &mut self,
        net: &mut Net,
        topo: &Topo<'_>,
        m: &Mover<'_>,
        target: &[bool],
        z: Zone,
        nodes: &[usize],
        (a, b): (usize, usize),
    ) -> Option<NodeIndex> {
        if b - a == 1 {
            let n = nodes[a];
            if !topo.nodes[n].online || topo.nodes[n].cluster != m.cluster {
                return None;
            }
            return self.node(net, topo, m, target, n);
        }
        let key = (z, m.cluster, m.pol_ix, a, b);
        if let Some(h) = self.range.get(&key) {
            return *h;
        }
        let mid = a + (b - a) / 2;
        let kids: Vec<NodeIndex> = [(a, mid), (mid, b)]
            .into_iter()
            .filter_map(|r| self.range(net, topo, m, target, z, nodes, r))
            .collect();
        let h = match kids.as_slice() {
            [] => None,
            [one] => Some(*one),
            _ => {
                let h = net.node(Kind::Other);
                for k in kids {
                    net.g.add_edge(h, k, u32::MAX / 2);
                }
                Some(h)
            }
        };
        self.range.insert(key, h);
        h
    }

    /// Connects `from` to the hubs covering the zone's nodes `want` (within the segment
    /// tree range `at`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn cover(
        &mut self,
        net: &mut Net,
        topo: &Topo<'_>,
        m: &Mover<'_>,
        target: &[bool],
        z: Zone,
        nodes: &[usize],
        want: (usize, usize),
        at: (usize, usize),
        from: NodeIndex,
    ) {
        if want.1 <= at.0 || at.1 <= want.0 {
            return;
        }
        if want.0 <= at.0 && at.1 <= want.1 {
            if let Some(h) = self.range(net, topo, m, target, z, nodes, at) {
                net.g.add_edge(from, h, 1);
            }
            return;
        }
        let mid = at.0 + (at.1 - at.0) / 2;
        self.cover(net, topo, m, target, z, nodes, want, (at.0, mid), from);
        self.cover(net, topo, m, target, z, nodes, want, (mid, at.1), from);
    }
}

/// One max-flow over the movers of one size class; returns each mover's device.
pub(super) fn flow_batch(
    topo: &Topo<'_>,
    movers: &[Mover<'_>],
    batch: &[usize],
    target: &[bool],
    taken: &GroupTaken,
    zone_nodes: &BTreeMap<Zone, Vec<usize>>,
    allow_bad: bool,
) -> Vec<Option<usize>> {
    let mut g: Graph<(), u32> = Graph::new();
    let src = g.add_node(());
    let sink = g.add_node(());
    let mut net = Net {
        g,
        kind: vec![Kind::Other, Kind::Other],
        sink,
        dev_node: HashMap::new(),
    };
    let mut hubs = Hubs::default();
    let mut node_pos = vec![0; topo.nodes.len()];
    for nodes in zone_nodes.values() {
        for (p, &n) in nodes.iter().enumerate() {
            node_pos[n] = p;
        }
    }
    let mut gz: HashMap<(usize, Zone), (NodeIndex, NodeIndex)> = HashMap::new();
    let mut gn: HashMap<(usize, usize), (NodeIndex, NodeIndex)> = HashMap::new();
    let mut gz_gn: HashSet<(NodeIndex, NodeIndex)> = HashSet::new();
    let mut co: HashMap<usize, usize> = HashMap::new();
    for &i in batch {
        *co.entry(movers[i].group).or_default() += 1;
    }
    let mut brick_nodes = Vec::with_capacity(batch.len());

    for &i in batch {
        let m = &movers[i];
        let bn = net.node(Kind::Other);
        net.g.add_edge(src, bn, 1);
        brick_nodes.push(bn);
        let is_co = co.get(&m.group).copied().unwrap_or(0) > 1;
        let policy_zones = m.policy.zone_checking != ZoneChecking::None;
        for (&z, nodes) in zone_nodes {
            if !m.policy.allows_zone(z) {
                continue;
            }
            let good = taken.zone_ok(m, z);
            if !(good || allow_bad && m.degrade_ok) {
                continue;
            }
            if !is_co {
                // The zone's nodes but the few this brick must avoid, as O(excluded x log
                // nodes) ranges of a segment tree over the zone's nodes: no dense edges.
                let mut excluded: Vec<usize> = m
                    .fixed_nodes
                    .iter()
                    .chain(&taken.nodes[m.group])
                    .filter(|&&n| topo.nodes[n].zone == z)
                    .map(|&n| node_pos[n])
                    .collect();
                excluded.sort_unstable();
                let mut lo = 0;
                for e in excluded.into_iter().chain([nodes.len()]) {
                    if lo < e {
                        hubs.cover(
                            &mut net,
                            topo,
                            m,
                            target,
                            z,
                            nodes,
                            (lo, e),
                            (0, nodes.len()),
                            bn,
                        );
                    }
                    lo = lo.max(e + 1);
                }
                continue;
            }
            // With degradation allowed, zones do not constrain this brick at all (only nodes
            // do); the repair pass afterwards restores good zones where room is left.
            let zone_gadget = if is_co && good && policy_zones && !(allow_bad && m.degrade_ok) {
                let (zi, zo) = match gz.get(&(m.group, z)) {
                    Some(p) => *p,
                    None => {
                        let p = net.gadget();
                        gz.insert((m.group, z), p);
                        p
                    }
                };
                net.g.add_edge(bn, zi, 1);
                Some(zo)
            } else {
                None
            };
            for &n in nodes {
                if taken.node_taken(m, n)
                    || !topo.nodes[n].online
                    || topo.nodes[n].cluster != m.cluster
                {
                    continue;
                }
                let Some(hub) = hubs.node(&mut net, topo, m, target, n) else {
                    continue;
                };
                if !is_co {
                    net.g.add_edge(bn, hub, 1);
                    continue;
                }
                let (ni, _) = match gn.get(&(m.group, n)) {
                    Some(p) => *p,
                    None => {
                        let p = net.gadget();
                        net.g.add_edge(p.1, hub, 1);
                        gn.insert((m.group, n), p);
                        p
                    }
                };
                match zone_gadget {
                    Some(zo) => {
                        if gz_gn.insert((zo, ni)) {
                            net.g.add_edge(zo, ni, 1);
                        }
                    }
                    None => {
                        net.g.add_edge(bn, ni, 1);
                    }
                }
            }
        }
    }

    let (_, mut flows) = petgraph::algo::dinics(&net.g, src, sink);
    let mut out = vec![None; batch.len()];
    for (k, &bn) in brick_nodes.iter().enumerate() {
        // Walk the flow from the brick to a device, consuming one unit per edge (the network
        // is acyclic, so the walk ends).
        let mut cur = bn;
        loop {
            if let Kind::Device(d) = net.kind[cur.index()] {
                out[k] = Some(d);
                break;
            }
            let next = net
                .g
                .edges(cur)
                .find(|e| flows[e.id().index()] > 0)
                .map(|e| (e.id().index(), e.target()));
            let Some((id, to)) = next else { break };
            flows[id] -= 1;
            cur = to;
        }
    }
    out
}

//! The bounded backtracking search for mixed brick sizes.

#[allow(unused_imports)]
use super::*;

/// Most moving bricks the exhaustive search takes on.
pub(super) const SEARCH_MAX_MOVERS: usize = 24;
/// Most search nodes visited before the search gives up.
pub(super) const SEARCH_BUDGET: usize = 200_000;

/// The exact fallback for mixed brick sizes (see the module docs): when the bricks form more
/// than one size class, at most [`SEARCH_MAX_MOVERS`] move, and the flow left a brick
/// unplaced or degraded, a backtracking search looks for a plan keeping every zone policy
/// (unless `keepable` says none can), then (if bricks were unplaced) for any plan. `None`
/// keeps the flow's answer.
pub(super) fn search_fallback(
    topo: &mut Topo<'_>,
    movers: &[Mover<'_>],
    target: &[bool],
    ngroups: usize,
    pristine: &[ByteSize],
    current: &Assign,
    keepable: bool,
) -> Option<Assign> {
    let unplaced = current.dev.iter().any(Option::is_none);
    if !unplaced && (!keepable || count_degraded(topo, movers, current) == 0) {
        return None;
    }
    let classes: BTreeSet<(ByteSize, SnapshotFactor, BrickRole)> =
        movers.iter().map(|m| (m.size, m.factor, m.role)).collect();
    if classes.len() < 2 || movers.len() > SEARCH_MAX_MOVERS {
        return None;
    }
    let saved = std::mem::replace(&mut topo.used, pristine.to_vec());
    let mut found = None;
    let mut s = Search {
        movers,
        target,
        taken: GroupTaken::new(ngroups),
        dev: vec![None; movers.len()],
        budget: SEARCH_BUDGET,
        order: Vec::new(),
        cands: Vec::new(),
        allow_bad: false,
    };
    s.prepare(topo);
    for allow_bad in [false, true] {
        if !allow_bad && !keepable {
            continue;
        }
        s.allow_bad = allow_bad;
        if s.run(topo, 0) {
            found = Some(Assign { dev: s.dev.clone() });
            break;
        }
        if !unplaced || !movers.iter().any(|m| m.degrade_ok) {
            break;
        }
    }
    topo.used = saved;
    found
}

/// Backtracking over movers (fewest candidates first) and their devices (emptiest first).
pub(super) struct Search<'a, 'm> {
    pub(super) movers: &'a [Mover<'m>],
    pub(super) target: &'a [bool],
    pub(super) taken: GroupTaken,
    pub(super) dev: Vec<Option<usize>>,
    pub(super) budget: usize,
    pub(super) order: Vec<usize>,
    /// Devices passing the static filters, node separation from fixed bricks and room.
    pub(super) cands: Vec<Vec<usize>>,
    pub(super) allow_bad: bool,
}

impl Search<'_, '_> {
    pub(super) fn prepare(&mut self, topo: &Topo<'_>) {
        let empty = GroupTaken::new(self.taken.nodes.len());
        self.cands = self
            .movers
            .iter()
            .map(|m| {
                let mut c: Vec<usize> = (0..topo.devs.len())
                    .filter(|&d| fits(topo, m, &empty, self.target, d))
                    .collect();
                c.sort_by_key(|&d| (Reverse(topo.free_key(d)), topo.devs[d].tie));
                c
            })
            .collect();
        self.order = (0..self.movers.len()).collect();
        self.order.sort_by_key(|&i| {
            (
                self.cands[i].len(),
                Reverse(self.movers[i].size),
                self.movers[i].brick.id,
            )
        });
    }

    /// Whether movers `order[k..]` can all be placed; on success `dev` holds the plan.
    pub(super) fn run(&mut self, topo: &mut Topo<'_>, k: usize) -> bool {
        let Some(&i) = self.order.get(k) else {
            return true;
        };
        let m = &self.movers[i];
        let passes: &[bool] = if self.allow_bad && m.degrade_ok {
            &[true, false]
        } else {
            &[true]
        };
        for &good in passes {
            for c in 0..self.cands[i].len() {
                let d = self.cands[i][c];
                if self.budget == 0 {
                    return false;
                }
                self.budget -= 1;
                if self.taken.zone_ok(m, topo.devs[d].zone) != good
                    || !fits(topo, m, &self.taken, self.target, d)
                {
                    continue;
                }
                let space = topo.space_on(d, m.size, m.factor).unwrap_or(ByteSize::ZERO);
                topo.used[d] = topo.used[d].checked_add(space).unwrap_or(topo.used[d]);
                self.taken.take(topo, m, d);
                self.dev[i] = Some(d);
                if self.run(topo, k + 1) {
                    return true;
                }
                self.dev[i] = None;
                self.taken.untake(topo, m, d);
                topo.used[d] = topo.used[d].saturating_sub(space);
            }
        }
        false
    }
}

//! Evacuation: a replacement device for every brick on a device, a node or a zone.
//!
//! # How it is solved
//!
//! Every brick on the target needs a device that is online, outside the target, on a node
//! that holds no other brick of its set, allowed by its volume's zones, tag rules and the
//! arbiter tag, with room for the brick's pool and metadata after the device reserve. Zone
//! policy: a brick of a `strict` or `prefer` volume goes to a zone its set does not use
//! ("good"); when no good zone can take it, `prefer` bricks (and `strict` ones when
//! [`Day2Settings::allow_degraded`] is set) go to a zone of their set on a distinct node and
//! the step is marked `degraded`.
//!
//! 1. A greedy pass (biggest bricks first) gives each brick the good device with the most free
//!    fraction, from a per-zone index ordered by free fraction: balanced and O(bricks x zones)
//!    in the common case. When it places every brick in a good zone, that is the plan (also
//!    when it places every brick and some brick has no good zone at all).
//! 2. Otherwise the exact solver runs: a max-flow ([`petgraph::algo::dinics`]) over
//!    source -> brick (1) -> segment-tree hubs over each zone's nodes -> node hub -> device
//!    (capacity: how many such bricks fit) -> sink. A brick links to the O(k log n) tree
//!    hubs covering its zone's nodes minus the k nodes of its set, so the graph has no
//!    bricks x devices edges. Bricks of one set moving together (zone targets) go through
//!    (set, zone) gadgets (1) -> (set, node) gadgets (1) instead, which put them on distinct
//!    nodes (and, under a zone policy, distinct zones). Node separation, capacity and
//!    strict zones are then exactly the flow's constraints, so for bricks of one size the
//!    flow moves every brick whenever some assignment does. A first flow uses only good
//!    zones; if it cannot move every brick, a second flow also allows degraded edges, and
//!    degraded bricks are then moved to good devices where room is left.
//! 3. Unequal brick sizes (arbiters, volumes of different brick sizes): a device's capacity
//!    "in bricks" is only exact for one size, so bricks are solved by size class, largest
//!    first, each class a separate max-flow over the space the larger classes left. This
//!    never over-books a device but is not exact: with mixed sizes the problem contains bin
//!    packing (NP-hard), and co-moving bricks of one set in different classes are placed
//!    one class after the other. So when several classes move, at most 24 bricks, and the
//!    flow left a brick unplaced or degraded, a backtracking search (most constrained brick
//!    first, at most 200,000 nodes) looks for a plan that keeps every zone policy, then
//!    for any plan. Within those bounds the planner is exact (the oracle tests check it);
//!    beyond them it may refuse an evacuation that a cleverer packing could do.
//!
//! The planner keeps zone policies wherever some plan can: a step is `degraded` only when
//! no assignment keeps every set's zones (exact under the same bounds).
//!
//! When some brick cannot move, the error names it with a funnel of candidate counts (online
//! devices outside the target, then node separation, zones, tags, arbiter tag, room), so the
//! cause is either the first filter that leaves no candidate, or contention.
//!
//! [`Day2Settings::allow_degraded`]: super::Day2Settings::allow_degraded

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use petgraph::graph::{Graph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use gluster_model::{
    Brick, BrickRole, ByteSize, ClusterId, DeviceId, Model, ModelError, NodeId, SnapshotFactor,
    Volume, VolumeId, Zone, ZoneChecking,
};

use crate::progress::Progress;

use super::topo::{factor_of, zone_good, Topo};
use super::{
    apply_steps, assign_waves, replacement_brick_id, BrickLocation, Day2Settings, ReplaceStep,
    VolumePolicy,
};

mod explanation;
mod flow;
mod greedy;
mod search;
mod types;

use explanation::*;
use flow::*;
use greedy::*;
use search::*;
pub use types::*;

/// One brick to move.
pub(crate) struct Mover<'m> {
    pub brick: &'m Brick,
    pub volume: &'m Volume,
    pub set: usize,
    pub position: usize,
    pub policy: &'m VolumePolicy,
    /// Distinct policy index (for hub sharing).
    pub pol_ix: usize,
    pub cluster: ClusterId,
    pub role: BrickRole,
    pub size: ByteSize,
    pub factor: SnapshotFactor,
    /// Nodes and zones of the set's bricks that stay.
    pub fixed_nodes: Vec<usize>,
    pub fixed_zones: Vec<Zone>,
    /// Index of its (volume, set) group among movers.
    pub group: usize,
    /// May go to a zone its set uses.
    pub degrade_ok: bool,
}

/// The mutable state of an assignment: device usage (in `topo.used`), where each mover went,
/// and the new nodes and zones per group.
pub(crate) struct Assign {
    pub dev: Vec<Option<usize>>,
}

fn degrade_ok(policy: &VolumePolicy, settings: &Day2Settings) -> bool {
    match policy.zone_checking {
        ZoneChecking::Strict => settings.allow_degraded,
        _ => true,
    }
}

/// Movers for the bricks on the devices flagged in `target`.
pub(crate) fn movers<'m>(
    topo: &Topo<'m>,
    target: &[bool],
    settings: &'m Day2Settings,
    filter: impl Fn(&Brick) -> bool,
) -> Result<Vec<Mover<'m>>, ModelError> {
    let model = topo.model;
    let mut pols: Vec<&VolumePolicy> = Vec::new();
    let mut groups: HashMap<(VolumeId, usize), usize> = HashMap::new();
    let mut out = Vec::new();
    for b in model.bricks() {
        let Some(&d) = topo.dev_ix.get(&b.device) else {
            continue;
        };
        if !target[d] || !filter(b) {
            continue;
        }
        let volume = model
            .volume(b.volume)
            .ok_or(ModelError::UnknownVolume(b.volume))?;
        let (set, position) = volume
            .brick_sets
            .iter()
            .enumerate()
            .find_map(|(s, ids)| ids.iter().position(|id| *id == b.id).map(|p| (s, p)))
            .ok_or(ModelError::UnknownBrick(b.id))?;
        let mut fixed_nodes = Vec::new();
        let mut fixed_zones = Vec::new();
        for other in &volume.brick_sets[set] {
            if *other == b.id {
                continue;
            }
            let Some(ob) = model.brick(*other) else {
                continue;
            };
            let moving = topo
                .dev_ix
                .get(&ob.device)
                .is_some_and(|&od| target[od] && filter(ob));
            if moving {
                continue;
            }
            if let Some(&ni) = topo.node_ix.get(&ob.node) {
                fixed_nodes.push(ni);
                fixed_zones.push(topo.nodes[ni].zone);
            }
        }
        let policy = settings.policy(volume.id);
        let pol_ix = match pols.iter().position(|p| std::ptr::eq(*p, policy)) {
            Some(i) => i,
            None => {
                pols.push(policy);
                pols.len() - 1
            }
        };
        let next = groups.len();
        let group = *groups.entry((volume.id, set)).or_insert(next);
        out.push(Mover {
            brick: b,
            volume,
            set,
            position,
            policy,
            pol_ix,
            cluster: volume.cluster,
            role: b.role,
            size: b.size,
            factor: factor_of(volume),
            fixed_nodes,
            fixed_zones,
            group,
            degrade_ok: degrade_ok(policy, settings),
        });
    }
    Ok(out)
}

/// Plans the evacuation of `target`: a replace-brick for every brick on it.
///
/// Succeeds whenever a valid assignment exists (for mixed brick sizes: within the search
/// bounds of the module docs); otherwise names every brick that cannot move and why.
pub fn plan_evacuation(
    model: &Model,
    target: EvacuationTarget,
    settings: &Day2Settings,
    seed: u64,
) -> Result<EvacuationPlan, EvacuationError> {
    plan(
        model,
        target,
        settings,
        seed,
        true,
        &mut crate::progress::ignore,
    )
}

/// [`plan_evacuation`], reporting its stages to `progress`: 1 of 4 once the bricks to move
/// are known, 2 after the greedy pass, 3 after the exact solvers, 4 with the plan built
/// (the last report of a plan; a refusal ends earlier).
pub fn plan_evacuation_with_progress(
    model: &Model,
    target: EvacuationTarget,
    settings: &Day2Settings,
    seed: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<EvacuationPlan, EvacuationError> {
    plan(model, target, settings, seed, true, progress)
}

/// The stages [`plan_evacuation_with_progress`] reports.
const STAGES: u64 = 4;

/// [`plan_evacuation`] without the greedy pass: the exact solvers alone (for tests and
/// benchmarks of the max-flow path).
#[cfg(feature = "testing")]
pub fn plan_evacuation_without_greedy(
    model: &Model,
    target: EvacuationTarget,
    settings: &Day2Settings,
    seed: u64,
) -> Result<EvacuationPlan, EvacuationError> {
    plan(
        model,
        target,
        settings,
        seed,
        false,
        &mut crate::progress::ignore,
    )
}

fn plan(
    model: &Model,
    target: EvacuationTarget,
    settings: &Day2Settings,
    seed: u64,
    use_greedy: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<EvacuationPlan, EvacuationError> {
    let mut topo = Topo::new(model, &settings.placement, seed);
    let flags: Vec<bool> = match target {
        EvacuationTarget::Device(id) => {
            let i = *topo
                .dev_ix
                .get(&id)
                .ok_or(EvacuationError::UnknownTarget(target))?;
            (0..topo.devs.len()).map(|d| d == i).collect()
        }
        EvacuationTarget::Node(id) => {
            let n = *topo
                .node_ix
                .get(&id)
                .ok_or(EvacuationError::UnknownTarget(target))?;
            topo.devs.iter().map(|d| d.node == n).collect()
        }
        EvacuationTarget::Zone(z) => {
            if !topo.zones.contains(&z) {
                return Err(EvacuationError::UnknownTarget(target));
            }
            topo.devs.iter().map(|d| d.zone == z).collect()
        }
    };
    let movers = movers(&topo, &flags, settings, |_| true)?;
    let pristine = topo.used.clone();
    let ngroups = movers.iter().map(|m| m.group + 1).max().unwrap_or(0);
    progress(Progress::new(1, STAGES));

    let greedy = if use_greedy {
        greedy_assign(&mut topo, &movers, &flags, ngroups)
    } else {
        Assign {
            dev: vec![None; movers.len()],
        }
    };
    let greedy_degraded = count_degraded(&topo, &movers, &greedy);
    progress(Progress::new(2, STAGES));
    // Whether every brick has some open zone its set does not use: if not, no assignment
    // keeps every zone policy, and a complete greedy plan is as good as the flow's.
    let open_zones: BTreeSet<Zone> = topo
        .devs
        .iter()
        .zip(&flags)
        .filter(|(dev, &t)| !t && dev.online)
        .map(|(dev, _)| dev.zone)
        .collect();
    let keepable = movers.iter().all(|m| {
        open_zones.iter().any(|&z| {
            m.policy.allows_zone(z) && zone_good(m.policy.zone_checking, z, &m.fixed_zones)
        })
    });
    let greedy_all = use_greedy && greedy.dev.iter().all(Option::is_some);
    let (assign, solver) = if greedy_all && (greedy_degraded == 0 || !keepable) {
        (greedy, Solver::Greedy)
    } else {
        let greedy_used = std::mem::replace(&mut topo.used, pristine.clone());
        let flow = flow_assign(&mut topo, &movers, &flags, ngroups);
        let placed = |a: &Assign| a.dev.iter().filter(|d| d.is_some()).count();
        let flow_better = placed(&flow) > placed(&greedy)
            || (placed(&flow) == placed(&greedy)
                && count_degraded(&topo, &movers, &flow) < greedy_degraded);
        if flow_better {
            (flow, Solver::MaxFlow)
        } else {
            topo.used = greedy_used;
            (greedy, Solver::Greedy)
        }
    };

    let (assign, solver) = match search_fallback(
        &mut topo, &movers, &flags, ngroups, &pristine, &assign, keepable,
    ) {
        Some(a) => (a, Solver::Search),
        None => (assign, solver),
    };

    progress(Progress::new(3, STAGES));
    if assign.dev.iter().any(Option::is_none) {
        topo.used = pristine;
        let unmovable = movers
            .iter()
            .zip(&assign.dev)
            .filter(|(_, d)| d.is_none())
            .map(|(m, _)| explain(&topo, m, &flags))
            .collect();
        return Err(EvacuationError::Unmovable {
            unmovable,
            total: movers.len(),
        });
    }
    let steps = build_steps(
        &topo,
        &movers,
        &assign,
        &settings.placement.brick_mount_root,
    )?;
    progress(Progress::new(STAGES, STAGES));
    let degraded = steps.iter().filter(|s| s.degraded).count();
    let waves = steps.iter().map(|s| s.wave + 1).max().unwrap_or(0);
    Ok(EvacuationPlan {
        target,
        steps,
        waves,
        degraded,
        solver,
        seed,
    })
}

/// Replace steps for assigned movers, with waves and degradation marks.
pub(crate) fn build_steps(
    topo: &Topo<'_>,
    movers: &[Mover<'_>],
    assign: &Assign,
    mount_root: &str,
) -> Result<Vec<ReplaceStep>, ModelError> {
    let degraded = degraded_flags(topo, movers, assign);
    let mut steps = Vec::with_capacity(movers.len());
    for (i, m) in movers.iter().enumerate() {
        let Some(d) = assign.dev[i] else { continue };
        let id = replacement_brick_id(m.brick.id);
        let new = topo
            .planned(
                id, d, m.set, m.position, m.role, m.size, m.factor, mount_root,
            )
            .ok_or(ModelError::Overflow("brick space"))?;
        steps.push(ReplaceStep {
            wave: 0,
            volume_id: m.volume.id,
            volume_name: m.volume.name.clone(),
            set: m.set,
            position: m.position,
            old: topo.location(m.brick),
            new,
            degraded: degraded[i],
        });
    }
    assign_waves(&mut steps);
    Ok(steps)
}

/// Per mover, whether its new zone is shared with another brick of its set (under a zone
/// policy): O(movers x set size).
fn degraded_flags(topo: &Topo<'_>, movers: &[Mover<'_>], assign: &Assign) -> Vec<bool> {
    let ngroups = movers.iter().map(|m| m.group + 1).max().unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ngroups];
    for (i, m) in movers.iter().enumerate() {
        members[m.group].push(i);
    }
    let zone = |i: usize| assign.dev[i].map(|d| topo.devs[d].zone);
    (0..movers.len())
        .map(|i| {
            let m = &movers[i];
            let Some(z) = zone(i) else { return false };
            m.policy.zone_checking != ZoneChecking::None
                && (m.fixed_zones.contains(&z)
                    || members[m.group]
                        .iter()
                        .any(|&j| j != i && zone(j) == Some(z)))
        })
        .collect()
}

fn count_degraded(topo: &Topo<'_>, movers: &[Mover<'_>], assign: &Assign) -> usize {
    degraded_flags(topo, movers, assign)
        .into_iter()
        .filter(|&d| d)
        .count()
}

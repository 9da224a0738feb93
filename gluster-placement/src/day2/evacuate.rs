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

use super::topo::{factor_of, zone_good, Topo};
use super::{
    apply_steps, assign_waves, replacement_brick_id, BrickLocation, Day2Settings, ReplaceStep,
    VolumePolicy,
};

/// What to evacuate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EvacuationTarget {
    /// One device.
    Device(DeviceId),
    /// Every device of a node.
    Node(NodeId),
    /// Every device of every node in a zone.
    Zone(Zone),
}

impl fmt::Display for EvacuationTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvacuationTarget::Device(d) => write!(f, "device {d}"),
            EvacuationTarget::Node(n) => write!(f, "node {n}"),
            EvacuationTarget::Zone(z) => write!(f, "zone {z}"),
        }
    }
}

/// Which solver produced the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// The balanced greedy pass placed every brick in a good zone.
    Greedy,
    /// The exact max-flow solver was needed.
    MaxFlow,
    /// Bricks of several sizes, where the flow is not exact: the exhaustive search found it.
    Search,
}

/// A replace-brick for every brick on the target, in waves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvacuationPlan {
    /// What is evacuated.
    pub target: EvacuationTarget,
    /// The steps, ordered by wave (see [`ReplaceStep::wave`]).
    pub steps: Vec<ReplaceStep>,
    /// Number of waves.
    pub waves: usize,
    /// Steps whose set's zone policy could not be kept.
    pub degraded: usize,
    /// Which solver produced the plan.
    pub solver: Solver,
    /// Seed of the tie-breaks.
    pub seed: u64,
}

impl EvacuationPlan {
    /// The steps of wave `k`.
    pub fn wave(&self, k: usize) -> impl Iterator<Item = &ReplaceStep> + '_ {
        self.steps.iter().filter(move |s| s.wave == k)
    }

    /// Applies every step, wave by wave, with [`Model::replace_brick`]. Stops at the first
    /// refusal (earlier steps stay applied; apply to a clone for all-or-nothing).
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        apply_steps(&self.steps, model)
    }
}

/// Candidate devices of a brick after each filter, in order: how an explanation finds the
/// filter that left none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CandidateFunnel {
    /// Online devices of the cluster outside the target.
    pub online: usize,
    /// ... on a node holding no other brick of the set.
    pub node_separation: usize,
    /// ... in an allowed zone that the zone policy accepts.
    pub zones: usize,
    /// ... matching the volume's tag rules.
    pub tags: usize,
    /// ... whose `arbiter` tag takes the brick's role.
    pub arbiter_tag: usize,
    /// ... with room for the brick (pool + metadata, after the reserve).
    pub with_room: usize,
}

/// The filter that left a brick without any candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoCandidateCause {
    /// No online device outside the target.
    NoOnlineDevice,
    /// Every online device is on a node of another brick of the set.
    NodeSeparation,
    /// Allowed zones or the strict zone policy leave no device.
    Zones,
    /// The volume's tag rules leave no device.
    Tags,
    /// The `arbiter` tags leave no device for the brick's role.
    ArbiterTag,
    /// No remaining device has room for the brick.
    Capacity,
}

/// Why one brick cannot move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UnmovableCause {
    /// No device could take it even if it were the only brick moving.
    NoCandidate {
        /// The filter that left none.
        cause: NoCandidateCause,
        /// Candidates after each filter.
        funnel: CandidateFunnel,
    },
    /// Devices could take it alone, but not together with the other bricks that must move.
    Contended {
        /// Candidates after each filter.
        funnel: CandidateFunnel,
    },
}

/// A brick that cannot move, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmovable {
    /// Volume id.
    pub volume_id: VolumeId,
    /// Volume name.
    pub volume_name: String,
    /// Set index.
    pub set: usize,
    /// Position within the set.
    pub position: usize,
    /// The brick.
    pub brick: BrickLocation,
    /// Why.
    pub cause: UnmovableCause,
}

impl fmt::Display for Unmovable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "brick {} of volume {} (set {}): ",
            self.brick.host_path, self.volume_name, self.set
        )?;
        match &self.cause {
            UnmovableCause::NoCandidate { cause, funnel } => write!(
                f,
                "no candidate device ({}; online {}, distinct node {}, zones {}, tags {}, arbiter tag {}, with room {})",
                match cause {
                    NoCandidateCause::NoOnlineDevice => "no online device outside the target",
                    NoCandidateCause::NodeSeparation => "every online device is on a node of its set",
                    NoCandidateCause::Zones => "allowed zones or strict zone checking leave none",
                    NoCandidateCause::Tags => "tag rules leave none",
                    NoCandidateCause::ArbiterTag => "arbiter tags leave none for its role",
                    NoCandidateCause::Capacity => "no device has room",
                },
                funnel.online, funnel.node_separation, funnel.zones, funnel.tags, funnel.arbiter_tag, funnel.with_room
            ),
            UnmovableCause::Contended { funnel } => write!(
                f,
                "{} devices could take it alone, but not together with the other bricks that must move",
                funnel.with_room
            ),
        }
    }
}

/// Why an evacuation cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvacuationError {
    /// The target names no device, node or zone of the model.
    #[error("unknown evacuation target: {0}")]
    UnknownTarget(EvacuationTarget),
    /// Some bricks cannot move.
    #[error("{} of {total} bricks cannot move: {}", unmovable.len(), unmovable.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unmovable {
        /// The bricks that cannot move, and why.
        unmovable: Vec<Unmovable>,
        /// Bricks on the target.
        total: usize,
    },
    /// The model is inconsistent (a brick of an unknown volume, an overflow).
    #[error(transparent)]
    Model(#[from] ModelError),
}

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
    plan(model, target, settings, seed, true)
}

/// [`plan_evacuation`] without the greedy pass: the exact solvers alone (for tests and
/// benchmarks of the max-flow path).
#[cfg(feature = "testing")]
pub fn plan_evacuation_without_greedy(
    model: &Model,
    target: EvacuationTarget,
    settings: &Day2Settings,
    seed: u64,
) -> Result<EvacuationPlan, EvacuationError> {
    plan(model, target, settings, seed, false)
}

fn plan(
    model: &Model,
    target: EvacuationTarget,
    settings: &Day2Settings,
    seed: u64,
    use_greedy: bool,
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

    let greedy = if use_greedy {
        greedy_assign(&mut topo, &movers, &flags, ngroups)
    } else {
        Assign {
            dev: vec![None; movers.len()],
        }
    };
    let greedy_degraded = count_degraded(&topo, &movers, &greedy);
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

/// Nodes and zones taken by the group's bricks (fixed and already assigned co-movers).
struct GroupTaken {
    nodes: Vec<Vec<usize>>,
    zones: Vec<Vec<Zone>>,
}

impl GroupTaken {
    fn new(n: usize) -> Self {
        GroupTaken {
            nodes: vec![Vec::new(); n],
            zones: vec![Vec::new(); n],
        }
    }
    fn take(&mut self, topo: &Topo<'_>, m: &Mover<'_>, d: usize) {
        let ni = topo.devs[d].node;
        self.nodes[m.group].push(ni);
        self.zones[m.group].push(topo.devs[d].zone);
    }
    fn untake(&mut self, topo: &Topo<'_>, m: &Mover<'_>, d: usize) {
        let ni = topo.devs[d].node;
        let g = m.group;
        if let Some(p) = self.nodes[g].iter().position(|&n| n == ni) {
            self.nodes[g].swap_remove(p);
        }
        if let Some(p) = self.zones[g].iter().position(|&z| z == topo.devs[d].zone) {
            self.zones[g].swap_remove(p);
        }
    }
    fn node_taken(&self, m: &Mover<'_>, n: usize) -> bool {
        m.fixed_nodes.contains(&n) || self.nodes[m.group].contains(&n)
    }
    fn zone_ok(&self, m: &Mover<'_>, z: Zone) -> bool {
        zone_good(m.policy.zone_checking, z, &m.fixed_zones)
            && zone_good(m.policy.zone_checking, z, &self.zones[m.group])
    }
}

/// Whether device `d` can take mover `m` now (all filters but the zone policy).
fn fits(topo: &Topo<'_>, m: &Mover<'_>, taken: &GroupTaken, target: &[bool], d: usize) -> bool {
    !target[d]
        && topo.static_ok(d, m.cluster, m.policy, m.role).is_ok()
        && !taken.node_taken(m, topo.devs[d].node)
        && topo
            .space_on(d, m.size, m.factor)
            .is_some_and(|s| topo.usable(d) >= s)
}

type ZoneIndex = BTreeMap<Zone, BTreeSet<(Reverse<u64>, u64, usize)>>;

fn index_key(topo: &Topo<'_>, d: usize) -> (Reverse<u64>, u64, usize) {
    (Reverse(topo.free_key(d)), topo.devs[d].tie, d)
}

/// The balanced greedy pass: biggest bricks first, each to the fitting device with the most
/// free fraction in a good zone, else (when allowed) in any zone on a distinct node.
fn greedy_assign(
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

#[derive(Clone, Copy)]
enum Kind {
    Device(usize),
    Other,
}

/// A flow network under construction.
struct Net {
    g: Graph<(), u32>,
    kind: Vec<Kind>,
    sink: NodeIndex,
    dev_node: HashMap<usize, Option<NodeIndex>>,
}

impl Net {
    fn node(&mut self, k: Kind) -> NodeIndex {
        self.kind.push(k);
        self.g.add_node(())
    }

    /// A split node: `(in, out)` joined by an edge of capacity 1.
    fn gadget(&mut self) -> (NodeIndex, NodeIndex) {
        let a = self.node(Kind::Other);
        let b = self.node(Kind::Other);
        self.g.add_edge(a, b, 1);
        (a, b)
    }

    /// A device's node, with its capacity in bricks of the mover's class.
    fn device(&mut self, topo: &Topo<'_>, m: &Mover<'_>, d: usize) -> Option<NodeIndex> {
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
    fn hub(
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
fn flow_assign(
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
struct Hubs {
    node: HashMap<(usize, usize), Option<NodeIndex>>,
    range: HashMap<(Zone, ClusterId, usize, usize, usize), Option<NodeIndex>>,
}

impl Hubs {
    fn node(
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
    fn range(
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
    fn cover(
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
fn flow_batch(
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

/// The candidate funnel of a mover alone on the pristine model.
fn explain(topo: &Topo<'_>, m: &Mover<'_>, target: &[bool]) -> Unmovable {
    let mut f = CandidateFunnel::default();
    for (d, dev) in topo.devs.iter().enumerate() {
        if target[d] || !dev.online || dev.cluster != m.cluster {
            continue;
        }
        f.online += 1;
        if m.fixed_nodes.contains(&dev.node) {
            continue;
        }
        f.node_separation += 1;
        let zone_ok = m.policy.allows_zone(dev.zone)
            && (m.degrade_ok || zone_good(m.policy.zone_checking, dev.zone, &m.fixed_zones));
        if !zone_ok {
            continue;
        }
        f.zones += 1;
        let node_tags = topo.nodes[dev.node].tags;
        if !m
            .policy
            .device_tag_match
            .iter()
            .all(|r| r.matches(node_tags, dev.tags))
        {
            continue;
        }
        f.tags += 1;
        let role_ok = match m.role {
            BrickRole::Data => dev.arbiter.takes_data(),
            BrickRole::Arbiter => dev.arbiter.takes_arbiter(),
        };
        if !role_ok {
            continue;
        }
        f.arbiter_tag += 1;
        if topo
            .space_on(d, m.size, m.factor)
            .is_some_and(|s| topo.usable(d) >= s)
        {
            f.with_room += 1;
        }
    }
    let cause = if f.online == 0 {
        Some(NoCandidateCause::NoOnlineDevice)
    } else if f.node_separation == 0 {
        Some(NoCandidateCause::NodeSeparation)
    } else if f.zones == 0 {
        Some(NoCandidateCause::Zones)
    } else if f.tags == 0 {
        Some(NoCandidateCause::Tags)
    } else if f.arbiter_tag == 0 {
        Some(NoCandidateCause::ArbiterTag)
    } else if f.with_room == 0 {
        Some(NoCandidateCause::Capacity)
    } else {
        None
    };
    Unmovable {
        volume_id: m.volume.id,
        volume_name: m.volume.name.clone(),
        set: m.set,
        position: m.position,
        brick: topo.location(m.brick),
        cause: match cause {
            Some(cause) => UnmovableCause::NoCandidate { cause, funnel: f },
            None => UnmovableCause::Contended { funnel: f },
        },
    }
}

/// Most moving bricks the exhaustive search takes on.
const SEARCH_MAX_MOVERS: usize = 24;
/// Most search nodes visited before the search gives up.
const SEARCH_BUDGET: usize = 200_000;

/// The exact fallback for mixed brick sizes (see the module docs): when the bricks form more
/// than one size class, at most [`SEARCH_MAX_MOVERS`] move, and the flow left a brick
/// unplaced or degraded, a backtracking search looks for a plan keeping every zone policy
/// (unless `keepable` says none can), then (if bricks were unplaced) for any plan. `None`
/// keeps the flow's answer.
fn search_fallback(
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
struct Search<'a, 'm> {
    movers: &'a [Mover<'m>],
    target: &'a [bool],
    taken: GroupTaken,
    dev: Vec<Option<usize>>,
    budget: usize,
    order: Vec<usize>,
    /// Devices passing the static filters, node separation from fixed bricks and room.
    cands: Vec<Vec<usize>>,
    allow_bad: bool,
}

impl Search<'_, '_> {
    fn prepare(&mut self, topo: &Topo<'_>) {
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
    fn run(&mut self, topo: &mut Topo<'_>, k: usize) -> bool {
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

//! Rebalance: after devices or nodes are added, the fewest `replace-brick` moves that bring
//! max/mean device utilization under a target.
//!
//! Greedy from the top: while the most used device is above `target` x the mean, move one of
//! its bricks (largest first) to the valid device that ends least used (online, its volume's
//! zones, tags and arbiter tag, a node its set does not use, a zone its set does not use
//! unless the set already shared zones, room after the reserve), and only if the destination
//! ends below where the source was, so moves never ping-pong. A brick moves at most once. The
//! plan also gives a lower bound on the moves any plan needs (the bytes above the target on
//! every device, in the largest brick's size), so its quality is a measured ratio.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use gluster_model::{BrickId, Model, ModelError, ZoneChecking};

use crate::error::InvalidField;
use crate::progress::Progress;

use super::topo::{factor_of, zone_good, Topo};
use super::{apply_steps, assign_waves, replacement_brick_id, Day2Settings, ReplaceStep};

/// A rebalance proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RebalancePlan {
    /// The moves, in waves (one brick per set per wave).
    pub steps: Vec<ReplaceStep>,
    /// Number of waves.
    pub waves: usize,
    /// The target: max/mean device utilization at or below it.
    pub target: f64,
    /// max/mean before the moves.
    pub before: f64,
    /// max/mean after the moves.
    pub after: f64,
    /// Whether `after` is at or below `target`.
    pub reached: bool,
    /// No plan can reach the target with fewer moves than this.
    pub lower_bound_moves: usize,
    /// Whether it stopped at `max_moves` with the target not reached (more moves may reach it).
    #[serde(default)]
    pub stopped_at_max_moves: bool,
}

impl RebalancePlan {
    /// Applies every step with [`Model::replace_brick`].
    ///
    /// This changes only the model; `gluster_exec::Runner::apply` is what carries a plan out
    /// on hosts.
    pub fn commit_to(&self, model: &mut Model) -> Result<(), ModelError> {
        apply_steps(&self.steps, model)
    }

    /// The former name of [`Self::commit_to`].
    #[deprecated(note = "renamed `commit_to`: `apply` is what a Runner does on hosts")]
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        self.commit_to(model)
    }
}

/// What a rebalance asks for: [`RebalanceRequest::new`] with the target, then the `with_*`
/// methods; [`RebalanceRequest::plan`] checks it and plans.
///
/// ```
/// use std::num::NonZeroUsize;
/// use gluster_placement::day2::{Day2Settings, RebalanceRequest};
///
/// let model = gluster_model::Model::new();
/// let request = RebalanceRequest::new(1.10).with_max_moves(NonZeroUsize::new(100).unwrap());
/// let plan = request.plan(&model, &Day2Settings::default())?;
/// assert!(plan.steps.is_empty());
/// // A target below 1 (max/mean can never be below 1) or NaN is refused, naming the field.
/// let err = RebalanceRequest::new(f64::NAN).plan(&model, &Day2Settings::default()).unwrap_err();
/// assert_eq!(err.field, "target");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RebalanceRequest {
    /// The max/mean device utilization to bring the cluster to: at least 1 (default 1.10).
    pub target: f64,
    /// The seed of tie-breaks (default 0).
    pub seed: u64,
    /// The most moves to propose; `None` (the default): no limit.
    pub max_moves: Option<NonZeroUsize>,
}

impl Default for RebalanceRequest {
    fn default() -> Self {
        RebalanceRequest::new(1.10)
    }
}

impl RebalanceRequest {
    /// A rebalance to `target` (max/mean device utilization), seed 0, no move limit.
    pub fn new(target: f64) -> Self {
        RebalanceRequest {
            target,
            seed: 0,
            max_moves: None,
        }
    }

    /// The seed of tie-breaks.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The most moves to propose.
    pub fn with_max_moves(mut self, max_moves: NonZeroUsize) -> Self {
        self.max_moves = Some(max_moves);
        self
    }

    /// Refuses a target that is not a number of at least 1 (max/mean is never below 1).
    pub fn check(&self) -> Result<(), InvalidField> {
        if self.target.is_finite() && self.target >= 1.0 {
            Ok(())
        } else {
            Err(InvalidField::new(
                "target",
                format!(
                    "{}: must be a number of at least 1.0 (max/mean device utilization)",
                    self.target
                ),
            ))
        }
    }

    /// Checks the request and plans the rebalance (see [`plan_rebalance`]).
    pub fn plan(
        &self,
        model: &Model,
        settings: &Day2Settings,
    ) -> Result<RebalancePlan, InvalidField> {
        self.plan_with_progress(model, settings, &mut crate::progress::ignore)
    }

    /// [`Self::plan`], reporting moves to `progress` (see [`plan_rebalance_with_progress`]).
    pub fn plan_with_progress(
        &self,
        model: &Model,
        settings: &Day2Settings,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<RebalancePlan, InvalidField> {
        self.check()?;
        let max_moves = self.max_moves.map_or(usize::MAX, NonZeroUsize::get);
        Ok(plan_rebalance_with_progress(
            model,
            self.target,
            settings,
            self.seed,
            max_moves,
            progress,
        ))
    }
}

/// max/mean of the online devices' utilization (1 when nothing is used).
fn spread(topo: &Topo<'_>) -> (f64, f64, Option<usize>) {
    let online: Vec<usize> = (0..topo.devs.len())
        .filter(|&d| topo.devs[d].online && topo.devs[d].total.bytes() > 0)
        .collect();
    if online.is_empty() {
        return (1.0, 0.0, None);
    }
    let mean = online.iter().map(|&d| topo.util(d)).sum::<f64>() / online.len() as f64;
    let top = online
        .iter()
        .copied()
        .max_by(|&a, &b| topo.util(a).total_cmp(&topo.util(b)).then(b.cmp(&a)));
    let max = top.map_or(0.0, |d| topo.util(d));
    let ratio = if mean > 0.0 { max / mean } else { 1.0 };
    (ratio, mean, top)
}

/// Propose at most `max_moves` moves that bring max/mean device utilization to `target`
/// (e.g. 1.10) or as close as valid moves allow.
///
/// The target is not checked here (a NaN target moves nothing): [`RebalanceRequest`] checks
/// it and says "no limit" as `None`.
pub fn plan_rebalance(
    model: &Model,
    target: f64,
    settings: &Day2Settings,
    seed: u64,
    max_moves: usize,
) -> RebalancePlan {
    plan_rebalance_with_progress(
        model,
        target,
        settings,
        seed,
        max_moves,
        &mut crate::progress::ignore,
    )
}

/// [`plan_rebalance`], reporting moves chosen to `progress` after each move, of at most
/// `max_moves` or the number of bricks (a brick moves at most once), whichever is smaller;
/// the last report is the number of moves of the plan.
pub fn plan_rebalance_with_progress(
    model: &Model,
    target: f64,
    settings: &Day2Settings,
    seed: u64,
    max_moves: usize,
    progress: &mut dyn FnMut(Progress),
) -> RebalancePlan {
    let most = u64::try_from(max_moves.min(model.bricks().len())).unwrap_or(u64::MAX);
    let mut topo = Topo::new(model, &settings.placement, seed);
    let (before, mean0, _) = spread(&topo);
    let largest = model
        .bricks()
        .map(|b| b.pool_size.bytes() + b.metadata_size.bytes())
        .max()
        .unwrap_or(1)
        .max(1);
    let lower_bound_moves = (0..topo.devs.len())
        .filter(|&d| topo.devs[d].online)
        .map(|d| {
            let allowed = target * mean0 * topo.devs[d].total.bytes() as f64;
            let over = topo.used[d].bytes() as f64 - allowed;
            if over > 0.0 {
                (over / largest as f64).ceil() as usize
            } else {
                0
            }
        })
        .sum();
    // Where every brick is now (moves update it), and which bricks moved.
    let mut at: BTreeMap<BrickId, usize> = model
        .bricks()
        .filter_map(|b| topo.dev_ix.get(&b.device).map(|&d| (b.id, d)))
        .collect();
    let mut moved: BTreeSet<BrickId> = BTreeSet::new();
    let mut steps = Vec::new();
    let mut after = before;
    while steps.len() < max_moves {
        let (ratio, _, top) = spread(&topo);
        after = ratio;
        let Some(src) = top else { break };
        if ratio <= target {
            break;
        }
        let Some(step) = best_move(&topo, model, settings, src, &at, &moved) else {
            break;
        };
        let (brick, dst, space_old, space_new, step) = step;
        topo.used[src] = topo.used[src].saturating_sub(space_old);
        topo.used[dst] = topo.used[dst]
            .checked_add(space_new)
            .unwrap_or(topo.used[dst]);
        at.insert(brick, dst);
        moved.insert(brick);
        steps.push(step);
        progress(Progress::new(steps.len() as u64, most));
    }
    progress(Progress::new(steps.len() as u64, steps.len() as u64));
    if steps.len() == max_moves {
        after = spread(&topo).0;
    }
    assign_waves(&mut steps);
    let stopped_at_max_moves = after > target && steps.len() >= max_moves;
    RebalancePlan {
        waves: steps.iter().map(|s| s.wave + 1).max().unwrap_or(0),
        steps,
        target,
        before,
        after,
        reached: after <= target,
        lower_bound_moves,
        stopped_at_max_moves,
    }
}

type Move = (
    BrickId,
    usize,
    gluster_model::ByteSize,
    gluster_model::ByteSize,
    ReplaceStep,
);

/// The move off `src` that leaves its destination least used, largest bricks first.
fn best_move(
    topo: &Topo<'_>,
    model: &Model,
    settings: &Day2Settings,
    src: usize,
    at: &BTreeMap<BrickId, usize>,
    moved: &BTreeSet<BrickId>,
) -> Option<Move> {
    let src_util = topo.util(src);
    let mut bricks: Vec<&gluster_model::Brick> = model
        .bricks()
        .filter(|b| at.get(&b.id) == Some(&src) && !moved.contains(&b.id))
        .collect();
    bricks.sort_by_key(|b| (std::cmp::Reverse(b.pool_size), b.id));
    // Destinations by utilization, least used first.
    let mut order: Vec<usize> = (0..topo.devs.len())
        .filter(|&d| d != src && topo.devs[d].online)
        .collect();
    order.sort_by(|&a, &b| {
        topo.util(a)
            .total_cmp(&topo.util(b))
            .then(topo.devs[a].tie.cmp(&topo.devs[b].tie))
    });
    for b in bricks {
        let volume = model.volume(b.volume)?;
        let (set, position) = volume
            .brick_sets
            .iter()
            .enumerate()
            .find_map(|(s, ids)| ids.iter().position(|x| *x == b.id).map(|p| (s, p)))?;
        let policy = settings.policy(volume.id);
        let others: Vec<usize> = volume.brick_sets[set]
            .iter()
            .filter(|x| **x != b.id)
            .filter_map(|x| at.get(x).copied())
            .collect();
        let other_nodes: Vec<usize> = others.iter().map(|&d| topo.devs[d].node).collect();
        let other_zones: Vec<gluster_model::Zone> =
            others.iter().map(|&d| topo.devs[d].zone).collect();
        let distinct_now = zone_good(ZoneChecking::Strict, topo.devs[src].zone, &other_zones);
        let factor = factor_of(volume);
        let space_old = gluster_model::ByteSize::b(b.pool_size.bytes() + b.metadata_size.bytes());
        for &dst in &order {
            let dev = &topo.devs[dst];
            if topo.static_ok(dst, volume.cluster, policy, b.role).is_err()
                || other_nodes.contains(&dev.node)
                || (distinct_now && !zone_good(policy.zone_checking, dev.zone, &other_zones))
            {
                continue;
            }
            let Some(space_new) = topo.space_on(dst, b.size, factor) else {
                continue;
            };
            if topo.usable(dst) < space_new {
                continue;
            }
            let util_after = (topo.used[dst].bytes() + space_new.bytes()) as f64
                / dev.total.bytes().max(1) as f64;
            if util_after >= src_util {
                // Devices later in `order` are at least as used: no better destination.
                break;
            }
            let new = topo.planned(
                replacement_brick_id(b.id),
                dst,
                set,
                position,
                b.role,
                b.size,
                factor,
                &settings.placement.brick_mount_root,
            )?;
            let step = ReplaceStep {
                wave: 0,
                volume_id: volume.id,
                volume_name: volume.name.clone(),
                set,
                position,
                old: topo.location(b),
                new,
                degraded: false,
            };
            return Some((b.id, dst, space_old, space_new, step));
        }
    }
    None
}

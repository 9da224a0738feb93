//! Progress of the long planners: a callback told how far they are, so a program can show
//! a counted bar while the crate itself stays pure (no IO, no clock).
//!
//! The `*_with_progress` variants ([`crate::Engine::simulate_with_progress`],
//! [`crate::Engine::forecast_with_progress`], [`crate::day2::plan_rebalance_with_progress`],
//! [`crate::day2::plan_evacuation_with_progress`]) call `progress` as they go, with `done`
//! never decreasing and never above `total`, and last with `done == total`. Their plain
//! forms pass a callback that does nothing; the result is the same either way.

use gluster_model::ByteSize;

use crate::plan::Plan;
use crate::planner::Planner;

/// How far a long planner is: `done` of `total` units (volumes placed, moves chosen, or
/// stages passed, as each planner documents).
///
/// `total` may be an estimate that a planner revises as it learns more (how many volumes
/// the free space holds); `done <= total` always holds and the last report has
/// `done == total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Units done so far.
    pub done: u64,
    /// Units in all (or the current estimate of it).
    pub total: u64,
}

impl Progress {
    /// `done` of `total`, with `total` raised to `done` if it is below.
    pub fn new(done: u64, total: u64) -> Progress {
        Progress {
            done,
            total: total.max(done),
        }
    }

    /// Whether the work is finished (`done == total`).
    pub fn is_finished(&self) -> bool {
        self.done == self.total
    }
}

/// A callback that ignores every report: what the plain planners pass.
pub(crate) fn ignore(_: Progress) {}

/// The device space `plan` takes (every brick's pool and metadata).
pub(crate) fn raw_bytes(plan: &Plan) -> u64 {
    plan.bricks
        .iter()
        .filter_map(|b| b.space())
        .map(ByteSize::bytes)
        .fold(0, u64::saturating_add)
}

/// Counts volumes placed by a simulation or forecast against an estimate of how many fit:
/// the count asked for, or else the free online space divided by the raw space the last
/// volume took (the estimate follows as space runs out).
pub(crate) struct VolumeCount {
    limit: Option<u64>,
    free: u64,
    placed: u64,
    last_total: u64,
}

impl VolumeCount {
    pub(crate) fn new(planner: &Planner, limit: Option<usize>) -> VolumeCount {
        let free = planner
            .online_usage()
            .map(|(used, total)| total.bytes().saturating_sub(used.bytes()))
            .fold(0u64, u64::saturating_add);
        let limit = limit.map(|l| u64::try_from(l).unwrap_or(u64::MAX));
        VolumeCount {
            limit,
            free,
            placed: 0,
            // Before the first volume nothing is known but the limit.
            last_total: limit.unwrap_or(1),
        }
    }

    /// One more volume placed that took `raw` bytes: report it.
    pub(crate) fn placed(&mut self, raw: u64, progress: &mut dyn FnMut(Progress)) {
        self.placed += 1;
        self.free = self.free.saturating_sub(raw);
        let fit_more = self.free.checked_div(raw).unwrap_or(0);
        let estimate = self.placed.saturating_add(fit_more);
        let total = self
            .limit
            .map_or(estimate, |l| l.min(estimate))
            .max(self.placed);
        self.last_total = total;
        progress(Progress::new(self.placed, total));
    }

    /// The work ended (refused or at the limit): the last report, `done == total`.
    pub(crate) fn finish(&self, progress: &mut dyn FnMut(Progress)) {
        if self.placed != self.last_total || self.placed == 0 {
            progress(Progress::new(self.placed, self.placed));
        }
    }
}

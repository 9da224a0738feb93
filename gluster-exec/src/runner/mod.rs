//! The runner: applies a plan as journaled steps, in parallel across hosts, and rolls back
//! on failure; [`Runner::recover`] finishes or rolls back what a crash interrupted.
//!
//! Order: every device, then every brick (steps of one phase run in parallel, at most
//! [`HostLimits::per_host`] at a time per host), then the volume create and start. Before a
//! step runs, its intent is in the journal; after, its outcome. On a failure, steps already
//! running finish, no new one starts, and everything done is undone in reverse phase order.

mod failure;
mod limits;
mod progress;
mod recover;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gluster_placement::Plan;
use tokio::task::JoinSet;

/// The steps of a plan: for a caller that takes a finished volume down step by step (its
/// undos in reverse phase order).
pub use crate::steps::plan_steps;
pub use crate::steps::{Phase, Step, StepKind, StepOp};
pub use failure::{ApplyError, FailureCause, UndoFailure};
pub use limits::HostLimits;
pub use progress::{Cancel, Progress, ProgressFn};
pub use recover::{Recovered, RecoveryPolicy};

use crate::error::ExecError;
use crate::executor::Executor;
use crate::journal::{Journal, Record, RunHistory, RunOutcome};

/// A plan that was carried out completely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The run's id.
    pub run: String,
    /// The volume, created and started.
    pub volume: String,
    /// Steps the run took.
    pub steps: usize,
}

struct Shared {
    executor: Arc<dyn Executor>,
    journal: Arc<dyn Journal>,
    limits: HostLimits,
    progress: Option<ProgressFn>,
}

impl Shared {
    fn emit(&self, event: Progress) {
        if let Some(progress) = &self.progress {
            progress(&event);
        }
    }

    fn journal(&self, record: Record) -> Result<(), ExecError> {
        self.journal.append(&record)
    }
}

/// Applies plans through an executor, with a journal and per-host limits.
///
/// Cheap to clone; clones share the executor, journal and limits, so many runs can go on
/// concurrently under one per-host limit.
#[derive(Clone)]
pub struct Runner {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("executor", &self.shared.executor)
            .field("journal", &self.shared.journal)
            .field("limits", &self.shared.limits)
            .finish_non_exhaustive()
    }
}

/// What one step's attempt left behind.
enum Attempt {
    /// Not started (cancelled, or another step of the phase failed).
    Skipped,
    /// Done; `undo` says whether rollback must undo it.
    Done { undo: bool },
    /// Failed; `undo` is `Some` when the step may have changed something.
    Failed {
        undo: Option<bool>,
        error: ExecError,
    },
}

impl Runner {
    /// A runner over `executor` that records in `journal`, with `limits` per host.
    pub fn new(executor: Arc<dyn Executor>, journal: Arc<dyn Journal>, limits: HostLimits) -> Self {
        Runner {
            shared: Arc::new(Shared {
                executor,
                journal,
                limits,
                progress: None,
            }),
        }
    }

    /// The same runner, reporting progress to `progress`.
    pub fn with_progress(self, progress: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        let shared = &self.shared;
        Runner {
            shared: Arc::new(Shared {
                executor: shared.executor.clone(),
                journal: shared.journal.clone(),
                limits: shared.limits.clone(),
                progress: Some(Arc::new(progress)),
            }),
        }
    }

    /// Carry out `plan`: create its bricks and volume and start it, or, on failure or
    /// cancellation, leave nothing of it behind.
    pub async fn apply(&self, plan: &Plan, cancel: &Cancel) -> Result<Applied, ApplyError> {
        let steps = plan_steps(plan).map_err(ApplyError::Invalid)?;
        self.shared
            .executor
            .check_plan(plan)
            .map_err(ApplyError::Invalid)?;
        let run = plan.volume_id.to_string();
        self.shared
            .journal(Record::Begin {
                run: run.clone(),
                volume: plan.volume_name.clone(),
                steps: steps.clone(),
                rehearsal: self.shared.executor.is_rehearsal(),
            })
            .map_err(ApplyError::Journal)?;
        let history = RunHistory::new(run, plan.volume_name.clone(), steps);
        self.drive(history, cancel).await
    }

    /// Run every step of `history` not yet done, phase by phase; roll back on failure.
    async fn drive(&self, mut h: RunHistory, cancel: &Cancel) -> Result<Applied, ApplyError> {
        let shared = &self.shared;
        let todo = h.steps.len() - h.done.len().min(h.steps.len());
        shared.emit(Progress::Begin {
            run: h.run.clone(),
            volume: h.volume.clone(),
            steps: todo,
        });
        for phase in Phase::ALL {
            let steps: Vec<Step> = h
                .steps
                .iter()
                .filter(|s| s.op.phase() == phase && !h.done.contains(&s.index))
                .cloned()
                .collect();
            let cause = self.run_phase(&mut h, steps, cancel).await;
            if let Some(cause) = cause {
                let rollback_failures = self.roll_back(&mut h).await;
                return Err(ApplyError::Failed {
                    run: h.run,
                    cause,
                    rollback_failures,
                });
            }
        }
        self.end(&h.run, RunOutcome::Completed);
        Ok(Applied {
            run: h.run,
            volume: h.volume,
            steps: h.steps.len(),
        })
    }

    /// Run one phase's steps in parallel; the first failure (by step index), if any.
    async fn run_phase(
        &self,
        h: &mut RunHistory,
        steps: Vec<Step>,
        cancel: &Cancel,
    ) -> Option<FailureCause> {
        let stop = Arc::new(AtomicBool::new(false));
        let run = h.run.clone();
        let cancel = cancel.clone();
        let attempts = self
            .parallel(steps, move |shared, step| {
                let (run, stop, cancel) = (run.clone(), stop.clone(), cancel.clone());
                async move { attempt(&shared, &run, &step, &stop, &cancel).await }
            })
            .await;
        let mut cause = None;
        for (step, attempt) in attempts {
            match attempt {
                Attempt::Skipped => {
                    cause.get_or_insert(FailureCause::Cancelled);
                }
                Attempt::Done { undo } => {
                    mark_started(h, step.index, undo);
                    h.done.insert(step.index);
                }
                Attempt::Failed { undo, error } => {
                    if let Some(undo) = undo {
                        mark_started(h, step.index, undo);
                    }
                    if !matches!(cause, Some(FailureCause::Step { .. })) {
                        cause = Some(FailureCause::Step {
                            step: step.index,
                            what: step.op.describe(),
                            error,
                        });
                    }
                }
            }
        }
        cause
    }

    /// Undo every started step that needs it, in reverse phase order. A phase whose undo
    /// fails stops the rollback there (undoing bricks under a volume that still exists
    /// would break it); recovery retries later.
    async fn roll_back(&self, h: &mut RunHistory) -> Vec<UndoFailure> {
        let shared = &self.shared;
        let pending: Vec<Step> = h
            .steps
            .iter()
            .filter(|s| h.started.get(&s.index) == Some(&true) && !h.undone.contains(&s.index))
            .cloned()
            .collect();
        shared.emit(Progress::RollbackStarted {
            run: h.run.clone(),
            steps: pending.len(),
        });
        let mut failures = Vec::new();
        for phase in Phase::ALL.into_iter().rev() {
            let steps: Vec<Step> = pending
                .iter()
                .filter(|s| s.op.phase() == phase)
                .cloned()
                .collect();
            let run = h.run.clone();
            let results = self
                .parallel(steps, move |shared, step| {
                    let run = run.clone();
                    async move { undo(&shared, &run, &step).await }
                })
                .await;
            for (step, result) in results {
                match result {
                    Ok(()) => {
                        h.undone.insert(step.index);
                        h.done.remove(&step.index);
                    }
                    Err(error) => failures.push(UndoFailure {
                        step: step.index,
                        what: step.op.describe(),
                        error,
                    }),
                }
            }
            if !failures.is_empty() {
                break;
            }
        }
        let outcome = if failures.is_empty() {
            RunOutcome::RolledBack
        } else {
            RunOutcome::RollbackFailed
        };
        self.end(&h.run, outcome);
        failures
    }

    fn end(&self, run: &str, outcome: RunOutcome) {
        // A lost `End` only makes recovery look at the run again, which is harmless.
        let _ = self.shared.journal(Record::End {
            run: run.to_string(),
            outcome,
        });
        self.shared.emit(Progress::End {
            run: run.to_string(),
            outcome,
        });
    }

    /// Run `task` for every step, each holding a slot of its host; results by step index.
    async fn parallel<T, F, Fut>(&self, steps: Vec<Step>, task: F) -> Vec<(Step, T)>
    where
        F: Fn(Arc<Shared>, Step) -> Fut + Send + Sync + Clone + 'static,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let mut set = JoinSet::new();
        for step in steps {
            let shared = self.shared.clone();
            let task = task.clone();
            set.spawn(async move {
                let _slot = shared.limits.acquire(step.op.host()).await;
                let result = task(shared.clone(), step.clone()).await;
                (step, result)
            });
        }
        let mut out = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(done) => out.push(done),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => {} // aborted: only when the runtime shuts down
            }
        }
        out.sort_by_key(|(step, _)| step.index);
        out
    }
}

/// A step that ran more than once (resumed after a crash) must be undone if any run of it
/// created something.
fn mark_started(h: &mut RunHistory, step: usize, undo: bool) {
    *h.started.entry(step).or_insert(false) |= undo;
}

/// Probe, journal the intent, run, journal the outcome.
async fn attempt(
    shared: &Shared,
    run: &str,
    step: &Step,
    stop: &AtomicBool,
    cancel: &Cancel,
) -> Attempt {
    if cancel.is_cancelled() || stop.load(Ordering::SeqCst) {
        return Attempt::Skipped;
    }
    let what = step.op.describe();
    shared.emit(Progress::StepStarted {
        run: run.to_string(),
        step: step.index,
        what: what.clone(),
    });
    let fail = |undo, error: ExecError| {
        stop.store(true, Ordering::SeqCst);
        let _ = shared.journal(Record::Failed {
            run: run.to_string(),
            step: step.index,
            error: error.to_string(),
        });
        shared.emit(Progress::StepFailed {
            run: run.to_string(),
            step: step.index,
            what: what.clone(),
            error: error.to_string(),
        });
        Attempt::Failed { undo, error }
    };
    let executor = shared.executor.as_ref();
    let undo = match step.op.existed_before(executor).await {
        Ok(existed) => !existed,
        Err(e) => return fail(None, e),
    };
    let intent = Record::Intent {
        run: run.to_string(),
        step: step.index,
        undo,
    };
    if let Err(e) = shared.journal(intent) {
        return fail(None, e);
    }
    if let Err(e) = step.op.run(executor).await {
        return fail(Some(undo), e);
    }
    let done = Record::Done {
        run: run.to_string(),
        step: step.index,
    };
    if let Err(e) = shared.journal(done) {
        return fail(Some(undo), e);
    }
    shared.emit(Progress::StepDone {
        run: run.to_string(),
        step: step.index,
        what,
    });
    Attempt::Done { undo }
}

/// Undo one step and journal it.
async fn undo(shared: &Shared, run: &str, step: &Step) -> Result<(), ExecError> {
    let what = step.op.describe();
    if let Err(error) = step.op.undo(shared.executor.as_ref()).await {
        shared.emit(Progress::UndoFailed {
            run: run.to_string(),
            step: step.index,
            what,
            error: error.to_string(),
        });
        return Err(error);
    }
    // Not journaled: recovery undoes the step again, which is idempotent.
    let _ = shared.journal(Record::Undone {
        run: run.to_string(),
        step: step.index,
    });
    shared.emit(Progress::StepUndone {
        run: run.to_string(),
        step: step.index,
        what,
    });
    Ok(())
}

//! Progress events of a run, and cancellation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Serialize;

use crate::journal::RunOutcome;

/// What a run reports while it works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// A run (or its recovery) starts with this many steps to do.
    Begin {
        /// The run.
        run: String,
        /// The volume it creates.
        volume: String,
        /// Steps still to do.
        steps: usize,
    },
    /// A step starts.
    StepStarted {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
        /// What it does.
        what: String,
    },
    /// A step finished.
    StepDone {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
        /// What it did.
        what: String,
    },
    /// A step failed: rollback follows.
    StepFailed {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
        /// What it tried.
        what: String,
        /// Why it failed.
        error: String,
    },
    /// Rollback starts with this many steps to undo.
    RollbackStarted {
        /// The run.
        run: String,
        /// Steps to undo.
        steps: usize,
    },
    /// A step was undone.
    StepUndone {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
        /// What was undone.
        what: String,
    },
    /// Undoing a step failed; the rest of the rollback waits for recovery.
    UndoFailed {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
        /// What could not be undone.
        what: String,
        /// Why.
        error: String,
    },
    /// The run ended.
    End {
        /// The run.
        run: String,
        /// How.
        outcome: RunOutcome,
    },
}

/// A callback that receives progress events (called from the runner's tasks).
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Cancels a run: steps not yet started are skipped and what was done is rolled back.
/// Steps already running finish first (a half-run command is worse than a finished one).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Request cancellation (every clone sees it).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

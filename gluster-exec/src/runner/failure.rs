//! How a run fails: the cause, and what rollback could not undo.

use thiserror::Error;

use crate::error::ExecError;

/// Why a run stopped before completing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureCause {
    /// A step failed.
    Step {
        /// The step's index.
        step: usize,
        /// What it tried.
        what: String,
        /// The executor's error.
        error: ExecError,
    },
    /// The caller cancelled the run.
    Cancelled,
}

impl std::fmt::Display for FailureCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureCause::Step { step, what, error } => {
                // Counted from 1, as progress counts them (the field is the 0-based index).
                write!(f, "step {} ({what}) failed: {error}", step + 1)
            }
            FailureCause::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// A step rollback could not undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoFailure {
    /// The step's index.
    pub step: usize,
    /// What could not be undone.
    pub what: String,
    /// The executor's error.
    pub error: ExecError,
}

/// Why applying a plan did not complete.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplyError {
    /// The plan cannot be turned into steps: nothing ran.
    #[error("invalid plan: {0}")]
    Invalid(ExecError),
    /// The journal could not record the run's start: nothing ran.
    #[error("{0}")]
    Journal(ExecError),
    /// A step failed or the run was cancelled; what was done has been rolled back, except
    /// the steps in `rollback_failures` (then `gluster-plan recover` retries them).
    #[error("run {run}: {cause}; {}", rollback_summary(.rollback_failures))]
    Failed {
        /// The run.
        run: String,
        /// Why it stopped.
        cause: FailureCause,
        /// Undo steps that failed (empty: the rollback was complete).
        rollback_failures: Vec<UndoFailure>,
    },
}

impl ApplyError {
    /// Whether everything the run did was undone (or nothing ran).
    pub fn rolled_back_cleanly(&self) -> bool {
        match self {
            ApplyError::Failed {
                rollback_failures, ..
            } => rollback_failures.is_empty(),
            ApplyError::Invalid(_) | ApplyError::Journal(_) => true,
        }
    }
}

fn rollback_summary(failures: &[UndoFailure]) -> String {
    if failures.is_empty() {
        return "rolled back completely".into();
    }
    let list: Vec<String> = failures
        .iter()
        .map(|u| format!("step {} ({}): {}", u.step + 1, u.what, u.error))
        .collect();
    format!(
        "rollback incomplete, recovery will retry: {}",
        list.join("; ")
    )
}

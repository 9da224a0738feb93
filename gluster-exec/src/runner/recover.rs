//! Recovery after a crash: every run the journal shows unfinished is finished or rolled
//! back, so nothing stays half-created.

use std::collections::BTreeSet;

use super::{ApplyError, Cancel, Runner};
use crate::error::ExecError;
use crate::journal::{RunHistory, RunOutcome};

/// What recovery does with a run that never ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecoveryPolicy {
    /// Undo everything the run did (the default: the caller asks again if it still wants
    /// the volume).
    #[default]
    RollBack,
    /// Run the remaining steps (every step is idempotent); roll back if one fails. A run
    /// whose rollback had already begun is rolled back.
    Finish,
}

/// What recovery did with one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The run.
    pub run: String,
    /// The volume it was creating.
    pub volume: String,
    /// How it ends now: `Completed`, `RolledBack`, or `RollbackFailed` (run recovery again).
    pub outcome: RunOutcome,
    /// Why it did not complete (a step failure while finishing, or undo failures).
    pub error: Option<String>,
}

impl Runner {
    /// Finish or roll back every unfinished run in the journal, oldest first.
    pub async fn recover(&self, policy: RecoveryPolicy) -> Result<Vec<Recovered>, ExecError> {
        let records = self.shared.journal.records()?;
        let mut out = Vec::new();
        for mut h in RunHistory::from_records(&records) {
            if !h.is_unfinished() {
                continue;
            }
            sanitize(&mut h);
            let (run, volume) = (h.run.clone(), h.volume.clone());
            let rolling_back = h.outcome.is_some() || !h.undone.is_empty();
            let (outcome, error) = if policy == RecoveryPolicy::Finish && !rolling_back {
                match self.drive(h, &Cancel::new()).await {
                    Ok(_) => (RunOutcome::Completed, None),
                    Err(e) => (outcome_of(&e), Some(e.to_string())),
                }
            } else {
                let failures = self.roll_back(&mut h).await;
                if failures.is_empty() {
                    (RunOutcome::RolledBack, None)
                } else {
                    let list: Vec<String> = failures
                        .iter()
                        .map(|u| format!("step {} ({}): {}", u.step + 1, u.what, u.error))
                        .collect();
                    (RunOutcome::RollbackFailed, Some(list.join("; ")))
                }
            };
            out.push(Recovered {
                run,
                volume,
                outcome,
                error,
            });
        }
        Ok(out)
    }
}

fn outcome_of(e: &ApplyError) -> RunOutcome {
    if e.rolled_back_cleanly() {
        RunOutcome::RolledBack
    } else {
        RunOutcome::RollbackFailed
    }
}

/// Keep only records about steps the run has (a damaged journal must not index out of range),
/// and give the steps the indexes of their positions.
fn sanitize(h: &mut RunHistory) {
    for (i, step) in h.steps.iter_mut().enumerate() {
        step.index = i;
    }
    let n = h.steps.len();
    h.started.retain(|&i, _| i < n);
    h.done.retain(|&i| i < n);
    h.undone.retain(|&i| i < n);
    let started: BTreeSet<usize> = h.started.keys().copied().collect();
    h.done.retain(|i| started.contains(i));
}

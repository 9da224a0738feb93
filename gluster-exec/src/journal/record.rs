//! Journal records, and the history of one run rebuilt from them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::steps::Step;

/// One line of the journal.
///
/// Records follow the order the runner writes them, and [`super::parse_journal`] refuses any
/// other: a run's records come after its `Begin`; a step's `Done` or `Undone` after its
/// `Intent`; nothing of a run after its `End` (unless `RollbackFailed`, which recovery
/// continues) but a new `Begin`; no second `Begin` of a run that has not ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// A run begins: every step it will take, so recovery needs nothing else.
    Begin {
        /// The run's id (the plan's volume id).
        run: String,
        /// The volume it creates.
        volume: String,
        /// Every step, in order.
        steps: Vec<Step>,
        /// A rehearsal on simulated hosts: nothing ran on real ones (absent when false).
        #[serde(default, skip_serializing_if = "is_false")]
        rehearsal: bool,
    },
    /// A step is about to run. `undo` is false when its result existed before the run (a
    /// device prepared earlier), so rollback leaves it alone.
    Intent {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
        /// Whether rollback must undo it.
        undo: bool,
    },
    /// A step finished.
    Done {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
    },
    /// A step failed.
    Failed {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
        /// Why.
        error: String,
    },
    /// A step was undone.
    Undone {
        /// The run.
        run: String,
        /// The step's index.
        step: usize,
    },
    /// The run ended.
    End {
        /// The run.
        run: String,
        /// How.
        outcome: RunOutcome,
    },
}

impl Record {
    /// The run a record belongs to.
    pub fn run(&self) -> &str {
        match self {
            Record::Begin { run, .. }
            | Record::Intent { run, .. }
            | Record::Done { run, .. }
            | Record::Failed { run, .. }
            | Record::Undone { run, .. }
            | Record::End { run, .. } => run,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Every step done: the volume exists and is started.
    Completed,
    /// A failure or cancellation was rolled back completely: nothing is left.
    RolledBack,
    /// Rollback itself failed: some steps are still to undo (recovery retries them).
    RollbackFailed,
}

/// What the journal says about one run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunHistory {
    /// The run's id.
    pub run: String,
    /// The volume it creates.
    pub volume: String,
    /// Every step of the run.
    pub steps: Vec<Step>,
    /// Steps that were started, with whether rollback must undo them.
    pub started: BTreeMap<usize, bool>,
    /// Steps that finished.
    pub done: BTreeSet<usize>,
    /// Steps that were undone.
    pub undone: BTreeSet<usize>,
    /// How the run ended, if it did.
    pub outcome: Option<RunOutcome>,
}

impl RunHistory {
    /// A run that has begun and nothing else.
    pub fn new(run: String, volume: String, steps: Vec<Step>) -> Self {
        RunHistory {
            run,
            volume,
            steps,
            ..Self::default()
        }
    }

    /// Whether recovery has work: the run never ended, or its rollback failed.
    pub fn is_unfinished(&self) -> bool {
        matches!(self.outcome, None | Some(RunOutcome::RollbackFailed))
    }

    /// Fold one record of this run into the history.
    pub fn record(&mut self, record: &Record) {
        match record {
            Record::Begin { .. } | Record::Failed { .. } => {}
            Record::Intent { step, undo, .. } => {
                // A step run again after a crash must be undone if any run created it.
                *self.started.entry(*step).or_insert(false) |= *undo;
                self.undone.remove(step);
            }
            Record::Done { step, .. } => {
                self.done.insert(*step);
            }
            Record::Undone { step, .. } => {
                self.undone.insert(*step);
                self.done.remove(step);
            }
            Record::End { outcome, .. } => self.outcome = Some(*outcome),
        }
    }

    /// Every run in `records`, in the order they began. Records of a run with no `Begin`
    /// are ignored (there is nothing to replay them against).
    pub fn from_records(records: &[Record]) -> Vec<RunHistory> {
        let mut runs: Vec<RunHistory> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for record in records {
            if let Record::Begin {
                run, volume, steps, ..
            } = record
            {
                index.insert(run.clone(), runs.len());
                runs.push(RunHistory::new(run.clone(), volume.clone(), steps.clone()));
            } else if let Some(&i) = index.get(record.run()) {
                runs[i].record(record);
            }
        }
        runs
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

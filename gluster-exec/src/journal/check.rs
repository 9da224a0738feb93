//! The order a journal's records must follow: what the runner writes, and nothing else.
//!
//! A run's records come after its `begin`; a step is `done` or `undone` only after its
//! `intent`, and names a step the run has; a run that ended `completed` or `rolled_back`
//! gets no more records until a new `begin` of that id; a second `begin` of a run that has
//! not ended is refused. A run whose rollback failed stays open (recovery appends to it).

use std::collections::{BTreeMap, BTreeSet};

use super::{Record, RunOutcome};

/// What the check knows of one run so far.
struct Open {
    steps: usize,
    started: BTreeSet<usize>,
    ended: bool,
}

/// Check that `records` follow the runner's order. On error: the index of the first record
/// that does not, and why.
pub(crate) fn check_order(records: &[Record]) -> Result<(), (usize, String)> {
    let mut runs: BTreeMap<&str, Open> = BTreeMap::new();
    for (i, record) in records.iter().enumerate() {
        check_one(&mut runs, record).map_err(|reason| (i, reason))?;
    }
    Ok(())
}

fn check_one<'r>(runs: &mut BTreeMap<&'r str, Open>, record: &'r Record) -> Result<(), String> {
    let run = record.run();
    if let Record::Begin { steps, .. } = record {
        if runs.get(run).is_some_and(|o| !o.ended) {
            return Err(format!(
                "a second `begin` of run {run}, which has not ended"
            ));
        }
        runs.insert(
            run,
            Open {
                steps: steps.len(),
                started: BTreeSet::new(),
                ended: false,
            },
        );
        return Ok(());
    }
    let kind = kind(record);
    let open = match runs.get_mut(run) {
        None => return Err(format!("`{kind}` of run {run}, which never began")),
        Some(o) if o.ended => {
            return Err(format!("`{kind}` of run {run}, which had ended"));
        }
        Some(o) => o,
    };
    match record {
        Record::Begin { .. } => {}
        Record::Intent { step, .. } => {
            in_range(*step, open.steps, run)?;
            open.started.insert(*step);
        }
        Record::Failed { step, .. } => in_range(*step, open.steps, run)?,
        Record::Done { step, .. } | Record::Undone { step, .. } => {
            in_range(*step, open.steps, run)?;
            if !open.started.contains(step) {
                return Err(format!(
                    "`{kind}` of step {} of run {run}, which never began",
                    step + 1
                ));
            }
        }
        Record::End { outcome, .. } => open.ended = *outcome != RunOutcome::RollbackFailed,
    }
    Ok(())
}

fn in_range(step: usize, steps: usize, run: &str) -> Result<(), String> {
    if step < steps {
        Ok(())
    } else {
        Err(format!(
            "step {} of run {run}, which has {steps} steps",
            step + 1
        ))
    }
}

fn kind(record: &Record) -> &'static str {
    match record {
        Record::Begin { .. } => "begin",
        Record::Intent { .. } => "intent",
        Record::Done { .. } => "done",
        Record::Failed { .. } => "failed",
        Record::Undone { .. } => "undone",
        Record::End { .. } => "end",
    }
}

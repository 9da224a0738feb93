//! The runner over the simulated executor: rollback at every step, crash recovery, limits,
//! cancellation and the journal.

#[path = "runner/support.rs"]
mod support;

#[path = "runner/rollback.rs"]
mod rollback;

#[path = "runner/crash.rs"]
mod crash;

#[path = "runner/limits.rs"]
mod limits;

#[path = "runner/journal_file.rs"]
mod journal_file;

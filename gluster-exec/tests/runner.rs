//! The runner over the simulated executor: rollback at every step, crash recovery, limits,
//! cancellation and the journal.

#[path = "runner/support.rs"]
mod support;

#[path = "runner/rollback.rs"]
mod rollback;

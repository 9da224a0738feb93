//! The journal: intent before every step, outcome after, so a crashed run can be finished or
//! rolled back by [`crate::Runner::recover`].
//!
//! A journal is append-only. [`MemoryJournal`] keeps records in memory (tests, embedders with
//! their own persistence); [`FileJournal`] writes one JSON line per record and syncs it to disk
//! before the step it announces runs.

mod check;
mod error;
mod file;
mod memory;
mod record;

pub use error::JournalError;
pub use file::{parse_journal, FileJournal};
pub use memory::MemoryJournal;
pub use record::{Record, RunHistory, RunOutcome};

use crate::error::ExecError;

/// Where runs record what they do. Implementations must make a record durable before
/// `append` returns: the runner starts a step only after its intent is recorded.
pub trait Journal: Send + Sync + std::fmt::Debug {
    /// Append one record, durably.
    fn append(&self, record: &Record) -> Result<(), ExecError>;
    /// Every record, oldest first.
    fn records(&self) -> Result<Vec<Record>, ExecError>;
}

//! A journal kept in memory.

use std::sync::{Mutex, PoisonError};

use super::{Journal, Record};
use crate::error::ExecError;

/// A journal in memory: for tests, and for embedders that persist records themselves.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    records: Mutex<Vec<Record>>,
}

impl MemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Journal for MemoryJournal {
    fn append(&self, record: &Record) -> Result<(), ExecError> {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record.clone());
        Ok(())
    }

    fn records(&self) -> Result<Vec<Record>, ExecError> {
        Ok(self
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }
}

//! A file-backed journal: one JSON record per line, synced before each step runs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::check::check_order;
use super::{Journal, JournalError, Record};
use crate::error::ExecError;

/// An append-only journal file (JSON lines).
///
/// Each `append` writes one line and calls `sync_data` before returning. A crash in the
/// middle of a write leaves a last line without its newline: reading ignores such a torn
/// line (its step had not started), and refuses any other unreadable line.
#[derive(Debug)]
pub struct FileJournal {
    path: PathBuf,
    file: Mutex<File>,
}

impl FileJournal {
    /// Open (or create) the journal at `path` for appending. A torn last line (a write cut
    /// by a crash) is cut off first, so new records start on a line of their own.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ExecError> {
        Self::open_with(path.as_ref(), true)
    }

    /// Open the journal at `path`, which must exist: recovery reads a journal, and a
    /// mistyped path must not become an empty journal with "nothing to recover".
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self, ExecError> {
        Self::open_with(path.as_ref(), false)
    }

    fn open_with(path: &Path, create: bool) -> Result<Self, ExecError> {
        let path = path.to_path_buf();
        let io = |e: std::io::Error| {
            if !create && e.kind() == std::io::ErrorKind::NotFound {
                JournalError::NotFound { path: path.clone() }
            } else {
                JournalError::io(&path, e)
            }
        };
        match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_file() => {
                return Err(JournalError::NotAFile { path }.into());
            }
            Ok(_) => {}
            Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e).into()),
        }
        drop_torn_tail(&path).map_err(io)?;
        let file = OpenOptions::new()
            .create(create)
            .append(true)
            .open(&path)
            .map_err(io)?;
        Ok(FileJournal {
            file: Mutex::new(file),
            path,
        })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, e: std::io::Error) -> ExecError {
        ExecError::Journal(JournalError::io(&self.path, e))
    }
}

impl Journal for FileJournal {
    fn append(&self, record: &Record) -> Result<(), ExecError> {
        let mut line = serde_json::to_string(record).map_err(|e| self.error(e.into()))?;
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| self.error(e))
    }

    fn records(&self) -> Result<Vec<Record>, ExecError> {
        let bytes = std::fs::read(&self.path).map_err(|e| self.error(e))?;
        parse_journal(&bytes).map_err(|e| ExecError::Journal(e.in_file(&self.path)))
    }
}

/// Cut the file after its last newline, if it does not end with one.
fn drop_torn_tail(path: &Path) -> std::io::Result<()> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if bytes.last().is_none_or(|&b| b == b'\n') {
        return Ok(());
    }
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let file = OpenOptions::new().write(true).open(path)?;
    file.set_len(keep as u64)?;
    file.sync_data()
}

/// Parse a journal file's bytes. A last line without a newline is a torn write and is
/// ignored; any other line that is not a record, or a record out of the order the runner
/// writes (see [`Record`]), is an error naming its line number.
pub fn parse_journal(bytes: &[u8]) -> Result<Vec<Record>, JournalError> {
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) => &bytes[..=last],
        None => &[][..],
    };
    let mut lines = Vec::new();
    let mut records = Vec::new();
    for (n, line) in complete.split(|&b| b == b'\n').enumerate() {
        let invalid = |reason: String| JournalError::Invalid {
            path: None,
            line: n + 1,
            reason,
        };
        let text = std::str::from_utf8(line).map_err(|e| invalid(format!("not UTF-8: {e}")))?;
        if text.trim().is_empty() {
            continue;
        }
        records.push(serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?);
        lines.push(n + 1);
    }
    check_order(&records).map_err(|(i, reason)| JournalError::Invalid {
        path: None,
        line: lines[i],
        reason,
    })?;
    Ok(records)
}

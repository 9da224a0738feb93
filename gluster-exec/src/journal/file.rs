//! A file-backed journal: one JSON record per line, synced before each step runs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::{Journal, Record};
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
        let path = path.as_ref().to_path_buf();
        drop_torn_tail(&path)
            .map_err(|e| ExecError::Journal(format!("{}: {e}", path.display())))?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| ExecError::Journal(format!("{}: {e}", path.display())))?;
        Ok(FileJournal {
            path,
            file: Mutex::new(file),
        })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, e: impl std::fmt::Display) -> ExecError {
        ExecError::Journal(format!("{}: {e}", self.path.display()))
    }
}

impl Journal for FileJournal {
    fn append(&self, record: &Record) -> Result<(), ExecError> {
        let mut line = serde_json::to_string(record).map_err(|e| self.error(e))?;
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| self.error(e))
    }

    fn records(&self) -> Result<Vec<Record>, ExecError> {
        let bytes = std::fs::read(&self.path).map_err(|e| self.error(e))?;
        parse_journal(&bytes).map_err(|e| self.error(e))
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
/// ignored; any other line that is not a record is an error naming its line number.
pub fn parse_journal(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) => &bytes[..=last],
        None => &[][..],
    };
    let text = std::str::from_utf8(complete).map_err(|e| format!("not UTF-8: {e}"))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

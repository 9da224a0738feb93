//! A file-backed journal: one JSON record per line, synced before each step runs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use super::check::check_order;
use super::{Journal, JournalError, Record};
use crate::error::ExecError;

/// An append-only journal file (JSON lines).
///
/// Each `append` returns once its line is written and synced (`sync_data`). Appends made
/// at once share a sync (group commit): one caller writes every line queued so far and
/// syncs, the others wait for it. On a multi-threaded tokio runtime the wait and the sync
/// run under `block_in_place`, so the worker's other tasks move to another thread instead
/// of stalling behind the disk. A crash in the middle of a write leaves a last line
/// without its newline: reading ignores such a torn line (its step had not started), and
/// refuses any other unreadable line.
#[derive(Debug)]
pub struct FileJournal {
    path: PathBuf,
    /// Written only by the caller leading a group, outside `group`'s lock.
    file: Mutex<File>,
    group: Mutex<Group>,
    synced: Condvar,
    syncs: AtomicU64,
}

/// The lines waiting for a sync, by sequence number.
#[derive(Debug, Default)]
struct Group {
    queue: Vec<u8>,
    queued: u64,
    synced: u64,
    leading: bool,
    /// Recent failed groups: (first, last sequence number, error).
    failed: Vec<(u64, u64, std::io::ErrorKind, String)>,
}

/// Failed groups kept for their waiters.
const FAILED_KEPT: usize = 64;

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
            group: Mutex::new(Group::default()),
            synced: Condvar::new(),
            syncs: AtomicU64::new(0),
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

    /// How many syncs the journal has made (fewer than appends when appends were grouped).
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Queue `line`, then lead a group or wait until one has synced it.
    fn append_line(&self, line: &[u8]) -> std::io::Result<()> {
        let lock = || self.group.lock().unwrap_or_else(PoisonError::into_inner);
        let mut group = lock();
        group.queue.extend_from_slice(line);
        group.queued += 1;
        let seq = group.queued;
        loop {
            if group.synced >= seq {
                return match group.failed.iter().find(|f| f.0 <= seq && seq <= f.1) {
                    Some((_, _, kind, text)) => Err(std::io::Error::new(*kind, text.clone())),
                    None => Ok(()),
                };
            }
            if group.leading {
                group = self
                    .synced
                    .wait(group)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            group.leading = true;
            let batch = std::mem::take(&mut group.queue);
            let (first, last) = (group.synced + 1, group.queued);
            drop(group);
            let written = {
                let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
                file.write_all(&batch).and_then(|()| file.sync_data())
            };
            self.syncs.fetch_add(1, Ordering::Relaxed);
            group = lock();
            if let Err(e) = written {
                if group.failed.len() == FAILED_KEPT {
                    group.failed.remove(0);
                }
                group.failed.push((first, last, e.kind(), e.to_string()));
            }
            group.synced = last;
            group.leading = false;
            self.synced.notify_all();
        }
    }
}

/// Run `f`, which blocks on the disk, so that a multi-threaded tokio runtime's worker
/// hands its other tasks to another thread first.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl Journal for FileJournal {
    fn append(&self, record: &Record) -> Result<(), ExecError> {
        let mut line = serde_json::to_string(record).map_err(|e| self.error(e.into()))?;
        line.push('\n');
        blocking(|| self.append_line(line.as_bytes())).map_err(|e| self.error(e))
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

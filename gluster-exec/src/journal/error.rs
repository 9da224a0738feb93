//! Why a journal could not be read or written.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

/// A journal that could not be opened, read, written or trusted. Carries the file (when
/// there is one), the line (when one is at fault) and the underlying `io::Error`.
#[derive(Debug, Clone, Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Reading or writing the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The journal file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The journal file does not exist (recovery never creates one).
    #[error("{}: no such journal (check the path; recovery never creates a journal)", path.display())]
    NotFound {
        /// The path that was given.
        path: PathBuf,
    },
    /// The path is not a regular file (`/dev/null`, a directory): records would be lost.
    #[error("{}: not a regular file: a journal must keep what is written to it", path.display())]
    NotAFile {
        /// The path that was given.
        path: PathBuf,
    },
    /// A line is not a record, or a record contradicts the ones before it.
    #[error("{}line {line}: {reason}", in_file(path))]
    Invalid {
        /// The journal file, when read from one.
        path: Option<PathBuf>,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

fn in_file(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

impl JournalError {
    /// An IO error on `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        JournalError::Io {
            path: path.to_path_buf(),
            source: Arc::new(source),
        }
    }

    /// The same error, naming `path` as its file.
    pub(crate) fn in_file(self, file: &Path) -> Self {
        match self {
            JournalError::Invalid { line, reason, .. } => JournalError::Invalid {
                path: Some(file.to_path_buf()),
                line,
                reason,
            },
            other => other,
        }
    }
}

/// Compared by kind, file, line and message (an `io::Error` has no equality).
impl PartialEq for JournalError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                JournalError::Io { path, source },
                JournalError::Io {
                    path: p2,
                    source: s2,
                },
            ) => path == p2 && source.kind() == s2.kind() && source.to_string() == s2.to_string(),
            (JournalError::NotFound { path }, JournalError::NotFound { path: p2 })
            | (JournalError::NotAFile { path }, JournalError::NotAFile { path: p2 }) => path == p2,
            (
                JournalError::Invalid { path, line, reason },
                JournalError::Invalid {
                    path: p2,
                    line: l2,
                    reason: r2,
                },
            ) => path == p2 && line == l2 && reason == r2,
            _ => false,
        }
    }
}

impl Eq for JournalError {}

//! Why the test pool could not be set up or driven.

use thiserror::Error;

/// A test pool failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PoolError {
    /// The machine lacks something a real pool needs; each entry says what and how to fix it.
    #[error("the real gluster pool cannot run on this machine:\n  - {}", .0.join("\n  - "))]
    Prerequisites(Vec<String>),
    /// A setup or control command failed.
    #[error("`{command}` exited with status {status}: {stderr}")]
    Command {
        /// The command, argv joined with spaces.
        command: String,
        /// Exit status.
        status: i32,
        /// Its standard error.
        stderr: String,
    },
    /// Something did not happen in time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// A file or process operation failed.
    #[error("{0}")]
    Io(String),
    /// The request to the harness is invalid (unknown node, empty spec).
    #[error("invalid test pool request: {0}")]
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::PoolError;

    #[test]
    fn missing_prerequisites_are_listed_one_a_line() {
        let e = PoolError::Prerequisites(vec!["not root".into(), "no mkfs.xfs".into()]);
        assert_eq!(
            e.to_string(),
            "the real gluster pool cannot run on this machine:\n  - not root\n  - no mkfs.xfs"
        );
    }
}

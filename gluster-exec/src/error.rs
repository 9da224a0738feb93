//! The one error type of the executor layer.

use thiserror::Error;

/// Why an executor operation failed. Callers tell a failed command (with its output) from an
/// unreachable host, a missing resource and an unsupported operation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ExecError {
    /// A command ran and failed; its exit status and output are kept.
    #[error("{host}: `{command}` exited with status {status}: {}", stderr.trim())]
    CommandFailed {
        /// Host the command ran on.
        host: String,
        /// The command, argv joined with spaces (for display only).
        command: String,
        /// Exit status (-1 when killed by a signal).
        status: i32,
        /// Standard output.
        stdout: String,
        /// Standard error.
        stderr: String,
    },
    /// glusterd answered a gluster command with an error (`opRet` != 0).
    #[error("{host}: gluster {operation} failed: {message} (op_errno {errno})")]
    Gluster {
        /// Host the command ran on.
        host: String,
        /// The gluster operation, e.g. `volume create`.
        operation: String,
        /// glusterd's `opErrno`.
        errno: i32,
        /// glusterd's `opErrstr`.
        message: String,
    },
    /// The host could not be reached (connection refused, ssh failure, pod gone).
    #[error("{host}: unreachable: {message}")]
    Unreachable {
        /// Host that could not be reached.
        host: String,
        /// What the transport reported.
        message: String,
    },
    /// A command did not finish in time and was killed.
    #[error("{host}: `{command}` timed out after {seconds} s")]
    Timeout {
        /// Host the command ran on.
        host: String,
        /// The command, argv joined with spaces.
        command: String,
        /// The timeout that expired.
        seconds: u64,
    },
    /// A volume did not heal within the wait (entries pending or bricks down at the end).
    #[error("{host}: volume {volume} did not heal in {seconds} s ({pending} entries pending, {down} bricks down)")]
    HealTimeout {
        /// Host whose glusterd was asked.
        host: String,
        /// The volume.
        volume: String,
        /// Entries still to heal at the last look.
        pending: u64,
        /// Bricks not connected at the last look.
        down: usize,
        /// How long it waited.
        seconds: u64,
    },
    /// A resource the operation needs does not exist (device, volume, brick).
    #[error("{host}: {what} not found")]
    NotFound {
        /// Host where it was looked for.
        host: String,
        /// What is missing, e.g. `volume vol_1`.
        what: String,
    },
    /// This executor or backend cannot do this operation.
    #[error("unsupported operation: {0}")]
    Unsupported(String),
    /// The request itself is invalid (an unsafe name or path, an empty brick list): nothing ran.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The operation was cancelled before it ran.
    #[error("cancelled")]
    Cancelled,
    /// The journal could not be written or read.
    #[error("journal: {0}")]
    Journal(#[from] crate::journal::JournalError),
    /// A device reports less space than its bricks take: reported, never accepted.
    #[error("{host}: device {device} is now {total}, less than the {used} its bricks take")]
    DeviceShrunk {
        /// Manage hostname.
        host: String,
        /// Device path.
        device: String,
        /// The size it reports now.
        total: gluster_model::ByteSize,
        /// Space its bricks take.
        used: gluster_model::ByteSize,
    },
}

impl ExecError {
    /// Whether retrying later may succeed (the host was unreachable or a command timed out).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ExecError::Unreachable { .. }
                | ExecError::Timeout { .. }
                | ExecError::HealTimeout { .. }
        )
    }
}

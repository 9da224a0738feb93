//! Parsers for the `--xml` answers of the gluster CLI.
//!
//! Success is judged by `<opRet>` (0), never by the exit status: with `--xml` the CLI exits 0
//! even when the operation failed. Every `parse_*` function takes the whole answer as `&str`
//! and returns an error, never panics, on any input.

use thiserror::Error;

use crate::error::ExecError;

mod peer;
mod snapshot;
mod status;
mod tree;
mod volume;

pub use peer::{parse_peer_status, Peer};
pub use snapshot::parse_snapshot_info;
pub use status::{parse_cli_output, CliOutput};
pub use volume::{parse_heal_info, parse_volume_info, parse_volume_list};

/// Why a gluster XML answer gave no result.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum XmlError {
    /// Not a `cliOutput` document of the expected shape.
    #[error("malformed gluster xml: {0}")]
    Malformed(String),
    /// glusterd reported a failure (`opRet` != 0).
    #[error("{message} (op_ret {op_ret}, op_errno {op_errno})")]
    Failed {
        /// `opRet`.
        op_ret: i32,
        /// `opErrno`.
        op_errno: i32,
        /// `opErrstr`, or `output` when that is empty.
        message: String,
    },
}

impl XmlError {
    /// The executor error for this answer of `operation` on `host`.
    pub fn into_exec(self, host: &str, operation: &str, stdout: &str, stderr: &str) -> ExecError {
        match self {
            XmlError::Failed {
                op_errno, message, ..
            } => ExecError::Gluster {
                host: host.to_string(),
                operation: operation.to_string(),
                errno: op_errno,
                message,
            },
            XmlError::Malformed(why) => ExecError::CommandFailed {
                host: host.to_string(),
                command: format!("gluster {operation}"),
                status: 0,
                stdout: stdout.to_string(),
                stderr: format!("unreadable answer ({why}) {stderr}"),
            },
        }
    }
}

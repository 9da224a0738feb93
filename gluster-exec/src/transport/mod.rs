//! The `Transport` trait: run an argv on a host.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::ExecError;

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandOutput {
    /// Exit status (-1 when killed by a signal).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CommandOutput {
    /// Whether the command exited with status 0.
    pub fn success(&self) -> bool {
        self.status == 0
    }
}

/// Runs commands on hosts: a local process, ssh, kubectl exec, a namespace prefix...
///
/// Commands are argv vectors, never shell strings: a transport must pass each element as one
/// argument (quoting it where the remote side needs a shell, as ssh does).
#[async_trait]
pub trait Transport: Send + Sync + std::fmt::Debug + 'static {
    /// Run `argv` on `host`, killing it after `timeout`.
    ///
    /// A command that runs and exits non-zero is `Ok` with its status; `Err` means it could not
    /// run (`Unreachable`) or did not finish (`Timeout`).
    async fn run(
        &self,
        host: &str,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, ExecError>;
}

mod kubectl;
mod local;
mod prefix;
mod quote;
mod ssh;
mod wrapped;

pub use kubectl::KubectlTransport;
pub use local::LocalTransport;
pub use prefix::PrefixTransport;
pub use quote::{quote, quote_command};
pub use ssh::SshTransport;

/// An argv joined with spaces, for messages only (never run through a shell).
pub(crate) fn display_command(argv: &[String]) -> String {
    argv.join(" ")
}

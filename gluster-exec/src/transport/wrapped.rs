//! The one way a wrapping transport (ssh, kubectl exec, a prefix) runs a command: wrap the
//! argv, run the result as a local process, and tell the wrapper's own failure (ssh could not
//! connect, kubectl found no pod) from the command's exit status.

use std::time::Duration;

use super::local::run_process;
use super::CommandOutput;
use crate::error::ExecError;

/// How a transport wraps a command for a host.
pub(crate) trait Wrapper {
    /// The local argv that runs `argv` on `host`.
    fn wrap(&self, host: &str, argv: &[String]) -> Result<Vec<String>, ExecError>;

    /// Whether `out` is the wrapper's own failure rather than the command's exit status.
    fn wrapper_failed(&self, out: &CommandOutput) -> bool {
        let _ = out;
        false
    }
}

/// Runs `argv` on `host` through `wrapper`; errors show `argv`, not the wrapping.
pub(crate) async fn run_wrapped(
    wrapper: &(impl Wrapper + Sync),
    host: &str,
    argv: &[String],
    timeout: Duration,
) -> Result<CommandOutput, ExecError> {
    let cmd = wrapper.wrap(host, argv)?;
    let out = run_process(host, &cmd, argv, timeout).await?;
    if wrapper.wrapper_failed(&out) {
        return Err(ExecError::Unreachable {
            host: host.to_string(),
            message: out.stderr.trim().to_string(),
        });
    }
    Ok(out)
}

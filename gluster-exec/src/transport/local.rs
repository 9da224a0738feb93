//! Run commands as local processes.

use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;

use super::{display_command, CommandOutput, Transport};
use crate::error::ExecError;

/// Exit status reported when the program does not exist (as a shell reports it).
pub(crate) const NOT_FOUND_STATUS: i32 = 127;
/// Exit status reported when the program may not be executed (as a shell reports it).
const NOT_EXECUTABLE_STATUS: i32 = 126;

/// Runs every command as a process on this machine, whatever host it names.
///
/// The host is ignored: use it for a single-node setup, for tests, or as the building block
/// of transports that wrap the command (ssh, kubectl, a prefix). A command that outlives its
/// timeout is killed (the direct child; a command that forks keeps its grandchildren).
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalTransport;

impl LocalTransport {
    /// A local transport.
    pub fn new() -> Self {
        LocalTransport
    }
}

#[async_trait]
impl Transport for LocalTransport {
    async fn run(
        &self,
        host: &str,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        run_process(host, argv, argv, timeout).await
    }
}

/// Run `argv` as a local process; errors name `host` and `shown` (the command as the caller
/// asked for it, without the transport's wrapping).
pub(crate) async fn run_process(
    host: &str,
    argv: &[String],
    shown: &[String],
    timeout: Duration,
) -> Result<CommandOutput, ExecError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(ExecError::InvalidRequest("empty command".into()));
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = match command.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(CommandOutput {
                status: NOT_FOUND_STATUS,
                stdout: String::new(),
                stderr: format!("{program}: command not found"),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Ok(CommandOutput {
                status: NOT_EXECUTABLE_STATUS,
                stdout: String::new(),
                stderr: format!("{program}: permission denied"),
            })
        }
        Err(e) => {
            return Err(ExecError::Unreachable {
                host: host.to_string(),
                message: format!("cannot start {program}: {e}"),
            })
        }
    };
    // Dropping the future on timeout drops the child, which kills it (kill_on_drop).
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => Ok(CommandOutput {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }),
        Ok(Err(e)) => Err(ExecError::Unreachable {
            host: host.to_string(),
            message: format!("waiting for {program}: {e}"),
        }),
        Err(_) => Err(ExecError::Timeout {
            host: host.to_string(),
            command: display_command(shown),
            seconds: timeout.as_secs(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    const LONG: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn runs_true_and_reports_exit_status_and_output() {
        let t = LocalTransport::new();
        let ok = t.run("any", &argv(&["true"]), LONG).await.unwrap();
        assert!(ok.success());
        let three = t
            .run(
                "any",
                &argv(&["sh", "-c", "echo out; echo err >&2; exit 3"]),
                LONG,
            )
            .await
            .unwrap();
        assert_eq!(three.status, 3);
        assert_eq!(three.stdout, "out\n");
        assert_eq!(three.stderr, "err\n");
    }

    #[tokio::test]
    async fn arguments_are_not_interpreted_by_a_shell() {
        let t = LocalTransport::new();
        let out = t
            .run("any", &argv(&["echo", "$(id)", ";", "`id`"]), LONG)
            .await
            .unwrap();
        assert_eq!(out.stdout, "$(id) ; `id`\n");
    }

    #[tokio::test]
    async fn a_missing_program_exits_127() {
        let out = LocalTransport::new()
            .run("any", &argv(&["/nonexistent/gluster-exec-test"]), LONG)
            .await
            .unwrap();
        assert_eq!(out.status, NOT_FOUND_STATUS);
    }

    #[tokio::test]
    async fn a_slow_command_is_killed_as_a_timeout() {
        let err = LocalTransport::new()
            .run("h1", &argv(&["sleep", "5"]), Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ExecError::Timeout { host, command, .. } if host == "h1" && command == "sleep 5"),
            "{err:?}"
        );
        assert!(err.is_transient());
    }

    #[tokio::test]
    async fn an_empty_argv_is_invalid() {
        let err = LocalTransport::new().run("h", &[], LONG).await.unwrap_err();
        assert!(matches!(err, ExecError::InvalidRequest(_)));
    }
}

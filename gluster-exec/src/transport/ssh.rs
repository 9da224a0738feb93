//! Run commands over the OpenSSH client.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use super::wrapped::{run_wrapped, Wrapper};
use super::{quote_command, CommandOutput, Transport};
use crate::error::ExecError;
use crate::validate;

/// Exit status with which `ssh` reports its own failures (connection, authentication).
const SSH_FAILURE_STATUS: i32 = 255;

/// Runs commands on hosts with the OpenSSH client (`ssh`).
///
/// Batch mode (no password prompts) and connection reuse (`ControlMaster=auto`, a control
/// socket per host in `control_dir`, kept for 60 s). The remote side runs the command through
/// the user's login shell, so every argument is shell-quoted. Exit status 255 is taken as an
/// ssh failure ([`ExecError::Unreachable`]): a remote command exiting 255 is reported as such.
#[derive(Debug, Clone)]
pub struct SshTransport {
    user: Option<String>,
    port: Option<u16>,
    identity: Option<PathBuf>,
    config: Option<PathBuf>,
    control_dir: PathBuf,
    options: Vec<String>,
}

impl SshTransport {
    /// An ssh transport keeping its control sockets in `control_dir` (must exist, private).
    pub fn new(control_dir: impl Into<PathBuf>) -> Self {
        SshTransport {
            user: None,
            port: None,
            identity: None,
            config: None,
            control_dir: control_dir.into(),
            options: Vec::new(),
        }
    }

    /// Log in as `user` (default: ssh's own choice).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Connect to `port`.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Authenticate with this private key file.
    pub fn identity(mut self, path: impl Into<PathBuf>) -> Self {
        self.identity = Some(path.into());
        self
    }

    /// Read this ssh client configuration file instead of the user's (`-F`): per-host
    /// `HostName`, `User`, `IdentityFile`, `UserKnownHostsFile` and the like.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config = Some(path.into());
        self
    }

    /// Add an `-o key=value` option (e.g. `StrictHostKeyChecking=accept-new`).
    pub fn option(mut self, option: impl Into<String>) -> Self {
        self.options.push(option.into());
        self
    }

    /// The local argv that runs `argv` on `host`.
    pub fn command_for(&self, host: &str, argv: &[String]) -> Result<Vec<String>, ExecError> {
        validate::hostname(host)?;
        if let Some(user) = &self.user {
            validate::user_name(user)?;
        }
        if argv.is_empty() {
            return Err(ExecError::InvalidRequest("empty command".into()));
        }
        let mut cmd: Vec<String> = vec!["ssh".into()];
        if let Some(config) = &self.config {
            cmd.push("-F".into());
            cmd.push(config.display().to_string());
        }
        let mut opt = |o: String| {
            cmd.push("-o".into());
            cmd.push(o);
        };
        opt("BatchMode=yes".into());
        opt("ControlMaster=auto".into());
        opt(format!(
            "ControlPath={}/%C",
            self.control_dir.display().to_string().trim_end_matches('/')
        ));
        opt("ControlPersist=60".into());
        for o in &self.options {
            opt(o.clone());
        }
        if let Some(port) = self.port {
            cmd.push("-p".into());
            cmd.push(port.to_string());
        }
        if let Some(identity) = &self.identity {
            cmd.push("-i".into());
            cmd.push(identity.display().to_string());
        }
        cmd.push(match &self.user {
            Some(user) => format!("{user}@{host}"),
            None => host.to_string(),
        });
        cmd.push("--".into());
        cmd.push(quote_command(argv));
        Ok(cmd)
    }
}

#[async_trait]
impl Transport for SshTransport {
    async fn run(
        &self,
        host: &str,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        run_wrapped(self, host, argv, timeout).await
    }
}

impl Wrapper for SshTransport {
    fn wrap(&self, host: &str, argv: &[String]) -> Result<Vec<String>, ExecError> {
        self.command_for(host, argv)
    }

    /// ssh exits 255 when it cannot reach the host (the command's own 255 is read alike).
    fn wrapper_failed(&self, out: &CommandOutput) -> bool {
        out.status == SSH_FAILURE_STATUS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn builds_a_batch_mode_command_with_connection_reuse() {
        let t = SshTransport::new("/run/gluster-exec/ssh/")
            .user("root")
            .port(2222);
        let cmd = t
            .command_for(
                "node1.example",
                &argv(&["gluster", "--mode=script", "volume", "info", "a b"]),
            )
            .unwrap();
        assert_eq!(
            cmd,
            argv(&[
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                "ControlMaster=auto",
                "-o",
                "ControlPath=/run/gluster-exec/ssh/%C",
                "-o",
                "ControlPersist=60",
                "-p",
                "2222",
                "root@node1.example",
                "--",
                "gluster --mode=script volume info 'a b'",
            ])
        );
    }

    #[test]
    fn a_config_file_comes_first() {
        let t = SshTransport::new("/run/ssh")
            .config_file("/etc/gluster/ssh_config")
            .identity("/etc/gluster/id_ed25519");
        let cmd = t.command_for("node1", &argv(&["true"])).unwrap();
        assert_eq!(cmd[..3], argv(&["ssh", "-F", "/etc/gluster/ssh_config"]));
        let i = cmd.iter().position(|a| a == "-i").expect("-i");
        assert_eq!(cmd[i + 1], "/etc/gluster/id_ed25519");
        assert_eq!(cmd[cmd.len() - 3..], argv(&["node1", "--", "true"]));
    }

    #[test]
    fn remote_words_are_quoted_against_injection() {
        let t = SshTransport::new("/tmp");
        let cmd = t
            .command_for("h", &argv(&["echo", "$(reboot)", "x;reboot"]))
            .unwrap();
        assert_eq!(cmd.last().unwrap(), "echo '$(reboot)' 'x;reboot'");
    }

    #[test]
    fn hostile_hosts_and_users_are_refused() {
        let t = SshTransport::new("/tmp");
        for host in ["-oProxyCommand=reboot", "a b", "h;reboot", "", "user@h"] {
            let err = t.command_for(host, &argv(&["true"])).unwrap_err();
            assert!(matches!(err, ExecError::InvalidRequest(_)), "{host}");
        }
        let t = SshTransport::new("/tmp").user("-oProxyCommand=x");
        assert!(t.command_for("h", &argv(&["true"])).is_err());
    }
}

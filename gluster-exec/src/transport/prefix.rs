//! Run commands locally behind a per-host argv prefix (`ip netns exec`, `nsenter`).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

use super::wrapped::{run_wrapped, Wrapper};
use super::{CommandOutput, Transport};
use crate::error::ExecError;

/// Runs commands locally, each host's command behind its own argv prefix, e.g.
/// `ip netns exec gn1` or `nsenter -t PID -m -n`: the stand-in for ssh in tests with one
/// glusterd per network namespace. A host without a prefix is [`ExecError::Unreachable`].
#[derive(Debug, Clone, Default)]
pub struct PrefixTransport {
    prefixes: BTreeMap<String, Vec<String>>,
}

impl PrefixTransport {
    /// A transport with no hosts yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Commands for `host` run as `prefix... argv...`.
    pub fn host<I, S>(mut self, host: impl Into<String>, prefix: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.prefixes
            .insert(host.into(), prefix.into_iter().map(Into::into).collect());
        self
    }

    /// The local argv that runs `argv` on `host`.
    pub fn command_for(&self, host: &str, argv: &[String]) -> Result<Vec<String>, ExecError> {
        let prefix = self
            .prefixes
            .get(host)
            .ok_or_else(|| ExecError::Unreachable {
                host: host.to_string(),
                message: "no command prefix for this host".into(),
            })?;
        if argv.is_empty() {
            return Err(ExecError::InvalidRequest("empty command".into()));
        }
        Ok(prefix.iter().chain(argv).cloned().collect())
    }
}

#[async_trait]
impl Transport for PrefixTransport {
    async fn run(
        &self,
        host: &str,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        run_wrapped(self, host, argv, timeout).await
    }
}

impl Wrapper for PrefixTransport {
    fn wrap(&self, host: &str, argv: &[String]) -> Result<Vec<String>, ExecError> {
        self.command_for(host, argv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    const LONG: Duration = Duration::from_secs(60);

    #[test]
    fn builds_prefix_then_command() {
        let t = PrefixTransport::new().host("gn1", ["ip", "netns", "exec", "gn1"]);
        assert_eq!(
            t.command_for("gn1", &argv(&["gluster", "pool", "list"]))
                .unwrap(),
            argv(&["ip", "netns", "exec", "gn1", "gluster", "pool", "list"])
        );
        assert!(matches!(
            t.command_for("gn2", &argv(&["true"])),
            Err(ExecError::Unreachable { .. })
        ));
    }

    #[tokio::test]
    async fn runs_the_prefixed_command_for_real() {
        // `env` as a prefix: runs the rest of the argv with one more variable set.
        let t = PrefixTransport::new().host("n1", ["env", "GLUSTER_EXEC_NODE=n1"]);
        let out = t
            .run(
                "n1",
                &argv(&["sh", "-c", "echo $GLUSTER_EXEC_NODE; exit 3"]),
                LONG,
            )
            .await
            .unwrap();
        assert_eq!((out.status, out.stdout.as_str()), (3, "n1\n"));
        let ok = t.run("n1", &argv(&["true"]), LONG).await.unwrap();
        assert!(ok.success());
        let err = t
            .run("n1", &argv(&["sleep", "5"]), Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ExecError::Timeout { command, .. } if command == "sleep 5"),
            "{err:?}"
        );
    }
}

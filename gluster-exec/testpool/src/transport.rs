//! `NodeTransport`: run a command inside a test node's network and mount namespaces, the
//! test pool's stand-in for `ssh node` or `kubectl exec`.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use gluster_exec::{CommandOutput, ExecError, Transport};

/// Runs `nsenter -t <pid> -m -n <argv>`, where `<pid>` holds the named node's namespaces.
///
/// A host is known by its manage hostname or its address. Commands run whether or not the
/// node's glusterd is alive, as on a machine whose daemon crashed.
#[derive(Debug, Clone, Default)]
pub struct NodeTransport {
    hosts: Arc<BTreeMap<String, u32>>,
}

impl NodeTransport {
    /// A transport for `(host, namespace pid)` pairs.
    pub fn new(hosts: impl IntoIterator<Item = (String, u32)>) -> Self {
        NodeTransport {
            hosts: Arc::new(hosts.into_iter().collect()),
        }
    }

    /// The pid whose namespaces `host` runs in.
    pub fn ns_pid(&self, host: &str) -> Option<u32> {
        self.hosts.get(host).copied()
    }
}

#[async_trait]
impl Transport for NodeTransport {
    async fn run(
        &self,
        host: &str,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        let unreachable = |message: String| ExecError::Unreachable {
            host: host.to_string(),
            message,
        };
        let pid = self
            .ns_pid(host)
            .ok_or_else(|| unreachable("not a node of this test pool".into()))?;
        if argv.is_empty() {
            return Err(ExecError::InvalidRequest("empty command".into()));
        }
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            return Err(unreachable(format!("namespace holder {pid} is gone")));
        }
        let child = tokio::process::Command::new("nsenter")
            .args(["-t", &pid.to_string(), "-m", "-n"])
            .args(argv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| unreachable(format!("cannot start nsenter: {e}")))?;
        match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Ok(Ok(out)) => Ok(CommandOutput {
                status: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }),
            Ok(Err(e)) => Err(unreachable(format!("nsenter failed: {e}"))),
            Err(_) => Err(ExecError::Timeout {
                host: host.to_string(),
                command: argv.join(" "),
                seconds: timeout.as_secs(),
            }),
        }
    }
}

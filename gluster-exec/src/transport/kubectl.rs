//! Run commands in pods with `kubectl exec`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;

use super::wrapped::{run_wrapped, Wrapper};
use super::{CommandOutput, Transport};
use crate::error::ExecError;
use crate::validate;

/// Runs commands in the pod that serves each host (`kubectl exec -n NS POD -c C -- argv`).
///
/// kubectl passes the argv to the container as is (no shell). Its own failures (pod or
/// namespace not found, API server unreachable) print `Error from server` or `error:` on stderr
/// and are reported as [`ExecError::Unreachable`].
#[derive(Debug, Clone)]
pub struct KubectlTransport {
    namespace: String,
    container: String,
    context: Option<String>,
    pods: BTreeMap<String, String>,
}

impl KubectlTransport {
    /// A transport for pods in `namespace`, running commands in `container`.
    pub fn new(namespace: impl Into<String>, container: impl Into<String>) -> Self {
        KubectlTransport {
            namespace: namespace.into(),
            container: container.into(),
            context: None,
            pods: BTreeMap::new(),
        }
    }

    /// Use this kubeconfig context.
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// Commands for `host` run in `pod`.
    pub fn pod(mut self, host: impl Into<String>, pod: impl Into<String>) -> Self {
        self.pods.insert(host.into(), pod.into());
        self
    }

    /// The local argv that runs `argv` on `host`.
    pub fn command_for(&self, host: &str, argv: &[String]) -> Result<Vec<String>, ExecError> {
        let pod = self.pods.get(host).ok_or_else(|| ExecError::Unreachable {
            host: host.to_string(),
            message: "no pod is mapped to this host".into(),
        })?;
        validate::kube_name(&self.namespace)?;
        validate::kube_name(&self.container)?;
        validate::kube_name(pod)?;
        if let Some(context) = &self.context {
            validate::kube_name(context)?;
        }
        if argv.is_empty() {
            return Err(ExecError::InvalidRequest("empty command".into()));
        }
        let mut cmd: Vec<String> = vec!["kubectl".into()];
        if let Some(context) = &self.context {
            cmd.push("--context".into());
            cmd.push(context.clone());
        }
        cmd.extend(
            [
                "exec",
                "-n",
                &self.namespace,
                pod,
                "-c",
                &self.container,
                "--",
            ]
            .map(String::from),
        );
        cmd.extend(argv.iter().cloned());
        Ok(cmd)
    }
}

#[async_trait]
impl Transport for KubectlTransport {
    async fn run(
        &self,
        host: &str,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        run_wrapped(self, host, argv, timeout).await
    }
}

impl Wrapper for KubectlTransport {
    fn wrap(&self, host: &str, argv: &[String]) -> Result<Vec<String>, ExecError> {
        self.command_for(host, argv)
    }

    /// kubectl's own errors (no such pod, API server unreachable) start like this.
    fn wrapper_failed(&self, out: &CommandOutput) -> bool {
        let stderr = out.stderr.trim_start();
        !out.success() && (stderr.starts_with("Error from server") || stderr.starts_with("error:"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn builds_kubectl_exec_with_the_mapped_pod() {
        let t = KubectlTransport::new("glusterfs", "glusterfs")
            .context("prod")
            .pod("node1", "glusterfs-abcde");
        let cmd = t
            .command_for("node1", &argv(&["gluster", "volume", "info", "$(x)"]))
            .unwrap();
        assert_eq!(
            cmd,
            argv(&[
                "kubectl",
                "--context",
                "prod",
                "exec",
                "-n",
                "glusterfs",
                "glusterfs-abcde",
                "-c",
                "glusterfs",
                "--",
                "gluster",
                "volume",
                "info",
                "$(x)",
            ])
        );
    }

    #[test]
    fn unmapped_hosts_are_unreachable_and_hostile_names_invalid() {
        let t = KubectlTransport::new("ns", "c").pod("h", "--all-pods");
        assert!(matches!(
            t.command_for("other", &argv(&["true"])),
            Err(ExecError::Unreachable { .. })
        ));
        assert!(matches!(
            t.command_for("h", &argv(&["true"])),
            Err(ExecError::InvalidRequest(_))
        ));
        let t = KubectlTransport::new("ns;x", "c").pod("h", "p");
        assert!(t.command_for("h", &argv(&["true"])).is_err());
    }
}

//! One glusterd node: a holder process that keeps the node's mount namespace (private
//! `/var/lib/glusterd`, `/var/log/glusterfs`, tmpfs `/run`) alive inside its network
//! namespace, and glusterd started in both namespaces.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gluster_model::{NodeId, Zone};

use super::cmd::{poll, run, run_any};
use super::disk::Disk;
use super::net::netns_pids;
use super::PoolError;

/// One node of the pool.
#[derive(Debug)]
pub struct Node {
    /// Index in the pool (0-based).
    pub index: usize,
    /// Manage hostname in the model: `node<index>`.
    pub name: String,
    /// Address on the pool's bridge: the model's storage hostname.
    pub address: String,
    /// Failure domain.
    pub zone: Zone,
    /// Node id in the model.
    pub id: NodeId,
    /// Network namespace name.
    pub netns: String,
    /// The node's disks.
    pub disks: Vec<Disk>,
    pub(crate) dir: PathBuf,
    pub(crate) holder: Option<Child>,
    pub(crate) glusterd: Option<Child>,
    pub(crate) sshd: Option<Child>,
}

impl Node {
    /// Pid whose namespaces are the node's (`nsenter -t <pid> -m -n`).
    pub fn ns_pid(&self) -> Option<u32> {
        self.holder.as_ref().map(Child::id)
    }

    /// `nsenter -t <holder> -m -n` followed by `argv`.
    pub(crate) fn nsenter_argv(&self, argv: &[&str]) -> Result<Vec<String>, PoolError> {
        let pid = self
            .ns_pid()
            .ok_or_else(|| PoolError::Invalid(format!("{} has no namespaces", self.name)))?;
        let mut full: Vec<String> = ["nsenter", "-t", &pid.to_string(), "-m", "-n"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        full.extend(argv.iter().map(|s| s.to_string()));
        Ok(full)
    }

    /// Run `argv` inside the node; a non-zero exit is an error. Returns stdout.
    pub fn exec(&self, argv: &[&str]) -> Result<String, PoolError> {
        let full = self.nsenter_argv(argv)?;
        run(&full.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Start the holder: enter the network namespace, unshare the mount namespace and mount
    /// the private glusterd state over the host's.
    pub(crate) fn start_holder(&mut self) -> Result<(), PoolError> {
        let (lib, log) = (self.dir.join("lib"), self.dir.join("log"));
        fs::create_dir_all(&lib).map_err(|e| io("create", &lib, e))?;
        fs::create_dir_all(&log).map_err(|e| io("create", &log, e))?;
        for sub in ["groups", "hooks"] {
            let src = Path::new("/var/lib/glusterd").join(sub);
            if src.exists() {
                run(&[
                    "cp",
                    "-a",
                    &src.display().to_string(),
                    &lib.display().to_string(),
                ])?;
            }
        }
        let script = format!(
            "mount --bind {lib} /var/lib/glusterd && mount --bind {log} /var/log/glusterfs \
             && mount -t tmpfs tmpfs /run && exec sleep infinity",
            lib = lib.display(),
            log = log.display()
        );
        let out = self.dir.join("holder.out");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.netns, "unshare", "-m"])
            .args(["--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(log_file(&out)?)
            .stderr(log_file(&out)?)
            .spawn()
            .map_err(|e| PoolError::Io(format!("cannot start the holder of {}: {e}", self.name)))?;
        let pid = child.id();
        self.holder = Some(child);
        poll(
            &format!("the namespaces of {}", self.name),
            Duration::from_secs(10),
            || {
                let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                (comm.trim() == "sleep").then_some(())
            },
        )
        .map_err(|e| with_log(e, &out))
    }

    /// Start glusterd in the node and wait until it answers `pool list`.
    pub fn start_glusterd(&mut self) -> Result<(), PoolError> {
        if let Some(mut old) = self.glusterd.take() {
            // Killed through a `NodeKiller`: reap it (it is dead, so this does not block).
            let _ = old.kill();
            let _ = old.wait();
        }
        let argv = self.nsenter_argv(&[
            "glusterd",
            "-N",
            "--log-file=/var/log/glusterfs/glusterd.log",
        ])?;
        let out = self.dir.join("glusterd.out");
        let child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(log_file(&out)?)
            .stderr(log_file(&out)?)
            .spawn()
            .map_err(|e| PoolError::Io(format!("cannot start glusterd on {}: {e}", self.name)))?;
        self.glusterd = Some(child);
        let probe = self.nsenter_argv(&["gluster", "--mode=script", "pool", "list"])?;
        let probe: Vec<&str> = probe.iter().map(String::as_str).collect();
        poll(
            &format!("glusterd on {}", self.name),
            Duration::from_secs(30),
            || run_any(&probe).is_ok_and(|r| r.status == 0).then_some(()),
        )
        .map_err(|e| with_log(e, &self.dir.join("log/glusterd.log")))
    }

    /// Kill every process of the node (glusterd, bricks, self-heal daemon, CLI calls), as a
    /// power loss would; the namespaces stay, so the node can be started again.
    pub fn kill_processes(&mut self) -> Result<(), PoolError> {
        self.killer().kill()?;
        for mut child in [self.glusterd.take(), self.sshd.take()]
            .into_iter()
            .flatten()
        {
            let _ = child.wait();
        }
        Ok(())
    }

    /// A handle that kills the node's processes from anywhere (e.g. a progress callback in
    /// the middle of a run), without borrowing the pool.
    pub fn killer(&self) -> NodeKiller {
        NodeKiller {
            name: self.name.clone(),
            netns: self.netns.clone(),
            holder: self.ns_pid(),
        }
    }
}

/// Kills every process of one node but the holder of its namespaces. See [`Node::killer`].
#[derive(Debug, Clone)]
pub struct NodeKiller {
    name: String,
    netns: String,
    holder: Option<u32>,
}

impl NodeKiller {
    /// Kill every process of the node (SIGKILL) and wait until they are gone.
    pub fn kill(&self) -> Result<(), PoolError> {
        let victims = || -> Vec<u32> {
            netns_pids(&self.netns)
                .into_iter()
                .filter(|p| Some(*p) != self.holder)
                .collect()
        };
        poll(
            &format!("every process of {} to die", self.name),
            Duration::from_secs(15),
            || {
                let left = victims();
                for pid in &left {
                    let _ = run_any(&["kill", "-KILL", &pid.to_string()]);
                }
                left.is_empty().then_some(())
            },
        )
    }
}

fn log_file(path: &Path) -> Result<File, PoolError> {
    File::options()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io("open", path, e))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> PoolError {
    PoolError::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// Add the tail of a log file to a timeout, so the failure explains itself.
fn with_log(e: PoolError, log: &Path) -> PoolError {
    let text = fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    PoolError::Io(format!("{e}; {}:\n{}", log.display(), tail.join("\n")))
}

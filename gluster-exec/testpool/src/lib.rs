//! A real GlusterFS pool on one machine, for end-to-end tests (root only; not published).
//!
//! [`TestPool::start`] brings up N glusterd nodes, each in its own network namespace (an
//! address `198.18.<run>.<10+i>` on a private bridge) and its own mount namespace (private
//! `/var/lib/glusterd`, `/var/log/glusterfs`, tmpfs `/run`), with "disks" that are sparse
//! files on loop devices, formatted XFS and mounted inside the node at
//! `<BRICK_ROOT>/vg_<device-id>`: where the directory-brick backend and placement plans
//! (with [`TestPool::placement_settings`]) put bricks. Nodes are grouped into zones.
//!
//! Teardown always runs: [`TestPool::teardown`] reports what it could not remove, and `Drop`
//! (also on panic) does the same. [`clean_stale_runs`] removes what crashed runs left, and
//! [`RunTrace::leftovers`] proves that nothing of a run is left.
//!
//! ```no_run
//! use gluster_testpool::{PoolSpec, TestPool};
//!
//! let pool = TestPool::start(&PoolSpec::new(3, 2))?; // 3 zones x 2 nodes
//! let model = pool.model()?; // plan with gluster_placement against this
//! let transport = pool.transport(); // run commands inside the nodes
//! let trace = pool.trace();
//! pool.teardown()?;
//! assert!(trace.leftovers().is_empty());
//! # Ok::<(), gluster_testpool::PoolError>(())
//! ```

mod cleanup;
mod cmd;
mod disk;
mod error;
mod model;
mod net;
mod node;
mod prereq;
mod ssh;
mod transport;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gluster_model::{ByteSize, DeviceId, Model, NodeId, Zone};
use gluster_placement::PlacementSettings;

pub use cleanup::{clean_stale_runs, RunTrace};
pub use disk::Disk;
pub use error::PoolError;
pub use model::cluster_id;
pub use net::NAME_PREFIX;
pub use node::{Node, NodeKiller};
pub use prereq::check_prerequisites;
pub use ssh::SshAccess;
pub use transport::NodeTransport;

use cmd::{poll, run};
use net::RunNet;

/// Where each run keeps its disk images, node state and client mount points.
pub const STATE_ROOT: &str = "/tmp/gluster-testpool";
/// Where disks are mounted inside a node (on the node's private tmpfs `/run`).
pub const BRICK_ROOT: &str = "/run/testpool/mounts";

/// The shape of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSpec {
    /// Number of zones (numbered from 1).
    pub zones: usize,
    /// Nodes in every zone; node `i` is in zone `i / nodes_per_zone + 1`.
    pub nodes_per_zone: usize,
    /// Disks per node.
    pub disks_per_node: usize,
    /// Size of every disk (sparse: only written blocks take space).
    pub disk_size: ByteSize,
}

impl PoolSpec {
    /// `zones` x `nodes_per_zone` nodes with one 8 GiB disk each.
    pub fn new(zones: usize, nodes_per_zone: usize) -> Self {
        PoolSpec {
            zones,
            nodes_per_zone,
            disks_per_node: 1,
            disk_size: ByteSize::gib(8),
        }
    }
}

/// A running pool; torn down by [`TestPool::teardown`] or on drop.
#[derive(Debug)]
pub struct TestPool {
    net: RunNet,
    trace: RunTrace,
    nodes: Vec<Node>,
    client_mounts: Vec<PathBuf>,
    mounts_made: usize,
    torn_down: bool,
}

impl TestPool {
    /// Check the prerequisites, clean stale runs, then bring up the pool and wait until every
    /// glusterd answers. On failure everything created so far is removed.
    pub fn start(spec: &PoolSpec) -> Result<TestPool, PoolError> {
        check_prerequisites()?;
        if spec.zones == 0 || spec.nodes_per_zone == 0 || spec.disks_per_node == 0 {
            return Err(PoolError::Invalid(format!("empty pool: {spec:?}")));
        }
        let (cleaned, problems) = clean_stale_runs();
        if !cleaned.is_empty() {
            eprintln!("testpool: cleaned stale runs {cleaned:?}; problems: {problems:?}");
        }
        let net = RunNet::claim((std::process::id() % 256) as u8)?;
        let dir = Path::new(STATE_ROOT).join(net.prefix().trim_end_matches('-'));
        let mut pool = TestPool {
            net,
            trace: RunTrace::new(net, dir.clone()),
            nodes: Vec::new(),
            client_mounts: Vec::new(),
            mounts_made: 0,
            torn_down: false,
        };
        fs::create_dir_all(&dir).map_err(|e| PoolError::Io(format!("{}: {e}", dir.display())))?;
        let me = std::process::id().to_string();
        let start = cleanup::process_start(&me).unwrap_or_default();
        fs::write(dir.join("owner"), format!("{me} {start}\n"))
            .map_err(|e| PoolError::Io(format!("{}: {e}", dir.display())))?;
        net.bring_up_bridge()?;
        for i in 0..spec.zones * spec.nodes_per_zone {
            pool.add_node(i, spec)?;
        }
        for node in &mut pool.nodes {
            node.start_glusterd()?;
        }
        Ok(pool)
    }

    fn add_node(&mut self, i: usize, spec: &PoolSpec) -> Result<(), PoolError> {
        let name = format!("node{i}");
        let netns = self.net.netns(i);
        self.net.add_node(i)?;
        self.trace.remember_netns(&netns);
        let dir = self.trace.dir.join(&name);
        fs::create_dir_all(&dir).map_err(|e| PoolError::Io(format!("{}: {e}", dir.display())))?;
        self.nodes.push(Node {
            index: i,
            zone: Zone((i / spec.nodes_per_zone) as u32 + 1),
            id: NodeId::derived(&["gluster-testpool", &name]),
            address: self.net.address(i),
            netns,
            disks: Vec::new(),
            dir: dir.clone(),
            holder: None,
            glusterd: None,
            sshd: None,
            name,
        });
        let node = self.nodes.last_mut().expect("just pushed");
        node.start_holder()?;
        for d in 0..spec.disks_per_node {
            let image = dir.join(format!("disk{d}.img"));
            let loop_device = disk::create_loop_xfs(&image, spec.disk_size.bytes())?;
            let id = DeviceId::derived(&["gluster-testpool", &node.name, &d.to_string()]);
            let mount = format!("{BRICK_ROOT}/{}", gluster_exec::render::lvm::vg_name(id));
            node.disks.push(Disk {
                id,
                loop_device: loop_device.clone(),
                image,
                mount: mount.clone(),
                size: ByteSize::ZERO,
            });
            node.exec(&["mkdir", "-p", &mount])?;
            node.exec(&["mount", "-t", "xfs", &loop_device, &mount])?;
            let stat = node.exec(&["stat", "--file-system", "--format=%S %b", &mount])?;
            let size = disk::parse_fs_size(&stat)
                .ok_or_else(|| PoolError::Io(format!("cannot read the size of {mount}: {stat}")))?;
            node.disks.last_mut().expect("just pushed").size = size;
        }
        Ok(())
    }

    /// The nodes, in index order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Node `i`.
    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// The indices of the nodes in `zone`.
    pub fn zone_nodes(&self, zone: Zone) -> Vec<usize> {
        self.nodes
            .iter()
            .filter(|n| n.zone == zone)
            .map(|n| n.index)
            .collect()
    }

    /// What identifies this run on the machine, to check for leftovers after teardown.
    pub fn trace(&self) -> RunTrace {
        self.trace.clone()
    }

    /// A transport that runs commands inside the nodes, by manage hostname or address.
    pub fn transport(&self) -> NodeTransport {
        NodeTransport::new(self.nodes.iter().flat_map(|n| {
            let pid = n.ns_pid().unwrap_or(0);
            [(n.name.clone(), pid), (n.address.clone(), pid)]
        }))
    }

    /// Starts an OpenSSH server in every node (key authentication only, listening on the
    /// node's address) and returns what a client needs to reach the nodes with strict
    /// host-key checking. The servers stop with the node's processes.
    pub fn enable_ssh(&mut self) -> Result<SshAccess, PoolError> {
        ssh::enable(&mut self.nodes, &self.trace.dir)
    }

    /// The pool as a model: one cluster, its zones, nodes and real disk sizes.
    pub fn model(&self) -> Result<Model, PoolError> {
        model::build(&self.nodes).map_err(|e| PoolError::Invalid(e.to_string()))
    }

    /// Heketi's settings, with bricks under [`BRICK_ROOT`] where the disks are mounted.
    pub fn placement_settings(&self) -> PlacementSettings {
        PlacementSettings {
            brick_mount_root: BRICK_ROOT.to_string(),
            ..PlacementSettings::default()
        }
    }

    /// Kill every process of node `i` (glusterd, bricks, self-heal daemon), as a crash would.
    pub fn kill_node(&mut self, i: usize) -> Result<(), PoolError> {
        self.nodes[i].kill_processes()
    }

    /// A handle that kills node `i`'s processes without borrowing the pool.
    pub fn killer(&self, i: usize) -> NodeKiller {
        self.nodes[i].killer()
    }

    /// Start glusterd again on node `i`; it restarts the node's bricks of started volumes.
    pub fn restart_node(&mut self, i: usize) -> Result<(), PoolError> {
        self.nodes[i].start_glusterd()
    }

    /// `gluster volume start VOL force` from the first node whose glusterd runs: restarts
    /// every brick process that is down.
    pub fn force_start(&self, volume: &str) -> Result<(), PoolError> {
        let node = self
            .nodes
            .iter()
            .find(|n| n.glusterd.is_some())
            .ok_or_else(|| PoolError::Invalid("no node runs glusterd".into()))?;
        node.exec(&[
            "gluster",
            "--mode=script",
            "volume",
            "start",
            volume,
            "force",
        ])
        .map(drop)
    }

    /// FUSE-mount `volume` in the root namespace through a live node; returns the mount point.
    pub fn mount(&mut self, volume: &str) -> Result<PathBuf, PoolError> {
        let node = self
            .nodes
            .iter()
            .find(|n| n.glusterd.is_some())
            .ok_or_else(|| PoolError::Invalid("no node runs glusterd".into()))?;
        self.mounts_made += 1;
        let dir = self
            .trace
            .dir
            .join(format!("mnt{}-{volume}", self.mounts_made));
        fs::create_dir_all(&dir).map_err(|e| PoolError::Io(format!("{}: {e}", dir.display())))?;
        let source = format!("{}:/{volume}", node.address);
        let target = dir.display().to_string();
        self.client_mounts.push(dir.clone());
        run(&["mount", "-t", "glusterfs", &source, &target])?;
        Ok(dir)
    }

    /// Unmount a FUSE mount made by [`TestPool::mount`] and wait for its client to exit.
    pub fn unmount(&mut self, dir: &Path) -> Result<(), PoolError> {
        let target = dir.display().to_string();
        run(&["umount", &target])?;
        self.client_mounts.retain(|d| d != dir);
        // The client flushes before it exits; on a loaded machine that took over 10 s.
        poll(
            &format!("the FUSE client of {target} to exit"),
            Duration::from_secs(60),
            || client_pids(&target).is_empty().then_some(()),
        )?;
        let _ = fs::remove_dir(dir);
        Ok(())
    }

    /// Remove everything: client mounts, processes, disks, namespaces, links, the state
    /// directory. Every step is tried; the error lists what failed.
    pub fn teardown(mut self) -> Result<(), PoolError> {
        let problems = self.teardown_inner();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(PoolError::Io(format!("teardown: {}", problems.join("; "))))
        }
    }

    fn teardown_inner(&mut self) -> Vec<String> {
        if self.torn_down {
            return Vec::new();
        }
        self.torn_down = true;
        let mut problems = Vec::new();
        for dir in std::mem::take(&mut self.client_mounts) {
            let target = dir.display().to_string();
            cleanup::unmount(&dir, &mut problems);
            for pid in client_pids(&target) {
                cleanup::kill(pid);
            }
        }
        for node in &mut self.nodes {
            if let Err(e) = node.kill_processes() {
                problems.push(e.to_string());
            }
            for disk in &node.disks {
                if let Err(e) = node.exec(&["umount", &disk.mount]) {
                    problems.push(e.to_string());
                }
            }
            if let Some(mut holder) = node.holder.take() {
                let _ = holder.kill();
                let _ = holder.wait();
            }
        }
        problems.extend(self.trace.clean());
        problems
    }
}

impl Drop for TestPool {
    fn drop(&mut self) {
        let problems = self.teardown_inner();
        if !problems.is_empty() {
            eprintln!("testpool: teardown problems: {problems:?}");
        }
    }
}

/// Pids of FUSE clients (`glusterfs` processes) serving the mount point `target`.
fn client_pids(target: &str) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmd = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            cmd.split(|b| *b == 0).any(|arg| arg == target.as_bytes())
        })
        .filter(|pid| {
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            comm.trim().starts_with("glusterfs")
        })
        .collect()
}

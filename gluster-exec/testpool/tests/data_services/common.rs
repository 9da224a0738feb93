//! Shared steps of the data-service proofs: a pool with an executor, peers probed,
//! replica-3 volumes of directory bricks.

use std::time::{Duration, Instant};

use gluster_exec::ops::*;
use gluster_exec::{Backend, CommandExecutor, DirectoryMounts, Executor, Transport};
use gluster_model::{BrickId, ByteSize, Durability};
use gluster_testpool::{NodeTransport, PoolSpec, TestPool, BRICK_ROOT};

/// A pool, its executor (directory bricks) and a runtime to block on.
pub struct Env {
    pub pool: TestPool,
    pub ex: CommandExecutor<NodeTransport>,
    pub rt: tokio::runtime::Runtime,
}

impl Env {
    /// Start a pool of `spec` and probe every node from node 0.
    pub fn start(spec: &PoolSpec) -> Env {
        let pool = TestPool::start(spec).unwrap_or_else(|e| panic!("{e}"));
        let backend = Backend::Directory(DirectoryMounts::under_root(BRICK_ROOT));
        let ex = CommandExecutor::new(pool.transport(), backend);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let env = Env { pool, ex, rt };
        let first = env.pool.node(0).name.clone();
        for n in &env.pool.nodes()[1..] {
            let probe = PeerRequest {
                host: first.clone(),
                peer: n.address.clone(),
            };
            env.block(env.ex.peer_probe(&probe)).expect("peer probe");
        }
        let n = env.pool.nodes().len();
        wait_until("every peer connected", Duration::from_secs(60), || {
            let out = env.sh(0, "gluster pool list | grep -c Connected || true");
            out.trim().parse::<usize>().unwrap_or(0) == n
        });
        env
    }

    /// Block on a future.
    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Run a shell line inside node `i`; returns stdout and stderr together, any status.
    pub fn sh(&self, i: usize, line: &str) -> String {
        let out = self.sh_out(i, line);
        format!("{}{}", out.stdout, out.stderr)
    }

    /// Run a shell line inside node `i`.
    pub fn sh_out(&self, i: usize, line: &str) -> gluster_exec::CommandOutput {
        let argv: Vec<String> = ["sh", "-c", line].iter().map(|s| s.to_string()).collect();
        let host = &self.pool.node(i).name;
        self.block(
            self.pool
                .transport()
                .run(host, &argv, Duration::from_secs(600)),
        )
        .unwrap_or_else(|e| panic!("{host}: {line}: {e}"))
    }

    /// The brick of volume `volume` on node `i` (directory bricks under the node's disk).
    pub fn brick(&self, volume: &str, i: usize, size: ByteSize) -> BrickCreate {
        let node = self.pool.node(i);
        let disk = &node.disks[0];
        let id = BrickId::derived(&["data-services", volume, &i.to_string()]);
        BrickCreate {
            host: node.name.clone(),
            device_id: disk.id,
            device: disk.loop_device.clone(),
            brick_id: id,
            size,
            pool_size: size,
            metadata_size: ByteSize::mib(4),
            arbiter: false,
            path: format!("{}/brick_{id}/brick", disk.mount),
        }
    }

    /// Create (not start) replica-3 volume `name` with one brick on each of `nodes`.
    pub fn replica3(&self, name: &str, nodes: [usize; 3]) -> VolumeRef {
        let mut bricks = Vec::new();
        for &i in &nodes {
            let b = self.brick(name, i, ByteSize::gib(1));
            self.block(self.ex.brick_create(&b)).expect("brick create");
            bricks.push(BrickAddress {
                host: self.pool.node(i).address.clone(),
                path: b.path,
            });
        }
        let create = VolumeCreate {
            host: self.pool.node(0).name.clone(),
            name: name.to_string(),
            durability: Durability::replicate(3).unwrap(),
            bricks,
            options: Vec::new(),
        };
        self.block(self.ex.volume_create(&create))
            .expect("volume create");
        VolumeRef {
            host: create.host,
            name: name.to_string(),
        }
    }
}

/// Poll `check` every 250 ms until it holds; panic with `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    start.elapsed()
}

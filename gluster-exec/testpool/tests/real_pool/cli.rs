//! Raw gluster CLI calls through the pool's `NodeTransport` (for checks), and the plan
//! applied and removed through the real `CommandExecutor` with the directory-brick backend.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gluster_exec::ops::{PeerRequest, VolumeRef};
use gluster_exec::plan_requests::plan_requests;
use gluster_exec::{
    Backend, Cancel, CommandExecutor, CommandOutput, DirectoryMounts, Executor, FileJournal,
    HostLimits, Runner, Transport,
};
use gluster_model::BrickRole;
use gluster_placement::Plan;
use gluster_testpool::{NodeTransport, BRICK_ROOT};

use super::xml;

/// Runs commands inside nodes, blocking on a private runtime.
pub struct Cli {
    rt: tokio::runtime::Runtime,
    transport: NodeTransport,
    executor: Arc<dyn Executor>,
    journal_dir: tempfile::TempDir,
}

impl Cli {
    pub fn new(transport: NodeTransport) -> Cli {
        let backend = Backend::Directory(DirectoryMounts::under_root(BRICK_ROOT));
        let executor = Arc::new(CommandExecutor::new(transport.clone(), backend));
        Cli::with_executor(transport, executor)
    }

    /// Checks through `transport` (inside the nodes); plans carried out by `executor`.
    pub fn with_executor(transport: NodeTransport, executor: Arc<dyn Executor>) -> Cli {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        Cli {
            rt,
            transport,
            executor,
            journal_dir: tempfile::tempdir().expect("journal directory"),
        }
    }

    /// Block on `future` in the private runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    /// The command executor (directory bricks).
    pub fn executor(&self) -> Arc<dyn Executor> {
        self.executor.clone()
    }

    /// The journal file of `name`'s runs.
    pub fn journal(&self, name: &str) -> PathBuf {
        self.journal_dir.path().join(format!("{name}.journal"))
    }

    /// A runner over the command executor with a file journal for `name`, two steps at a
    /// time per node.
    pub fn runner(&self, name: &str) -> Runner {
        let journal = FileJournal::open(self.journal(name)).expect("journal file");
        Runner::new(self.executor.clone(), Arc::new(journal), HostLimits::new(2))
    }

    /// Run `argv` on `host`; a transport error panics.
    pub fn run(&self, host: &str, argv: &[&str]) -> CommandOutput {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        self.rt
            .block_on(self.transport.run(host, &argv, Duration::from_secs(120)))
            .unwrap_or_else(|e| panic!("{host}: {argv:?}: {e}"))
    }

    /// Run `argv` on `host` and require exit status 0; returns stdout.
    pub fn ok(&self, host: &str, argv: &[&str]) -> String {
        let out = self.run(host, argv);
        assert!(out.success(), "{host}: {argv:?} failed: {out:?}");
        out.stdout
    }

    /// Probe `peer` from `host` through the command executor.
    pub fn peer_probe(&self, host: &str, peer: &str) {
        let request = PeerRequest {
            host: host.to_string(),
            peer: peer.to_string(),
        };
        self.rt
            .block_on(self.executor.peer_probe(&request))
            .unwrap_or_else(|e| panic!("peer probe {peer} from {host}: {e}"));
    }

    /// Check glusterd on `host` through the command executor.
    pub fn check_glusterd(&self, host: &str) {
        self.rt
            .block_on(self.executor.check_glusterd(host))
            .unwrap_or_else(|e| panic!("glusterd on {host}: {e}"));
    }

    /// `gluster --mode=script --xml ARGS` on `host`, requiring `opRet` 0; returns the XML.
    pub fn gluster_xml(&self, host: &str, args: &[&str]) -> String {
        let mut argv = vec!["gluster", "--mode=script", "--xml"];
        argv.extend_from_slice(args);
        let out = self.run(host, &argv);
        let ret = xml::first(&out.stdout, "opRet");
        assert_eq!(ret.as_deref(), Some("0"), "{host}: {argv:?}: {out:?}");
        out.stdout
    }
}

/// Carry out a plan through the runner (journal file, bricks in parallel across nodes) and
/// the command executor: every brick (a directory on its device's XFS mount), `volume
/// create` with the bricks in plan order and the options, `volume start`. Running it twice
/// must change nothing (every step is idempotent).
pub fn apply_plan_with_executor(cli: &Cli, plan: &Plan) {
    let runner = cli.runner(&plan.volume_name);
    cli.block_on(runner.apply(plan, &Cancel::new()))
        .unwrap_or_else(|e| panic!("apply {}: {e}", plan.volume_name));
}

/// Stop and delete the volume, then destroy every brick, through the command executor.
pub fn delete_volume_with_executor(cli: &Cli, plan: &Plan) {
    let requests = plan_requests(plan).expect("plan requests");
    let exec = &cli.executor;
    cli.rt.block_on(async {
        exec.volume_stop(&volume_ref(plan))
            .await
            .expect("volume stop");
        exec.volume_delete(&volume_ref(plan))
            .await
            .expect("volume delete");
        for brick in &requests.bricks {
            exec.brick_destroy(brick).await.expect("brick destroy");
        }
    });
}

fn volume_ref(plan: &Plan) -> VolumeRef {
    VolumeRef {
        host: plan.bricks[0].node.to_string(),
        name: plan.volume_name.clone(),
    }
}

/// What `volume info --xml` says about a volume's bricks: `(host:path, is arbiter)` in order.
pub fn volume_bricks(cli: &Cli, host: &str, volume: &str) -> (String, Vec<(String, bool)>) {
    let info = cli.gluster_xml(host, &["volume", "info", volume]);
    let bricks = xml::all(&info, "brick")
        .iter()
        .map(|b| {
            let name = xml::first(b, "name").expect("brick name");
            (name, xml::first(b, "isArbiter").as_deref() == Some("1"))
        })
        .collect();
    (info, bricks)
}

/// The bricks a plan promises, as `volume info` names them.
pub fn planned_bricks(plan: &Plan) -> Vec<(String, bool)> {
    plan.bricks
        .iter()
        .map(|b| {
            (
                format!("{}:{}", b.storage_host, b.path),
                b.role == BrickRole::Arbiter,
            )
        })
        .collect()
}

//! The gluster-store `Provisioner` on the real pool with the embedded (redb) store: a burst of
//! 30 creates, then a second burst in a child process killed with SIGKILL mid-way, then
//! recovery; the pool and the store agree (`volume info --xml` of every volume, volume lists
//! and brick directories on every node). Then a node is evacuated through the same store.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gluster_exec::ops::{BrickAddress, VolumeRef, VolumeStatus};
use gluster_exec::{Backend, CommandExecutor, DirectoryMounts, Executor, HostLimits};
use gluster_model::{ByteSize, Durability, Model};
use gluster_placement::day2::{Day2Settings, EvacuationTarget};
use gluster_placement::{PlacementSettings, VolumeRequest};
use gluster_store::{
    import_model, HostReport, HostVolume, Kind, Provisioner, RecoveryPolicy, RedbStore, Store,
};
use gluster_testpool::{NodeTransport, BRICK_ROOT};

use super::scenario::Env;
use super::xml;

/// The environment variables that make the test binary the child of the second burst.
pub const CHILD_STORE: &str = "GLUSTER_TESTPOOL_CHILD_STORE";
const CHILD_HOSTS: &str = "GLUSTER_TESTPOOL_CHILD_HOSTS";
const BURST: usize = 30;

fn request() -> VolumeRequest {
    VolumeRequest::new(ByteSize::gib(1), Durability::replicate(3).unwrap())
}

fn settings() -> PlacementSettings {
    PlacementSettings {
        brick_mount_root: BRICK_ROOT.to_string(),
        ..PlacementSettings::default()
    }
}

/// The pool's model with room for 60 volumes: directory bricks hold no data, so their
/// capacity is the planner's business only (each 8 GiB disk counts as 1 TiB).
fn roomy(model: &Model) -> Model {
    let mut m = Model::new();
    for c in model.clusters() {
        m.add_cluster(c.clone()).expect("cluster");
    }
    for n in model.nodes() {
        m.add_node(n.clone()).expect("node");
    }
    for d in model.devices() {
        let mut d = d.clone();
        d.total = ByteSize::tib(1);
        m.add_device(d).expect("device");
    }
    m
}

pub async fn provisioner(path: &Path, executor: Arc<dyn Executor>) -> Provisioner {
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(path).await.expect("store"));
    Provisioner::new(store, executor, HostLimits::new(2), settings())
        .await
        .expect("provisioner")
}

/// `count` creates named `{prefix}-{i}` at once; each success is printed as `made NAME`.
async fn burst(p: &Provisioner, prefix: &str, count: usize) -> usize {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..count {
        let p = p.clone();
        let name = format!("{prefix}-{i}");
        set.spawn(async move {
            let made = p.create(&name, &request()).await;
            match &made {
                Ok(_) => println!("made {name}"),
                Err(e) => eprintln!("[real_pool]   {name}: {e}"),
            }
            made.is_ok()
        });
    }
    set.join_all().await.into_iter().filter(|ok| *ok).count()
}

/// The child process: the second burst against the store at `CHILD_STORE`, reaching the
/// nodes given in `CHILD_HOSTS` (`name=pid,...`). The parent kills it mid-way.
pub fn child() {
    let path = std::env::var(CHILD_STORE).expect("store path");
    let hosts: Vec<(String, u32)> = std::env::var(CHILD_HOSTS)
        .expect("hosts")
        .split(',')
        .filter_map(|h| {
            let (name, pid) = h.split_once('=')?;
            Some((name.to_string(), pid.parse().ok()?))
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let backend = Backend::Directory(DirectoryMounts::under_root(BRICK_ROOT));
        let executor = Arc::new(CommandExecutor::new(NodeTransport::new(hosts), backend));
        let p = provisioner(Path::new(&path), executor).await;
        burst(&p, "second", BURST).await;
    });
    println!("burst done");
}

/// Signal `pid` (`STOP`, `KILL`) with kill(1).
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// Every descendant of `pid` (from /proc/PID/task/*/children).
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let text = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in text.split_whitespace().filter_map(|c| c.parse().ok()) {
                out.push(child);
                todo.push(child);
            }
        }
    }
    out
}

/// Whether `pid` still runs (a zombie has ended).
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_string())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

/// What the pool holds: the volumes (listed alike on every node, each read with `volume info
/// --xml`) and every brick directory under the mounts of every node.
pub fn pool_report(env: &Env) -> HostReport {
    let nodes = env.pool.nodes();
    let mut report = HostReport::default();
    let mut lists = Vec::new();
    for node in nodes {
        let out = env.cli.gluster_xml(&node.name, &["volume", "list"]);
        let names: BTreeSet<String> = xml::all(&out, "volume").into_iter().collect();
        lists.push(names);
        let found = env.cli.run(
            &node.name,
            &[
                "find",
                BRICK_ROOT,
                "-mindepth",
                "2",
                "-maxdepth",
                "2",
                "-type",
                "d",
                "-name",
                "brick_*",
            ],
        );
        for dir in found.stdout.lines().filter(|l| !l.is_empty()) {
            report.bricks.insert(BrickAddress {
                host: node.address.clone(),
                path: format!("{dir}/brick"),
            });
        }
    }
    assert!(
        lists.windows(2).all(|w| w[0] == w[1]),
        "the nodes list different volumes: {lists:?}"
    );
    let executor = env.cli.executor();
    for name in lists.first().cloned().unwrap_or_default() {
        let volume = VolumeRef {
            host: nodes[0].name.clone(),
            name: name.clone(),
        };
        let info = env
            .cli
            .block_on(executor.volume_info(&volume))
            .unwrap_or_else(|e| panic!("volume info {name}: {e}"));
        report.volumes.insert(
            name,
            HostVolume {
                started: info.status == VolumeStatus::Started,
                bricks: info.bricks.into_iter().map(|b| b.address).collect(),
            },
        );
    }
    report
}

/// See the module docs.
pub fn burst_kill_recover(env: &Env) -> Vec<(String, Duration)> {
    let mut steps = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.redb");
    let model = roomy(&env.pool.model().expect("model"));

    let t = Instant::now();
    let made = env.cli.block_on(async {
        let store = RedbStore::open(&path).await.expect("store");
        import_model(&store, &model).await.expect("import");
        drop(store);
        let p = provisioner(&path, env.cli.executor()).await;
        burst(&p, "first", BURST).await
    });
    assert_eq!(made, BURST, "every create of the first burst");
    steps.push((
        format!("{BURST} creates at once through the Provisioner"),
        t.elapsed(),
    ));

    let t = Instant::now();
    let hosts: Vec<String> = env
        .pool
        .nodes()
        .iter()
        .flat_map(|n| {
            let pid = n.ns_pid().unwrap_or(0);
            [format!("{}={pid}", n.name), format!("{}={pid}", n.address)]
        })
        .collect();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "provisioner_burst_sigkill_recover",
            "--nocapture",
        ])
        .env(CHILD_STORE, &path)
        .env(CHILD_HOSTS, hosts.join(","))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("child stdout");
    let mut seen = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("child output");
        assert_ne!(
            line, "burst done",
            "the child was not killed before its end"
        );
        if line.starts_with("made ") {
            seen += 1;
            if seen == 5 {
                break;
            }
        }
    }
    // Freeze it so that no new command starts, note the commands in flight, kill it: like
    // a crashed process, its commands run on. Recovery waits for them (a restart would).
    signal(child.id(), "STOP");
    let in_flight = descendants(child.id());
    signal(child.id(), "KILL");
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(300);
    while in_flight.iter().any(|p| running(*p)) {
        assert!(
            Instant::now() < deadline,
            "commands of the killed child still run"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    steps.push((
        format!(
            "second burst in a child, SIGKILL after {seen} creates ({} commands in flight)",
            in_flight.len()
        ),
        t.elapsed(),
    ));

    let t = Instant::now();
    let (report, pending, volumes) = env.cli.block_on(async {
        let p = provisioner(&path, env.cli.executor()).await;
        let report = p.recover(RecoveryPolicy::RollBack).await.expect("recover");
        let pending = p.store().list(Kind::Pending).await.expect("list").len();
        let volumes = p.model().await.expect("model").volumes().len();
        (report, pending, volumes)
    });
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(pending, 0);
    assert!(
        volumes >= BURST + seen,
        "{volumes} volumes kept, {seen} seen made"
    );
    let hosts = pool_report(env);
    assert_eq!(hosts.volumes.len(), volumes);
    let differences = env.cli.block_on(async {
        let p = provisioner(&path, env.cli.executor()).await;
        p.reconcile(&hosts).await.expect("reconcile")
    });
    assert!(differences.is_empty(), "{differences:#?}");
    steps.push((
        format!(
            "recovery rolled back {} pending create(s); pool and store agree on {volumes} volumes",
            report.rolled_back.len()
        ),
        t.elapsed(),
    ));

    // Day 2 through the same store: evacuate the first node with replace-brick waves.
    let t = Instant::now();
    let node = &env.pool.nodes()[0];
    let target = EvacuationTarget::Node(node.id);
    let moved = env.cli.block_on(async {
        let p = provisioner(&path, env.cli.executor()).await;
        let plan = p
            .evacuate(target, &Day2Settings::default())
            .await
            .unwrap_or_else(|e| panic!("evacuate {}: {e}", node.name));
        let left = p.model().await.expect("model");
        assert_eq!(left.bricks().filter(|b| b.node == node.id).count(), 0);
        plan.steps.len()
    });
    assert!(moved > 0, "{} held bricks", node.name);
    let hosts = pool_report(env);
    assert!(
        hosts.bricks.iter().all(|b| b.host != node.address),
        "{:?}",
        hosts.bricks
    );
    let differences = env.cli.block_on(async {
        let p = provisioner(&path, env.cli.executor()).await;
        p.reconcile(&hosts).await.expect("reconcile")
    });
    assert!(differences.is_empty(), "{differences:#?}");
    steps.push((
        format!(
            "evacuated {} through the Provisioner: {moved} bricks moved; pool and store agree",
            node.name
        ),
        t.elapsed(),
    ));
    steps
}

//! End to end on the real pool: Heketi's own Python client -> `gluster-plan serve` (embedded
//! store, ssh transport, directory bricks) -> ssh -> glusterd. A replica-3 volume with strict
//! zones is created, FUSE-mounted, written, expanded and deleted; then the service is killed
//! with SIGKILL in the middle of a create, restarted on the same store (recovery on start:
//! `--recover roll-back`, then again with `finish`), and the volume is complete on every node or
//! gone from every node, as the service and the store say.
//!
//! The service binary comes from `GLUSTER_PLAN_BIN` (real-pool.sh builds it).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gluster_testpool::{SshAccess, BRICK_ROOT};

use super::provisioner::{descendants, pool_report, provisioner, running, signal};
use super::scenario::{wait_until, Env};
use super::xml;

/// Where the test finds `gluster-plan`.
pub const BIN_ENV: &str = "GLUSTER_PLAN_BIN";
const KEY: &str = "real-pool-admin-key-of-32-bytes-or-more";

/// `gluster-plan serve` as a child process; killed when dropped.
struct Service {
    child: Child,
    url: String,
}

impl Service {
    fn start(bin: &Path, store: &Path, extra: &[&Path], ssh: &SshAccess) -> Service {
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--store"])
            .arg(store)
            .args(["--transport", "ssh", "--ssh-config"])
            .arg(&ssh.config)
            .arg("--ssh-control-dir")
            .arg(&ssh.control_dir)
            .args(["--backend", "directory", "--brick-mount-root", BRICK_ROOT])
            .env("GLUSTER_PLAN_ADMIN_KEY", KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd.args(extra);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.expect("service stderr");
            eprintln!("[service] {line}");
            if let Some(u) = line.split("listening on ").nth(1) {
                url = Some(u.trim().to_string());
                break;
            }
        }
        let url = url.unwrap_or_else(|| {
            let status = child.wait();
            panic!("the service ended before listening: {status:?}")
        });
        // Keep draining its stderr so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("[service] {line}");
            }
        });
        Service { child, url }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then wait for the graceful end.
    fn stop(mut self) {
        signal(self.child.id(), "TERM");
        let status = self.child.wait().expect("wait for the service");
        assert!(status.success(), "the service ended with {status}");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real_pool/heketi_pool.py")
}

fn client_command(url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("python3");
    cmd.arg(script()).arg(url).arg(KEY).args(args);
    cmd
}

/// One client call; its JSON answer.
fn client(url: &str, args: &[&str]) -> serde_json::Value {
    let out = client_command(url, args)
        .stderr(Stdio::inherit())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "heketi client {args:?}: {}",
        out.status
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "heketi client {args:?}: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn volume_ids(url: &str) -> BTreeSet<String> {
    let list = client(url, &["list"]);
    let ids = list.as_array().expect("a list of ids");
    ids.iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect()
}

/// `(brickCount, replicaCount)` of `volume` from `volume info --xml` on every node (alike).
fn counts_on_every_node(env: &Env, volume: &str) -> (usize, usize) {
    let mut seen = BTreeSet::new();
    for node in env.pool.nodes() {
        let out = env.cli.gluster_xml(&node.name, &["volume", "info", volume]);
        let count = |tag| {
            xml::first(&out, tag)
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("{}: no {tag} in {out}", node.name))
        };
        seen.insert((count("brickCount"), count("replicaCount")));
    }
    assert_eq!(seen.len(), 1, "the nodes disagree on {volume}: {seen:?}");
    seen.into_iter().next().expect("one")
}

/// Whether any node still knows `volume`.
fn known_anywhere(env: &Env, volume: &str) -> Vec<String> {
    env.pool
        .nodes()
        .iter()
        .filter(|n| {
            env.cli
                .run(
                    &n.name,
                    &["gluster", "--mode=script", "volume", "info", volume],
                )
                .success()
        })
        .map(|n| n.name.clone())
        .collect()
}

/// The zones of the bricks of a Heketi volume document, one per brick.
fn brick_zones(env: &Env, volume: &serde_json::Value) -> Vec<String> {
    let bricks = volume["bricks"].as_array().expect("bricks");
    bricks
        .iter()
        .map(|b| {
            let node = b["node"].as_str().expect("brick node");
            let n = env
                .pool
                .nodes()
                .iter()
                .find(|n| n.id.to_string() == node)
                .unwrap_or_else(|| panic!("brick on unknown node {node}"));
            format!("{:?}", n.zone)
        })
        .collect()
}

/// See the module docs.
pub fn through_the_service(env: &mut Env) -> Vec<(String, Duration)> {
    let bin = std::env::var_os(BIN_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!(
                "{BIN_ENV} is not set: build gluster-plan (cargo build -p gluster-plan) and set \
             {BIN_ENV} to target/debug/gluster-plan (real-pool.sh does)"
            )
        });
    assert!(bin.is_file(), "{BIN_ENV}={}: no such file", bin.display());
    let mut steps = Vec::new();
    let mut t = Instant::now();
    let mut step = |label: &str, t: &mut Instant| {
        eprintln!(
            "[real_pool]   service: {label}: {:.1} s",
            t.elapsed().as_secs_f64()
        );
        steps.push((label.to_string(), t.elapsed()));
        *t = Instant::now();
    };

    let access = env.pool.enable_ssh().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("state.redb");
    let topology = dir.path().join("topology.json");
    let model = env.pool.model().expect("model");
    std::fs::write(&topology, gluster_model::to_native_json(&model)).expect("topology");
    let mut service = Service::start(&bin, &store, &[Path::new("--topology"), &topology], &access);
    let clusters = client(&service.url, &["clusters"]);
    let nodes = clusters[0]["nodes"].as_array().map_or(0, Vec::len);
    assert_eq!(nodes, env.pool.nodes().len(), "{clusters}");
    step(
        "service up on the pool's topology, over ssh; cluster info",
        &mut t,
    );

    let vol = client(&service.url, &["create", "svcvol", "1"]);
    let id = vol["id"].as_str().expect("volume id").to_string();
    let zones: BTreeSet<String> = brick_zones(env, &vol).into_iter().collect();
    assert_eq!(zones.len(), 3, "strict zones: one brick per zone: {vol}");
    assert_eq!(counts_on_every_node(env, "svcvol"), (3, 3));
    let mounted = env.pool.mount("svcvol").unwrap_or_else(|e| panic!("{e}"));
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(mounted.join("file"), &data).expect("write through FUSE");
    env.pool.unmount(&mounted).unwrap_or_else(|e| panic!("{e}"));
    let again = env.pool.mount("svcvol").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        std::fs::read(again.join("file")).expect("read back") == data,
        "the file read back differs"
    );
    step(
        "client create: replica 3 in 3 zones on every node; FUSE mount, write, read back",
        &mut t,
    );

    let grown = client(&service.url, &["expand", &id, "1"]);
    assert_eq!(grown["size"], 2, "{grown}");
    assert_eq!(counts_on_every_node(env, "svcvol"), (6, 3));
    assert!(std::fs::read(again.join("file")).expect("read") == data);
    env.pool.unmount(&again).unwrap_or_else(|e| panic!("{e}"));
    step(
        "client expand: 2 x 3 bricks on every node, data intact",
        &mut t,
    );

    client(&service.url, &["delete", &id]);
    assert!(!volume_ids(&service.url).contains(&id));
    let left = known_anywhere(env, "svcvol");
    assert!(left.is_empty(), "svcvol still on {left:?}");
    let report = pool_report(env);
    assert!(report.bricks.is_empty(), "bricks left: {:?}", report.bricks);
    step(
        "client delete: gone from every node, brick directories removed",
        &mut t,
    );

    for recover in ["roll-back", "finish"] {
        let outcome = kill_mid_create(env, &bin, &store, &access, service, recover);
        step(
            &format!(
                "SIGKILL mid-create, restart with --recover {recover}: the create is {outcome}; \
                 service, store and pool agree"
            ),
            &mut t,
        );
        service = Service::start(&bin, &store, &[], &access);
    }
    service.stop();
    steps
}

/// A create through the client in the background; SIGKILL of `service` once a brick directory
/// exists; restart with `--recover RECOVER`; the volume complete on every node or gone from
/// every node, as the service lists it; then the store (`reconcile`) agrees and the volume is
/// deleted. Returns the outcome.
fn kill_mid_create(
    env: &Env,
    bin: &Path,
    store: &Path,
    access: &SshAccess,
    service: Service,
    recover: &str,
) -> &'static str {
    let name = format!("killed-{recover}");
    // A create in the background; SIGKILL once its first brick directory exists.
    let mut create = client_command(&service.url, &["create", &name, "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("client starts");
    // (Not `pool_report`: while glusterd spreads the new volume, the nodes' lists may differ.)
    wait_until("a brick of the create", Duration::from_secs(60), || {
        env.pool.nodes().iter().any(|n| {
            let found = env.cli.run(
                &n.name,
                &[
                    "find",
                    BRICK_ROOT,
                    "-mindepth",
                    "2",
                    "-maxdepth",
                    "2",
                    "-name",
                    "brick_*",
                ],
            );
            !found.stdout.trim().is_empty()
        })
    });
    signal(service.pid(), "STOP");
    let in_flight = descendants(service.pid());
    signal(service.pid(), "KILL");
    drop(service);
    let _ = create.wait();
    // Commands of the killed service run on (as after a crash): let them end first. (An
    // ssh control master can linger up to its ControlPersist of 60 s.)
    wait_until(
        "the killed service's commands",
        Duration::from_secs(90),
        || in_flight.iter().all(|p| !running(*p)),
    );

    let flags = [Path::new("--recover"), Path::new(recover)];
    let service = Service::start(bin, store, &flags, access);
    let listed = volume_ids(&service.url);
    let on_nodes = known_anywhere(env, &name);
    let report = pool_report(env);
    if listed.is_empty() {
        assert!(on_nodes.is_empty(), "rolled back, yet on {on_nodes:?}");
        assert!(report.bricks.is_empty(), "{:?}", report.bricks);
    } else {
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(on_nodes.len(), env.pool.nodes().len(), "{on_nodes:?}");
        assert_eq!(counts_on_every_node(env, &name), (3, 3));
        assert!(report.volumes[name.as_str()].started, "{report:?}");
    }
    let outcome = if listed.is_empty() {
        "gone from every node"
    } else {
        "complete on every node"
    };
    service.stop();
    let differences = env.cli.block_on(async {
        let p = provisioner(store, env.cli.executor()).await;
        let differences = p.reconcile(&report).await.expect("reconcile");
        let model = p.model().await.expect("model");
        let ids: Vec<_> = model.volumes().map(|v| v.id).collect();
        for id in ids {
            p.delete(id).await.expect("delete the kept volume");
        }
        differences
    });
    assert!(differences.is_empty(), "{differences:#?}");
    let report = pool_report(env);
    assert!(
        report.volumes.is_empty() && report.bricks.is_empty(),
        "{report:?}"
    );
    outcome
}

//! Crash test: a child process runs the provisioner under load and is killed with SIGKILL
//! at random moments, 20 times, on redb and on etcd. After every kill this process opens the
//! store, replays the hosts, recovers, and checks the invariant: the store equals the hosts
//! exactly (no orphan brick, no leaked reservation, no volume half-made), nothing pending,
//! no device over-booked.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use gluster_model::ByteSize;
use gluster_store::etcd_server::EtcdServer;
use gluster_store::testing::{provisioner, topology, PersistentHosts};
use gluster_store::{EtcdStore, HostReport, Kind, RecoveryPolicy, RedbStore, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const KILLS: usize = 20;

/// Start the child, wait for `ready`, let it work for a random moment, SIGKILL it.
async fn run_and_kill(store: &str, log: &Path, seed: u64, policy: &str, rng: &mut ChaCha8Rng) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gluster-store-crashload"))
        .args([store, &log.display().to_string(), &seed.to_string(), policy])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let stdout = child.stdout.take().unwrap();
    let ready = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        lines.any(|l| l.is_ok_and(|l| l == "ready"))
    })
    .await
    .unwrap();
    assert!(ready, "the child did not get ready");
    // The moment of the kill (not a timing assertion: any moment must be safe).
    tokio::time::sleep(Duration::from_millis(rng.random_range(1..250))).await;
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
}

async fn check(store: Arc<dyn Store>, log: &Path, policy: RecoveryPolicy) -> (usize, usize) {
    let model = topology(9, 3, ByteSize::tib(2));
    let hosts = Arc::new(PersistentHosts::open(&model, log).await.unwrap());
    let p = provisioner(store.clone(), &model, hosts.clone())
        .await
        .unwrap();
    let report = p.recover(policy).await.unwrap();
    assert!(report.failed.is_empty(), "{report:?}");
    let recovered = report.finished.len() + report.rolled_back.len();
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());
    let diffs = p
        .reconcile(&HostReport::from_simulated(&hosts.sim().snapshot()))
        .await
        .unwrap();
    assert!(diffs.is_empty(), "after recovery ({policy:?}): {diffs:#?}");
    let stored = p.model().await.unwrap();
    assert!(stored.check().is_empty(), "{:?}", stored.check());
    assert!(stored.devices().all(|d| d.used <= d.total));
    eprintln!(
        "recovered {recovered} pending operations; {} volumes",
        stored.volumes().len()
    );
    let volumes = stored.volumes().len();
    (volumes, recovered)
}

async fn crash_loop(spec: &str, log: &Path, open: impl AsyncFn() -> Arc<dyn Store>) {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let (mut most, mut recovered) = (0, 0);
    for round in 0..KILLS {
        let policy = if round % 2 == 0 { "rollback" } else { "finish" };
        run_and_kill(spec, log, round as u64, policy, &mut rng).await;
        let policy = if round % 3 == 0 {
            RecoveryPolicy::Finish
        } else {
            RecoveryPolicy::RollBack
        };
        let (volumes, pending) = check(open().await, log, policy).await;
        most = most.max(volumes);
        recovered += pending;
    }
    assert!(most > 0, "the children never made a volume");
    assert!(recovered > 0, "no kill ever interrupted an operation");
    let lines = std::fs::read_to_string(log).unwrap().lines().count();
    assert!(
        lines > KILLS,
        "the children barely touched the hosts ({lines} changes)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let log = dir.path().join("hosts.log");
    let spec = format!("redb:{}", path.display());
    crash_loop(&spec, &log, async || -> Arc<dyn Store> {
        let store: Arc<dyn Store> = Arc::new(RedbStore::open(&path).await.unwrap());
        store
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_on_etcd() {
    let Some(server) = EtcdServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hosts.log");
    let spec = format!("etcd:{}", server.endpoint);
    let endpoints = server.endpoints();
    crash_loop(&spec, &log, async || -> Arc<dyn Store> {
        let store: Arc<dyn Store> = Arc::new(
            EtcdStore::connect(&endpoints, "/crash/", Duration::from_secs(5))
                .await
                .unwrap(),
        );
        store
    })
    .await;
}

//! Durable creates per second on the simulated executor at 1, 8 and 64 concurrent requests,
//! for the memory, redb and etcd stores, side by side in one run.
//!
//! `cargo bench -p gluster-store --bench creates` (etcd needs the `etcd` binary; without it
//! its column is skipped). `CREATES=N` sets the creates per cell (default 2000).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gluster_exec::simulated::SimulatedExecutor;
use gluster_model::ByteSize;
use gluster_store::etcd_server::EtcdServer;
use gluster_store::testing::{provisioner, topology, workload};
use gluster_store::{EtcdStore, MemoryStore, RedbStore, Store};

async fn cell(store: Arc<dyn Store>, concurrency: usize, creates: usize) -> f64 {
    let model = topology(30, 10, ByteSize::tib(4));
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = provisioner(store, &model, sim).await.expect("provisioner");
    let stop = Arc::new(AtomicBool::new(false));
    let per_task = creates.div_ceil(concurrency);
    let start = Instant::now();
    let tally = workload(&p, concurrency, per_task, "bench", 1, true, stop).await;
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(tally.created, per_task * concurrency, "{tally:?}");
    if std::env::var_os("STATS").is_some() {
        eprintln!(
            "{} x{concurrency}: {:?} in {elapsed:.2} s",
            p.store().location(),
            p.stats()
        );
    }
    tally.created as f64 / elapsed
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing else we use.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let creates: usize = std::env::var("CREATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // `STORES=memory,redb` runs only those columns.
    let only = std::env::var("STORES").unwrap_or_else(|_| "memory,redb,etcd".into());
    let etcd = if only.contains("etcd") {
        EtcdServer::start()
    } else {
        None
    };
    let dir = tempfile::tempdir().expect("temp dir");
    println!("durable creates/s ({creates} replica-3 creates per cell, simulated hosts, 2 worker threads)");
    println!(
        "{:>12} {:>10} {:>10} {:>10}",
        "concurrency", "memory", "redb", "etcd"
    );
    for (i, concurrency) in [1usize, 8, 64].into_iter().enumerate() {
        let row = rt.block_on(async {
            let memory = if only.contains("memory") {
                cell(Arc::new(MemoryStore::new()), concurrency, creates).await
            } else {
                0.0
            };
            let redb = if only.contains("redb") {
                let path = dir.path().join(format!("bench-{i}.redb"));
                let redb = RedbStore::open(&path).await.expect("redb");
                cell(Arc::new(redb), concurrency, creates).await
            } else {
                0.0
            };
            let etcd = match &etcd {
                Some(server) => {
                    let prefix = format!("/bench{i}/");
                    let store =
                        EtcdStore::connect(&server.endpoints(), &prefix, Duration::from_secs(10))
                            .await
                            .expect("etcd");
                    Some(cell(Arc::new(store), concurrency, creates).await)
                }
                None => None,
            };
            (memory, redb, etcd)
        });
        let etcd = row.2.map_or("skipped".to_string(), |v| format!("{v:.0}"));
        println!(
            "{concurrency:>12} {:>10.0} {:>10.0} {etcd:>10}",
            row.0, row.1
        );
    }
}

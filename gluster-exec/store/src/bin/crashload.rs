//! The child process of the crash tests: recover, print `ready`, then run a random workload
//! until killed.
//!
//! `gluster-store-crashload STORE HOSTS_LOG SEED rollback|finish [creates:N]`, where STORE
//! is `redb:PATH` or `etcd:ENDPOINT` (keys under `/crash/`). With `creates:N` it makes N
//! volumes (8 tasks), prints `tally created=C failed=F` and exits instead.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use gluster_model::ByteSize;
use gluster_store::testing::{provisioner, topology, workload, PersistentHosts};
use gluster_store::{EtcdStore, RecoveryPolicy, RedbStore, Store, StoreError};

/// The topology every crash test process uses.
fn model() -> gluster_model::Model {
    topology(9, 3, ByteSize::tib(2))
}

async fn open(spec: &str) -> Result<Arc<dyn Store>, StoreError> {
    if let Some(path) = spec.strip_prefix("redb:") {
        Ok(Arc::new(RedbStore::open(path).await?))
    } else if let Some(endpoint) = spec.strip_prefix("etcd:") {
        let store =
            EtcdStore::connect(&[endpoint.to_string()], "/crash/", Duration::from_secs(5)).await?;
        Ok(Arc::new(store))
    } else {
        Err(StoreError::Invalid(format!("unknown store {spec:?}")))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !(5..=6).contains(&args.len()) {
        eprintln!("usage: gluster-store-crashload STORE HOSTS_LOG SEED rollback|finish");
        std::process::exit(2);
    }
    let seed: u64 = args[3].parse().unwrap_or(0);
    let policy = if args[4] == "finish" {
        RecoveryPolicy::Finish
    } else {
        RecoveryPolicy::RollBack
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let code = rt.block_on(async {
        let store = match open(&args[1]).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        };
        let model = model();
        let hosts = Arc::new(
            PersistentHosts::open(&model, std::path::Path::new(&args[2]))
                .await
                .expect("hosts log"),
        );
        let p = provisioner(store, &model, hosts)
            .await
            .expect("provisioner");
        let creates: Option<usize> = args
            .get(5)
            .and_then(|a| a.strip_prefix("creates:"))
            .and_then(|n| n.parse().ok());
        if let Some(n) = creates {
            let stop = Arc::new(AtomicBool::new(false));
            let t = workload(&p, 8, n.div_ceil(8), &format!("s{seed}"), seed, true, stop).await;
            println!("tally created={} failed={}", t.created, t.failed);
            return 0;
        }
        let report = p.recover(policy).await.expect("recover");
        println!("recovered {report:?}");
        println!("ready");
        let stop = Arc::new(AtomicBool::new(false));
        let tally = workload(&p, 8, 0, &format!("s{seed}"), seed, false, stop).await;
        println!("{tally:?}");
        0
    });
    std::process::exit(code);
}

//! The child process of the crash tests: recover, print `ready`, then run a random workload
//! until killed.
//!
//! `gluster-store-crashload STORE HOSTS_LOG SEED rollback|finish`, where STORE is
//! `redb:PATH` or `etcd:ENDPOINT` (keys under `/crash/`).

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
    if args.len() != 5 {
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

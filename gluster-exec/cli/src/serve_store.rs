//! `serve --store FILE` / `--etcd URL[,URL...]`: open the store, import the topology into an
//! empty one, run the provisioner's recovery, and build the service's backend and queue on
//! it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{Executor, HostLimits};
use gluster_model::{ByteSize, Model};
use gluster_placement::PlacementSettings;
use gluster_service::{ProvisionerBackend, StoreQueue};
use gluster_store::{import_model, EtcdStore, Kind, Provisioner, RecoveryPolicy, RedbStore, Store};

/// What recovery does with an operation an earlier run left pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RecoverArg {
    /// Undo it on the hosts and release its reservation.
    RollBack,
    /// Run its steps again (all idempotent); roll back if one fails.
    Finish,
}

impl From<RecoverArg> for RecoveryPolicy {
    fn from(r: RecoverArg) -> Self {
        match r {
            RecoverArg::RollBack => RecoveryPolicy::RollBack,
            RecoverArg::Finish => RecoveryPolicy::Finish,
        }
    }
}

/// Where the state is kept.
#[derive(Debug, Clone)]
pub(crate) enum StoreAt<'a> {
    /// A redb file (created when absent).
    File(&'a Path),
    /// etcd endpoints and the key prefix.
    Etcd(Vec<String>, &'a str),
}

/// Open the store.
pub(crate) async fn open(at: &StoreAt<'_>) -> Result<Arc<dyn Store>, String> {
    Ok(match at {
        StoreAt::File(path) => Arc::new(
            RedbStore::open(path)
                .await
                .map_err(|e| format!("--store {}: {}", path.display(), chain(&e)))?,
        ),
        // A replica's writes are fenced by a lease: once it lapses (a partition, a pause
        // over 10 s) this server's commits are refused instead of overwriting a successor's.
        StoreAt::Etcd(endpoints, prefix) => {
            let failed = |e: gluster_store::StoreError| {
                format!("--etcd {}: {}", endpoints.join(","), chain(&e))
            };
            let store = EtcdStore::connect(endpoints, prefix, Duration::from_secs(5))
                .await
                .map_err(failed)?;
            Arc::new(
                store
                    .with_lease(Duration::from_secs(10))
                    .await
                    .map_err(failed)?,
            )
        }
    })
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Import `initial()` into `store` when it holds no cluster; otherwise say that the
/// topology given is ignored.
pub(crate) async fn seed(
    store: &dyn Store,
    given: Option<&str>,
    initial: impl FnOnce() -> Result<Model, String>,
) -> Result<(), String> {
    let location = store.location();
    let clusters = store
        .list(Kind::Cluster)
        .await
        .map_err(|e| format!("{location}: {}", chain(&e)))?;
    if clusters.is_empty() {
        let model = initial()?;
        import_model(store, &model)
            .await
            .map_err(|e| format!("{location}: importing the topology: {}", chain(&e)))?;
        eprintln!(
            "gluster-plan serve: {location}: imported {} cluster(s), {} node(s), {} device(s)",
            model.clusters().len(),
            model.nodes().len(),
            model.devices().len()
        );
    } else if let Some(flag) = given {
        eprintln!(
            "gluster-plan serve: note: {location} already holds state ({} cluster(s)); {flag} \
             is ignored",
            clusters.len()
        );
    }
    Ok(())
}

/// The backend and queue on `store`, after recovery with `policy`. With `executor` `None`,
/// the hosts are simulated, built from the stored state (disks added later get
/// `new_disk_size`).
pub(crate) async fn backend(
    store: Arc<dyn Store>,
    executor: Option<Arc<dyn Executor>>,
    new_disk_size: ByteSize,
    settings: PlacementSettings,
    host_limit: usize,
    policy: RecoveryPolicy,
) -> Result<(ProvisionerBackend, StoreQueue), String> {
    let location = store.location();
    let failed = |e: gluster_store::StoreError| format!("{location}: {}", chain(&e));
    let limits = HostLimits::new(host_limit.max(1));
    let (provisioner, sim) = match executor {
        Some(executor) => {
            let p = Provisioner::new(store.clone(), executor.clone(), limits, settings)
                .await
                .map_err(failed)?;
            (p, Err(executor))
        }
        None => {
            // Simulated hosts start as the store says they are.
            let empty = Arc::new(SimulatedExecutor::from_model(&Model::new(), true));
            let probe = Provisioner::new(store.clone(), empty, limits.clone(), settings.clone())
                .await
                .map_err(failed)?;
            let model = probe.model().await.map_err(failed)?;
            let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
            let p = Provisioner::new(store.clone(), sim.clone(), limits, settings)
                .await
                .map_err(failed)?;
            (p, Ok(sim))
        }
    };
    let report = provisioner.recover(policy).await.map_err(failed)?;
    for key in &report.finished {
        eprintln!("gluster-plan serve: recovery: finished {key}");
    }
    for key in &report.rolled_back {
        eprintln!("gluster-plan serve: recovery: rolled back {key}");
    }
    for (key, why) in &report.failed {
        eprintln!("gluster-plan serve: recovery: {key} failed: {why}");
    }
    let backend = match sim {
        Ok(sim) => ProvisionerBackend::simulated(provisioner, sim, new_disk_size),
        Err(executor) => ProvisionerBackend::new(provisioner, executor),
    };
    Ok((backend, StoreQueue::new(store)))
}

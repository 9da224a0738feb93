//! The CLI on a store file: `import` a topology into an empty store, plan on the stored
//! state (`--store` on the placement commands), and `apply --store`, which creates the
//! volume through the gluster-store `Provisioner` so it is kept for the next run; likewise
//! `expand --store --apply`, `evacuate --store --apply` and `recover --store`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use gluster_exec::simulated::{Fault, SimulatedExecutor};
use gluster_exec::{Executor, HostLimits};
use gluster_model::{ByteSize, Model, VolumeId};
use gluster_placement::day2::{Day2Settings, EvacuationTarget, ExpandBy};
use gluster_placement::PlacementSettings;
use gluster_store::{
    import_model_with_progress, Kind, Provisioner, RecoveryPolicy, RedbStore, Store, StoreError,
};

use super::apply::{executor, mount_root, runtime, EXIT_ROLLBACK_INCOMPLETE, EXIT_ROLLED_BACK};
use super::args::{
    ApplyArgs, EvacuateArgs, ExecArgs, ExpandArgs, OutputFormat, RecoverArgs, TransportArg,
};
use super::{refusal, resolve, topology, EXIT_INFEASIBLE, EXIT_PLACED};

/// Flags of `import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// Store file to create (or an empty one).
    #[arg(long, value_name = "FILE")]
    pub(crate) store: PathBuf,
    /// Topology to import (any format `plan` reads); default: the built-in example.
    #[arg(long, value_name = "FILE")]
    pub(crate) topology: Option<PathBuf>,
    /// Size of every device of a Heketi load file.
    #[arg(long)]
    pub(crate) device_size: Option<ByteSize>,
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

async fn open(path: &Path) -> Result<Arc<dyn Store>, String> {
    let store = RedbStore::open(path)
        .await
        .map_err(|e| format!("--store {}: {}", path.display(), chain(&e)))?;
    Ok(Arc::new(store))
}

/// The stored model, read with a provisioner whose hosts are never touched.
async fn load(store: &Arc<dyn Store>) -> Result<Model, String> {
    let location = store.location();
    let failed = |e: StoreError| format!("{location}: {}", chain(&e));
    let idle = Arc::new(SimulatedExecutor::from_model(&Model::new(), true));
    let p = Provisioner::new(
        store.clone(),
        idle,
        HostLimits::new(1),
        PlacementSettings::default(),
    )
    .await
    .map_err(failed)?;
    p.model().await.map_err(failed)
}

/// `import`: write the topology into an empty store.
pub(crate) fn import(args: &ImportArgs) -> Result<i32, String> {
    let model = topology::load(args.topology.as_deref(), args.device_size)?;
    runtime()?.block_on(async {
        let store = open(&args.store).await?;
        let location = store.location();
        let held = store
            .list(Kind::Cluster)
            .await
            .map_err(|e| format!("{location}: {}", chain(&e)))?;
        if !held.is_empty() {
            return Err(format!(
                "--store {}: the store already holds {} cluster(s); nothing imported",
                args.store.display(),
                held.len()
            ));
        }
        let mut bar = super::progress::Bar::start("importing", "keys");
        import_model_with_progress(store.as_ref(), &model, &mut |p| bar.report(p))
            .await
            .map_err(|e| format!("{location}: {}", chain(&e)))?;
        eprintln!(
            "gluster-plan: {location}: imported {} cluster(s), {} node(s), {} device(s)",
            model.clusters().len(),
            model.nodes().len(),
            model.devices().len()
        );
        Ok(EXIT_PLACED)
    })
}

/// The model kept in the store file at `path` (for `plan --store` and friends).
pub(crate) fn stored_model(path: &Path) -> Result<Model, String> {
    runtime()?.block_on(async { load(&open(path).await?).await })
}

/// `apply --store`: recover what an earlier run left pending, then create the volume
/// through the provisioner (the request name is `--name`, so a retried apply answers the
/// same volume). `--journal` is not used: the store keeps the runs.
pub(crate) fn apply(path: &Path, args: &ApplyArgs) -> Result<i32, String> {
    let (_, request, mut settings) = resolve(&args.placement)?;
    let root = mount_root(&args.exec.brick_mount_root)?;
    settings.brick_mount_root = root.clone();
    let name = request.name.clone().unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        format!("cli-{nanos:x}-{}", std::process::id())
    });
    runtime()?.block_on(async {
        let store = open(path).await?;
        let location = store.location();
        let failed = |e: StoreError| format!("{location}: {}", chain(&e));
        let model = load(&store).await?;
        let hosts = hosts(&args.exec, &model, &root).await?;
        let p = Provisioner::new(
            store,
            hosts,
            HostLimits::new(usize::from(args.exec.host_limit)),
            settings,
        )
        .await
        .map_err(failed)?;
        let report = p.recover(RecoveryPolicy::RollBack).await.map_err(failed)?;
        for key in &report.rolled_back {
            eprintln!("gluster-plan: recovery: rolled back {key}");
        }
        match p.create(&name, &request).await {
            Ok(made) => {
                let json = serde_json::json!({
                    "request": name,
                    "volume": made.volume.to_string(),
                    "name": made.name,
                    "size": made.size.bytes(),
                    "new": made.new,
                });
                match args.placement.output {
                    OutputFormat::Json => outln!("{json}"),
                    OutputFormat::Table => outln!(
                        "volume {} ({}) {} bytes{}",
                        made.name,
                        made.volume,
                        made.size.bytes(),
                        if made.new {
                            ""
                        } else {
                            ", made by an earlier run"
                        }
                    ),
                }
                Ok(EXIT_PLACED)
            }
            Err(StoreError::Placement(e)) => refusal(*e, args.placement.output),
            Err(e @ StoreError::Hosts { rolled_back, .. }) => {
                eprintln!("gluster-plan: apply failed: {}", chain(&e));
                Ok(if rolled_back {
                    EXIT_ROLLED_BACK
                } else {
                    EXIT_ROLLBACK_INCOMPLETE
                })
            }
            Err(e) => Err(failed(e)),
        }
    })
}

/// The hosts of the stored `model` through `exec`'s transport; simulated ones are rebuilt
/// from the store (`--simulate-failure-at` counts the calls after that).
async fn hosts(exec: &ExecArgs, model: &Model, root: &str) -> Result<Arc<dyn Executor>, String> {
    if exec.transport != TransportArg::Simulated {
        return Ok(executor(exec, model, root)?.0);
    }
    let sim = super::sim_hosts::from_store(model).await?;
    if let Some(n) = exec.simulate_failure_at {
        sim.inject(Fault::FailCall(sim.calls() + usize::from(n)));
    }
    Ok(sim)
}

/// A provisioner on the store at `path`, its hosts reached through `exec` (the simulated
/// hosts are made from the stored model).
async fn provisioner(
    path: &Path,
    exec: &ExecArgs,
    mut settings: PlacementSettings,
) -> Result<Provisioner, String> {
    let root = mount_root(&exec.brick_mount_root)?;
    settings.brick_mount_root = root.clone();
    let store = open(path).await?;
    let location = store.location();
    let model = load(&store).await?;
    let hosts = hosts(exec, &model, &root).await?;
    Provisioner::new(
        store,
        hosts,
        HostLimits::new(usize::from(exec.host_limit)),
        settings,
    )
    .await
    .map_err(|e| format!("{location}: {}", chain(&e)))
}

/// `recover --store`: finish or roll back every operation an earlier run left pending.
/// Exit 0 when none is left pending, 4 when some still are (run it again).
pub(crate) fn recover(path: &Path, args: &RecoverArgs) -> Result<i32, String> {
    let policy = if args.finish {
        RecoveryPolicy::Finish
    } else {
        RecoveryPolicy::RollBack
    };
    runtime()?.block_on(async {
        let p = provisioner(path, &args.exec, PlacementSettings::default()).await?;
        let location = p.store().location();
        let report = p
            .recover(policy)
            .await
            .map_err(|e| format!("{location}: {}", chain(&e)))?;
        for key in &report.finished {
            outln!("{key}: finished");
        }
        for key in &report.rolled_back {
            outln!("{key}: rolled back");
        }
        for (key, why) in &report.failed {
            outln!("{key}: still pending: {why}");
        }
        if report.finished.is_empty() && report.rolled_back.is_empty() && report.failed.is_empty() {
            eprintln!("nothing to recover: {location} holds no pending operation");
        }
        Ok(if report.failed.is_empty() {
            EXIT_PLACED
        } else {
            EXIT_ROLLBACK_INCOMPLETE
        })
    })
}

/// The exit of a day-2 operation the provisioner did not carry out: a refusal of the plan
/// (no room, too many bricks) is infeasible (also as JSON with `--output json`); a failure
/// on the hosts says whether it was rolled back; anything else is an error of the store.
fn day2_failure(
    what: &str,
    e: StoreError,
    output: OutputFormat,
    failed: impl FnOnce(StoreError) -> String,
) -> Result<i32, String> {
    match e {
        StoreError::Invalid(why) => {
            eprintln!("gluster-plan: {why}");
            if output == OutputFormat::Json {
                outln!(
                    "{}",
                    serde_json::json!({"error": "infeasible", "message": why})
                );
            }
            Ok(EXIT_INFEASIBLE)
        }
        e @ StoreError::Hosts { rolled_back, .. } => {
            eprintln!("gluster-plan: {what} failed: {}", chain(&e));
            Ok(if rolled_back {
                EXIT_ROLLED_BACK
            } else {
                EXIT_ROLLBACK_INCOMPLETE
            })
        }
        e => Err(failed(e)),
    }
}

/// `expand --store --apply`: add sets to `volume` through the provisioner (recovering what
/// an earlier run left pending first), so the grown volume is kept in the store.
pub(crate) fn expand(
    path: &Path,
    volume: VolumeId,
    args: &ExpandArgs,
    settings: PlacementSettings,
) -> Result<i32, String> {
    runtime()?.block_on(async {
        let p = provisioner(path, &args.exec, settings).await?;
        let location = p.store().location();
        let failed = |e: StoreError| format!("{location}: {}", chain(&e));
        let report = p.recover(RecoveryPolicy::RollBack).await.map_err(failed)?;
        for key in &report.rolled_back {
            eprintln!("gluster-plan: recovery: rolled back {key}");
        }
        match p.expand(volume, ExpandBy::Size(args.size)).await {
            Ok(size) => {
                match args.common.output {
                    OutputFormat::Json => outln!(
                        "{}",
                        serde_json::json!({
                            "volume": volume.to_string(),
                            "name": args.volume,
                            "size": size.bytes(),
                        })
                    ),
                    OutputFormat::Table => outln!(
                        "volume {} ({volume}) expanded to {} bytes",
                        args.volume,
                        size.bytes()
                    ),
                }
                Ok(EXIT_PLACED)
            }
            Err(e) => day2_failure("expand", e, args.common.output, failed),
        }
    })
}

/// `evacuate --store --apply`: move every brick off the target through the provisioner
/// (recovering what an earlier run left pending first); the moved bricks and the target's
/// devices, offline, are kept in the store.
pub(crate) fn evacuate(
    path: &Path,
    target: EvacuationTarget,
    args: &EvacuateArgs,
    settings: Day2Settings,
) -> Result<i32, String> {
    runtime()?.block_on(async {
        let p = provisioner(path, &args.exec, settings.placement.clone()).await?;
        let location = p.store().location();
        let failed = |e: StoreError| format!("{location}: {}", chain(&e));
        let report = p.recover(RecoveryPolicy::RollBack).await.map_err(failed)?;
        for key in &report.rolled_back {
            eprintln!("gluster-plan: recovery: rolled back {key}");
        }
        match p.evacuate(target, &settings).await {
            Ok(plan) => {
                super::day2::print_evacuation(&plan, args.common.output);
                Ok(EXIT_PLACED)
            }
            Err(e) => day2_failure("evacuate", e, args.common.output, failed),
        }
    })
}

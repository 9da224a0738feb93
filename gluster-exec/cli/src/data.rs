//! `gluster-plan snapshot`, `subvolume` and `resync`: the data services planned on a
//! topology with volumes (this project's JSON, or `heketi-cli topology info --json`),
//! printed with the commands that would carry them out (nothing runs unless `--run`, see
//! `data_run`). `--save FILE`
//! writes the resulting state as this project's JSON, so the next command can start there.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use gluster_exec::ops::{
    QuotaLimit, SnapshotClone, SnapshotCreate, SnapshotRef, VolumeDir, VolumeRef,
};
use gluster_exec::render::{quota, snapshot};
use gluster_exec::transport::quote_command;
use gluster_model::{to_native_json, BrickId, ByteSize, Durability, Model, VolumeId};
use gluster_placement::{Engine, PlacementSettings, SubvolumePlacement, VolumeRequest};

use crate::data_run::HostOp;
pub(crate) use crate::resync::{resync, ResyncArgs};

use super::args::OutputFormat;
use super::{refusal, to_json, topology, EXIT_PLACED};

/// Where subvolume commands FUSE-mount a hosting volume.
const MOUNT_BASE: &str = "/run/gluster-plan/mnt";

/// Flags of every data-service command.
#[derive(Debug, Args)]
pub(crate) struct DataCommon {
    /// Topology with volumes (this project's JSON, e.g. written by `--save`); default: the
    /// built-in example, which has none.
    #[arg(long, value_name = "FILE")]
    pub(crate) topology: Option<PathBuf>,
    /// Write the state after the change here (this project's JSON).
    #[arg(long, value_name = "FILE")]
    pub(crate) save: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) output: OutputFormat,
    /// Carry the change out on the hosts through `--transport` (as `apply` reaches them)
    /// before saving; without it nothing runs.
    #[arg(long)]
    pub(crate) run: bool,
    #[command(flatten)]
    pub(crate) exec: crate::args::ExecArgs,
}

pub(crate) fn parse_any_size(s: &str) -> Result<ByteSize, String> {
    s.parse().map_err(|e| format!("{e}"))
}

/// `gluster-plan snapshot ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SnapshotCommand {
    /// Snapshot a volume (charged to its thin pools' snapshot reserve) and activate it.
    Create {
        #[command(flatten)]
        common: DataCommon,
        /// The origin volume's name.
        #[arg(long)]
        volume: String,
        /// The snapshot's name.
        #[arg(long)]
        name: String,
        /// Data each origin brick holds (measure with `df` on the bricks); absent: full.
        #[arg(long, value_parser = parse_any_size)]
        data_used: Option<ByteSize>,
    },
    /// Delete a snapshot, returning its charges.
    Delete {
        #[command(flatten)]
        common: DataCommon,
        /// The snapshot's name.
        #[arg(long)]
        name: String,
    },
    /// Restore a snapshot as a new volume (a clone in the origin's thin pools).
    Clone {
        #[command(flatten)]
        common: DataCommon,
        /// The snapshot.
        #[arg(long)]
        snapshot: String,
        /// The new volume's name.
        #[arg(long)]
        name: String,
        /// Data each origin brick holds; absent: full.
        #[arg(long, value_parser = parse_any_size)]
        data_used: Option<ByteSize>,
    },
}

/// `gluster-plan subvolume ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SubvolumeCommand {
    /// A quota-limited directory in the hosting volume with most room (one is planned
    /// first when none has room).
    Create {
        #[command(flatten)]
        common: DataCommon,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its quota, e.g. 1GiB.
        #[arg(long, value_parser = parse_any_size)]
        size: ByteSize,
        /// Quotas may add up to this percentage of a hosting volume's size.
        #[arg(long, default_value_t = 100)]
        overcommit_percent: u32,
        /// Thin pool reserve of a hosting volume planned here (1.5: snapshots may take half
        /// again).
        #[arg(long, default_value_t = 1.0)]
        snapshot_factor: f64,
    },
    /// Set a subvolume's quota.
    Expand {
        #[command(flatten)]
        common: DataCommon,
        /// Its name.
        #[arg(long)]
        name: String,
        /// The new quota.
        #[arg(long, value_parser = parse_any_size)]
        size: ByteSize,
        /// Quotas may add up to this percentage of a hosting volume's size.
        #[arg(long, default_value_t = 100)]
        overcommit_percent: u32,
    },
    /// Delete a subvolume (its quota, then its directory).
    Delete {
        #[command(flatten)]
        common: DataCommon,
        /// Its name.
        #[arg(long)]
        name: String,
    },
    /// Clone a subvolume sharing blocks (its own quota, the source's size).
    Clone {
        #[command(flatten)]
        common: DataCommon,
        /// The source subvolume.
        #[arg(long)]
        source: String,
        /// The clone's name.
        #[arg(long)]
        name: String,
    },
}

/// What a command decided and the commands that carry it out, `(host, argv)`.
pub(crate) struct Outcome {
    pub(crate) summary: serde_json::Value,
    pub(crate) lines: Vec<String>,
    pub(crate) commands: Vec<(String, Vec<String>)>,
    /// What `--run` carries out, or why it cannot.
    pub(crate) ops: Result<Vec<HostOp>, String>,
}

pub(crate) fn engine(common: &DataCommon, percent: Option<u32>) -> Result<Engine, String> {
    let model = topology::load(common.topology.as_deref(), None)?;
    let mut settings = PlacementSettings::default();
    if let Some(p) = percent {
        settings.subvolume_policy.overcommit_percent = p;
    }
    settings.check().map_err(|e| e.to_string())?;
    Ok(Engine::new(model, settings))
}

fn volume_id(model: &Model, name: &str) -> Result<VolumeId, String> {
    model
        .volume_by_name(name)
        .map(|v| v.id)
        .ok_or_else(|| format!("no volume named {name:?}"))
}

/// The host whose glusterd runs a volume's commands: its first brick's node.
pub(crate) fn host_of(model: &Model, volume: VolumeId) -> Result<String, String> {
    model
        .volume(volume)
        .and_then(|v| v.brick_ids().next())
        .and_then(|b| model.brick(b))
        .and_then(|b| model.node(b.node))
        .map(|n| n.manage_hostname.clone())
        .ok_or_else(|| format!("volume {volume} has no brick on a known node"))
}

fn used_of(model: &Model, volume: VolumeId, each: Option<ByteSize>) -> Vec<(BrickId, ByteSize)> {
    match (model.volume(volume), each) {
        (Some(v), Some(each)) => v.brick_ids().map(|b| (b, each)).collect(),
        _ => Vec::new(),
    }
}

fn cmd(
    host: &str,
    argv: Result<Vec<String>, gluster_exec::ExecError>,
) -> Result<(String, Vec<String>), String> {
    argv.map(|a| (host.to_string(), a))
        .map_err(|e| e.to_string())
}

pub(crate) fn snapshot(command: &SnapshotCommand) -> Result<i32, String> {
    let (common, outcome) = match command {
        SnapshotCommand::Create {
            common,
            volume,
            name,
            data_used,
        } => {
            let mut engine = engine(common, None)?;
            let v = volume_id(engine.model(), volume)?;
            let used = used_of(engine.model(), v, *data_used);
            let snap = match engine.plan_snapshot(v, name, &used) {
                Ok(s) => s,
                Err(e) => return refusal_or(e, common.output),
            };
            let host = host_of(engine.model(), v)?;
            let lines = snap
                .charges
                .iter()
                .map(|(b, c)| format!("brick {b}: charged {c}"))
                .collect();
            let summary = serde_json::json!({ "snapshot": snap });
            engine.commit_snapshot(snap).map_err(|e| e.to_string())?;
            engine
                .set_snapshot_ready(name, true)
                .map_err(|e| e.to_string())?;
            let create = SnapshotCreate {
                host: host.clone(),
                name: name.clone(),
                volume: volume.clone(),
            };
            let sref = SnapshotRef {
                host: host.clone(),
                name: name.clone(),
            };
            let commands = vec![
                cmd(&host, snapshot::create(&create))?,
                cmd(&host, snapshot::activate(&sref))?,
            ];
            (
                common,
                finish(
                    engine,
                    common,
                    Outcome {
                        summary,
                        lines,
                        commands,
                        ops: Ok(vec![HostOp::SnapshotCreate(create)]),
                    },
                )?,
            )
        }
        SnapshotCommand::Delete { common, name } => {
            let mut engine = engine(common, None)?;
            let snap = engine.delete_snapshot(name).map_err(|e| e.to_string())?;
            let host = host_of(engine.model(), snap.volume)?;
            let sref = SnapshotRef {
                host: host.clone(),
                name: name.clone(),
            };
            let commands = vec![
                cmd(&host, snapshot::deactivate(&sref))?,
                cmd(&host, snapshot::delete(&sref))?,
            ];
            let lines = vec![format!("snapshot {name} deleted, its charges returned")];
            (
                common,
                finish(
                    engine,
                    common,
                    Outcome {
                        summary: serde_json::json!({ "deleted": snap }),
                        lines,
                        commands,
                        ops: Ok(vec![HostOp::SnapshotDelete(sref)]),
                    },
                )?,
            )
        }
        SnapshotCommand::Clone {
            common,
            snapshot: snap,
            name,
            data_used,
        } => {
            let mut engine = engine(common, None)?;
            let origin = engine
                .model()
                .snapshot(snap)
                .map(|s| s.volume)
                .ok_or_else(|| format!("no snapshot named {snap:?}"))?;
            let used = used_of(engine.model(), origin, *data_used);
            let plan = match engine.plan_clone(snap, name, &used) {
                Ok(p) => p,
                Err(e) => return refusal_or(e, common.output),
            };
            let host = host_of(engine.model(), origin)?;
            engine.commit_clone(&plan).map_err(|e| e.to_string())?;
            let clone = SnapshotClone {
                host: host.clone(),
                clone: name.clone(),
                snapshot: snap.clone(),
            };
            let start = VolumeRef {
                host: host.clone(),
                name: name.clone(),
            };
            let commands = vec![
                cmd(&host, snapshot::clone(&clone))?,
                (
                    host.clone(),
                    vec![
                        "gluster".into(),
                        "--mode=script".into(),
                        "volume".into(),
                        "start".into(),
                        start.name,
                    ],
                ),
            ];
            let lines = plan
                .record
                .charges
                .iter()
                .map(|(b, c)| format!("origin brick {b}: charged {c}"))
                .collect();
            let summary =
                serde_json::json!({ "clone": plan.record, "volume": plan.commit.volume.name });
            (
                common,
                finish(
                    engine,
                    common,
                    Outcome {
                        summary,
                        lines,
                        commands,
                        ops: Ok(vec![HostOp::SnapshotClone(clone)]),
                    },
                )?,
            )
        }
    };
    print(common, &outcome);
    Ok(EXIT_PLACED)
}

/// A capacity refusal (no placement, a thin pool or a quota without room) exits 2 with
/// the reason on stderr (and as JSON with `--output json`); anything else is bad input.
fn refusal_or(e: gluster_placement::PlacementError, output: OutputFormat) -> Result<i32, String> {
    use gluster_model::ModelError;
    use gluster_placement::PlacementError;
    match e {
        PlacementError::Infeasible(_) => refusal(e, output),
        PlacementError::Model(
            ref m @ (ModelError::ThinPoolFull { .. } | ModelError::QuotaOvercommit { .. }),
        ) => {
            eprintln!("gluster-plan: refused: {m}");
            if output == OutputFormat::Json {
                outln!(
                    "{}",
                    serde_json::json!({"error": "no_room", "message": m.to_string()})
                );
            }
            Ok(super::EXIT_INFEASIBLE)
        }
        other => Err(other.to_string()),
    }
}

/// A stored subvolume as the executor's subvolume requests name it.
pub(crate) fn exec_subvolume(
    model: &Model,
    s: &gluster_model::data::Subvolume,
) -> Result<gluster_exec::subvolume::Subvolume, String> {
    let volume = model
        .volume(s.hosting)
        .ok_or("hosting volume vanished")?
        .name
        .clone();
    Ok(gluster_exec::subvolume::Subvolume {
        host: host_of(model, s.hosting)?,
        dir: s.dir.clone(),
        mount: format!("{MOUNT_BASE}/{volume}"),
        volume,
    })
}

fn subvolume_commands(
    model: &Model,
    s: &gluster_model::data::Subvolume,
    create: bool,
) -> Result<Vec<(String, Vec<String>)>, String> {
    let volume = model
        .volume(s.hosting)
        .ok_or("hosting volume vanished")?
        .name
        .clone();
    let host = host_of(model, s.hosting)?;
    let dir = VolumeDir {
        host: host.clone(),
        volume: volume.clone(),
        dir: s.dir.clone(),
        mount: format!("{MOUNT_BASE}/{volume}"),
    };
    let steps = if create {
        quota::dir_create(&dir)
    } else {
        quota::dir_delete(&dir)
    }
    .map_err(|e| e.to_string())?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    if create {
        out.extend(steps.into_iter().map(|st| (host.clone(), st.argv)));
        out.push(cmd(
            &host,
            quota::enable(&VolumeRef {
                host: host.clone(),
                name: volume.clone(),
            }),
        )?);
        let limit = QuotaLimit {
            host: host.clone(),
            volume,
            dir: s.dir.clone(),
            size: s.quota,
        };
        out.push(cmd(&host, quota::limit(&limit))?);
    } else {
        out.push(cmd(&host, quota::remove(&dir))?);
        out.extend(steps.into_iter().map(|st| (host.clone(), st.argv)));
    }
    Ok(out)
}

pub(crate) fn subvolume(command: &SubvolumeCommand) -> Result<i32, String> {
    let (common, outcome) = match command {
        SubvolumeCommand::Create {
            common,
            name,
            size,
            overcommit_percent,
            snapshot_factor,
        } => {
            let mut engine = engine(common, Some(*overcommit_percent))?;
            let mut lines = Vec::new();
            let mut new_hosting = None;
            let placed = match engine
                .plan_subvolume(name, *size)
                .map_err(|e| e.to_string())?
            {
                SubvolumePlacement::Existing(s) => s,
                SubvolumePlacement::NewHosting {
                    name: host,
                    size: host_size,
                } => {
                    let mut request = VolumeRequest::new(
                        host_size,
                        Durability::replicate(3).map_err(|e| e.to_string())?,
                    );
                    request.name = Some(host.clone());
                    request.snapshot_factor = gluster_model::SnapshotFactor::new(*snapshot_factor)
                        .map_err(|e| format!("--snapshot-factor: {e}"))?;
                    let plan = match engine.plan(&request, 0) {
                        Ok(p) => p,
                        Err(e) => return refusal(e, common.output),
                    };
                    engine.commit(&plan).map_err(|e| e.to_string())?;
                    lines.push(format!("hosting volume {host} ({host_size}, replica 3) planned first: `gluster-plan apply` it"));
                    new_hosting = Some(host.clone());
                    match engine
                        .plan_subvolume(name, *size)
                        .map_err(|e| e.to_string())?
                    {
                        SubvolumePlacement::Existing(s) => s,
                        other => {
                            return Err(format!(
                                "the new hosting volume does not take it: {other:?}"
                            ))
                        }
                    }
                }
            };
            engine
                .commit_subvolume(placed.clone())
                .map_err(|e| e.to_string())?;
            let commands = subvolume_commands(engine.model(), &placed, true)?;
            let hosting = engine
                .model()
                .volume(placed.hosting)
                .map(|v| v.name.clone())
                .unwrap_or_default();
            lines.push(format!(
                "subvolume {name}: {} in {hosting}, quota {}",
                placed.dir, placed.quota
            ));
            let summary = serde_json::json!({ "subvolume": placed, "hosting_volume": hosting });
            let ops = match new_hosting {
                Some(h) => Err(format!(
                    "hosting volume {h} must exist first (`gluster-plan apply` it)"
                )),
                None => Ok(vec![HostOp::SubvolumeCreate(
                    exec_subvolume(engine.model(), &placed)?,
                    placed.quota,
                )]),
            };
            (
                common,
                finish(
                    engine,
                    common,
                    Outcome {
                        summary,
                        lines,
                        commands,
                        ops,
                    },
                )?,
            )
        }
        SubvolumeCommand::Expand {
            common,
            name,
            size,
            overcommit_percent,
        } => {
            let mut engine = engine(common, Some(*overcommit_percent))?;
            if let Err(e) = engine.expand_subvolume(name, *size) {
                return refusal_or(e, common.output);
            }
            let s = engine
                .model()
                .subvolume(name)
                .cloned()
                .ok_or("subvolume vanished")?;
            let volume = engine
                .model()
                .volume(s.hosting)
                .map(|v| v.name.clone())
                .unwrap_or_default();
            let host = host_of(engine.model(), s.hosting)?;
            let limit = QuotaLimit {
                host: host.clone(),
                volume,
                dir: s.dir.clone(),
                size: s.quota,
            };
            let commands = vec![cmd(&host, quota::limit(&limit))?];
            let lines = vec![format!("subvolume {name}: quota {}", s.quota)];
            let ops = Ok(vec![HostOp::SubvolumeExpand(
                exec_subvolume(engine.model(), &s)?,
                s.quota,
            )]);
            (
                common,
                finish(
                    engine,
                    common,
                    Outcome {
                        summary: serde_json::json!({ "subvolume": s }),
                        lines,
                        commands,
                        ops,
                    },
                )?,
            )
        }
        SubvolumeCommand::Delete { common, name } => {
            let mut engine = engine(common, None)?;
            let s = engine.delete_subvolume(name).map_err(|e| e.to_string())?;
            let commands = subvolume_commands(engine.model(), &s, false)?;
            let lines = vec![format!("subvolume {name} deleted")];
            let ops = Ok(vec![HostOp::SubvolumeDelete(exec_subvolume(
                engine.model(),
                &s,
            )?)]);
            (
                common,
                finish(
                    engine,
                    common,
                    Outcome {
                        summary: serde_json::json!({ "deleted": s }),
                        lines,
                        commands,
                        ops,
                    },
                )?,
            )
        }
        SubvolumeCommand::Clone {
            common,
            source,
            name,
        } => {
            let mut engine = engine(common, None)?;
            let s = match engine.clone_subvolume(source, name) {
                Ok(s) => s,
                Err(e) => return refusal_or(e, common.output),
            };
            let mut commands = subvolume_commands(engine.model(), &s, true)?;
            let host = host_of(engine.model(), s.hosting)?;
            commands.insert(
                1,
                (
                    host,
                    vec![
                        "cp".into(),
                        "-a".into(),
                        "--reflink=auto".into(),
                        format!("<brick>/{}/.", source),
                        format!("<brick>{}/", s.dir),
                    ],
                ),
            );
            let lines = vec![format!(
                "subvolume {name}: clone of {source}, quota {}, blocks shared per brick",
                s.quota
            )];
            (
                common,
                finish(
                    engine,
                    common,
                    Outcome {
                        summary: serde_json::json!({ "subvolume": s }),
                        lines,
                        commands,
                        ops: Err("a subvolume clone reflinks on the bricks: use \
                                  gluster_exec::subvolume::clone"
                            .into()),
                    },
                )?,
            )
        }
    };
    print(common, &outcome);
    Ok(EXIT_PLACED)
}

pub(crate) fn finish(
    engine: Engine,
    common: &DataCommon,
    mut outcome: Outcome,
) -> Result<Outcome, String> {
    if common.run {
        let ops = outcome
            .ops
            .as_deref()
            .map_err(|why| format!("--run cannot carry this out: {why}"))?;
        let done = crate::data_run::run(common, ops)?;
        outcome.lines.push(done);
    }
    if let Some(path) = &common.save {
        std::fs::write(path, to_native_json(engine.model()))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(outcome)
}

pub(crate) fn print(common: &DataCommon, outcome: &Outcome) {
    match common.output {
        OutputFormat::Json => {
            let commands: Vec<serde_json::Value> = outcome
                .commands
                .iter()
                .map(|(h, a)| serde_json::json!({ "host": h, "argv": a }))
                .collect();
            let doc = serde_json::json!({ "result": outcome.summary, "commands": commands });
            outln!("{}", to_json(&doc));
        }
        OutputFormat::Table => {
            for l in &outcome.lines {
                outln!("{l}");
            }
            outln!(
                "{}",
                if common.run {
                    "commands (carried out):"
                } else {
                    "commands (nothing runs):"
                }
            );
            for (h, a) in &outcome.commands {
                outln!("  {h}: {}", quote_command(a));
            }
        }
    }
}

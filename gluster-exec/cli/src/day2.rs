//! `gluster-plan evacuate`, `expand` and `rebalance`: the day-2 planners on a topology with
//! volumes (`heketi-cli topology info --json` output or this project's JSON).

use std::fmt::Write;

use gluster_model::{Model, Zone};
use gluster_placement::day2::{
    plan_evacuation_with_progress, plan_expand, plan_grow, Day2Settings, EvacuationError,
    EvacuationPlan, EvacuationTarget, ExpandBy, ExpandError, RebalanceRequest, ReplaceStep,
};
use gluster_placement::{Infeasible, PlacementError, PlacementSettings};

use super::args::{Day2Args, EvacuateArgs, ExpandArgs, OutputFormat, RebalanceArgs};
use super::{refusal, to_json, topology, EXIT_INFEASIBLE, EXIT_PLACED};

fn setup(args: &Day2Args) -> Result<(Model, Day2Settings), String> {
    let model = match &args.store {
        Some(path) => super::store_cmd::stored_model(path)?,
        None => topology::load(args.topology.as_deref(), args.device_size)?,
    };
    let mut settings = Day2Settings {
        placement: PlacementSettings::default(),
        ..Day2Settings::default()
    };
    settings.default_policy.zone_checking = args.zone_checking.into();
    settings.default_policy.device_tag_match = args.device_tag_match.clone();
    settings.allow_degraded = !args.no_degraded;
    Ok((model, settings))
}

fn steps_table(out: &mut String, steps: &[ReplaceStep]) {
    let width = |f: &dyn Fn(&ReplaceStep) -> usize, min: usize| {
        steps.iter().map(f).max().unwrap_or(0).max(min)
    };
    let vol = width(&|s| s.volume_name.len(), 6);
    let old = width(&|s| s.old.host_path.len(), 9);
    let _ = writeln!(
        out,
        "{:<4} {:<vol$} {:>3} {:>3}  {:<old$} -> new brick on (node, device, zone)",
        "wave", "volume", "set", "pos", "old brick"
    );
    for s in steps {
        let _ = writeln!(
            out,
            "{:<4} {:<vol$} {:>3} {:>3}  {:<old$} -> {}, {}, zone {}{}",
            s.wave + 1,
            s.volume_name,
            s.set,
            s.position,
            s.old.host_path,
            s.new.node,
            s.new.device,
            s.new.zone.0,
            if s.degraded {
                "  (degraded: shares a zone with its set)"
            } else {
                ""
            }
        );
    }
}

fn target(model: &Model, args: &EvacuateArgs) -> Result<EvacuationTarget, String> {
    if let Some(zone) = args.zone {
        return Ok(EvacuationTarget::Zone(Zone(zone)));
    }
    if let Some(host) = &args.node {
        let node = model
            .node_by_hostname(host)
            .ok_or_else(|| format!("--node: no node with manage hostname {host:?}"))?;
        return Ok(EvacuationTarget::Node(node.id));
    }
    if let Some(spec) = &args.device {
        let (host, name) = spec.split_once(':').ok_or_else(|| {
            format!("--device {spec:?}: expected HOST:DEVICE, e.g. node1:/dev/sdb")
        })?;
        let node = model
            .node_by_hostname(host)
            .ok_or_else(|| format!("--device: no node with manage hostname {host:?}"))?;
        let device = model
            .devices_of(node.id)
            .find(|d| d.name == name)
            .ok_or_else(|| format!("--device: node {host} has no device {name:?}"))?;
        return Ok(EvacuationTarget::Device(device.id));
    }
    Err("evacuate needs --device HOST:DEVICE, --node HOST or --zone N".into())
}

pub(crate) fn evacuate(args: &EvacuateArgs) -> Result<i32, String> {
    let (model, settings) = setup(&args.common)?;
    let target = target(&model, args)?;
    let result = super::progress::counted("planning the evacuation", "stages", |progress| {
        plan_evacuation_with_progress(&model, target, &settings, args.common.seed, progress)
    });
    match result {
        // `allow_degraded` binds strict volumes only; `--no-degraded` binds every volume.
        Ok(plan) if args.common.no_degraded && plan.degraded > 0 => {
            no_degraded_refusal(&plan.steps, args.common.output)
        }
        Ok(_) if args.apply => match &args.common.store {
            Some(path) => super::store_cmd::evacuate(path, target, args, settings),
            None => Err("evacuate --apply needs --store".into()),
        },
        Ok(plan) => {
            print_evacuation(&plan, args.common.output);
            Ok(EXIT_PLACED)
        }
        Err(EvacuationError::Unmovable { unmovable, total }) => {
            eprintln!(
                "gluster-plan: {} of {total} bricks cannot move:",
                unmovable.len()
            );
            for u in &unmovable {
                eprintln!("  - {u}");
            }
            if args.common.output == OutputFormat::Json {
                let reasons: Vec<String> = unmovable.iter().map(ToString::to_string).collect();
                outln!(
                    "{}",
                    serde_json::json!({"error": "infeasible", "total": total, "unmovable": reasons})
                );
            }
            Ok(EXIT_INFEASIBLE)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// An evacuation plan (planned, or carried out by `--apply`).
pub(crate) fn print_evacuation(plan: &EvacuationPlan, output: OutputFormat) {
    match output {
        OutputFormat::Json => outln!("{}", to_json(plan)),
        OutputFormat::Table => {
            let mut out = format!(
                "{} {} in {} {} ({} degraded; solver: {})\n",
                plan.steps.len(),
                plural(plan.steps.len(), "brick moves", "bricks move"),
                plan.waves,
                plural(plan.waves, "wave", "waves"),
                plan.degraded,
                format!("{:?}", plan.solver).to_lowercase()
            );
            steps_table(&mut out, &plan.steps);
            out!("{out}");
        }
    }
}

/// `--no-degraded` and the best plan still puts bricks in zones their sets use: refuse.
fn no_degraded_refusal(steps: &[ReplaceStep], output: OutputFormat) -> Result<i32, String> {
    let degraded: Vec<String> = steps
        .iter()
        .filter(|s| s.degraded)
        .map(|s| {
            format!(
                "{} set {} position {}: {} can only move to zone {}, which its set already uses",
                s.volume_name, s.set, s.position, s.old.host_path, s.new.zone.0
            )
        })
        .collect();
    eprintln!(
        "gluster-plan: --no-degraded: {} of {} bricks can only move to a zone their set already uses:",
        degraded.len(),
        steps.len()
    );
    for d in &degraded {
        eprintln!("  - {d}");
    }
    if output == OutputFormat::Json {
        outln!(
            "{}",
            serde_json::json!({"error": "infeasible", "total": steps.len(), "degraded": degraded})
        );
    }
    Ok(EXIT_INFEASIBLE)
}

pub(crate) fn expand(args: &ExpandArgs) -> Result<i32, String> {
    let (model, mut settings) = setup(&args.common)?;
    if let Some(n) = args.max_bricks {
        settings.placement.max_bricks_per_volume = usize::from(n);
    }
    let volume = model
        .volume_by_name(&args.volume)
        .ok_or_else(|| format!("--volume: no volume named {:?}", args.volume))?;
    if args.in_place {
        return grow(&model, volume.id, args, &settings);
    }
    if let (true, Some(path)) = (args.apply, &args.common.store) {
        return super::store_cmd::expand(path, volume.id, args, settings.placement);
    }
    let by = ExpandBy::Size(args.size);
    match plan_expand(&model, volume.id, by, &settings, args.common.seed) {
        Ok(plan) => {
            match args.common.output {
                OutputFormat::Json => outln!("{}", to_json(&plan)),
                OutputFormat::Table => {
                    let mut out = format!(
                        "volume {}: add {} as {} set(s)\n",
                        plan.volume_name,
                        plan.added_size.human(),
                        plan.added_sets
                    );
                    for b in &plan.bricks {
                        let _ = writeln!(
                            out,
                            "set {:>3} pos {}  {:<8} zone {:<3} {:<32} {:<12} {}",
                            b.set,
                            b.position,
                            format!("{:?}", b.role).to_lowercase(),
                            b.zone.0,
                            b.node,
                            b.device,
                            b.size_bytes.human()
                        );
                    }
                    out!("{out}");
                }
            }
            Ok(EXIT_PLACED)
        }
        Err(ExpandError::Infeasible { reasons, .. }) => refusal(
            PlacementError::Infeasible(Infeasible { reasons }),
            args.common.output,
        ),
        Err(e @ ExpandError::TooManyBricks { .. }) => {
            eprintln!("gluster-plan: cannot expand: {e} (--max-bricks)");
            if args.common.output == OutputFormat::Json {
                outln!(
                    "{}",
                    serde_json::json!({"error": "infeasible", "message": e.to_string()})
                );
            }
            Ok(EXIT_INFEASIBLE)
        }
        Err(e) => Err(e.to_string()),
    }
}

pub(crate) fn rebalance(args: &RebalanceArgs) -> Result<i32, String> {
    let (model, settings) = setup(&args.common)?;
    let request = RebalanceRequest::new(args.target)
        .with_seed(args.common.seed)
        .with_max_moves(args.max_moves);
    let plan = super::progress::counted("planning the rebalance", "moves", |progress| {
        request.plan_with_progress(&model, &settings, progress)
    })
    .map_err(|e| format!("--{} {}", e.field, e.reason))?;
    match args.common.output {
        OutputFormat::Json => outln!("{}", to_json(&plan)),
        OutputFormat::Table => {
            let status = if plan.reached {
                format!(
                    "reached; any plan needs at least {} moves",
                    plan.lower_bound_moves
                )
            } else if plan.stopped_at_max_moves {
                format!(
                    "not reached: stopped at --max-moves {} (any plan needs at least {} moves)",
                    args.max_moves, plan.lower_bound_moves
                )
            } else {
                "not reached: no valid move is left".to_string()
            };
            let mut out = format!(
                "{} {} in {} {}: max/mean {:.3} -> {:.3} (target {:.2}, {status})\n",
                plan.steps.len(),
                plural(plan.steps.len(), "move", "moves"),
                plan.waves,
                plural(plan.waves, "wave", "waves"),
                plan.before,
                plan.after,
                plan.target,
            );
            steps_table(&mut out, &plan.steps);
            out!("{out}");
        }
    }
    Ok(EXIT_PLACED)
}

fn grow(
    model: &Model,
    volume: gluster_model::VolumeId,
    args: &ExpandArgs,
    settings: &Day2Settings,
) -> Result<i32, String> {
    match plan_grow(model, volume, args.size, settings) {
        Ok(plan) => {
            match args.common.output {
                OutputFormat::Json => outln!("{}", to_json(&plan)),
                OutputFormat::Table => {
                    let mut out = format!(
                        "volume {}: {} -> {} in place, {} bricks grown\n",
                        plan.volume_name,
                        plan.old_size.human(),
                        plan.new_size.human(),
                        plan.bricks.len()
                    );
                    for b in &plan.bricks {
                        let _ = writeln!(
                            out,
                            "{:<32} {:<12} {} -> {} (device gives {})",
                            b.brick.node,
                            b.brick.device,
                            b.brick.size_bytes.human(),
                            b.size_bytes.human(),
                            b.extra_bytes.human()
                        );
                    }
                    out!("{out}");
                }
            }
            Ok(EXIT_PLACED)
        }
        Err(e @ (ExpandError::BrickTooLarge { .. } | ExpandError::NoRoomToGrow { .. })) => {
            eprintln!("gluster-plan: cannot grow in place: {e}");
            Ok(EXIT_INFEASIBLE)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `word` or `words` by count.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

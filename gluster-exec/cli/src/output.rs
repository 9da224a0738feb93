//! Human-readable tables.

use std::fmt::Write;

use gluster_placement::{Plan, PlanNote, SimulationReport};

pub(crate) fn plan_table(plan: &Plan) -> String {
    let mut out = String::new();
    let arbiter = plan
        .arbiter_brick_bytes
        .map(|a| format!(", arbiter brick {}", a.human()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "volume {} ({}): {} as {} = {} set(s) x {} bricks, data brick {}{arbiter}",
        plan.volume_name,
        plan.volume_id,
        plan.size_bytes.human(),
        plan.durability,
        plan.set_count,
        plan.durability.set_size(),
        plan.data_brick_bytes.human()
    );
    let _ = writeln!(
        out,
        "{:<4} {:<4} {:<8} {:<5} {:<32} {:<12} {:>12} {:>12}  path",
        "set", "pos", "role", "zone", "node", "device", "size", "pool+meta"
    );
    for b in &plan.bricks {
        let space = b
            .space()
            .map(|s| s.human().to_string())
            .unwrap_or_else(|| "overflow".into());
        let _ = writeln!(
            out,
            "{:<4} {:<4} {:<8} {:<5} {:<32} {:<12} {:>12} {:>12}  {}",
            b.set,
            b.position,
            b.role.to_string(),
            b.zone.to_string(),
            b.node,
            b.device,
            b.size_bytes.human().to_string(),
            space,
            b.path
        );
    }
    for note in &plan.notes {
        let _ = writeln!(out, "note: {}", describe(note));
    }
    out
}

fn describe(note: &PlanNote) -> String {
    match note {
        PlanNote::FewerZones { set, zones, bricks } => {
            format!("set {set} spans {zones} zones for {bricks} bricks (zone policy prefer)")
        }
        PlanNote::PreferredZoneUnused { zone } => format!("preferred zone {zone} was not used"),
        PlanNote::Advisory { advisory } => format!("{advisory:?}"),
        other => format!("{other:?}"),
    }
}

pub(crate) fn simulation_table(r: &SimulationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "placed {} volume(s)", r.placed);
    if let Some(refusal) = &r.first_refusal {
        let _ = writeln!(out, "first refusal: {refusal}");
    }
    let u = &r.utilization;
    let _ = writeln!(
        out,
        "utilization: raw {:.1}%, devices min {:.1}% mean {:.1}% max {:.1}%, max/mean {:.3}",
        u.raw * 100.0,
        u.min * 100.0,
        u.mean * 100.0,
        u.max * 100.0,
        u.max_over_mean
    );
    let _ = writeln!(
        out,
        "{:<32} {:<12} {:<5} {:>12} {:>12} {:>6}",
        "node", "device", "zone", "total", "used", "use%"
    );
    // By zone, node, device: a reader looks for a zone's devices together.
    let mut devices: Vec<_> = r.devices.iter().collect();
    devices.sort_by(|a, b| (a.zone, &a.node, &a.device).cmp(&(b.zone, &b.node, &b.device)));
    for d in devices {
        let pct = if d.total_bytes.bytes() == 0 {
            0.0
        } else {
            d.used_bytes.bytes() as f64 * 100.0 / d.total_bytes.bytes() as f64
        };
        let _ = writeln!(
            out,
            "{:<32} {:<12} {:<5} {:>12} {:>12} {:>5.1}%",
            d.node,
            d.device,
            d.zone.to_string(),
            d.total_bytes.human().to_string(),
            d.used_bytes.human().to_string(),
            pct
        );
    }
    out
}

/// The forecast as text: how many fit, then the stranded space by cause.
pub(crate) fn forecast_table(f: &gluster_placement::Forecast) -> String {
    use gluster_placement::StrandCause;
    let mut out = String::new();
    let _ = writeln!(out, "{} more volume(s) fit", f.fits);
    if let Some(refusal) = &f.first_refusal {
        let _ = writeln!(out, "the next is refused: {refusal}");
    }
    let _ = writeln!(
        out,
        "free before: {}, stranded after: {}",
        f.free_before.human(),
        f.stranded.human()
    );
    for c in &f.causes {
        let why = match &c.cause {
            StrandCause::Offline => "on devices or nodes that are not online".to_string(),
            StrandCause::Excluded => {
                "on devices the request may not use (cluster, zones, tag rules)".to_string()
            }
            StrandCause::ArbiterOnly => "on devices tagged arbiter=required".to_string(),
            StrandCause::Room => "still free for more (the --limit stopped the forecast)".to_string(),
            StrandCause::Fragments { smallest_brick } => {
                format!("in pieces smaller than one brick ({})", smallest_brick.human())
            }
            StrandCause::FailureDomains {
                set_size,
                zones_with_room,
                nodes_with_room,
            } => format!(
                "room for bricks on too few failure domains for a set of {set_size}: zones with room {:?}, nodes with room {nodes_with_room}",
                zones_with_room.iter().map(|z| z.0).collect::<Vec<_>>()
            ),
        };
        let _ = writeln!(
            out,
            "  {:>12} on {:>4} device(s) {why}",
            c.bytes.human().to_string(),
            c.devices
        );
    }
    out
}

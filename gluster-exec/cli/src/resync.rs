//! `gluster-plan resync`: a device re-read at its new size. With `--size` the size is taken
//! as given and the commands that would re-read it are printed (nothing runs); without it,
//! the device is re-read on its host through `--transport`, as `apply` reaches hosts
//! (`pvresize` then `vgs` on LVM; `xfs_growfs` then `stat --file-system` of the mount for
//! directory bricks), and that size is recorded.

use clap::Args;

use gluster_exec::ops::{DeviceResync, DeviceSetup, SizeChange};
use gluster_exec::render;
use gluster_exec::simulated::{Fault, SimulatedExecutor};
use gluster_exec::Executor;
use gluster_model::ByteSize;

use crate::apply;
use crate::args::TransportArg;
use crate::data::{engine, finish, parse_any_size, print, DataCommon, Outcome};
use crate::EXIT_PLACED;

/// `gluster-plan resync`.
#[derive(Debug, Args)]
pub(crate) struct ResyncArgs {
    #[command(flatten)]
    pub(crate) common: DataCommon,
    /// The device, `NODE:PATH` (manage hostname and device path).
    #[arg(long)]
    pub(crate) device: String,
    /// Its size as re-read from it; absent: re-read it on its host through `--transport`.
    #[arg(long, value_parser = parse_any_size)]
    pub(crate) size: Option<ByteSize>,
}

/// Re-read `request`'s device through the transport `apply` would use. The simulated one is
/// built with the topology's devices prepared (a resync re-reads a device in use).
fn reread(
    args: &ResyncArgs,
    model: &gluster_model::Model,
    root: &str,
    request: &DeviceResync,
) -> Result<ByteSize, String> {
    let ex: std::sync::Arc<dyn Executor> = match args.common.exec.transport {
        TransportArg::Simulated => {
            let sim = SimulatedExecutor::from_model(model, true);
            if let Some(n) = args.common.exec.simulate_failure_at {
                sim.inject(Fault::FailCall(usize::from(n)));
            }
            std::sync::Arc::new(sim)
        }
        _ => apply::executor(&args.common.exec, model, root)?.0,
    };
    let report = apply::runtime()?
        .block_on(ex.device_resync(request))
        .map_err(|e| {
            format!(
                "resync {}:{}: {e}",
                request.device.host, request.device.device
            )
        })?;
    if let SizeChange::Shrunk(by) = report.change {
        eprintln!(
            "note: {}:{} reads {by} smaller than known",
            request.device.host, request.device.device
        );
    }
    Ok(report.info.total)
}

pub(crate) fn resync(args: &ResyncArgs) -> Result<i32, String> {
    let mut engine = engine(&args.common, None)?;
    let (node, path) = args
        .device
        .split_once(':')
        .ok_or_else(|| format!("{:?}: expected NODE:PATH", args.device))?;
    let model = engine.model();
    let n = model
        .node_by_hostname(node)
        .ok_or_else(|| format!("no node {node:?}"))?;
    let device = model
        .devices_of(n.id)
        .find(|d| d.name == path)
        .cloned()
        .ok_or_else(|| format!("no device {path} on {node}"))?;
    let root = apply::mount_root(&args.common.exec.brick_mount_root)?;
    let backend = apply::backend(args.common.exec.backend, &root);
    let request = DeviceResync {
        device: DeviceSetup {
            host: node.to_string(),
            device_id: device.id,
            device: path.to_string(),
        },
        known_total: device.total,
        used: device.used,
    };
    // What re-reading runs, from the renderers of the chosen backend.
    let mut commands: Vec<(String, Vec<String>)> = render::resync::resync(&backend, &request)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|s| (node.to_string(), s.argv))
        .collect();
    let read = render::device_info(&backend, &request.device).map_err(|e| e.to_string())?;
    commands.push((node.to_string(), read));
    let (size, ran) = match args.size {
        Some(size) => (size, false),
        None => (reread(args, engine.model(), &root, &request)?, true),
    };
    let before = engine
        .resize_device(device.id, size)
        .map_err(|e| e.to_string())?;
    let mut lines = vec![format!("{node}:{path}: {} -> {size}", before.total)];
    if ran {
        lines.push(format!(
            "re-read on {node} (--transport {})",
            format!("{:?}", args.common.exec.transport).to_lowercase()
        ));
    }
    let summary = serde_json::json!({
        "device": args.device, "from": before.total, "to": size, "reread": ran,
    });
    let outcome = finish(
        engine,
        &args.common,
        Outcome {
            summary,
            lines,
            commands: if ran { Vec::new() } else { commands },
            // Re-read already (nothing more to carry out), or taken as given.
            ops: if ran {
                Ok(Vec::new())
            } else {
                Err("leave --size out to re-read the device on its host".into())
            },
        },
    )?;
    print(&args.common, &outcome);
    Ok(EXIT_PLACED)
}

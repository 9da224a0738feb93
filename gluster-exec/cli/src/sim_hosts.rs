//! Simulated hosts for a command on a store: a fresh process has no hosts to remember, so
//! they are rebuilt as the store says they are (its volumes made and started), and a day-2
//! command (`expand --store --apply`) finds the volumes it changes.

use std::sync::Arc;

use gluster_exec::ops::{BrickAddress, BrickCreate, DeviceSetup, VolumeCreate, VolumeRef};
use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::Executor;
use gluster_model::{BrickRole, Model};

fn failed(what: &str, e: impl std::fmt::Display) -> String {
    format!("rebuilding the simulated hosts from the store: {what}: {e}")
}

/// The simulated hosts of `model`: its devices (with the space used before import), then
/// every stored volume's bricks, the volume and its start.
pub(crate) async fn from_store(model: &Model) -> Result<Arc<SimulatedExecutor>, String> {
    let mut base = model.clone();
    for id in model.volumes().map(|v| v.id).collect::<Vec<_>>() {
        base.delete_volume(id)
            .map_err(|e| failed(&format!("volume {id}"), e))?;
    }
    let sim = Arc::new(SimulatedExecutor::from_model(&base, false));
    for volume in model.volumes() {
        let mut addresses = Vec::new();
        let mut first = None;
        for id in volume.brick_ids() {
            let brick = model
                .brick(id)
                .ok_or_else(|| failed(&volume.name, format!("brick {id} is missing")))?;
            let node = model
                .node(brick.node)
                .ok_or_else(|| failed(&volume.name, format!("node {} is missing", brick.node)))?;
            let device = model.device(brick.device).ok_or_else(|| {
                failed(&volume.name, format!("device {} is missing", brick.device))
            })?;
            let setup = DeviceSetup {
                host: node.manage_hostname.clone(),
                device_id: device.id,
                device: device.name.clone(),
            };
            sim.device_setup(&setup)
                .await
                .map_err(|e| failed(&volume.name, e))?;
            let create = BrickCreate {
                host: node.manage_hostname.clone(),
                device_id: device.id,
                device: device.name.clone(),
                brick_id: brick.id,
                size: brick.size,
                pool_size: brick.pool_size,
                metadata_size: brick.metadata_size,
                arbiter: brick.role == BrickRole::Arbiter,
                path: brick.path.clone(),
            };
            sim.brick_create(&create)
                .await
                .map_err(|e| failed(&volume.name, e))?;
            first.get_or_insert_with(|| node.manage_hostname.clone());
            addresses.push(BrickAddress {
                host: node.storage_hostname.clone(),
                path: brick.path.clone(),
            });
        }
        let Some(host) = first else { continue };
        let create = VolumeCreate {
            host: host.clone(),
            name: volume.name.clone(),
            durability: volume.durability,
            bricks: addresses,
            options: volume.options.clone(),
        };
        sim.volume_create(&create)
            .await
            .map_err(|e| failed(&volume.name, e))?;
        let start = VolumeRef {
            host,
            name: volume.name.clone(),
        };
        sim.volume_start(&start)
            .await
            .map_err(|e| failed(&volume.name, e))?;
    }
    Ok(sim)
}

//! The seam to the placement engine: a model of the stored state that plans, takes a plan's
//! bricks (a reservation) and gives them back.
//!
//! Today this is a [`Model`] rebuilt from the stored entities plus a [`Planner`]; the
//! long-lived engine of `gluster-placement` (model and index, commits applied
//! incrementally) replaces the body of these few functions.

use gluster_model::{BrickRole, DeviceId, EntityState, Model, VolumeId};
use gluster_placement::day2::{
    plan_evacuation, plan_expand, Day2Settings, EvacuationPlan, EvacuationTarget, ExpandBy,
    ExpandPlan,
};
use gluster_placement::{PlacementSettings, Plan, PlannedBrick, Planner, VolumeRequest};

use crate::error::StoreError;
use crate::key::{Entry, Kind};

/// The planning state of one provisioner: the model, and a planner whose index follows the
/// model's reservations (dropped, and rebuilt on the next plan, when space is given back).
#[derive(Debug, Default)]
pub(crate) struct Engine {
    pub(crate) model: Model,
    planner: Option<Planner>,
}

impl Engine {
    /// The model of `entries` (every stored entity, by key).
    pub(crate) fn from_entries<'a>(
        entries: impl Iterator<Item = &'a Entry>,
        location: &str,
    ) -> Result<Engine, StoreError> {
        let mut parts: [Vec<&[u8]>; 9] = Default::default();
        for e in entries {
            let slot = match e.key.kind {
                Kind::Cluster => 0,
                Kind::Node => 1,
                Kind::Device => 2,
                Kind::Volume => 3,
                Kind::Brick => 4,
                Kind::BlockVolume => 5,
                Kind::Snapshot => 6,
                Kind::VolumeClone => 7,
                Kind::Subvolume => 8,
                _ => continue,
            };
            parts[slot].push(&e.value);
        }
        let names = [
            "clusters",
            "nodes",
            "devices",
            "volumes",
            "bricks",
            "block_volumes",
            "snapshots",
            "clones",
            "subvolumes",
        ];
        let mut doc = Vec::from(&br#"{"format":"gluster-model","version":1"#[..]);
        for (name, values) in names.iter().zip(&parts) {
            doc.extend_from_slice(format!(",\"{name}\":[").as_bytes());
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    doc.push(b',');
                }
                doc.extend_from_slice(v);
            }
            doc.push(b']');
        }
        doc.push(b'}');
        let text = String::from_utf8(doc).map_err(|e| corrupt(location, e.to_string()))?;
        let model =
            gluster_model::from_native_json(&text).map_err(|e| corrupt(location, e.to_string()))?;
        Ok(Engine {
            model,
            planner: None,
        })
    }

    /// Plan `request` on the current state.
    pub(crate) fn plan(
        &mut self,
        request: &VolumeRequest,
        settings: &PlacementSettings,
        seed: u64,
    ) -> Result<Plan, StoreError> {
        let model = &self.model;
        let planner = self
            .planner
            .get_or_insert_with(|| Planner::new(model, settings));
        Ok(planner.plan(request, seed)?)
    }

    /// Take the plan's space (a reservation, or a volume made elsewhere).
    pub(crate) fn take(&mut self, plan: &Plan) -> Result<(), StoreError> {
        plan.commit_to(&mut self.model)?;
        if let Some(planner) = &mut self.planner {
            if planner.commit(plan).is_err() {
                self.planner = None;
            }
        }
        Ok(())
    }

    /// Plan adding `by` to `volume`.
    pub(crate) fn plan_expand(
        &self,
        volume: VolumeId,
        by: ExpandBy,
        settings: &PlacementSettings,
        seed: u64,
    ) -> Result<ExpandPlan, StoreError> {
        let day2 = Day2Settings {
            placement: settings.clone(),
            ..Day2Settings::default()
        };
        plan_expand(&self.model, volume, by, &day2, seed)
            .map_err(|e| StoreError::Invalid(format!("cannot expand volume {volume}: {e}")))
    }

    /// Take an expansion's space.
    pub(crate) fn take_expand(&mut self, plan: &ExpandPlan) -> Result<(), StoreError> {
        plan.commit_to(&mut self.model)?;
        self.planner = None;
        Ok(())
    }

    /// Plan moving every brick off `target`.
    pub(crate) fn plan_evacuation(
        &self,
        target: EvacuationTarget,
        settings: &Day2Settings,
        seed: u64,
    ) -> Result<EvacuationPlan, StoreError> {
        plan_evacuation(&self.model, target, settings, seed)
            .map_err(|e| StoreError::Invalid(format!("cannot evacuate {target}: {e}")))
    }

    /// The devices of an evacuation's target, with their states.
    pub(crate) fn target_devices(&self, target: EvacuationTarget) -> Vec<(DeviceId, EntityState)> {
        let m = &self.model;
        m.devices()
            .filter(|d| match target {
                EvacuationTarget::Device(id) => d.id == id,
                EvacuationTarget::Node(id) => d.node == id,
                EvacuationTarget::Zone(z) => m.node(d.node).is_some_and(|n| n.zone == z),
            })
            .map(|d| (d.id, d.state))
            .collect()
    }

    /// Take an evacuation: the bricks moved, the target's online devices taken offline.
    pub(crate) fn take_evacuation(
        &mut self,
        plan: &EvacuationPlan,
        devices: &[(DeviceId, EntityState)],
    ) -> Result<(), StoreError> {
        let mut model = self.model.clone();
        plan.commit_to(&mut model)?;
        for (id, state) in devices {
            if *state == EntityState::Online {
                model.set_device_state(*id, EntityState::Offline)?;
            }
        }
        self.model = model;
        self.planner = None;
        Ok(())
    }

    /// Give a volume's space back.
    pub(crate) fn release(&mut self, volume: VolumeId) {
        let _ = self.model.delete_volume(volume);
        self.planner = None;
    }

    /// A stored volume as a plan (what its bricks and volume are on the hosts), to delete it.
    pub(crate) fn plan_of(&self, volume: VolumeId) -> Option<Plan> {
        let m = &self.model;
        let v = m.volume(volume)?;
        let mut bricks = Vec::new();
        for (set, ids) in v.brick_sets.iter().enumerate() {
            for (position, id) in ids.iter().enumerate() {
                let b = m.brick(*id)?;
                let node = m.node(b.node)?;
                let device = m.device(b.device)?;
                bricks.push(PlannedBrick {
                    id: b.id,
                    set,
                    position,
                    role: b.role,
                    node: node.manage_hostname.clone().into(),
                    node_id: node.id,
                    storage_host: node.storage_hostname.clone().into(),
                    zone: node.zone,
                    device: device.name.clone().into(),
                    device_id: device.id,
                    size_bytes: b.size,
                    pool_bytes: b.pool_size,
                    metadata_bytes: b.metadata_size,
                    path: b.path.clone(),
                });
            }
        }
        let data = bricks
            .iter()
            .find(|b| b.role == BrickRole::Data)?
            .size_bytes;
        let arbiter = bricks
            .iter()
            .find(|b| b.role == BrickRole::Arbiter)
            .map(|b| b.size_bytes);
        Some(Plan {
            volume_id: v.id,
            volume_name: v.name.clone(),
            cluster: v.cluster,
            size_bytes: v.size,
            durability: v.durability,
            set_count: v.brick_sets.len(),
            data_brick_bytes: data,
            arbiter_brick_bytes: arbiter,
            snapshot: v.snapshot,
            options: v.options.clone(),
            gid: v.gid,
            bricks,
            notes: Vec::new(),
            seed: 0,
        })
    }
}

fn corrupt(location: &str, message: String) -> StoreError {
    StoreError::Corrupt {
        location: location.to_string(),
        key: "(the model)".into(),
        message,
    }
}

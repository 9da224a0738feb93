//! Expand: grow a volume by adding brick sets of its brick size (`gluster volume add-brick`),
//! chosen by the same engine and rules (zone policy, tag rules, arbiter tags) as its creation.

use serde::{Deserialize, Serialize};

use gluster_model::{BrickRole, ByteSize, Model, ModelError, VolumeId};

use crate::error::PlacementError;
use crate::plan::PlannedBrick;
use crate::planner::Planner;
use crate::request::{PlacementSettings, VolumeRequest};

use super::{to_model_brick, Day2Settings};

/// Brick sets to add to a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpandPlan {
    /// The volume.
    pub volume_id: VolumeId,
    /// Its name.
    pub volume_name: String,
    /// Usable size added (whole sets, so at least what was asked).
    pub added_bytes: ByteSize,
    /// Sets added.
    pub added_sets: usize,
    /// The new bricks, set after set; their `set` numbers continue the volume's.
    pub bricks: Vec<PlannedBrick>,
    /// Seed of the choice.
    pub seed: u64,
}

impl ExpandPlan {
    /// Commit the new sets to the model ([`Model::expand_volume`]).
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        let mut sets: Vec<Vec<gluster_model::BrickId>> = Vec::new();
        for b in &self.bricks {
            if b.position == 0 {
                sets.push(Vec::new());
            }
            if let Some(set) = sets.last_mut() {
                set.push(b.id);
            }
        }
        let bricks = self
            .bricks
            .iter()
            .map(|b| to_model_brick(self.volume_id, b))
            .collect();
        model.expand_volume(self.volume_id, sets, bricks, self.added_bytes)
    }
}

/// Plan adding at least `add` usable bytes to `volume` as whole sets of its data brick size,
/// with its policy from `settings`. A refusal carries the engine's reasons.
pub fn plan_expand(
    model: &Model,
    volume: VolumeId,
    add: ByteSize,
    settings: &Day2Settings,
    seed: u64,
) -> Result<ExpandPlan, PlacementError> {
    let v = model.volume(volume).ok_or_else(|| {
        PlacementError::InvalidRequest(format!("volume: unknown volume {volume}"))
    })?;
    if add == ByteSize::ZERO {
        return Err(PlacementError::InvalidRequest(
            "size: the added size must be greater than zero".into(),
        ));
    }
    let first = v
        .brick_ids()
        .filter_map(|b| model.brick(b))
        .find(|b| b.role == BrickRole::Data)
        .ok_or_else(|| {
            PlacementError::InvalidRequest(format!("volume {}: it has no data brick", v.name))
        })?;
    let brick = first.size;
    let share = v.durability.data_share() as u64;
    let per_set = brick
        .bytes()
        .checked_mul(share)
        .filter(|&b| b > 0)
        .ok_or_else(|| {
            PlacementError::InvalidRequest(format!("volume {}: brick size overflows", v.name))
        })?;
    let sets = add.bytes().div_ceil(per_set) as usize;
    let policy = settings.policy(volume);
    let mut request = VolumeRequest::new(ByteSize::b(per_set * sets as u64), v.durability);
    request.cluster = Some(v.cluster);
    request.zone_checking = policy.zone_checking;
    request.allowed_zones = policy.allowed_zones.clone();
    request.device_tag_match = policy.device_tag_match.clone();
    request.snapshot_factor = v.snapshot.factor;
    // Exactly `sets` sets of exactly the volume's brick size.
    let engine = PlacementSettings {
        min_brick_size: brick,
        max_brick_size: brick,
        max_bricks_per_volume: sets * v.durability.set_size(),
        ..settings.placement.clone()
    };
    let mut planner = Planner::new(model, &engine);
    let plan = planner.plan(&request, seed)?;
    let offset = v.brick_sets.len();
    let bricks = plan
        .bricks
        .into_iter()
        .map(|mut b| {
            b.set += offset;
            b
        })
        .collect();
    Ok(ExpandPlan {
        volume_id: v.id,
        volume_name: v.name.clone(),
        added_bytes: ByteSize::b(per_set * sets as u64),
        added_sets: sets,
        bricks,
        seed,
    })
}

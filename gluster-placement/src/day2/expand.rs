//! Expansion: grow a volume by adding brick sets (Gluster's `add-brick`).
//!
//! New sets have the volume's layout and brick sizes (data and arbiter, snapshot factor) and
//! are chosen by the same set choice as a new volume ([`Planner`](crate::Planner)), under the
//! volume's zone policy, allowed zones and tag rules from [`Day2Settings`]. Existing bricks
//! never move.

use std::fmt;

use serde::{Deserialize, Serialize};

use gluster_model::{
    BrickRole, ByteSize, ClusterId, Model, ModelError, VolumeId, DEFAULT_AVERAGE_FILE_SIZE,
};

use super::topo::factor_of;
use super::Day2Settings;
use crate::error::{PlacementError, Reason};
use crate::plan::{PlanNote, PlannedBrick};
use crate::planner::Planner;
use crate::request::VolumeRequest;
use crate::sizing::Layout;

/// How much to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ExpandBy {
    /// This many brick sets.
    Sets(usize),
    /// At least this much usable size (rounded up to whole sets).
    Size(ByteSize),
}

/// The `add-brick` for one volume: new sets appended after the existing ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpandPlan {
    /// Volume id.
    pub volume_id: VolumeId,
    /// Gluster volume name.
    pub volume_name: String,
    /// Cluster of the volume.
    pub cluster: ClusterId,
    /// Index of the first new set (the volume's set count before).
    pub first_set: usize,
    /// Number of new sets.
    pub added_sets: usize,
    /// Usable size added.
    pub added_size: ByteSize,
    /// Data brick size (the volume's).
    pub data_brick_bytes: ByteSize,
    /// Arbiter brick size, for arbiter volumes.
    pub arbiter_brick_bytes: Option<ByteSize>,
    /// The new bricks in `add-brick` order; `set` counts from the volume's first set.
    pub bricks: Vec<PlannedBrick>,
    /// Notes (e.g. a `prefer` set spanning fewer zones than bricks); set indices are the
    /// volume's.
    pub notes: Vec<PlanNote>,
    /// Seed of the tie-breaks.
    pub seed: u64,
}

impl ExpandPlan {
    /// Applies the plan with [`Model::expand_volume`] (all or nothing).
    ///
    /// This changes only the model; `gluster_exec::Runner::apply` is what carries a plan out
    /// on hosts.
    pub fn commit_to(&self, model: &mut Model) -> Result<(), ModelError> {
        let mut sets: Vec<Vec<gluster_model::BrickId>> = vec![Vec::new(); self.added_sets];
        for b in &self.bricks {
            let s = b
                .set
                .checked_sub(self.first_set)
                .and_then(|s| sets.get_mut(s))
                .ok_or(ModelError::UnknownBrick(b.id))?;
            s.push(b.id);
        }
        let bricks = self
            .bricks
            .iter()
            .map(|b| b.to_model_brick(self.volume_id))
            .collect();
        model.expand_volume(self.volume_id, sets, bricks, self.added_size)
    }

    /// The former name of [`Self::commit_to`].
    #[deprecated(note = "renamed `commit_to`: `apply` is what a Runner does on hosts")]
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        self.commit_to(model)
    }
}

/// Why an expansion cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExpandError {
    /// No such volume.
    #[error("unknown volume {0}")]
    UnknownVolume(VolumeId),
    /// Zero sets or zero size asked for.
    #[error("nothing to add: ask for at least one set or a positive size")]
    NothingToAdd,
    /// The volume would exceed the maximum brick count.
    #[error("the volume would have {needed} bricks, more than the maximum of {max}")]
    TooManyBricks {
        /// Bricks after the expansion.
        needed: usize,
        /// [`PlacementSettings::max_bricks_per_volume`](crate::PlacementSettings::max_bricks_per_volume).
        max: usize,
    },
    /// No placement for the new sets; every cause that applies.
    #[error("no placement for {sets} new set(s) of {brick} bricks: {}", DisplayReasons(.reasons))]
    Infeasible {
        /// Sets asked for.
        sets: usize,
        /// Data brick size.
        brick: ByteSize,
        /// The causes.
        reasons: Vec<Reason>,
    },
    /// Growing in place would pass the maximum brick size.
    #[error(
        "a grown brick would be {brick}, above the maximum brick size {max}: add sets instead"
    )]
    BrickTooLarge {
        /// The brick size growing needs.
        brick: ByteSize,
        /// The maximum brick size.
        max: ByteSize,
    },
    /// A device has no room for its bricks' larger pools.
    #[error("device {device} needs {need} more for its grown bricks but has {free} free: add sets instead")]
    NoRoomToGrow {
        /// `host:device`.
        device: String,
        /// Extra space its bricks need.
        need: ByteSize,
        /// Room it has.
        free: ByteSize,
    },
    /// The volume's own layout is invalid for the planner.
    #[error("invalid volume: {0}")]
    Invalid(String),
    /// The model is inconsistent (a volume without bricks, an overflow).
    #[error(transparent)]
    Model(#[from] ModelError),
}

struct DisplayReasons<'a>(&'a [Reason]);

impl fmt::Display for DisplayReasons<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// Plans adding brick sets to `volume`: the volume's brick sizes and layout, its zone
/// policy and tag rules (from `settings`), the normal planner's set choice. The same model,
/// request and seed give the same plan; applying it leaves [`Model::check`] clean.
pub fn plan_expand(
    model: &Model,
    volume: VolumeId,
    by: ExpandBy,
    settings: &Day2Settings,
    seed: u64,
) -> Result<ExpandPlan, ExpandError> {
    let vol = model
        .volume(volume)
        .ok_or(ExpandError::UnknownVolume(volume))?;
    let durability = vol.durability;
    let brick_of = |role: BrickRole| {
        vol.brick_ids()
            .filter_map(|id| model.brick(id))
            .find(|b| b.role == role)
            .map(|b| b.size)
    };
    let data_brick = brick_of(BrickRole::Data).ok_or(ModelError::UnknownVolume(volume))?;
    let arbiter_brick = (durability == gluster_model::Durability::Arbiter).then(|| {
        brick_of(BrickRole::Arbiter).unwrap_or_else(|| {
            crate::sizing::arbiter_brick(
                data_brick,
                DEFAULT_AVERAGE_FILE_SIZE,
                settings.placement.min_arbiter_brick_size,
            )
        })
    });
    let per_set = data_brick
        .checked_mul(durability.data_share() as u64)
        .ok_or(ModelError::Overflow("set size"))?;
    let sets = match by {
        ExpandBy::Sets(n) => n,
        ExpandBy::Size(size) => {
            usize::try_from(size.bytes().div_ceil(per_set.bytes().max(1))).unwrap_or(usize::MAX)
        }
    };
    if sets == 0 {
        return Err(ExpandError::NothingToAdd);
    }
    let set_size = durability.set_size();
    let needed = vol
        .brick_sets
        .len()
        .saturating_add(sets)
        .saturating_mul(set_size);
    let max = settings.placement.max_bricks_per_volume;
    if needed > max {
        return Err(ExpandError::TooManyBricks { needed, max });
    }
    let added_size = per_set
        .checked_mul(sets as u64)
        .ok_or(ModelError::Overflow("volume size"))?;

    let policy = settings.policy(volume);
    let mut request = VolumeRequest::new(added_size, durability);
    request.zone_checking = policy.zone_checking;
    request.allowed_zones = policy.allowed_zones.clone();
    request.device_tag_match = policy.device_tag_match.clone();
    request.snapshot_factor = factor_of(vol);
    request.cluster = Some(vol.cluster);
    let layout = Layout {
        sets,
        data_brick,
        arbiter_brick,
    };
    let mut planner = Planner::new(model, &settings.placement);
    let plan = match planner.plan_fixed(vol.cluster, &request, layout, seed) {
        Ok(p) => p,
        Err(PlacementError::Infeasible(i)) => {
            return Err(ExpandError::Infeasible {
                sets,
                brick: data_brick,
                reasons: i.reasons,
            })
        }
        Err(PlacementError::Model(e)) => return Err(e.into()),
        Err(PlacementError::InvalidRequest(m)) => return Err(ExpandError::Invalid(m.to_string())),
        Err(e @ PlacementError::InvalidPlan { .. }) => {
            return Err(ExpandError::Invalid(e.to_string()))
        }
    };
    let first_set = vol.brick_sets.len();
    let bricks = plan
        .bricks
        .into_iter()
        .map(|mut b| {
            b.set += first_set;
            b
        })
        .collect();
    let notes = plan
        .notes
        .into_iter()
        .filter_map(|n| match n {
            PlanNote::FewerZones { set, zones, bricks } => Some(PlanNote::FewerZones {
                set: set + first_set,
                zones,
                bricks,
            }),
            _ => None,
        })
        .collect();
    Ok(ExpandPlan {
        volume_id: volume,
        volume_name: vol.name.clone(),
        cluster: vol.cluster,
        first_set,
        added_sets: sets,
        added_size,
        data_brick_bytes: data_brick,
        arbiter_brick_bytes: arbiter_brick,
        bricks,
        notes,
        seed,
    })
}

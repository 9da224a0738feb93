//! Day-2 planners: what an operator needs after the volumes exist.
//!
//! - [`plan_evacuation`]: move every brick off a device, a node or a zone (replace-brick),
//!   exact (max-flow) so it succeeds whenever a valid assignment exists.
//! - [`plan_expand`]: grow a volume by whole brick sets of its brick sizes (add-brick);
//!   [`plan_grow`]: grow it in place (every brick's pool, LV and filesystem extended).
//! - [`plan_rebalance`]: the fewest replace-brick moves that bring max/mean device
//!   utilization under a target after capacity was added.
//!
//! Block volumes ([`crate::block`]) and the capacity forecast ([`mod@crate::forecast`]) live in
//! their own modules.
//!
//! Every planner is pure: it reads a [`Model`](gluster_model::Model) snapshot and returns
//! plain, serializable data; the same input and seed give the same plan. Plans apply to a
//! model through its operations (`replace_brick`, `expand_volume`, `grow_bricks`, ...), so
//! applying a plan to the snapshot it was made from leaves [`Model::check`] clean.
//!
//! The model's [`Volume`](gluster_model::Volume) does not remember the zone policy and tag
//! rules it was created with: callers say them per volume in [`Day2Settings`].
//!
//! [`Model::check`]: gluster_model::Model::check

mod evacuate;
mod expand;
mod grow;
mod rebalance;
mod topo;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use gluster_model::{BrickId, DeviceId, NodeId, TagRule, VolumeId, Zone, ZoneChecking};

use crate::plan::PlannedBrick;
use crate::request::{PlacementSettings, VolumeRequest};

#[cfg(feature = "testing")]
pub use evacuate::plan_evacuation_without_greedy;
pub use evacuate::{
    plan_evacuation, plan_evacuation_with_progress, CandidateFunnel, EvacuationError,
    EvacuationPlan, EvacuationTarget, NoCandidateCause, Solver, Unmovable, UnmovableCause,
};
pub use expand::{plan_expand, ExpandBy, ExpandError, ExpandPlan};
pub use grow::{plan_grow, GrowPlan, GrownBrick};
pub use rebalance::{
    plan_rebalance, plan_rebalance_with_progress, RebalancePlan, RebalanceRequest,
};

/// The placement rules of an existing volume: what its creation request said about zones and
/// tags. The model does not store them, so day-2 planners take them as input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VolumePolicy {
    /// How strictly the bricks of a set are spread over zones.
    pub zone_checking: ZoneChecking,
    /// Zones bricks may go to; empty means every zone.
    pub allowed_zones: Vec<Zone>,
    /// Device tag rules every brick's device must match.
    pub device_tag_match: Vec<TagRule>,
}

impl VolumePolicy {
    /// The policy a volume created from `request` was placed with.
    pub fn from_request(request: &VolumeRequest) -> Self {
        VolumePolicy {
            zone_checking: request.zone_checking,
            allowed_zones: request.allowed_zones.clone(),
            device_tag_match: request.device_tag_match.clone(),
        }
    }

    /// Whether bricks may go to `zone`.
    pub fn allows_zone(&self, zone: Zone) -> bool {
        self.allowed_zones.is_empty() || self.allowed_zones.contains(&zone)
    }
}

/// Settings shared by the day-2 planners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Day2Settings {
    /// Engine settings (brick size limits, device reserve, mount root).
    pub placement: PlacementSettings,
    /// The policy of volumes not listed in `volume_policies` (default: zone checking
    /// `prefer`, no tag rules).
    pub default_policy: VolumePolicy,
    /// The policy of each volume, by id.
    pub volume_policies: BTreeMap<VolumeId, VolumePolicy>,
    /// Whether a brick of a `strict` volume may move to a zone its set already uses when no
    /// other zone can take it (the plan marks it `degraded`). Bricks of `prefer` volumes may
    /// always be degraded; `none` volumes have no zone rule. Default: true (an evacuation
    /// that keeps data safe on distinct nodes beats one that cannot run).
    pub allow_degraded: bool,
}

impl Default for Day2Settings {
    fn default() -> Self {
        Day2Settings {
            placement: PlacementSettings::default(),
            default_policy: VolumePolicy::default(),
            volume_policies: BTreeMap::new(),
            allow_degraded: true,
        }
    }
}

impl Day2Settings {
    /// The policy of `volume`.
    pub fn policy(&self, volume: VolumeId) -> &VolumePolicy {
        self.volume_policies
            .get(&volume)
            .unwrap_or(&self.default_policy)
    }
}

/// Where an existing brick is: what a `replace-brick` command names as the old brick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrickLocation {
    /// Brick id.
    pub id: BrickId,
    /// Gluster's brick name, `storage-host:/path` (for people and for `gluster`; the parts
    /// are [`Self::storage_host`] and [`Self::path`], so nobody parses it back).
    pub host_path: String,
    /// The brick directory on its node.
    pub path: String,
    /// Manage hostname of the node.
    pub node: String,
    /// Node id.
    pub node_id: NodeId,
    /// Storage hostname.
    pub storage_host: String,
    /// Zone of the node.
    pub zone: Zone,
    /// Device name.
    pub device: String,
    /// Device id.
    pub device_id: DeviceId,
    /// Brick size.
    pub size_bytes: gluster_model::ByteSize,
}

/// One `replace-brick`: the brick at `set`/`position` of a volume moves to a new brick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceStep {
    /// Wave: every step of wave `k` may run concurrently; no wave has two steps of one set,
    /// and wave `k + 1` starts after wave `k` has healed.
    pub wave: usize,
    /// Volume id.
    pub volume_id: VolumeId,
    /// Gluster volume name.
    pub volume_name: String,
    /// Index of the brick set (0-based).
    pub set: usize,
    /// Position within the set.
    pub position: usize,
    /// The brick being replaced.
    pub old: BrickLocation,
    /// The brick replacing it (its `set` and `position` are the old brick's).
    pub new: PlannedBrick,
    /// The set's zone policy could not be kept: the new brick shares a zone with another
    /// brick of its set.
    pub degraded: bool,
}

/// The id of the brick that replaces `old`: derived, so the same plan always names it alike.
pub fn replacement_brick_id(old: BrickId) -> BrickId {
    BrickId::derived(&["replace-brick", &old.to_string()])
}

/// Orders steps into waves (at most one step per set per wave, in the given order within a
/// set) and sorts them by wave, volume, set and position.
pub(crate) fn assign_waves(steps: &mut [ReplaceStep]) {
    let mut seen: BTreeMap<(VolumeId, usize), usize> = BTreeMap::new();
    for s in steps.iter_mut() {
        let n = seen.entry((s.volume_id, s.set)).or_insert(0);
        s.wave = *n;
        *n += 1;
    }
    steps.sort_by(|a, b| {
        (a.wave, a.volume_id, a.set, a.position).cmp(&(b.wave, b.volume_id, b.set, b.position))
    });
}

/// Applies replace steps in order (wave by wave) to a model.
pub(crate) fn apply_steps(
    steps: &[ReplaceStep],
    model: &mut gluster_model::Model,
) -> Result<(), gluster_model::ModelError> {
    for s in steps {
        model.replace_brick(s.old.id, s.new.to_model_brick(s.volume_id))?;
    }
    Ok(())
}

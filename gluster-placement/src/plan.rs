//! A plan: plain, serializable data saying where every brick of a volume goes.

use serde::{Deserialize, Serialize};

use gluster_model::{
    Brick, BrickId, BrickRole, ByteSize, ClusterId, DeviceId, Durability, Model, ModelError,
    NodeId, SharedStr, SnapshotSettings, Volume, VolumeCommit, VolumeId, Zone,
};

/// One brick of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedBrick {
    /// Brick id.
    pub id: BrickId,
    /// Index of its brick set (0-based).
    pub set: usize,
    /// Position within the set (0-based; an arbiter is at 2).
    pub position: usize,
    /// Data or arbiter.
    pub role: BrickRole,
    /// Manage hostname of the node.
    pub node: SharedStr,
    /// Node id.
    pub node_id: NodeId,
    /// Storage hostname: what Gluster's brick name uses (`HOST:/path`).
    pub storage_host: SharedStr,
    /// Zone of the node.
    pub zone: Zone,
    /// Device name, e.g. `/dev/sdb`.
    pub device: SharedStr,
    /// Device id.
    pub device_id: DeviceId,
    /// Brick size in bytes.
    pub size_bytes: ByteSize,
    /// Thin pool size in bytes.
    pub pool_bytes: ByteSize,
    /// Thin pool metadata size in bytes.
    pub metadata_bytes: ByteSize,
    /// Brick directory on the node.
    pub path: String,
}

impl PlannedBrick {
    /// Space the brick takes on its device.
    pub fn space(&self) -> Option<ByteSize> {
        self.pool_bytes.checked_add(self.metadata_bytes)
    }

    /// The model brick this planned brick becomes in `volume`.
    pub fn to_model_brick(&self, volume: VolumeId) -> Brick {
        Brick {
            id: self.id,
            volume,
            node: self.node_id,
            device: self.device_id,
            size: self.size_bytes,
            pool_size: self.pool_bytes,
            metadata_size: self.metadata_bytes,
            role: self.role,
            path: self.path.clone(),
        }
    }
}

/// A note about a plan that is not a refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlanNote {
    /// Zone policy `prefer`: a set spans fewer zones than it has bricks.
    FewerZones {
        /// Set index.
        set: usize,
        /// Distinct zones of the set.
        zones: usize,
        /// Bricks in the set.
        bricks: usize,
    },
    /// A preferred zone could not be used.
    PreferredZoneUnused {
        /// The zone.
        zone: Zone,
    },
    /// Advice from Gluster's rules (e.g. a "not optimal" disperse layout).
    Advisory {
        /// The advice.
        advisory: gluster_model::DurabilityAdvisory,
    },
}

/// Where every brick of a new volume goes, in the order Gluster forms sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Id of the new volume.
    pub volume_id: VolumeId,
    /// Gluster volume name.
    pub volume_name: String,
    /// Cluster the volume goes to.
    pub cluster: ClusterId,
    /// Usable size.
    pub size_bytes: ByteSize,
    /// Layout of every set.
    pub durability: Durability,
    /// Number of brick sets.
    pub set_count: usize,
    /// Size of every data brick.
    pub data_brick_bytes: ByteSize,
    /// Size of every arbiter brick (arbiter layouts only).
    pub arbiter_brick_bytes: Option<ByteSize>,
    /// Snapshot settings.
    pub snapshot: SnapshotSettings,
    /// Gluster volume options, `(key, value)`.
    pub options: Vec<(String, String)>,
    /// Group id of the volume root.
    pub gid: u64,
    /// Every brick, set by set, position by position: the order of `gluster volume create`.
    pub bricks: Vec<PlannedBrick>,
    /// Observations that are not refusals.
    pub notes: Vec<PlanNote>,
    /// Seed the choice was made with.
    pub seed: u64,
}

impl Plan {
    /// The bricks of set `index`.
    pub fn set(&self, index: usize) -> impl Iterator<Item = &PlannedBrick> + '_ {
        self.bricks.iter().filter(move |b| b.set == index)
    }

    /// The volume and bricks this plan creates, for [`Model::commit_volume`].
    pub fn to_commit(&self) -> VolumeCommit {
        let mut brick_sets: Vec<Vec<BrickId>> = vec![Vec::new(); self.set_count];
        for b in &self.bricks {
            if let Some(set) = brick_sets.get_mut(b.set) {
                set.push(b.id);
            }
        }
        let bricks = self
            .bricks
            .iter()
            .map(|b| b.to_model_brick(self.volume_id))
            .collect();
        VolumeCommit {
            volume: Volume {
                id: self.volume_id,
                cluster: self.cluster,
                name: self.volume_name.clone(),
                size: self.size_bytes,
                durability: self.durability,
                brick_sets,
                options: self.options.clone(),
                gid: self.gid,
                snapshot: self.snapshot,
                block_hosting: None,
            },
            bricks,
        }
    }

    /// Commits the plan to a model (all or nothing).
    ///
    /// This changes only the model; `gluster_exec::Runner::apply` is what carries a plan out
    /// on hosts.
    pub fn commit_to(&self, model: &mut Model) -> Result<(), ModelError> {
        model.commit_volume(self.to_commit())
    }

    /// The former name of [`Self::commit_to`].
    #[deprecated(note = "renamed `commit_to`: `apply` is what a Runner does on hosts")]
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        self.commit_to(model)
    }
}

//! What the provisioner keeps besides the model's entities, and JSON helpers.

use gluster_model::{BlockVolume, Brick, DeviceId, EntityState, Volume, VolumeId};
use gluster_placement::day2::{EvacuationPlan, EvacuationTarget, ExpandPlan};
use gluster_placement::Plan;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::StoreError;
use crate::key::{Entry, Key, Kind};

/// An operation whose intent is recorded and whose end is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PendingOp {
    /// Creating a volume for a request: its bricks are reserved in the store.
    Create {
        /// The caller's request name.
        request: String,
        /// The plan being carried out.
        plan: Plan,
    },
    /// Adding sets to a volume: the new bricks are reserved, the volume grown in the store.
    Expand {
        /// The expansion.
        plan: ExpandPlan,
        /// The volume as it was before.
        before: Volume,
    },
    /// Deleting a volume: its space is released when the hosts are done.
    Delete {
        /// The plan the volume stands for (its bricks and volume).
        plan: Plan,
    },
    /// Moving every brick off devices (replace-brick): the store holds the volumes with
    /// the new bricks and the target's devices offline; the old bricks stay on the hosts
    /// until each step is settled.
    Evacuate {
        /// The evacuation.
        plan: EvacuationPlan,
        /// The volumes it touches, as they were before.
        before: Vec<Volume>,
        /// The bricks it moves, as they were before.
        old: Vec<Brick>,
        /// The target's devices and their states before (restored by a roll back).
        devices: Vec<(DeviceId, EntityState)>,
    },
    /// Creating a block volume: it is stored and its hosting volume charged already.
    BlockCreate {
        /// The block volume.
        block: BlockVolume,
        /// The hosting volume's name.
        hosting: String,
        /// The host that runs the command.
        host: String,
    },
    /// Deleting a block volume: its size is given back when the hosts are done.
    BlockDelete {
        /// The block volume.
        block: BlockVolume,
        /// The hosting volume's name.
        hosting: String,
        /// The host that runs the command.
        host: String,
    },
}

impl PendingOp {
    /// The volume the operation is about (an evacuation's first; see [`Self::volumes`]).
    pub fn volume(&self) -> VolumeId {
        match self {
            PendingOp::Create { plan, .. } | PendingOp::Delete { plan } => plan.volume_id,
            PendingOp::Expand { plan, .. } => plan.volume_id,
            PendingOp::BlockCreate { block, .. } | PendingOp::BlockDelete { block, .. } => {
                block.hosting_volume
            }
            PendingOp::Evacuate { before, .. } => {
                before.first().map_or(VolumeId::from_u128(0), |v| v.id)
            }
        }
    }

    /// Every volume the operation is about.
    pub fn volumes(&self) -> Vec<VolumeId> {
        match self {
            PendingOp::Evacuate { before, .. } => before.iter().map(|v| v.id).collect(),
            other => vec![other.volume()],
        }
    }
}

/// A served create request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The volume made for it.
    pub volume: VolumeId,
    /// Its name.
    pub name: String,
}

pub(crate) fn create_key(request: &str) -> Key {
    Key::new(Kind::Pending, format!("create:{request}"))
}

pub(crate) fn expand_key(volume: VolumeId) -> Key {
    Key::new(Kind::Pending, format!("expand:{volume}"))
}

pub(crate) fn evacuate_key(target: EvacuationTarget) -> Key {
    let id = match target {
        EvacuationTarget::Device(d) => format!("device:{d}"),
        EvacuationTarget::Node(n) => format!("node:{n}"),
        EvacuationTarget::Zone(z) => format!("zone:{z}"),
    };
    Key::new(Kind::Pending, format!("evacuate:{id}"))
}

pub(crate) fn delete_key(volume: VolumeId) -> Key {
    Key::new(Kind::Pending, format!("delete:{volume}"))
}

pub(crate) fn block_create_key(block: gluster_model::BlockVolumeId) -> Key {
    Key::new(Kind::Pending, format!("block_create:{block}"))
}

pub(crate) fn block_delete_key(block: gluster_model::BlockVolumeId) -> Key {
    Key::new(Kind::Pending, format!("block_delete:{block}"))
}

pub(crate) fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain data of this crate and the model: serializing cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

pub(crate) fn parse<T: DeserializeOwned>(entry: &Entry, location: &str) -> Result<T, StoreError> {
    serde_json::from_slice(&entry.value).map_err(|e| StoreError::Corrupt {
        location: location.to_string(),
        key: entry.key.to_string(),
        message: e.to_string(),
    })
}

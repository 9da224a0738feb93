//! Growing a volume in place: every brick's thin pool and LV extended and its XFS grown,
//! where the devices have room for the larger pools (the alternative to adding sets).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use gluster_model::{
    BrickGrowth, BrickRole, BrickSpace, ByteSize, DeviceId, Model, ModelError, VolumeId,
    DEFAULT_AVERAGE_FILE_SIZE,
};

use super::topo::{factor_of, reserve_of, Topo};
use super::{BrickLocation, Day2Settings, ExpandError};
use crate::sizing::data_brick;

/// One brick grown in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrownBrick {
    /// Where the brick is.
    pub brick: BrickLocation,
    /// Data or arbiter.
    pub role: BrickRole,
    /// Its new usable size.
    pub size_bytes: ByteSize,
    /// Its new thin pool size.
    pub pool_bytes: ByteSize,
    /// Its new thin pool metadata size.
    pub metadata_bytes: ByteSize,
    /// Extra space its device gives.
    pub extra_bytes: ByteSize,
    /// The brick directory (for the filesystem grow).
    pub path: String,
}

/// Every brick of a volume grown so the volume reaches `new_size`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrowPlan {
    /// The volume.
    pub volume_id: VolumeId,
    /// Its name.
    pub volume_name: String,
    /// Its size now.
    pub old_size: ByteSize,
    /// Its size after.
    pub new_size: ByteSize,
    /// The bricks with their new sizes, set by set.
    pub bricks: Vec<GrownBrick>,
}

impl GrowPlan {
    /// Commit the growth to the model ([`Model::grow_bricks`]).
    ///
    /// This changes only the model; `gluster_exec::Runner::apply` is what carries a plan out
    /// on hosts.
    pub fn commit_to(&self, model: &mut Model) -> Result<(), ModelError> {
        let growths: Vec<BrickGrowth> = self
            .bricks
            .iter()
            .map(|b| BrickGrowth {
                brick: b.brick.id,
                size: b.size_bytes,
                pool_size: b.pool_bytes,
                metadata_size: b.metadata_bytes,
            })
            .collect();
        model.grow_bricks(self.volume_id, &growths, self.new_size)
    }

    /// The former name of [`Self::commit_to`].
    #[deprecated(note = "renamed `commit_to`: `apply` is what a Runner does on hosts")]
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        self.commit_to(model)
    }
}

/// Plan growing `volume` by `add` bytes in place: the data bricks grow to the size the new
/// volume size needs (arbiter bricks with them), each pool by the same snapshot factor.
/// Refused when a brick would pass the maximum brick size or a device has no room for its
/// bricks' larger pools (then add sets with [`super::plan_expand`]).
pub fn plan_grow(
    model: &Model,
    volume: VolumeId,
    add: ByteSize,
    settings: &Day2Settings,
) -> Result<GrowPlan, ExpandError> {
    let v = model
        .volume(volume)
        .ok_or(ExpandError::UnknownVolume(volume))?;
    if add == ByteSize::ZERO {
        return Err(ExpandError::NothingToAdd);
    }
    let new_size = v
        .size
        .checked_add(add)
        .ok_or(ModelError::Overflow("volume size"))?;
    let share = v.durability.data_share();
    let data = data_brick(new_size, v.brick_sets.len(), share)
        .ok_or(ModelError::Overflow("brick size"))?;
    let max = settings.placement.max_brick_size;
    if data > max {
        return Err(ExpandError::BrickTooLarge { brick: data, max });
    }
    let topo = Topo::new(model, &settings.placement, 0);
    let factor = factor_of(v);
    let mut extra: BTreeMap<DeviceId, ByteSize> = BTreeMap::new();
    let mut bricks = Vec::new();
    for id in v.brick_ids() {
        let b = model.brick(id).ok_or(ModelError::UnknownBrick(id))?;
        let device = model
            .device(b.device)
            .ok_or(ModelError::UnknownDevice(b.device))?;
        let size = match b.role {
            BrickRole::Data => data,
            BrickRole::Arbiter => crate::sizing::arbiter_brick(
                data,
                DEFAULT_AVERAGE_FILE_SIZE,
                settings.placement.min_arbiter_brick_size,
            )
            .max(b.size),
        }
        .max(b.size);
        let space = BrickSpace::for_brick(size, factor, device.extent_size)
            .ok_or(ModelError::Overflow("brick space"))?;
        let new = space.total().ok_or(ModelError::Overflow("brick space"))?;
        let old = b.space().ok_or(ModelError::Overflow("brick space"))?;
        let more = new.saturating_sub(old);
        let e = extra.entry(b.device).or_default();
        *e = e
            .checked_add(more)
            .ok_or(ModelError::Overflow("device usage"))?;
        bricks.push(GrownBrick {
            brick: topo.location(b),
            role: b.role,
            size_bytes: size,
            pool_bytes: space.pool.max(b.pool_size),
            metadata_bytes: space.metadata.max(b.metadata_size),
            extra_bytes: more,
            path: b.path.clone(),
        });
    }
    for (id, need) in &extra {
        let d = model.device(*id).ok_or(ModelError::UnknownDevice(*id))?;
        let room = d
            .total
            .saturating_sub(reserve_of(
                d.total,
                settings.placement.device_reserve_per_mille,
            ))
            .saturating_sub(d.used);
        if *need > room {
            let node = model
                .node(d.node)
                .map_or("", |n| n.manage_hostname.as_str());
            return Err(ExpandError::NoRoomToGrow {
                device: format!("{node}:{}", d.name),
                need: *need,
                free: room,
            });
        }
    }
    Ok(GrowPlan {
        volume_id: v.id,
        volume_name: v.name.clone(),
        old_size: v.size,
        new_size,
        bricks,
    })
}

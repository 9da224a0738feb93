//! The engine's data services: snapshots and clones charged to thin pools, subvolumes in
//! hosting volumes, and device resync. Each change goes through the model's all-or-nothing
//! operations (`gluster_model::data`); the index follows.

use gluster_model::data::{Snapshot, Subvolume, VolumeClone};
use gluster_model::{
    Brick, BrickId, ByteSize, Device, DeviceId, ModelError, VolumeCommit, VolumeId,
};
use serde::{Deserialize, Serialize};

use super::Engine;
use crate::error::PlacementError;
use crate::snapshot::{check_snapshot, SnapshotRefusal, ThinPoolUse};
use crate::subvolume::{choose_hosting, HostingVolume, SubvolumeHost};

/// Name prefix of volumes made to host subvolumes (`subvols_1`, ...).
pub const HOSTING_PREFIX: &str = "subvols_";

/// A clone of a volume from one of its snapshots, ready for [`Engine::commit_clone`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClonePlan {
    /// The clone volume and its bricks (on the origin's bricks' devices, taking no space).
    pub commit: VolumeCommit,
    /// What it charges to the origin's pools.
    pub record: VolumeClone,
}

/// Where a new subvolume goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubvolumePlacement {
    /// In an existing hosting volume: commit it with [`Engine::commit_subvolume`].
    Existing(Subvolume),
    /// No hosting volume has room: create this one first (plan it as any volume).
    NewHosting {
        /// A free name for it.
        name: String,
        /// Its size.
        size: ByteSize,
    },
}

impl Engine {
    /// The thin pools of `volume`'s bricks as the snapshot check sees them. `data_used`
    /// gives what each brick holds (measured on the bricks); a brick it does not name is
    /// taken as full.
    fn pools_of(
        &self,
        volume: VolumeId,
        data_used: &[(BrickId, ByteSize)],
    ) -> Result<(Vec<&Brick>, Vec<ThinPoolUse>), PlacementError> {
        let v = self
            .model
            .volume(volume)
            .ok_or(ModelError::UnknownVolume(volume))?;
        let bricks: Vec<&Brick> = v.brick_ids().filter_map(|b| self.model.brick(b)).collect();
        let pools = bricks
            .iter()
            .map(|b| ThinPoolUse {
                brick: b.id.to_string(),
                brick_size: b.size,
                pool_size: b.pool_size,
                data_used: data_used
                    .iter()
                    .find(|(id, _)| *id == b.id)
                    .map_or(b.size, |u| u.1.min(b.size)),
                reserved: self.model.pool_charged(b.id),
            })
            .collect();
        Ok((bricks, pools))
    }

    /// The charges of a snapshot or clone of `volume`, or the refusal naming each brick.
    fn charges(
        &self,
        entity: &'static str,
        name: &str,
        volume: VolumeId,
        data_used: &[(BrickId, ByteSize)],
    ) -> Result<Vec<(BrickId, ByteSize)>, PlacementError> {
        let (bricks, pools) = self.pools_of(volume, data_used)?;
        match check_snapshot(&pools) {
            Ok(charge) => Ok(bricks.iter().map(|b| b.id).zip(charge.per_brick).collect()),
            Err(SnapshotRefusal::NoBricks) => Err(PlacementError::invalid(
                "volume",
                format!("volume {volume} has no brick to snapshot"),
            )),
            Err(SnapshotRefusal::PoolsFull(short)) => Err(ModelError::ThinPoolFull {
                entity,
                name: name.to_string(),
                bricks: short
                    .iter()
                    .filter_map(|s| {
                        let b = bricks.iter().find(|b| b.id.to_string() == s.brick)?;
                        Some((b.id, s.needed, s.left))
                    })
                    .collect(),
            }
            .into()),
        }
    }

    /// Plans snapshot `name` of `volume`: each brick is charged what it holds
    /// (`data_used`, a brick not named counts as full, at least one extent). Refused, naming
    /// each brick, when a pool's snapshot reserve lacks room. The engine is unchanged.
    pub fn plan_snapshot(
        &self,
        volume: VolumeId,
        name: &str,
        data_used: &[(BrickId, ByteSize)],
    ) -> Result<Snapshot, PlacementError> {
        gluster_model::VolumeName::check(name).map_err(|e| crate::InvalidField::rule("name", e))?;
        if self.model.snapshot(name).is_some() {
            return Err(PlacementError::invalid(
                "name",
                format!("snapshot {name} exists"),
            ));
        }
        Ok(Snapshot {
            name: name.to_string(),
            volume,
            ready: false,
            charges: self.charges("snapshot", name, volume, data_used)?,
        })
    }

    /// Records a snapshot (see [`gluster_model::Model::add_snapshot`]).
    pub fn commit_snapshot(&mut self, snapshot: Snapshot) -> Result<(), PlacementError> {
        Ok(self.model.add_snapshot(snapshot)?)
    }

    /// Marks a snapshot activated or not.
    pub fn set_snapshot_ready(&mut self, name: &str, ready: bool) -> Result<(), PlacementError> {
        Ok(self.model.set_snapshot_ready(name, ready)?)
    }

    /// Deletes a snapshot, returning its charges to the pools.
    pub fn delete_snapshot(&mut self, name: &str) -> Result<Snapshot, PlacementError> {
        Ok(self.model.remove_snapshot(name)?)
    }

    /// Plans clone `name` of snapshot `snapshot`: a volume with its origin's layout whose
    /// bricks are thin snapshots in the origin's pools (`/run/gluster/snaps/NAME/brickN/brick`,
    /// glusterd's place), charged like a snapshot. The engine is unchanged.
    pub fn plan_clone(
        &self,
        snapshot: &str,
        name: &str,
        data_used: &[(BrickId, ByteSize)],
    ) -> Result<ClonePlan, PlacementError> {
        gluster_model::VolumeName::check(name).map_err(|e| crate::InvalidField::rule("name", e))?;
        let snap = self
            .model
            .snapshot(snapshot)
            .ok_or_else(|| ModelError::UnknownSnapshot(snapshot.to_string()))?;
        let origin = self
            .model
            .volume(snap.volume)
            .ok_or(ModelError::UnknownVolume(snap.volume))?;
        if self
            .model
            .volumes()
            .any(|v| v.cluster == origin.cluster && v.name == name)
        {
            return Err(PlacementError::invalid(
                "name",
                format!("volume {name} exists"),
            ));
        }
        let charges = self.charges("clone", name, origin.id, data_used)?;
        let id = VolumeId::derived(&["clone", name]);
        let bricks: Vec<Brick> = origin
            .brick_ids()
            .filter_map(|b| self.model.brick(b))
            .enumerate()
            .map(|(i, b)| Brick {
                id: BrickId::derived(&["clone", name, &b.id.to_string()]),
                volume: id,
                pool_size: ByteSize::ZERO,
                metadata_size: ByteSize::ZERO,
                path: format!("/run/gluster/snaps/{name}/brick{}/brick", i + 1),
                ..b.clone()
            })
            .collect();
        let mut ids = bricks.iter().map(|b| b.id);
        let brick_sets = origin
            .brick_sets
            .iter()
            .map(|set| ids.by_ref().take(set.len()).collect())
            .collect();
        let volume = gluster_model::Volume {
            id,
            name: name.to_string(),
            brick_sets,
            block_hosting: None,
            ..origin.clone()
        };
        Ok(ClonePlan {
            record: VolumeClone {
                volume: id,
                origin: origin.id,
                snapshot: snapshot.to_string(),
                charges,
            },
            commit: VolumeCommit { volume, bricks },
        })
    }

    /// Commits a clone (see [`gluster_model::Model::add_clone`]): its name and bricks enter
    /// the index (its bricks count against the brick budget; they take no device space).
    pub fn commit_clone(&mut self, plan: &ClonePlan) -> Result<(), PlacementError> {
        self.model
            .add_clone(plan.commit.clone(), plan.record.clone())?;
        let volume = &plan.commit.volume;
        if let Some(c) = self.planner.index.cluster_by_id.get(&volume.cluster) {
            self.planner.index.clusters[c.ix()]
                .names
                .insert(volume.name.clone());
        }
        self.planner
            .take_ids(plan.commit.bricks.iter().map(|b| b.id));
        self.planner
            .move_bricks([], plan.commit.bricks.iter().map(|b| b.node));
        Ok(())
    }

    /// Hosting volumes: those named `subvols_*` and those holding subvolumes.
    fn hosting_volumes(&self) -> Vec<HostingVolume> {
        self.model
            .volumes()
            .filter(|v| {
                v.name.starts_with(HOSTING_PREFIX)
                    || self.model.subvolumes().any(|s| s.hosting == v.id)
            })
            .map(|v| HostingVolume {
                name: v.name.clone(),
                size: v.size,
                committed: self.model.quota_committed(v.id),
            })
            .collect()
    }

    /// Plans subvolume `name` of `size`: the hosting volume with the most quota room under
    /// the settings' over-commit ratio, or the hosting volume to create first.
    pub fn plan_subvolume(
        &self,
        name: &str,
        size: ByteSize,
    ) -> Result<SubvolumePlacement, PlacementError> {
        gluster_model::VolumeName::check(name).map_err(|e| crate::InvalidField::rule("name", e))?;
        if size == ByteSize::ZERO {
            return Err(PlacementError::invalid("size", "must be greater than zero"));
        }
        if self.model.subvolume(name).is_some() {
            return Err(PlacementError::invalid(
                "name",
                format!("subvolume {name} exists"),
            ));
        }
        let policy = &self.settings().subvolume_policy;
        Ok(
            match choose_hosting(&self.hosting_volumes(), size, policy) {
                SubvolumeHost::Existing { name: host } => {
                    let hosting = self
                        .model
                        .volume_by_name(&host)
                        .ok_or_else(|| {
                            PlacementError::invalid("hosting", "hosting volume vanished")
                        })?
                        .id;
                    SubvolumePlacement::Existing(Subvolume {
                        name: name.to_string(),
                        hosting,
                        dir: format!("/{name}"),
                        quota: size,
                        clone_of: None,
                    })
                }
                SubvolumeHost::New { size } => {
                    let free = (1u64..)
                        .map(|n| format!("{HOSTING_PREFIX}{n}"))
                        .find(|n| self.model.volume_by_name(n).is_none())
                        .unwrap_or_else(|| HOSTING_PREFIX.to_string());
                    SubvolumePlacement::NewHosting { name: free, size }
                }
            },
        )
    }

    /// Commits a subvolume under the settings' over-commit ratio.
    pub fn commit_subvolume(&mut self, subvolume: Subvolume) -> Result<(), PlacementError> {
        let percent = self.settings().subvolume_policy.overcommit_percent;
        Ok(self.model.add_subvolume(subvolume, percent)?)
    }

    /// Sets a subvolume's quota (growing under the over-commit ratio).
    pub fn expand_subvolume(&mut self, name: &str, quota: ByteSize) -> Result<(), PlacementError> {
        let percent = self.settings().subvolume_policy.overcommit_percent;
        Ok(self.model.resize_subvolume(name, quota, percent)?)
    }

    /// Deletes a subvolume.
    pub fn delete_subvolume(&mut self, name: &str) -> Result<Subvolume, PlacementError> {
        Ok(self.model.remove_subvolume(name)?)
    }

    /// Commits a clone of subvolume `source` as `name`: same hosting volume and quota,
    /// sharing blocks (its quota still counts in full).
    pub fn clone_subvolume(
        &mut self,
        source: &str,
        name: &str,
    ) -> Result<Subvolume, PlacementError> {
        gluster_model::VolumeName::check(name).map_err(|e| crate::InvalidField::rule("name", e))?;
        let src = self
            .model
            .subvolume(source)
            .ok_or_else(|| ModelError::UnknownSubvolume(source.to_string()))?;
        let clone = Subvolume {
            name: name.to_string(),
            hosting: src.hosting,
            dir: format!("/{name}"),
            quota: src.quota,
            clone_of: Some(source.to_string()),
        };
        self.commit_subvolume(clone.clone())?;
        Ok(clone)
    }

    /// Device resync: the device was re-read at `total` bytes. Grown, the model and the
    /// index learn the new size (the index updates that one device); shrunk below its
    /// bricks, refused naming the device and the bricks, nothing changed. Returns the
    /// device as it was.
    pub fn resize_device(
        &mut self,
        id: DeviceId,
        total: ByteSize,
    ) -> Result<Device, PlacementError> {
        let before = self.model.resize_device(id, total)?;
        if before.total != total {
            if let Some(d) = self.model.device(id) {
                self.planner.index.resize_device(d);
            }
        }
        Ok(before)
    }
}

//! The data services the model holds beside volumes: snapshots, clones and subvolumes
//! ([`crate::data`]). Every operation succeeds entirely or changes nothing.
//!
//! Capacity: a snapshot or clone is charged, brick by brick, to its origin's thin pools;
//! the charges of a pool never exceed its snapshot reserve (pool size minus brick size,
//! what the volume's snapshot factor set aside). A clone is a volume whose bricks are thin
//! LVs in the origin's pools: they take no device space of their own. A subvolume's quota
//! is charged to its hosting volume, whose quotas never add up to more than the over-commit
//! ratio allows.

use std::collections::BTreeMap;

use crate::data::{Snapshot, Subvolume, VolumeClone};
use crate::entity::{Brick, Volume};
use crate::error::ModelError;
use crate::id::{BrickId, VolumeId};
use crate::model::{Model, VolumeCommit};
use crate::size::ByteSize;

/// Snapshots by name, clones by volume, subvolumes by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DataServices {
    pub(crate) snapshots: BTreeMap<String, Snapshot>,
    pub(crate) clones: BTreeMap<VolumeId, VolumeClone>,
    pub(crate) subvolumes: BTreeMap<String, Subvolume>,
}

fn mismatch(entity: &'static str, name: &str, problem: impl Into<String>) -> ModelError {
    ModelError::DataMismatch {
        entity,
        name: name.to_string(),
        problem: problem.into(),
    }
}

/// The most quota a hosting volume of `size` carries at `percent` over-commit.
pub fn quota_capacity(size: ByteSize, percent: u32) -> ByteSize {
    let wide = u128::from(size.bytes()) * u128::from(percent) / 100;
    ByteSize::b(u64::try_from(wide).unwrap_or(u64::MAX))
}

impl Model {
    // ---- reads ----

    /// Every snapshot, by name (names are unique in the model, as in a Gluster pool).
    pub fn snapshots(&self) -> impl ExactSizeIterator<Item = &Snapshot> + '_ {
        self.data.snapshots.values()
    }
    /// A snapshot by name.
    pub fn snapshot(&self, name: &str) -> Option<&Snapshot> {
        self.data.snapshots.get(name)
    }
    /// Every clone, by clone volume id.
    pub fn clones(&self) -> impl ExactSizeIterator<Item = &VolumeClone> + '_ {
        self.data.clones.values()
    }
    /// The clone record of a volume, when it is a clone.
    pub fn clone_record(&self, volume: VolumeId) -> Option<&VolumeClone> {
        self.data.clones.get(&volume)
    }
    /// Every subvolume, by name.
    pub fn subvolumes(&self) -> impl ExactSizeIterator<Item = &Subvolume> + '_ {
        self.data.subvolumes.values()
    }
    /// A subvolume by name.
    pub fn subvolume(&self, name: &str) -> Option<&Subvolume> {
        self.data.subvolumes.get(name)
    }
    /// The quotas of a hosting volume's subvolumes, added up.
    pub fn quota_committed(&self, hosting: VolumeId) -> ByteSize {
        self.data
            .subvolumes
            .values()
            .filter(|s| s.hosting == hosting)
            .fold(ByteSize::ZERO, |sum, s| {
                ByteSize::b(sum.bytes().saturating_add(s.quota.bytes()))
            })
    }

    /// What snapshots and clones have charged to a brick's thin pool.
    pub fn pool_charged(&self, brick: BrickId) -> ByteSize {
        let snaps = self.data.snapshots.values().map(|s| &s.charges);
        let clones = self.data.clones.values().map(|c| &c.charges);
        snaps
            .chain(clones)
            .flatten()
            .filter(|(b, _)| *b == brick)
            .fold(ByteSize::ZERO, |sum, (_, c)| {
                ByteSize::b(sum.bytes().saturating_add(c.bytes()))
            })
    }

    /// A brick's snapshot reserve not yet charged: pool minus brick size minus charges.
    pub fn pool_reserve_left(&self, brick: &Brick) -> ByteSize {
        brick
            .pool_size
            .saturating_sub(brick.size)
            .saturating_sub(self.pool_charged(brick.id))
    }

    /// Whether a volume has snapshots or clones, or is a clone, or hosts subvolumes: what
    /// forbids deleting it or moving its bricks. The reason, or `None`.
    pub(crate) fn data_depends_on(&self, volume: VolumeId) -> Option<String> {
        if let Some(s) = self.data.snapshots.values().find(|s| s.volume == volume) {
            return Some(format!("it has snapshot {}", s.name));
        }
        if let Some(c) = self.data.clones.values().find(|c| c.origin == volume) {
            return Some(format!("it has clone {}", c.volume));
        }
        if let Some(s) = self.data.subvolumes.values().find(|s| s.hosting == volume) {
            return Some(format!("it hosts subvolume {}", s.name));
        }
        None
    }

    /// Whether a volume's bricks are bound to their thin pools (it has snapshots or clones,
    /// or is a clone): they cannot move. The reason, or `None`.
    pub(crate) fn pools_bound(&self, volume: VolumeId) -> Option<String> {
        if self.data.clones.contains_key(&volume) {
            return Some("its volume is a clone living in its origin's thin pools".into());
        }
        if let Some(s) = self.data.snapshots.values().find(|s| s.volume == volume) {
            return Some(format!("its volume has snapshot {}", s.name));
        }
        let clone = self.data.clones.values().find(|c| c.origin == volume);
        clone.map(|c| format!("its volume has clone {}", c.volume))
    }

    /// Checks charges of a snapshot or clone of `origin`: every brick of the origin once,
    /// nothing else, and room in every pool.
    fn check_charges(
        &self,
        entity: &'static str,
        name: &str,
        origin: VolumeId,
        charges: &[(BrickId, ByteSize)],
    ) -> Result<&Volume, ModelError> {
        let volume = self
            .volumes
            .get(&origin)
            .ok_or(ModelError::UnknownVolume(origin))?;
        let bricks: Vec<BrickId> = volume.brick_ids().collect();
        if charges.len() != bricks.len()
            || !bricks.iter().all(|b| charges.iter().any(|c| c.0 == *b))
        {
            return Err(mismatch(
                entity,
                name,
                format!(
                    "charges must name each of the {} bricks of volume {origin} once",
                    bricks.len()
                ),
            ));
        }
        let short: Vec<(BrickId, ByteSize, ByteSize)> = charges
            .iter()
            .filter_map(|&(b, charge)| {
                let left = self.pool_reserve_left(self.bricks.get(&b)?);
                (charge > left).then_some((b, charge, left))
            })
            .collect();
        if !short.is_empty() {
            return Err(ModelError::ThinPoolFull {
                entity,
                name: name.to_string(),
                bricks: short,
            });
        }
        Ok(volume)
    }

    // ---- snapshots ----

    /// Records a snapshot of a volume, charging its bricks' pools. All or nothing.
    pub fn add_snapshot(&mut self, snapshot: Snapshot) -> Result<(), ModelError> {
        if self.data.snapshots.contains_key(&snapshot.name) {
            return Err(ModelError::DuplicateId {
                kind: "snapshot",
                id: snapshot.name,
            });
        }
        self.check_charges(
            "snapshot",
            &snapshot.name,
            snapshot.volume,
            &snapshot.charges,
        )?;
        self.data.snapshots.insert(snapshot.name.clone(), snapshot);
        Ok(())
    }

    /// Marks a snapshot activated (ready to restore from).
    pub fn set_snapshot_ready(&mut self, name: &str, ready: bool) -> Result<(), ModelError> {
        let s = self
            .data
            .snapshots
            .get_mut(name)
            .ok_or_else(|| ModelError::UnknownSnapshot(name.to_string()))?;
        s.ready = ready;
        Ok(())
    }

    /// Removes a snapshot, returning its charges to the pools. Clones made from it stay
    /// (they are volumes of their own).
    pub fn remove_snapshot(&mut self, name: &str) -> Result<Snapshot, ModelError> {
        self.data
            .snapshots
            .remove(name)
            .ok_or_else(|| ModelError::UnknownSnapshot(name.to_string()))
    }

    // ---- clones ----

    /// Commits a clone: a new volume made from a snapshot of `clone.origin`, whose bricks
    /// are on the origin's bricks' nodes and devices, set by set, and take no device space
    /// (their pool and metadata sizes are 0: they live in the origin's pools). All or
    /// nothing.
    pub fn add_clone(
        &mut self,
        commit: VolumeCommit,
        clone: VolumeClone,
    ) -> Result<(), ModelError> {
        let name = commit.volume.name.clone();
        if commit.volume.id != clone.volume {
            return Err(mismatch("clone", &name, "the record names another volume"));
        }
        match self.data.snapshots.get(&clone.snapshot) {
            Some(s) if s.volume == clone.origin => {}
            Some(s) => {
                return Err(mismatch(
                    "clone",
                    &name,
                    format!(
                        "snapshot {} is of volume {}, not {}",
                        s.name, s.volume, clone.origin
                    ),
                ))
            }
            None => return Err(ModelError::UnknownSnapshot(clone.snapshot)),
        }
        let origin = self.check_charges("clone", &name, clone.origin, &clone.charges)?;
        let origin_bricks: Vec<&Brick> = origin
            .brick_ids()
            .filter_map(|b| self.bricks.get(&b))
            .collect();
        let by_id: BTreeMap<BrickId, &Brick> = commit.bricks.iter().map(|b| (b.id, b)).collect();
        let clone_bricks: Vec<&Brick> = commit
            .volume
            .brick_ids()
            .filter_map(|b| by_id.get(&b).copied())
            .collect();
        if clone_bricks.len() != origin_bricks.len()
            || commit.volume.durability != origin.durability
        {
            return Err(mismatch("clone", &name, "its layout is not its origin's"));
        }
        for (c, o) in clone_bricks.iter().zip(&origin_bricks) {
            if c.node != o.node || c.device != o.device || c.role != o.role {
                return Err(mismatch(
                    "clone",
                    &name,
                    format!("brick {} is not where origin brick {} is", c.id, o.id),
                ));
            }
            if c.pool_size != ByteSize::ZERO || c.metadata_size != ByteSize::ZERO {
                return Err(mismatch(
                    "clone",
                    &name,
                    format!(
                        "brick {} lives in its origin's pool: pool and metadata are 0",
                        c.id
                    ),
                ));
            }
        }
        self.commit_volume(commit)?;
        self.data.clones.insert(clone.volume, clone);
        Ok(())
    }

    /// Forgets the clone record of a deleted volume (its charges return to the pools).
    pub(crate) fn forget_clone(&mut self, volume: VolumeId) {
        self.data.clones.remove(&volume);
    }

    // ---- subvolumes ----

    /// Adds a subvolume to its hosting volume, whose quotas may add up to `overcommit_percent`
    /// of its size. All or nothing.
    pub fn add_subvolume(
        &mut self,
        subvolume: Subvolume,
        overcommit_percent: u32,
    ) -> Result<(), ModelError> {
        if self.data.subvolumes.contains_key(&subvolume.name) {
            return Err(ModelError::DuplicateId {
                kind: "subvolume",
                id: subvolume.name,
            });
        }
        if !subvolume.dir.starts_with('/') || subvolume.dir.contains("..") {
            return Err(mismatch(
                "subvolume",
                &subvolume.name,
                format!("directory {:?} is not absolute and plain", subvolume.dir),
            ));
        }
        if let Some(other) = self
            .data
            .subvolumes
            .values()
            .find(|s| s.hosting == subvolume.hosting && s.dir == subvolume.dir)
        {
            return Err(mismatch(
                "subvolume",
                &subvolume.name,
                format!("directory {} is subvolume {}'s", subvolume.dir, other.name),
            ));
        }
        if let Some(source) = &subvolume.clone_of {
            match self.data.subvolumes.get(source) {
                Some(s) if s.hosting == subvolume.hosting => {}
                Some(_) => {
                    return Err(mismatch(
                        "subvolume",
                        &subvolume.name,
                        format!("a clone shares blocks: {source} is in another hosting volume"),
                    ))
                }
                None => return Err(ModelError::UnknownSubvolume(source.clone())),
            }
        }
        self.check_quota(
            subvolume.hosting,
            ByteSize::ZERO,
            subvolume.quota,
            overcommit_percent,
        )?;
        self.data
            .subvolumes
            .insert(subvolume.name.clone(), subvolume);
        Ok(())
    }

    /// Sets a subvolume's quota (growing under the over-commit ratio; shrinking always).
    pub fn resize_subvolume(
        &mut self,
        name: &str,
        quota: ByteSize,
        overcommit_percent: u32,
    ) -> Result<(), ModelError> {
        let s = self
            .data
            .subvolumes
            .get(name)
            .ok_or_else(|| ModelError::UnknownSubvolume(name.to_string()))?;
        if quota > s.quota {
            self.check_quota(s.hosting, s.quota, quota, overcommit_percent)?;
        }
        if let Some(s) = self.data.subvolumes.get_mut(name) {
            s.quota = quota;
        }
        Ok(())
    }

    /// Removes a subvolume. Clones made from it stay: shared blocks stay on the bricks'
    /// filesystems while either holds them.
    pub fn remove_subvolume(&mut self, name: &str) -> Result<Subvolume, ModelError> {
        self.data
            .subvolumes
            .remove(name)
            .ok_or_else(|| ModelError::UnknownSubvolume(name.to_string()))
    }

    /// Checks that a quota of `old` in `hosting` may become `new`.
    fn check_quota(
        &self,
        hosting: VolumeId,
        old: ByteSize,
        new: ByteSize,
        percent: u32,
    ) -> Result<(), ModelError> {
        let volume = self
            .volumes
            .get(&hosting)
            .ok_or(ModelError::UnknownVolume(hosting))?;
        let room =
            quota_capacity(volume.size, percent).saturating_sub(self.quota_committed(hosting));
        let room = ByteSize::b(room.bytes().saturating_add(old.bytes()));
        if new > room {
            return Err(ModelError::QuotaOvercommit {
                volume: hosting,
                needed: new,
                room,
                percent,
            });
        }
        Ok(())
    }
}

/// Restores the data services of a loaded document onto its model; the error names the
/// entry (`snapshots[2]`). Quotas are taken as stored (the ratio they were made under is
/// not recorded); clones need not find their snapshot (it may be gone).
pub(crate) fn restore(
    model: &mut Model,
    snapshots: Vec<Snapshot>,
    clones: Vec<VolumeClone>,
    subvolumes: Vec<Subvolume>,
) -> Result<(), (String, ModelError)> {
    for (i, s) in snapshots.into_iter().enumerate() {
        model
            .add_snapshot(s)
            .map_err(|e| (format!("snapshots[{i}]"), e))?;
    }
    for (i, c) in clones.into_iter().enumerate() {
        let at = || format!("clones[{i}]");
        let name = model
            .volumes
            .get(&c.volume)
            .map(|v| v.name.clone())
            .ok_or_else(|| (at(), ModelError::UnknownVolume(c.volume)))?;
        if model.data.clones.contains_key(&c.volume) {
            let id = c.volume.to_string();
            return Err((at(), ModelError::DuplicateId { kind: "clone", id }));
        }
        model
            .check_charges("clone", &name, c.origin, &c.charges)
            .map_err(|e| (at(), e))?;
        model.data.clones.insert(c.volume, c);
    }
    let mut pending: Vec<(usize, Subvolume)> = subvolumes.into_iter().enumerate().collect();
    // Clones after their sources, whatever the order stored.
    pending.sort_by_key(|(_, s)| s.clone_of.is_some());
    for (i, s) in pending {
        model
            .add_subvolume(s, u32::MAX)
            .map_err(|e| (format!("subvolumes[{i}]"), e))?;
    }
    Ok(())
}

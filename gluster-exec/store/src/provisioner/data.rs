//! Snapshots, clones and subvolumes on the store. Each is planned by the placement engine on
//! the stored state, written before the hosts are touched (a snapshot not ready yet, a
//! subvolume's quota), in a transaction that also rewrites the volume whose room it takes
//! (the origin of a snapshot or clone, the hosting volume of a subvolume) guarded by that
//! volume's revision: two charges of the same thin pools or quota never both commit on
//! stale state. A host failure removes what was written.

use gluster_exec::ops::{SnapshotClone, SnapshotCreate, SnapshotRef, VolumeRef};
use gluster_model::data::{Snapshot, Subvolume};
use gluster_model::{BrickId, ByteSize, Durability, Volume, VolumeId};
use gluster_placement::{Engine as PlacementEngine, SubvolumePlacement, VolumeRequest};

use super::records::{json, parse};
use super::{lock, Provisioner, MAX_ATTEMPTS};
use crate::error::StoreError;
use crate::key::{Expect, Key, Kind, Txn};

/// Where subvolume commands FUSE-mount a hosting volume.
const MOUNT_BASE: &str = "/run/gluster-plan/mnt";

fn hosts_error(what: String, rolled_back: bool, e: gluster_exec::ExecError) -> StoreError {
    StoreError::Hosts {
        what,
        rolled_back,
        source: Box::new(e),
    }
}

impl Provisioner {
    /// What keeps `volume` from being deleted: its snapshots, clones or subvolumes.
    pub(super) fn data_depends_on(&self, volume: VolumeId) -> Option<String> {
        let view = lock(&self.inner.view);
        let m = &view.engine.model;
        if let Some(s) = m.snapshots().find(|s| s.volume == volume) {
            return Some(format!("it has snapshot {}", s.name));
        }
        if let Some(c) = m.clones().find(|c| c.origin == volume) {
            return Some(format!("it has clone {}", c.volume));
        }
        let sub = m.subvolumes().find(|s| s.hosting == volume);
        sub.map(|s| format!("it hosts subvolume {}", s.name))
    }

    /// The placement engine over the current stored state.
    fn placement(&self) -> PlacementEngine {
        let model = lock(&self.inner.view).engine.model.clone();
        PlacementEngine::new(model, self.inner.settings.clone())
    }

    /// `txn` plus a rewrite of `volume` as stored, guarded by its revision.
    fn touch(&self, volume: VolumeId, txn: Txn) -> Result<(Txn, Volume), StoreError> {
        let key = Key::new(Kind::Volume, volume.to_string());
        let entry = self
            .seen(&key)
            .ok_or_else(|| StoreError::NotFound(volume.to_string()))?;
        let value: Volume = parse(&entry, &self.location())?;
        Ok((
            txn.put(key, Expect::Revision(entry.revision), entry.value),
            value,
        ))
    }

    /// Commit `build()` (rebuilt on each conflict after catching up), then rebuild the engine.
    async fn commit_data(
        &self,
        mut build: impl FnMut(&Self) -> Result<Txn, StoreError>,
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            let txn = build(self)?;
            match self.commit(txn).await {
                Ok(()) => {
                    let location = self.location();
                    return lock(&self.inner.view).rebuild(&location);
                }
                Err(StoreError::Conflict { .. }) => self.refresh().await?,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::TooManyConflicts {
            attempts: MAX_ATTEMPTS,
        })
    }

    /// What each brick of `volume` holds: `data_used` for every brick, or (None) full.
    fn used(&self, volume: VolumeId, data_used: Option<ByteSize>) -> Vec<(BrickId, ByteSize)> {
        let view = lock(&self.inner.view);
        match (data_used, view.engine.model.volume(volume)) {
            (Some(u), Some(v)) => v.brick_ids().map(|b| (b, u)).collect(),
            _ => Vec::new(),
        }
    }

    /// Create snapshot `name` of `volume` and activate it (CSI CreateSnapshot: the same name
    /// for the same volume answers the snapshot made before). `data_used` is what each brick
    /// holds (None: taken as full); refused, naming each brick, when a thin pool's snapshot
    /// reserve lacks room.
    pub async fn create_snapshot(
        &self,
        volume: VolumeId,
        name: &str,
        data_used: Option<ByteSize>,
    ) -> Result<Snapshot, StoreError> {
        let _serial = self.inner.block.lock().await;
        self.refresh().await?;
        let engine = self.placement();
        let origin = engine
            .model()
            .volume(volume)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(volume.to_string()))?;
        let key = Key::new(Kind::Snapshot, name);
        let snapshot = match engine.model().snapshot(name) {
            Some(s) if s.volume != volume => {
                return Err(StoreError::Invalid(format!(
                    "snapshot {name} exists already, of volume {}",
                    s.volume
                )))
            }
            Some(s) if s.ready => return Ok(s.clone()),
            // Stored but not ready: an earlier create stopped before the hosts were done
            // (a crash); its charge is in place, the hosts' part runs again.
            Some(s) => s.clone(),
            None => {
                let used = self.used(volume, data_used);
                let snapshot = engine.plan_snapshot(volume, name, &used)?;
                self.commit_data(|p| {
                    let txn = Txn::new().put(key.clone(), Expect::Absent, json(&snapshot));
                    Ok(p.touch(volume, txn)?.0)
                })
                .await?;
                snapshot
            }
        };
        let host = self.first_host(&origin)?;
        let sref = SnapshotRef {
            host: host.clone(),
            name: name.to_string(),
        };
        let ex = self.inner.executor.as_ref();
        let made = async {
            match ex.snapshot_info(&sref).await {
                Ok(_) => {} // made before a crash: activate it (idempotent)
                Err(gluster_exec::ExecError::NotFound { .. }) => {
                    ex.snapshot_create(&SnapshotCreate {
                        host: host.clone(),
                        name: name.to_string(),
                        volume: origin.name.clone(),
                    })
                    .await?
                }
                Err(e) => return Err(e),
            }
            ex.snapshot_activate(&sref).await
        }
        .await;
        if let Err(e) = made {
            let undone = ex.snapshot_delete(&sref).await.is_ok();
            if undone {
                self.remove_key(&key).await?;
            }
            return Err(hosts_error(format!("snapshot {name}"), undone, e));
        }
        let ready = Snapshot {
            ready: true,
            ..snapshot
        };
        self.commit_data(|p| {
            let seen = p
                .seen(&key)
                .ok_or_else(|| StoreError::NotFound(name.into()))?;
            Ok(Txn::new().put(key.clone(), Expect::Revision(seen.revision), json(&ready)))
        })
        .await?;
        Ok(ready)
    }

    /// Delete a key as this provisioner sees it (retried on conflicts), then rebuild.
    async fn remove_key(&self, key: &Key) -> Result<(), StoreError> {
        self.commit_data(|p| {
            Ok(match p.seen(key) {
                Some(e) => Txn::new().delete(e.key, Expect::Revision(e.revision)),
                None => Txn::new(),
            })
        })
        .await
    }

    /// Delete snapshot `name` on the hosts, then from the store (its charges return to the
    /// pools).
    pub async fn delete_snapshot(&self, name: &str) -> Result<(), StoreError> {
        self.refresh().await?;
        let key = Key::new(Kind::Snapshot, name);
        let entry = self
            .seen(&key)
            .ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        let snapshot: Snapshot = parse(&entry, &self.location())?;
        let origin = lock(&self.inner.view)
            .engine
            .model
            .volume(snapshot.volume)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(snapshot.volume.to_string()))?;
        let sref = SnapshotRef {
            host: self.first_host(&origin)?,
            name: name.to_string(),
        };
        self.inner
            .executor
            .snapshot_delete(&sref)
            .await
            .map_err(|e| hosts_error(format!("delete snapshot {name}"), true, e))?;
        self.remove_key(&key).await
    }

    /// Restore snapshot `snapshot` as the new volume `name`: a clone whose bricks live in
    /// the origin's thin pools (charged like a snapshot), started. Its id.
    pub async fn clone_snapshot(
        &self,
        snapshot: &str,
        name: &str,
        data_used: Option<ByteSize>,
    ) -> Result<VolumeId, StoreError> {
        let _serial = self.inner.block.lock().await;
        self.refresh().await?;
        let engine = self.placement();
        let origin_id = engine
            .model()
            .snapshot(snapshot)
            .map(|s| s.volume)
            .ok_or_else(|| StoreError::NotFound(snapshot.to_string()))?;
        if engine.model().volume_by_name(name).is_some() {
            return Err(StoreError::Invalid(format!("volume {name} exists")));
        }
        let used = self.used(origin_id, data_used);
        let plan = engine.plan_clone(snapshot, name, &used)?;
        let volume = plan.commit.volume.id;
        let keys = {
            let mut keys = vec![
                (
                    Key::new(Kind::Volume, volume.to_string()),
                    json(&plan.commit.volume),
                ),
                (Key::new(Kind::VolumeName, name), json(&volume)),
                (
                    Key::new(Kind::VolumeClone, volume.to_string()),
                    json(&plan.record),
                ),
            ];
            keys.extend(
                plan.commit
                    .bricks
                    .iter()
                    .map(|b| (Key::new(Kind::Brick, b.id.to_string()), json(b))),
            );
            keys
        };
        let origin = self.commit_data_then(&keys, origin_id).await?;
        let host = self.first_host(&origin)?;
        let ex = self.inner.executor.as_ref();
        let vref = VolumeRef {
            host: host.clone(),
            name: name.to_string(),
        };
        let made = async {
            ex.snapshot_clone(&SnapshotClone {
                host: host.clone(),
                clone: name.to_string(),
                snapshot: snapshot.to_string(),
            })
            .await?;
            ex.volume_start(&vref).await
        }
        .await;
        if let Err(e) = made {
            let _ = ex.volume_stop(&vref).await;
            let undone = ex.volume_delete(&vref).await.is_ok();
            if undone {
                for (key, _) in &keys {
                    self.remove_key(key).await?;
                }
            }
            return Err(hosts_error(
                format!("clone {name} of {snapshot}"),
                undone,
                e,
            ));
        }
        Ok(volume)
    }

    /// Put every key of `keys` (absent before), touching `volume`; the volume as stored.
    async fn commit_data_then(
        &self,
        keys: &[(Key, Vec<u8>)],
        volume: VolumeId,
    ) -> Result<Volume, StoreError> {
        let mut touched = None;
        self.commit_data(|p| {
            let mut txn = Txn::new();
            for (key, value) in keys {
                txn = txn.put(key.clone(), Expect::Absent, value.clone());
            }
            let (txn, v) = p.touch(volume, txn)?;
            touched = Some(v);
            Ok(txn)
        })
        .await?;
        touched.ok_or_else(|| StoreError::NotFound(volume.to_string()))
    }

    /// The executor's view of a stored subvolume.
    fn subvolume_on_hosts(
        &self,
        s: &Subvolume,
    ) -> Result<gluster_exec::subvolume::Subvolume, StoreError> {
        let hosting = lock(&self.inner.view)
            .engine
            .model
            .volume(s.hosting)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(s.hosting.to_string()))?;
        Ok(gluster_exec::subvolume::Subvolume {
            host: self.first_host(&hosting)?,
            dir: s.dir.clone(),
            mount: format!("{MOUNT_BASE}/{}", hosting.name),
            volume: hosting.name,
        })
    }

    /// Create subvolume `name` with a hard quota of `size`: in the hosting volume with the
    /// most quota room (under the settings' over-commit ratio), or in a new replica 3
    /// hosting volume created first.
    pub async fn create_subvolume(
        &self,
        name: &str,
        size: ByteSize,
    ) -> Result<Subvolume, StoreError> {
        let _serial = self.inner.block.lock().await;
        let mut sub = None;
        for attempt in 1..=MAX_ATTEMPTS {
            self.refresh().await?;
            match self.placement().plan_subvolume(name, size)? {
                SubvolumePlacement::Existing(s) => {
                    sub = Some(s);
                    break;
                }
                SubvolumePlacement::NewHosting {
                    name: hosting,
                    size,
                } => {
                    let durability =
                        Durability::replicate(3).map_err(|e| StoreError::Invalid(e.to_string()))?;
                    let mut request = VolumeRequest::new(size, durability);
                    request.name = Some(hosting.clone());
                    self.create(&format!("subvolume-hosting:{hosting}:{attempt}"), &request)
                        .await?;
                }
            }
        }
        let sub = sub.ok_or(StoreError::TooManyConflicts {
            attempts: MAX_ATTEMPTS,
        })?;
        let key = Key::new(Kind::Subvolume, name);
        let percent = self.inner.settings.subvolume_policy.overcommit_percent;
        self.commit_data(|p| {
            // The quota room is checked again on the state the guard pins.
            let mut model = lock(&p.inner.view).engine.model.clone();
            model
                .add_subvolume(sub.clone(), percent)
                .map_err(|e| StoreError::Model(Box::new(e)))?;
            let txn = Txn::new().put(key.clone(), Expect::Absent, json(&sub));
            Ok(p.touch(sub.hosting, txn)?.0)
        })
        .await?;
        let on_hosts = self.subvolume_on_hosts(&sub)?;
        if let Err(e) =
            gluster_exec::subvolume::create(self.inner.executor.as_ref(), &on_hosts, size).await
        {
            self.remove_key(&key).await?;
            return Err(hosts_error(format!("subvolume {name}"), true, e));
        }
        Ok(sub)
    }

    /// Set subvolume `name`'s quota to `size` (growing under the over-commit ratio).
    pub async fn expand_subvolume(
        &self,
        name: &str,
        size: ByteSize,
    ) -> Result<Subvolume, StoreError> {
        let _serial = self.inner.block.lock().await;
        self.refresh().await?;
        let key = Key::new(Kind::Subvolume, name);
        let before: Subvolume = match self.seen(&key) {
            Some(e) => parse(&e, &self.location())?,
            None => return Err(StoreError::NotFound(name.to_string())),
        };
        let after = Subvolume {
            quota: size,
            ..before.clone()
        };
        let percent = self.inner.settings.subvolume_policy.overcommit_percent;
        self.commit_data(|p| {
            let mut model = lock(&p.inner.view).engine.model.clone();
            model
                .resize_subvolume(name, size, percent)
                .map_err(|e| StoreError::Model(Box::new(e)))?;
            let seen = p
                .seen(&key)
                .ok_or_else(|| StoreError::NotFound(name.into()))?;
            let txn = Txn::new().put(key.clone(), Expect::Revision(seen.revision), json(&after));
            Ok(p.touch(after.hosting, txn)?.0)
        })
        .await?;
        let on_hosts = self.subvolume_on_hosts(&after)?;
        if let Err(e) =
            gluster_exec::subvolume::expand(self.inner.executor.as_ref(), &on_hosts, size).await
        {
            self.commit_data(|p| {
                let seen = p
                    .seen(&key)
                    .ok_or_else(|| StoreError::NotFound(name.into()))?;
                Ok(Txn::new().put(key.clone(), Expect::Revision(seen.revision), json(&before)))
            })
            .await?;
            return Err(hosts_error(format!("expand subvolume {name}"), true, e));
        }
        Ok(after)
    }

    /// Delete subvolume `name`: its quota and directory on the hosts, then from the store.
    pub async fn delete_subvolume(&self, name: &str) -> Result<(), StoreError> {
        self.refresh().await?;
        let key = Key::new(Kind::Subvolume, name);
        let sub: Subvolume = match self.seen(&key) {
            Some(e) => parse(&e, &self.location())?,
            None => return Err(StoreError::NotFound(name.to_string())),
        };
        let on_hosts = self.subvolume_on_hosts(&sub)?;
        gluster_exec::subvolume::delete(self.inner.executor.as_ref(), &on_hosts)
            .await
            .map_err(|e| hosts_error(format!("delete subvolume {name}"), true, e))?;
        self.remove_key(&key).await
    }
}

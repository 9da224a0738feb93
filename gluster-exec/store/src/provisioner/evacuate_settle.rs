//! Settling an evacuation: every step ends either moved (the new brick in the volume, the
//! old one destroyed) or not (the new brick destroyed, the old one back in the store), as
//! the hosts' `volume info` says; then the store is committed to exactly that.

use std::collections::{BTreeMap, BTreeSet};

use gluster_exec::ops::{BrickAddress, VolumeRef};
use gluster_exec::plan_requests::brick_request;
use gluster_exec::ExecError;
use gluster_model::{Brick, BrickId, ByteSize, Device, DeviceId};
use gluster_placement::day2::ReplaceStep;
use gluster_placement::PlannedBrick;

use super::evacuate::{gluster_host, DeviceChanges, Evacuation};
use super::records::{json, parse};
use super::{Provisioner, MAX_ATTEMPTS};
use crate::error::StoreError;
use crate::key::{Expect, Key, Kind, Txn};

/// The old brick of a step as the plan of a brick (to destroy it).
fn old_planned(s: &ReplaceStep, old: &Brick) -> PlannedBrick {
    PlannedBrick {
        id: old.id,
        set: s.set,
        position: s.position,
        role: old.role,
        node: s.old.node.clone().into(),
        node_id: s.old.node_id,
        storage_host: s.old.storage_host.clone().into(),
        zone: s.old.zone,
        device: s.old.device.clone().into(),
        device_id: s.old.device_id,
        size_bytes: old.size,
        pool_bytes: old.pool_size,
        metadata_bytes: old.metadata_size,
        path: old.path.clone(),
    }
}

impl Provisioner {
    /// Ask the hosts which steps were done; destroy the old brick of each (out of its
    /// volume) and the new brick of every other (idempotent). The old brick ids moved.
    pub(super) async fn settle_hosts(
        &self,
        e: &Evacuation,
    ) -> Result<BTreeSet<BrickId>, ExecError> {
        let Some(host) = gluster_host(&e.plan) else {
            return Ok(BTreeSet::new());
        };
        let ex = self.inner.executor.as_ref();
        let mut bricks: BTreeMap<&str, Vec<BrickAddress>> = BTreeMap::new();
        for s in &e.plan.steps {
            if !bricks.contains_key(s.volume_name.as_str()) {
                let volume = VolumeRef {
                    host: host.clone(),
                    name: s.volume_name.clone(),
                };
                let info = ex.volume_info(&volume).await?;
                let addresses = info.bricks.into_iter().map(|b| b.address).collect();
                bricks.insert(&s.volume_name, addresses);
            }
        }
        let mut moved = BTreeSet::new();
        let mut destroy = Vec::new();
        for (s, old) in e.plan.steps.iter().zip(&e.old) {
            let has = |host: &str, path: &str| {
                bricks[s.volume_name.as_str()]
                    .iter()
                    .any(|b| b.host == host && b.path == path)
            };
            if has(&s.new.storage_host, &s.new.path) {
                moved.insert(old.id);
                destroy.push(brick_request(&old_planned(s, old)));
            } else if has(&s.old.storage_host, &old.path) {
                destroy.push(brick_request(&s.new));
            } else {
                return Err(ExecError::InvalidRequest(format!(
                    "volume {} holds neither {} nor its replacement {}:{}",
                    s.volume_name, s.old.host_path, s.new.storage_host, s.new.path
                )));
            }
        }
        let results = futures_util::future::join_all(destroy.iter().map(|b| ex.brick_destroy(b)));
        for r in results.await {
            r?;
        }
        Ok(moved)
    }

    /// Commit the settled evacuation: the pending operation ends; the steps not in `moved`
    /// are undone in the store (new brick removed, old one back, space swapped back) and,
    /// unless every step moved, the target's devices get their states back.
    pub(super) async fn settle_store(
        &self,
        key: &Key,
        e: &Evacuation,
        moved: &BTreeSet<BrickId>,
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            let result = async {
                let _locks = self.lock_device_ids(e.device_ids()).await;
                let Some(pending) = self.seen(key) else {
                    return Ok(()); // settled already
                };
                let txn = Txn::new().delete(key.clone(), Expect::Revision(pending.revision));
                let txn = self.settle_txn(e, moved, txn)?;
                self.commit(txn).await
            }
            .await;
            match result {
                Ok(()) => return self.forget(&key.id),
                Err(StoreError::Conflict { .. }) => self.refresh().await?,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::TooManyConflicts {
            attempts: MAX_ATTEMPTS,
        })
    }

    fn settle_txn(
        &self,
        e: &Evacuation,
        moved: &BTreeSet<BrickId>,
        mut txn: Txn,
    ) -> Result<Txn, StoreError> {
        if moved.len() == e.plan.steps.len() {
            return Ok(txn);
        }
        let guard = |k: &Key| {
            self.seen(k)
                .map_or(Expect::Absent, |entry| Expect::Revision(entry.revision))
        };
        let mut changes = DeviceChanges::default();
        let mut replaced: BTreeMap<BrickId, BrickId> = BTreeMap::new();
        for (s, old) in e.plan.steps.iter().zip(&e.old) {
            if moved.contains(&old.id) {
                replaced.insert(old.id, s.new.id);
                continue;
            }
            let new = s.new.to_model_brick(s.volume_id);
            let new_key = Key::new(Kind::Brick, new.id.to_string());
            txn = txn.delete(new_key.clone(), guard(&new_key));
            let old_key = Key::new(Kind::Brick, old.id.to_string());
            txn = txn.put(old_key.clone(), guard(&old_key), json(old));
            changes.give(&new)?;
            changes.take(old)?;
        }
        for v in &e.before {
            let mut v = v.clone();
            for id in v.brick_sets.iter_mut().flatten() {
                if let Some(new) = replaced.get(id) {
                    *id = *new;
                }
            }
            let k = Key::new(Kind::Volume, v.id.to_string());
            txn = txn.put(k.clone(), guard(&k), json(&v));
        }
        changes.states.extend(e.devices.iter().copied());
        self.device_changes(&changes, txn)
    }

    /// The device writes of `changes`, from the confirmed state, each guarded by the
    /// revision it was read at.
    pub(super) fn device_changes(
        &self,
        changes: &DeviceChanges,
        mut txn: Txn,
    ) -> Result<Txn, StoreError> {
        let mut ids: BTreeSet<DeviceId> = BTreeSet::new();
        ids.extend(changes.taken.iter().map(|(d, _)| *d));
        ids.extend(changes.given.iter().map(|(d, _)| *d));
        ids.extend(changes.states.iter().map(|(d, _)| *d));
        let location = self.location();
        let sum = |list: &[(DeviceId, ByteSize)], id: DeviceId| {
            list.iter()
                .filter(|(d, _)| *d == id)
                .try_fold(ByteSize::ZERO, |acc, (_, s)| acc.checked_add(*s))
                .ok_or(StoreError::Invalid("size overflows".into()))
        };
        for id in ids {
            let key = Key::new(Kind::Device, id.to_string());
            let entry = self.seen(&key).ok_or_else(|| StoreError::Conflict {
                key: key.to_string(),
                expected: "present".into(),
                found: "absent".into(),
            })?;
            let mut device: Device = parse(&entry, &location)?;
            let (taken, given) = (sum(&changes.taken, id)?, sum(&changes.given, id)?);
            device.used = device
                .used
                .checked_sub(given)
                .and_then(|u| u.checked_add(taken))
                .filter(|u| *u <= device.total)
                .ok_or_else(|| StoreError::Conflict {
                    key: key.to_string(),
                    expected: format!("room for {taken} after giving back {given}"),
                    found: format!("{} used of {}", device.used, device.total),
                })?;
            if let Some((_, state)) = changes.states.iter().find(|(d, _)| *d == id) {
                device.state = *state;
            }
            txn = txn.put(key, Expect::Revision(entry.revision), json(&device));
        }
        Ok(txn)
    }

    /// Recovery of a pending evacuation: with `finish`, run the steps not yet done again;
    /// then settle. Ok(true) when every brick moved.
    pub(super) async fn recover_evacuation(
        &self,
        key: &Key,
        e: Evacuation,
        finish: bool,
    ) -> Result<bool, StoreError> {
        let hosts = |what: &str, error: ExecError| StoreError::Hosts {
            what: format!("{what} {key}"),
            rolled_back: false,
            source: Box::new(error),
        };
        if finish {
            let done = self
                .settle_hosts_done(&e)
                .await
                .map_err(|err| hosts("finishing", err))?;
            let mut rest = e.plan.clone();
            rest.steps.retain(|s| !done.contains(&s.old.id));
            // A failure is settled below: the steps it did not reach are rolled back.
            let _ = self.run_evacuation(&rest).await;
        }
        let moved = self
            .settle_hosts(&e)
            .await
            .map_err(|err| hosts("settling", err))?;
        self.settle_store(key, &e, &moved).await?;
        Ok(moved.len() == e.plan.steps.len())
    }

    /// The steps whose new brick is in its volume on the hosts (nothing destroyed).
    async fn settle_hosts_done(&self, e: &Evacuation) -> Result<BTreeSet<BrickId>, ExecError> {
        let Some(host) = gluster_host(&e.plan) else {
            return Ok(BTreeSet::new());
        };
        let ex = self.inner.executor.as_ref();
        let mut done = BTreeSet::new();
        for s in &e.plan.steps {
            let volume = VolumeRef {
                host: host.clone(),
                name: s.volume_name.clone(),
            };
            let info = ex.volume_info(&volume).await?;
            let new = &s.new;
            if info
                .bricks
                .iter()
                .any(|b| b.address.host == *new.storage_host && b.address.path == new.path)
            {
                done.insert(s.old.id);
            }
        }
        Ok(done)
    }
}

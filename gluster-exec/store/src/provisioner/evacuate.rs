//! Evacuating a device, node or zone (day 2): replace-brick every brick on it.
//!
//! Reserve: one transaction guarded by the revisions it read writes the pending operation,
//! the touched volumes with their new bricks, the new bricks, the old bricks' removal, the
//! devices' space (the new bricks' taken, the old ones' given back) and the target's devices
//! offline, so that nothing new lands where the old bricks still are on the hosts. Run: the
//! replace-brick waves. Settle ([`super::evacuate_settle`]): every step ends either moved or
//! not; the store is committed to exactly what the hosts hold.

use std::collections::BTreeSet;

use gluster_exec::day2::{apply_replace_waves, HealWait};
use gluster_model::{Brick, BrickId, DeviceId, EntityState, Volume, VolumeId};
use gluster_placement::day2::{Day2Settings, EvacuationPlan, EvacuationTarget};

use super::records::{delete_key, evacuate_key, expand_key, json, PendingOp};
use super::{lock, Provisioner, Spec, MAX_ATTEMPTS};
use crate::error::StoreError;
use crate::key::{Expect, Key, Kind, Txn};

/// An evacuation's intent: what a pending [`PendingOp::Evacuate`] holds.
#[derive(Debug, Clone)]
pub(super) struct Evacuation {
    pub(super) plan: EvacuationPlan,
    pub(super) before: Vec<Volume>,
    pub(super) old: Vec<Brick>,
    pub(super) devices: Vec<(DeviceId, EntityState)>,
}

impl Evacuation {
    pub(super) fn pending(&self) -> PendingOp {
        PendingOp::Evacuate {
            plan: self.plan.clone(),
            before: self.before.clone(),
            old: self.old.clone(),
            devices: self.devices.clone(),
        }
    }

    /// Every device the evacuation changes: the old and new bricks' and the target's.
    pub(super) fn device_ids(&self) -> Vec<DeviceId> {
        let mut ids: Vec<DeviceId> = self.devices.iter().map(|(d, _)| *d).collect();
        ids.extend(self.old.iter().map(|b| b.device));
        ids.extend(self.plan.steps.iter().map(|s| s.new.device_id));
        ids
    }

    /// The old brick ids of every step.
    pub(super) fn all_steps(&self) -> BTreeSet<BrickId> {
        self.plan.steps.iter().map(|s| s.old.id).collect()
    }
}

impl Provisioner {
    /// Move every brick off `target` (a device, a node or a zone) with Gluster's
    /// `replace-brick`, wave by wave (see [`gluster_exec::day2`]); the plan carried out.
    ///
    /// `settings` gives the volumes' zone and tag policies; its `placement` is replaced by
    /// the provisioner's own. The target's devices are taken offline (so no new brick lands
    /// on them) and stay offline once it is empty. When a step fails on the hosts, the
    /// bricks already moved stay moved (a replace-brick is not undone: the old brick is out
    /// of the volume), the others are rolled back, and the store is committed to what the
    /// hosts hold: the error's `rolled_back` then means that store and hosts agree and
    /// nothing is pending; its text says how many bricks moved. When the hosts cannot tell
    /// (a node unreachable), the evacuation stays pending for [`Provisioner::recover`].
    pub async fn evacuate(
        &self,
        target: EvacuationTarget,
        settings: &Day2Settings,
    ) -> Result<EvacuationPlan, StoreError> {
        let key = evacuate_key(target);
        let mut settings = settings.clone();
        settings.placement = self.inner.settings.clone();
        let evacuation = self.reserve_evacuation(target, &key, &settings).await?;
        let plan = &evacuation.plan;
        if let Err(error) = self.run_evacuation(plan).await {
            let n = plan.steps.len();
            return match self.settle_hosts(&evacuation).await {
                Ok(moved) => {
                    self.settle_store(&key, &evacuation, &moved).await?;
                    Err(StoreError::Hosts {
                        what: format!(
                            "evacuate {target}: {} of {n} bricks moved, the other {} rolled back",
                            moved.len(),
                            n - moved.len()
                        ),
                        rolled_back: true,
                        source: Box::new(error),
                    })
                }
                Err(_) => Err(StoreError::Hosts {
                    what: format!("evacuate {target}"),
                    rolled_back: false,
                    source: Box::new(error),
                }),
            };
        }
        self.settle_store(&key, &evacuation, &evacuation.all_steps())
            .await?;
        Ok(evacuation.plan)
    }

    /// Prepare the new bricks' devices, then run the replace-brick waves.
    pub(super) async fn run_evacuation(
        &self,
        plan: &EvacuationPlan,
    ) -> Result<(), gluster_exec::ExecError> {
        let Some(host) = gluster_host(plan) else {
            return Ok(());
        };
        let new: Vec<_> = plan.steps.iter().map(|s| s.new.clone()).collect();
        self.prepare_devices(&new).await?;
        let ex = self.inner.executor.as_ref();
        apply_replace_waves(ex, &host, &plan.steps, self.heal_wait())
            .await
            .map_err(|e| e.error)
    }

    /// How long a wave waits for the volumes to heal.
    fn heal_wait(&self) -> HealWait {
        HealWait::default()
    }

    /// Plan on the current state and commit the intent with its reservation; re-planned
    /// after a conflicting commit.
    async fn reserve_evacuation(
        &self,
        target: EvacuationTarget,
        key: &Key,
        settings: &Day2Settings,
    ) -> Result<Evacuation, StoreError> {
        let seed = gluster_model::stable_hash128(&["gluster-store evacuate", &key.id]) as u64;
        for _ in 0..MAX_ATTEMPTS {
            if self.seen(key).is_some() {
                return Err(StoreError::InProgress(format!("evacuate {target}")));
            }
            let evacuation = {
                let view = lock(&self.inner.view);
                let plan = view.engine.plan_evacuation(target, settings, seed)?;
                let m = &view.engine.model;
                let volumes: BTreeSet<VolumeId> = plan.steps.iter().map(|s| s.volume_id).collect();
                Evacuation {
                    before: volumes
                        .iter()
                        .filter_map(|v| m.volume(*v).cloned())
                        .collect(),
                    old: plan
                        .steps
                        .iter()
                        .filter_map(|s| m.brick(s.old.id).cloned())
                        .collect(),
                    devices: view.engine.target_devices(target),
                    plan,
                }
            };
            if evacuation.old.len() != evacuation.plan.steps.len() {
                return Err(StoreError::Invalid(format!(
                    "evacuate {target}: a brick of the plan is not in the store"
                )));
            }
            if let Some(v) = evacuation.before.iter().find(|v| self.busy(v.id)) {
                return Err(StoreError::InProgress(format!(
                    "an operation on volume {}",
                    v.id
                )));
            }
            let after = {
                let mut view = lock(&self.inner.view);
                let taken = view
                    .engine
                    .take_evacuation(&evacuation.plan, &evacuation.devices);
                taken.map(|()| {
                    view.speculative.insert(
                        key.id.clone(),
                        Spec::Evacuate(evacuation.plan.clone(), evacuation.devices.clone()),
                    );
                    let m = &view.engine.model;
                    let after: Vec<Volume> = evacuation
                        .before
                        .iter()
                        .filter_map(|v| m.volume(v.id).cloned())
                        .collect();
                    after
                })
            };
            let result = match after {
                Ok(after) => self.commit_evacuation(key, &evacuation, &after).await,
                // The engine changed since the plan (a concurrent reservation): plan again.
                Err(_) => Err(StoreError::Conflict {
                    key: key.to_string(),
                    expected: "the planned state".into(),
                    found: "a changed one".into(),
                }),
            };
            match result {
                Ok(()) => {
                    lock(&self.inner.view).speculative.remove(&key.id);
                    return Ok(evacuation);
                }
                Err(e) => {
                    self.forget(&key.id)?;
                    match e {
                        StoreError::Conflict { .. } => self.refresh().await?,
                        e => return Err(e),
                    }
                }
            }
        }
        Err(StoreError::TooManyConflicts {
            attempts: MAX_ATTEMPTS,
        })
    }

    /// The reservation: see the module docs.
    async fn commit_evacuation(
        &self,
        key: &Key,
        e: &Evacuation,
        after: &[Volume],
    ) -> Result<(), StoreError> {
        let _locks = self.lock_device_ids(e.device_ids()).await;
        let present = |k: Key| {
            self.seen(&k)
                .map(|entry| (k.clone(), Expect::Revision(entry.revision)))
                .ok_or_else(|| StoreError::Conflict {
                    key: k.to_string(),
                    expected: "present".into(),
                    found: "absent".into(),
                })
        };
        let mut txn = Txn::new().put(key.clone(), Expect::Absent, json(&e.pending()));
        for v in after {
            let (k, guard) = present(Key::new(Kind::Volume, v.id.to_string()))?;
            txn = txn
                .put(k, guard, json(v))
                .check(expand_key(v.id), Expect::Absent)
                .check(delete_key(v.id), Expect::Absent);
        }
        for b in &e.old {
            let (k, guard) = present(Key::new(Kind::Brick, b.id.to_string()))?;
            txn = txn.delete(k, guard);
        }
        let mut changes = DeviceChanges::default();
        for (s, old) in e.plan.steps.iter().zip(&e.old) {
            let new = s.new.to_model_brick(s.volume_id);
            txn = txn.put(
                Key::new(Kind::Brick, new.id.to_string()),
                Expect::Absent,
                json(&new),
            );
            changes.take(&new)?;
            changes.give(old)?;
        }
        for (id, state) in &e.devices {
            if *state == EntityState::Online {
                changes.states.push((*id, EntityState::Offline));
            }
        }
        let txn = self.device_changes(&changes, txn)?;
        self.commit(txn).await
    }
}

/// The manage hostname gluster commands of `plan` run on: a node outside the target (the
/// node of the first new brick).
pub(super) fn gluster_host(plan: &EvacuationPlan) -> Option<String> {
    plan.steps.first().map(|s| s.new.node.to_string())
}

/// Space taken and given back and states set, by device.
#[derive(Debug, Default)]
pub(super) struct DeviceChanges {
    pub(super) taken: Vec<(DeviceId, gluster_model::ByteSize)>,
    pub(super) given: Vec<(DeviceId, gluster_model::ByteSize)>,
    pub(super) states: Vec<(DeviceId, EntityState)>,
}

impl DeviceChanges {
    pub(super) fn take(&mut self, b: &Brick) -> Result<(), StoreError> {
        let s = b
            .space()
            .ok_or(StoreError::Invalid("brick size overflows".into()))?;
        self.taken.push((b.device, s));
        Ok(())
    }

    pub(super) fn give(&mut self, b: &Brick) -> Result<(), StoreError> {
        let s = b
            .space()
            .ok_or(StoreError::Invalid("brick size overflows".into()))?;
        self.given.push((b.device, s));
        Ok(())
    }
}

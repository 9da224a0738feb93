//! Expanding a volume: reserve the new sets' bricks and the grown volume, `add-brick` on the
//! hosts, then finalize or give the space back.

use gluster_exec::day2::apply_expand;
use gluster_model::{ByteSize, Volume, VolumeId};
use gluster_placement::day2::{ExpandBy, ExpandPlan};

use super::records::{expand_key, json, PendingOp};
use super::{lock, Provisioner, Spec, MAX_ATTEMPTS};
use crate::error::StoreError;
use crate::key::{Expect, Key, Kind, Txn};

impl Provisioner {
    /// Add brick sets to `volume` (Gluster's `add-brick`); its new size.
    pub async fn expand(&self, volume: VolumeId, by: ExpandBy) -> Result<ByteSize, StoreError> {
        let key = expand_key(volume);
        let mut attempts = 0;
        let (plan, before) = loop {
            attempts += 1;
            if attempts > MAX_ATTEMPTS {
                return Err(StoreError::TooManyConflicts {
                    attempts: MAX_ATTEMPTS,
                });
            }
            if self.busy(volume) {
                return Err(StoreError::InProgress(format!(
                    "an operation on volume {volume}"
                )));
            }
            let (plan, before, grown) = {
                let mut view = lock(&self.inner.view);
                let before = view
                    .engine
                    .model
                    .volume(volume)
                    .cloned()
                    .ok_or_else(|| StoreError::NotFound(volume.to_string()))?;
                let seed = gluster_model::stable_hash128(&[
                    "gluster-store expand",
                    &volume.to_string(),
                    &before.brick_sets.len().to_string(),
                ]) as u64;
                let plan = view
                    .engine
                    .plan_expand(volume, by, &self.inner.settings, seed)?;
                view.engine.take_expand(&plan)?;
                let grown = view.engine.model.volume(volume).cloned();
                view.speculative
                    .insert(key.id.clone(), Spec::Expand(plan.clone()));
                (plan, before, grown)
            };
            let result = match grown {
                Some(grown) => self.reserve_expand(&key, &plan, &before, &grown).await,
                None => Err(StoreError::NotFound(volume.to_string())),
            };
            match result {
                Ok(()) => break (plan, before),
                Err(e) => {
                    self.forget(&key.id)?;
                    match e {
                        StoreError::Conflict { .. } => self.refresh().await?,
                        e => return Err(e),
                    }
                }
            }
        };
        lock(&self.inner.view).speculative.remove(&key.id);
        let host = self.first_host(&before)?;
        if let Err(e) = self.prepare_devices(&plan.bricks).await {
            // Nothing was added to the volume: give the space back.
            self.release_expand(&key, &plan, &before).await?;
            return Err(StoreError::Hosts {
                what: format!("expand volume {volume}"),
                rolled_back: true,
                source: Box::new(e),
            });
        }
        match apply_expand(
            self.inner.executor.as_ref(),
            &host,
            before.durability,
            &plan,
        )
        .await
        {
            Ok(()) => {
                self.end_pending(&key).await?;
                before
                    .size
                    .checked_add(plan.added_size)
                    .ok_or(StoreError::Invalid("volume size overflows".into()))
            }
            Err(e) => {
                // apply_expand removes the bricks it made but ignores failures doing so:
                // remove them again (idempotent) and release only once they are gone.
                let rolled_back = self.destroy_new_bricks(&plan).await.is_ok();
                if rolled_back {
                    self.release_expand(&key, &plan, &before).await?;
                }
                Err(StoreError::Hosts {
                    what: format!("expand volume {volume}"),
                    rolled_back,
                    source: Box::new(e.error),
                })
            }
        }
    }

    /// Prepare the devices the new sets land on (some may hold no brick yet; idempotent),
    /// as a create's plan does before its bricks.
    pub(super) async fn prepare_devices(
        &self,
        bricks: &[gluster_placement::PlannedBrick],
    ) -> Result<(), gluster_exec::ExecError> {
        let mut seen = std::collections::BTreeSet::new();
        for b in bricks.iter().filter(|b| seen.insert(b.device_id)) {
            let setup = gluster_exec::ops::DeviceSetup {
                host: b.node.to_string(),
                device_id: b.device_id,
                device: b.device.to_string(),
            };
            self.inner.executor.device_setup(&setup).await?;
        }
        Ok(())
    }

    /// Destroy every new brick of an expansion that did not reach the volume.
    pub(super) async fn destroy_new_bricks(
        &self,
        plan: &ExpandPlan,
    ) -> Result<(), gluster_exec::ExecError> {
        let ex = self.inner.executor.as_ref();
        let requests: Vec<_> = plan
            .bricks
            .iter()
            .map(gluster_exec::plan_requests::brick_request)
            .collect();
        for r in futures_util::future::join_all(requests.iter().map(|r| ex.brick_destroy(r))).await
        {
            r?;
        }
        Ok(())
    }

    /// Drop a speculative reservation and rebuild the engine without it.
    pub(super) fn forget(&self, id: &str) -> Result<(), StoreError> {
        let location = self.location();
        let mut view = lock(&self.inner.view);
        view.speculative.remove(id);
        view.rebuild(&location)
    }

    /// Whether an operation on `volume` is pending.
    pub(super) fn busy(&self, volume: VolumeId) -> bool {
        let keys: Vec<Key> = lock(&self.inner.view)
            .entries
            .keys()
            .filter(|k| k.kind == Kind::Pending)
            .cloned()
            .collect();
        keys.iter()
            .any(|k| self.pending_volumes(k).contains(&volume))
    }

    /// The manage hostname of the node of a volume's first brick (where gluster runs).
    pub(super) fn first_host(&self, volume: &Volume) -> Result<String, StoreError> {
        let view = lock(&self.inner.view);
        let m = &view.engine.model;
        volume
            .brick_ids()
            .next()
            .and_then(|b| m.brick(b))
            .and_then(|b| m.node(b.node))
            .map(|n| n.manage_hostname.clone())
            .ok_or_else(|| StoreError::NotFound(format!("a brick of volume {}", volume.id)))
    }

    /// Remove a pending key as this provisioner last saw it.
    pub(super) async fn end_pending(&self, key: &Key) -> Result<(), StoreError> {
        match self.seen(key) {
            Some(e) => {
                self.commit(Txn::new().delete(e.key, Expect::Revision(e.revision)))
                    .await
            }
            None => Ok(()),
        }
    }

    async fn reserve_expand(
        &self,
        key: &Key,
        plan: &ExpandPlan,
        before: &Volume,
        grown: &Volume,
    ) -> Result<(), StoreError> {
        let _locks = self.lock_devices(&plan.bricks).await;
        let volume_key = Key::new(Kind::Volume, before.id.to_string());
        let seen = self
            .seen(&volume_key)
            .ok_or_else(|| StoreError::NotFound(before.id.to_string()))?;
        let pending = PendingOp::Expand {
            plan: plan.clone(),
            before: before.clone(),
        };
        let mut txn = Txn::new()
            .put(key.clone(), Expect::Absent, json(&pending))
            .put(volume_key, Expect::Revision(seen.revision), json(grown));
        for b in &plan.bricks {
            let brick = b.to_model_brick(before.id);
            txn = txn.put(
                Key::new(Kind::Brick, b.id.to_string()),
                Expect::Absent,
                json(&brick),
            );
        }
        let txn = self.device_writes(&plan.bricks, true, txn)?;
        self.commit(txn).await
    }

    /// Put the volume back as it was, remove the new bricks, give their space back.
    pub(super) async fn release_expand(
        &self,
        key: &Key,
        plan: &ExpandPlan,
        before: &Volume,
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            let result = async {
                let _locks = self.lock_devices(&plan.bricks).await;
                let guard = |k: &Key| {
                    self.seen(k)
                        .map_or(Expect::Absent, |e| Expect::Revision(e.revision))
                };
                let volume_key = Key::new(Kind::Volume, before.id.to_string());
                let mut txn = Txn::new();
                if self.seen(key).is_some() {
                    txn = txn.delete(key.clone(), guard(key));
                }
                txn = txn.put(volume_key.clone(), guard(&volume_key), json(before));
                let mut present = false;
                for b in &plan.bricks {
                    let k = Key::new(Kind::Brick, b.id.to_string());
                    if self.seen(&k).is_some() {
                        present = true;
                        txn = txn.delete(k.clone(), guard(&k));
                    }
                }
                if present {
                    txn = self.device_writes(&plan.bricks, false, txn)?;
                }
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
}

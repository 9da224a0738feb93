//! Volumes and block volumes of the in-process backend: plan and reserve under the lock,
//! run without it, then reveal or release.

use gluster_exec::day2::{apply_block, apply_expand};
use gluster_exec::ops::{BlockVolumeDelete, BrickDestroy, DeviceSetup, VolumeRef};
use gluster_exec::Cancel;
use gluster_model::{BlockVolumeId, BrickRole, ByteSize, Model, Volume, VolumeCommit, VolumeId};
use gluster_placement::block::BlockHost;
use gluster_placement::day2::{plan_expand, Day2Settings, ExpandBy, VolumePolicy};
use gluster_placement::{plan_block_volume, BlockRequest, VolumeRequest};

use super::{not_found, InProcessBackend, State};
use crate::backend::BackendError;

/// The manage hostname of the node of the volume's first brick (where gluster commands
/// for the volume run).
fn volume_host(model: &Model, volume: &Volume) -> Result<String, BackendError> {
    volume
        .brick_ids()
        .filter_map(|b| model.brick(b))
        .find_map(|b| model.node(b.node))
        .map(|n| n.manage_hostname.clone())
        .ok_or_else(|| BackendError::Internal(format!("volume {} has no brick", volume.id)))
}

/// Every brick of `volume` as a destroy request.
fn brick_requests(model: &Model, volume: &Volume) -> Vec<BrickDestroy> {
    volume
        .brick_ids()
        .filter_map(|id| model.brick(id))
        .filter_map(|b| {
            let node = model.node(b.node)?;
            let device = model.device(b.device)?;
            Some(BrickDestroy {
                host: node.manage_hostname.clone(),
                device_id: b.device,
                device: device.name.clone(),
                brick_id: b.id,
                size: b.size,
                pool_size: b.pool_size,
                metadata_size: b.metadata_size,
                arbiter: b.role == BrickRole::Arbiter,
                path: b.path.clone(),
            })
        })
        .collect()
}

/// Undo a reservation: drop the volume from the model and rebuild the planner.
fn release(st: &mut State, id: VolumeId) {
    let _ = st.model.delete_volume(id);
    st.pending.remove(&id);
    st.policies.remove(&id);
    st.planner = None;
}

impl InProcessBackend {
    pub(super) async fn create_volume_impl(
        &self,
        request: VolumeRequest,
    ) -> Result<VolumeId, BackendError> {
        let plan = {
            let mut st = self.lock();
            if let Some(c) = request.cluster {
                st.model.cluster(c).ok_or_else(|| not_found("cluster", c))?;
            }
            let seed = self.seed();
            let planner = st.planner(&self.settings);
            let plan = planner.plan(&request, seed)?;
            planner.commit(&plan)?;
            if let Err(e) = plan.commit_to(&mut st.model) {
                st.planner = None;
                return Err(e.into());
            }
            st.pending.insert(plan.volume_id);
            st.policies
                .insert(plan.volume_id, VolumePolicy::from_request(&request));
            plan
        };
        match self.runner.apply(&plan, &Cancel::new()).await {
            Ok(_) => {
                self.lock().pending.remove(&plan.volume_id);
                Ok(plan.volume_id)
            }
            Err(e) => {
                release(&mut self.lock(), plan.volume_id);
                Err(BackendError::Exec(e.to_string()))
            }
        }
    }

    pub(super) async fn expand_volume_impl(
        &self,
        id: VolumeId,
        by: ByteSize,
    ) -> Result<(), BackendError> {
        let (plan, old, old_bricks, host) = {
            let mut st = self.lock();
            let volume = st.ready_volume(id, true)?.clone();
            let old_bricks: Vec<_> = volume
                .brick_ids()
                .filter_map(|b| st.model.brick(b).cloned())
                .collect();
            let host = volume_host(&st.model, &volume)?;
            let mut settings = Day2Settings {
                placement: self.settings.clone(),
                ..Day2Settings::default()
            };
            if let Some(p) = st.policies.get(&id) {
                settings.volume_policies.insert(id, p.clone());
            }
            let plan = plan_expand(&st.model, id, ExpandBy::Size(by), &settings, self.seed())?;
            plan.commit_to(&mut st.model)?;
            st.planner = None;
            st.busy.insert(id);
            (plan, volume, old_bricks, host)
        };
        let result = async {
            // New sets may land on devices that hold no brick yet: prepare them (idempotent).
            let mut seen = std::collections::BTreeSet::new();
            for b in plan.bricks.iter().filter(|b| seen.insert(b.device_id)) {
                let setup = DeviceSetup {
                    host: b.node.to_string(),
                    device_id: b.device_id,
                    device: b.device.to_string(),
                };
                self.executor
                    .device_setup(&setup)
                    .await
                    .map_err(|e| format!("expand {}: device setup: {e}", plan.volume_name))?;
            }
            apply_expand(self.executor.as_ref(), &host, old.durability, &plan)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        let mut st = self.lock();
        st.busy.remove(&id);
        st.planner = None;
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                // The hosts are as before: so is the model.
                let restored = st.model.delete_volume(id).and_then(|_| {
                    st.model.commit_volume(VolumeCommit {
                        volume: old,
                        bricks: old_bricks,
                    })
                });
                match restored {
                    Ok(()) => Err(BackendError::Exec(e.to_string())),
                    Err(m) => Err(BackendError::Internal(format!(
                        "{e}; restoring volume {id} in the model failed: {m}"
                    ))),
                }
            }
        }
    }

    pub(super) async fn delete_volume_impl(&self, id: VolumeId) -> Result<(), BackendError> {
        let (volume, host, bricks) = {
            let mut st = self.lock();
            let volume = st.ready_volume(id, true)?.clone();
            if let Some(b) = volume
                .block_hosting
                .as_ref()
                .and_then(|h| h.block_volumes.first())
            {
                return Err(BackendError::Conflict(format!(
                    "volume {id} hosts block volume {b}: delete it first"
                )));
            }
            let host = volume_host(&st.model, &volume)?;
            let bricks = brick_requests(&st.model, &volume);
            st.busy.insert(id);
            (volume, host, bricks)
        };
        let vref = VolumeRef {
            host,
            name: volume.name.clone(),
        };
        let result = async {
            let ex = self.executor.as_ref();
            ex.volume_stop(&vref)
                .await
                .map_err(|e| ("volume stop", e))?;
            ex.volume_delete(&vref)
                .await
                .map_err(|e| ("volume delete", e))?;
            for b in &bricks {
                ex.brick_destroy(b)
                    .await
                    .map_err(|e| ("brick destroy", e))?;
            }
            Ok::<(), (&str, gluster_exec::ExecError)>(())
        }
        .await;
        let mut st = self.lock();
        st.busy.remove(&id);
        match result {
            Ok(()) => {
                st.model.delete_volume(id)?;
                st.policies.remove(&id);
                st.planner = None;
                Ok(())
            }
            Err((what, e)) => Err(BackendError::Exec(format!(
                "delete volume {}: {what}: {e} (the volume stays; retry the delete)",
                volume.name
            ))),
        }
    }

    pub(super) async fn create_block_volume_impl(
        &self,
        request: BlockRequest,
    ) -> Result<BlockVolumeId, BackendError> {
        let (plan, host, new_hosting) = {
            let mut st = self.lock();
            if let Some(c) = request.cluster {
                st.model.cluster(c).ok_or_else(|| not_found("cluster", c))?;
            }
            let plan = plan_block_volume(&st.model, &request, &self.settings, self.seed())?;
            let (host, new_hosting) = match &plan.host {
                BlockHost::Existing { volume_id, .. } => {
                    let v = st
                        .model
                        .volume(*volume_id)
                        .ok_or_else(|| not_found("volume", volume_id))?;
                    (volume_host(&st.model, v)?, None)
                }
                BlockHost::New { plan: hosting, .. } => {
                    let first = hosting.bricks.first().ok_or_else(|| {
                        BackendError::Internal("a hosting volume plan without bricks".into())
                    })?;
                    (first.node.to_string(), Some(hosting.volume_id))
                }
            };
            plan.commit_to(&mut st.model)?;
            st.planner = None;
            if let Some(v) = new_hosting {
                st.pending.insert(v);
            }
            (plan, host, new_hosting)
        };
        let result = apply_block(&self.runner, self.executor.as_ref(), &host, &plan).await;
        let mut st = self.lock();
        match result {
            Ok(()) => {
                if let Some(v) = new_hosting {
                    st.pending.remove(&v);
                }
                Ok(plan.id)
            }
            Err(e) => {
                let _ = st.model.delete_block_volume(plan.id);
                if let Some(v) = new_hosting {
                    release(&mut st, v);
                }
                st.planner = None;
                Err(BackendError::Exec(e.to_string()))
            }
        }
    }

    pub(super) async fn delete_block_volume_impl(
        &self,
        id: BlockVolumeId,
    ) -> Result<(), BackendError> {
        let request = {
            let st = self.lock();
            let block = st
                .model
                .block_volume(id)
                .ok_or_else(|| not_found("block volume", id))?;
            let hosting = st
                .model
                .volume(block.hosting_volume)
                .ok_or_else(|| not_found("volume", block.hosting_volume))?;
            BlockVolumeDelete {
                host: volume_host(&st.model, hosting)?,
                hosting_volume: hosting.name.clone(),
                name: block.name.clone(),
            }
        };
        self.executor
            .block_volume_delete(&request)
            .await
            .map_err(|e| BackendError::Exec(format!("block volume delete: {e}")))?;
        self.lock().model.delete_block_volume(id)?;
        Ok(())
    }
}

//! Block volumes on the store: place into a block-hosting volume with room (or create one
//! first, as a volume of its own), record the block volume and charge its hosting volume in
//! one transaction guarded by the hosting volume's revision, run `gluster-block` on the
//! hosts, then end the pending operation (or give the size back).

use std::collections::HashSet;

use gluster_model::{BlockHosting, BlockVolume, BlockVolumeId, ByteSize, Model, Volume};
use gluster_placement::block::{block_space, BlockHost};
use gluster_placement::{plan_block_volume, BlockRequest, VolumeRequest};

use super::records::{block_create_key, block_delete_key, json, parse, PendingOp};
use super::view::View;
use super::{check_request_name, lock, seed_of, Provisioner, MAX_ATTEMPTS};
use crate::error::StoreError;
use crate::key::{Entry, Expect, Key, Kind, Txn};

/// What a new block-hosting volume of `size` offers: its size minus Heketi's reserve.
pub(super) fn hosting_of(size: ByteSize) -> BlockHosting {
    let free = block_space(size);
    BlockHosting {
        free_size: free,
        reserved_size: size.saturating_sub(free),
        block_volumes: Vec::new(),
        restricted: false,
    }
}

/// The model block placement sees: the stored entries plus this process's unconfirmed
/// reservations, with every hosting volume whose create is still pending restricted (no
/// block volume goes into a volume the hosts may not have yet).
fn block_model(view: &View, location: &str) -> Result<Model, StoreError> {
    let mut pending: HashSet<String> = HashSet::new();
    for e in view
        .entries
        .values()
        .filter(|e| e.key.kind == Kind::Pending)
    {
        if let Ok(op @ PendingOp::Create { .. }) = parse::<PendingOp>(e, location) {
            pending.insert(op.volume().to_string());
        }
    }
    let mut entries: Vec<Entry> = Vec::with_capacity(view.entries.len());
    for e in view.entries.values() {
        if !(e.key.kind == Kind::Volume && pending.contains(&e.key.id)) {
            entries.push(e.clone());
            continue;
        }
        let mut volume: Volume = parse(e, location)?;
        if let Some(h) = volume.block_hosting.as_mut() {
            h.restricted = true;
        }
        entries.push(Entry {
            value: json(&volume),
            ..e.clone()
        });
    }
    // A reservation in flight: its space is taken, its volume hosts nothing yet.
    Ok(view.engine_of(entries.iter(), location)?.model)
}

impl Provisioner {
    /// Rebuild the engine from the entries (after block operations, which the engine does
    /// not follow incrementally).
    fn rebuild_view(&self) -> Result<(), StoreError> {
        let location = self.location();
        lock(&self.inner.view).rebuild(&location)
    }

    /// Create a block volume for the request `name` (which seeds its id): into the
    /// block-hosting volume with the most room, or into a new one created first. The block
    /// volume as stored.
    pub async fn create_block(
        &self,
        name: &str,
        request: &BlockRequest,
    ) -> Result<BlockVolume, StoreError> {
        check_request_name(name)?;
        let serial = self.inner.block.lock().await;
        let (block, hosting, host) = 'placed: {
            for attempt in 1..=MAX_ATTEMPTS {
                self.refresh().await?;
                let plan = {
                    let view = lock(&self.inner.view);
                    let model = block_model(&view, &self.location())?;
                    plan_block_volume(&model, request, &self.inner.settings, seed_of(name))?
                };
                let (volume_id, volume_name) = match &plan.host {
                    BlockHost::Existing {
                        volume_id,
                        volume_name,
                        ..
                    } => (*volume_id, volume_name.clone()),
                    BlockHost::New { plan: hosting, .. } => {
                        let mut req = VolumeRequest::new(hosting.size_bytes, hosting.durability);
                        req.options = hosting.options.clone();
                        req.cluster = Some(hosting.cluster);
                        let hosting_name = format!("block-hosting:{name}:{attempt}");
                        self.create_as(&hosting_name, &req, true).await?;
                        self.rebuild_view()?;
                        continue; // placed into it on the next round
                    }
                };
                let block = BlockVolume {
                    id: plan.id,
                    cluster: plan.cluster,
                    name: plan.name.clone(),
                    size: plan.size,
                    hosting_volume: volume_id,
                    ha_hosts: plan.ha_hosts.clone(),
                };
                let before = self
                    .seen(&Key::new(Kind::Volume, volume_id.to_string()))
                    .ok_or_else(|| StoreError::NotFound(volume_id.to_string()))?;
                let host = self.first_host(&parse(&before, &self.location())?)?;
                let pending = PendingOp::BlockCreate {
                    block: block.clone(),
                    hosting: volume_name.clone(),
                    host: host.clone(),
                };
                let txn = Txn::new()
                    .put(
                        Key::new(Kind::BlockVolume, block.id.to_string()),
                        Expect::Absent,
                        json(&block),
                    )
                    .put(block_create_key(block.id), Expect::Absent, json(&pending));
                match self.charge_hosting(&block, true, txn) {
                    Ok(txn) => match self.commit(txn).await {
                        Ok(()) => break 'placed (block, volume_name, host),
                        Err(StoreError::Conflict { .. }) => continue,
                        Err(e) => return Err(e),
                    },
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(e) => return Err(e),
                }
            }
            return Err(StoreError::TooManyConflicts {
                attempts: MAX_ATTEMPTS,
            });
        };
        self.rebuild_view()?;
        drop(serial);
        let request = gluster_exec::ops::BlockVolumeCreate {
            host: host.clone(),
            hosting_volume: hosting.clone(),
            name: block.name.clone(),
            size: block.size,
            ha_hosts: block.ha_hosts.clone(),
        };
        match self.inner.executor.block_volume_create(&request).await {
            Ok(()) => {
                self.end_pending(&block_create_key(block.id)).await?;
                Ok(block)
            }
            Err(error) => {
                // Undo what may have been made (idempotent), then give the size back.
                let undo = self.block_delete_on_hosts(&block, &hosting, &host).await;
                let rolled_back = undo.is_ok();
                if rolled_back {
                    self.release_block(&block_create_key(block.id), &block)
                        .await?;
                }
                Err(StoreError::Hosts {
                    what: format!("create block volume {}", block.name),
                    rolled_back,
                    source: Box::new(error),
                })
            }
        }
    }

    /// Delete a block volume on the hosts, then remove it and give its size back to its
    /// hosting volume.
    pub async fn delete_block(&self, id: BlockVolumeId) -> Result<(), StoreError> {
        let key = block_delete_key(id);
        let (block, hosting, host) = loop {
            self.refresh().await?;
            let entry = self
                .seen(&Key::new(Kind::BlockVolume, id.to_string()))
                .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
            let block: BlockVolume = parse(&entry, &self.location())?;
            if self.seen(&block_create_key(id)).is_some() || self.seen(&key).is_some() {
                return Err(StoreError::InProgress(format!(
                    "an operation on block volume {id}"
                )));
            }
            let volume_entry = self
                .seen(&Key::new(Kind::Volume, block.hosting_volume.to_string()))
                .ok_or_else(|| StoreError::NotFound(block.hosting_volume.to_string()))?;
            let volume: Volume = parse(&volume_entry, &self.location())?;
            let host = self.first_host(&volume)?;
            let pending = PendingOp::BlockDelete {
                block: block.clone(),
                hosting: volume.name.clone(),
                host: host.clone(),
            };
            let txn = Txn::new()
                .check(entry.key.clone(), Expect::Revision(entry.revision))
                .put(key.clone(), Expect::Absent, json(&pending));
            match self.commit(txn).await {
                Ok(()) => break (block, volume.name, host),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            }
        };
        match self.block_delete_on_hosts(&block, &hosting, &host).await {
            Ok(()) => self.release_block(&key, &block).await,
            Err(error) => {
                self.end_pending(&key).await?;
                Err(StoreError::Hosts {
                    what: format!("delete block volume {}", block.name),
                    rolled_back: true,
                    source: Box::new(error),
                })
            }
        }
    }

    /// `gluster-block delete` (idempotent).
    pub(super) async fn block_delete_on_hosts(
        &self,
        block: &BlockVolume,
        hosting: &str,
        host: &str,
    ) -> Result<(), gluster_exec::ExecError> {
        let request = gluster_exec::ops::BlockVolumeDelete {
            host: host.to_string(),
            hosting_volume: hosting.to_string(),
            name: block.name.clone(),
        };
        self.inner.executor.block_volume_delete(&request).await
    }

    /// `gluster-block create` again (recovery finishing a create; idempotent).
    pub(super) async fn block_create_on_hosts(
        &self,
        block: &BlockVolume,
        hosting: &str,
        host: &str,
    ) -> Result<(), gluster_exec::ExecError> {
        let request = gluster_exec::ops::BlockVolumeCreate {
            host: host.to_string(),
            hosting_volume: hosting.to_string(),
            name: block.name.clone(),
            size: block.size,
            ha_hosts: block.ha_hosts.clone(),
        };
        self.inner.executor.block_volume_create(&request).await
    }

    /// The hosting volume's write that takes (`take`) or gives back the block volume's
    /// size, guarded by the revision this provisioner saw it at.
    fn charge_hosting(&self, block: &BlockVolume, take: bool, txn: Txn) -> Result<Txn, StoreError> {
        let key = Key::new(Kind::Volume, block.hosting_volume.to_string());
        let entry = self.seen(&key).ok_or_else(|| StoreError::Conflict {
            key: key.to_string(),
            expected: "present".into(),
            found: "absent".into(),
        })?;
        let mut volume: Volume = parse(&entry, &self.location())?;
        let h = volume.block_hosting.as_mut().ok_or_else(|| {
            StoreError::Invalid(format!("volume {} hosts no block volumes", volume.id))
        })?;
        if take {
            h.free_size =
                h.free_size
                    .checked_sub(block.size)
                    .ok_or_else(|| StoreError::Conflict {
                        key: key.to_string(),
                        expected: format!("room for {}", block.size),
                        found: format!("{} free", h.free_size),
                    })?;
            h.block_volumes.push(block.id);
        } else {
            h.free_size = h
                .free_size
                .checked_add(block.size)
                .ok_or_else(|| StoreError::Invalid("block hosting free size overflows".into()))?;
            h.block_volumes.retain(|b| *b != block.id);
        }
        Ok(txn.put(key, Expect::Revision(entry.revision), json(&volume)))
    }

    /// End a block operation whose block volume is gone from the hosts: remove it and its
    /// pending key, give its size back (retried on conflicts).
    pub(super) async fn release_block(
        &self,
        pending: &Key,
        block: &BlockVolume,
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            let mut txn = Txn::new();
            if let Some(e) = self.seen(pending) {
                txn = txn.delete(e.key, Expect::Revision(e.revision));
            }
            let block_key = Key::new(Kind::BlockVolume, block.id.to_string());
            if let Some(e) = self.seen(&block_key) {
                txn = txn.delete(e.key, Expect::Revision(e.revision));
                txn = self.charge_hosting(block, false, txn)?;
            }
            match self.commit(txn).await {
                Ok(()) => return self.rebuild_view(),
                Err(StoreError::Conflict { .. }) => self.refresh().await?,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::TooManyConflicts {
            attempts: MAX_ATTEMPTS,
        })
    }
}

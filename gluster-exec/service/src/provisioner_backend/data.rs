//! The data services of [`ProvisionerBackend`]: snapshots, clones and subvolumes through the
//! store's `Provisioner`, so they are kept in the store and survive a restart.

use async_trait::async_trait;

use gluster_model::data::{Snapshot, Subvolume};
use gluster_model::{ByteSize, VolumeId};
use gluster_store::StoreError;

use super::{from_store, ProvisionerBackend};
use crate::backend::{BackendError, DataBackend};
use crate::views::not_found;

/// A store error about the entity `kind` named `name`.
fn named<'a>(kind: &'static str, name: &'a str) -> impl Fn(StoreError) -> BackendError + 'a {
    move |e| match e {
        StoreError::NotFound(_) => not_found(kind, name),
        e => from_store(e),
    }
}

#[async_trait]
impl DataBackend for ProvisionerBackend {
    async fn list_snapshots(&self) -> Result<Vec<Snapshot>, BackendError> {
        Ok(self.model().await?.snapshots().cloned().collect())
    }

    async fn create_snapshot(
        &self,
        volume: VolumeId,
        name: &str,
        data_used: Option<ByteSize>,
    ) -> Result<Snapshot, BackendError> {
        self.provisioner
            .create_snapshot(volume, name, data_used)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => not_found("volume", volume),
                e => from_store(e),
            })
    }

    async fn delete_snapshot(&self, name: &str) -> Result<(), BackendError> {
        self.provisioner
            .delete_snapshot(name)
            .await
            .map_err(named("snapshot", name))
    }

    async fn clone_snapshot(
        &self,
        snapshot: &str,
        name: &str,
        data_used: Option<ByteSize>,
    ) -> Result<VolumeId, BackendError> {
        self.provisioner
            .clone_snapshot(snapshot, name, data_used)
            .await
            .map_err(named("snapshot", snapshot))
    }

    async fn list_subvolumes(&self) -> Result<Vec<Subvolume>, BackendError> {
        Ok(self.model().await?.subvolumes().cloned().collect())
    }

    async fn create_subvolume(
        &self,
        name: &str,
        size: ByteSize,
    ) -> Result<Subvolume, BackendError> {
        self.provisioner
            .create_subvolume(name, size)
            .await
            .map_err(from_store)
    }

    async fn expand_subvolume(
        &self,
        name: &str,
        size: ByteSize,
    ) -> Result<Subvolume, BackendError> {
        self.provisioner
            .expand_subvolume(name, size)
            .await
            .map_err(named("subvolume", name))
    }

    async fn delete_subvolume(&self, name: &str) -> Result<(), BackendError> {
        self.provisioner
            .delete_subvolume(name)
            .await
            .map_err(named("subvolume", name))
    }
}

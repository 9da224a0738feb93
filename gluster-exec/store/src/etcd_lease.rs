//! Lease fencing of an etcd writer: a lease kept alive in the background, a key attached to
//! it, and every commit guarded by that key's existence. When the lease ends (expired after
//! a partition or a pause longer than its TTL, or revoked), etcd deletes the key and the
//! writer's later commits are refused with [`StoreError::Fenced`], so a replica that lost
//! its lease cannot overwrite the state a successor now owns.

use std::sync::Arc;
use std::time::Duration;

use etcd_client::PutOptions;

use crate::error::StoreError;
use crate::etcd::EtcdStore;
use crate::key::{Key, Kind};

/// A live lease and its keep-alive task (stopped when the last clone of the store goes).
#[derive(Debug)]
pub(crate) struct Fence {
    pub(crate) id: i64,
    /// The full etcd key attached to the lease.
    pub(crate) key: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fence {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl EtcdStore {
    /// Fence this store's commits with a new etcd lease of `ttl` (at least 3 s), kept alive
    /// every third of it while this store (or a clone) lives. Once the lease is gone,
    /// every commit answers [`StoreError::Fenced`]; reads still work.
    pub async fn with_lease(mut self, ttl: Duration) -> Result<EtcdStore, StoreError> {
        let location = self.location.clone();
        let fail = |operation, e| StoreError::backend(&location, operation, e);
        let ttl = ttl.as_secs().max(3) as i64;
        let grant = self
            .lease
            .grant(ttl, None)
            .await
            .map_err(|e| fail("lease grant", e))?;
        let id = grant.id();
        let key = self.full(&Key::new(Kind::Meta, format!("writer-{id:x}")));
        self.kv
            .put(
                key.clone(),
                b"lease".to_vec(),
                Some(PutOptions::new().with_lease(id)),
            )
            .await
            .map_err(|e| fail("lease key", e))?;
        let (mut keeper, mut stream) = self
            .lease
            .keep_alive(id)
            .await
            .map_err(|e| fail("lease keep-alive", e))?;
        let period = Duration::from_secs((ttl / 3).max(1) as u64);
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                if keeper.keep_alive().await.is_err() {
                    break;
                }
                // A TTL of 0 answers a lease that is already gone: nothing to keep.
                match stream.message().await {
                    Ok(Some(answer)) if answer.ttl() > 0 => {}
                    _ => break,
                }
            }
        });
        self.fence = Some(Arc::new(Fence { id, key, task }));
        Ok(self)
    }

    /// The id of the lease fencing this store's commits, if any.
    pub fn lease_id(&self) -> Option<i64> {
        self.fence.as_ref().map(|f| f.id)
    }

    /// Give the lease up (a clean step-down): from now on this store's commits are refused.
    pub async fn revoke_lease(&self) -> Result<(), StoreError> {
        let Some(fence) = &self.fence else {
            return Ok(());
        };
        fence.task.abort();
        let mut lease = self.lease.clone();
        lease
            .revoke(fence.id)
            .await
            .map_err(|e| StoreError::backend(&self.location, "lease revoke", e))?;
        Ok(())
    }
}

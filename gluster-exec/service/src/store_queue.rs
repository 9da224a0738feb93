//! [`StoreQueue`]: the queue of long operations kept in a gluster-store [`Store`], one key
//! per entry ([`Kind::Queue`]), so entries survive a restart and are shared by replicas on
//! one etcd.

use std::sync::Arc;

use async_trait::async_trait;
use gluster_store::{Expect, Key, Kind, Store, Txn};

use crate::queue::{QueueEntry, QueueError, QueueId, QueueState, QueueStore};

/// A [`QueueStore`] in a [`Store`]: each entry is the JSON of a [`QueueEntry`] at
/// `queue/<id>`.
#[derive(Debug, Clone)]
pub struct StoreQueue {
    store: Arc<dyn Store>,
}

impl StoreQueue {
    /// The queue kept in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        StoreQueue { store }
    }

    fn key(id: QueueId) -> Key {
        Key::new(Kind::Queue, id.to_string())
    }

    fn error(&self, e: impl std::fmt::Display) -> QueueError {
        QueueError(format!("{}: {e}", self.store.location()))
    }

    fn parse(&self, key: &Key, value: &[u8]) -> Result<QueueEntry, QueueError> {
        serde_json::from_slice(value)
            .map_err(|e| self.error(format!("key {key} is not a queue entry: {e}")))
    }
}

#[async_trait]
impl QueueStore for StoreQueue {
    async fn put(&self, entry: QueueEntry) -> Result<(), QueueError> {
        let value = serde_json::to_vec(&entry).map_err(|e| self.error(e))?;
        let txn = Txn::new().put(Self::key(entry.id), Expect::Any, value);
        self.store.commit(txn).await.map_err(|e| self.error(e))?;
        Ok(())
    }

    async fn get(&self, id: QueueId) -> Result<Option<QueueEntry>, QueueError> {
        let key = Self::key(id);
        match self.store.get(&key).await.map_err(|e| self.error(e))? {
            Some(entry) => self.parse(&key, &entry.value).map(Some),
            None => Ok(None),
        }
    }

    async fn remove(&self, id: QueueId) -> Result<(), QueueError> {
        let key = Self::key(id);
        let Some(entry) = self.store.get(&key).await.map_err(|e| self.error(e))? else {
            return Ok(());
        };
        let txn = Txn::new().delete(key, Expect::Revision(entry.revision));
        match self.store.commit(txn).await {
            // Rewritten or removed meanwhile: the newer writer decides.
            Ok(_) | Err(gluster_store::StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    async fn pending(&self) -> Result<Vec<QueueEntry>, QueueError> {
        let mut out = Vec::new();
        for entry in self
            .store
            .list(Kind::Queue)
            .await
            .map_err(|e| self.error(e))?
        {
            let q = self.parse(&entry.key, &entry.value)?;
            if q.state == QueueState::Pending {
                out.push(q);
            }
        }
        out.sort_by_key(|e| e.id);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::OperationKind;
    use gluster_store::{MemoryStore, RedbStore};

    async fn keeps_and_drops(store: Arc<dyn Store>) {
        let q = StoreQueue::new(store.clone());
        let id = QueueId::from_u128(7);
        let entry = QueueEntry {
            id,
            kind: OperationKind::VolumeCreate,
            state: QueueState::Pending,
        };
        q.put(entry.clone()).await.unwrap();
        assert_eq!(q.pending().await.unwrap(), vec![entry.clone()]);
        let done = QueueEntry {
            state: QueueState::Done {
                location: Some("/volumes/x".into()),
            },
            ..entry
        };
        q.put(done.clone()).await.unwrap();
        assert!(q.pending().await.unwrap().is_empty());
        // A second queue over the same store (a restart, or a replica) sees it.
        assert_eq!(
            StoreQueue::new(store).get(id).await.unwrap(),
            Some(done.clone())
        );
        q.remove(id).await.unwrap();
        assert_eq!(q.get(id).await.unwrap(), None);
        q.remove(id).await.unwrap();
    }

    #[tokio::test]
    async fn memory_store_queue_keeps_and_drops_entries() {
        keeps_and_drops(Arc::new(MemoryStore::new())).await;
    }

    #[tokio::test]
    async fn redb_store_queue_keeps_entries_across_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        keeps_and_drops(Arc::new(RedbStore::open(&path).await.unwrap())).await;
        let entry = QueueEntry {
            id: QueueId::from_u128(9),
            kind: OperationKind::VolumeDelete,
            state: QueueState::Pending,
        };
        {
            let store = Arc::new(RedbStore::open(&path).await.unwrap());
            StoreQueue::new(store).put(entry.clone()).await.unwrap();
        }
        let store = Arc::new(RedbStore::open(&path).await.unwrap());
        assert_eq!(StoreQueue::new(store).pending().await.unwrap(), vec![entry]);
    }

    #[tokio::test]
    async fn a_corrupt_entry_is_an_error_naming_the_key() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let key = Key::new(Kind::Queue, QueueId::from_u128(3).to_string());
        store
            .commit(Txn::new().put(key.clone(), Expect::Any, b"{not json".to_vec()))
            .await
            .unwrap();
        let q = StoreQueue::new(store);
        let e = q.pending().await.unwrap_err();
        assert!(e.0.contains(&key.to_string()), "{e}");
        assert!(q.get(QueueId::from_u128(3)).await.is_err());
    }
}

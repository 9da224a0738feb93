//! The queue of long operations behind `GET /queue/{id}`: [`QueueStore`] keeps entries, so a
//! durable implementation lets them survive a restart (Heketi's lived in memory);
//! [`MemoryQueue`] is the in-memory one for tests and for `serve` until the store lands.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A queue entry's id: 32 hex digits, like Heketi's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QueueId(u128);

impl QueueId {
    /// The id with this value.
    pub const fn from_u128(value: u128) -> Self {
        QueueId(value)
    }
}

impl fmt::Display for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl FromStr for QueueId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{s:?} is not an id of 32 hex digits"));
        }
        u128::from_str_radix(s, 16)
            .map(QueueId)
            .map_err(|e| e.to_string())
    }
}

impl TryFrom<String> for QueueId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<QueueId> for String {
    fn from(id: QueueId) -> String {
        id.to_string()
    }
}

/// What kind of operation an entry tracks (also the `kind` label of metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// `POST /nodes`.
    NodeAdd,
    /// `DELETE /nodes/{id}`.
    NodeDelete,
    /// `POST /devices`.
    DeviceAdd,
    /// `DELETE /devices/{id}`.
    DeviceDelete,
    /// `GET /devices/{id}/resync`.
    DeviceResync,
    /// `POST /volumes`.
    VolumeCreate,
    /// `POST /volumes/{id}/expand`.
    VolumeExpand,
    /// `DELETE /volumes/{id}`.
    VolumeDelete,
    /// `POST /blockvolumes`.
    BlockVolumeCreate,
    /// `DELETE /blockvolumes/{id}`.
    BlockVolumeDelete,
}

impl OperationKind {
    /// Every kind, for metrics.
    pub const ALL: [OperationKind; 10] = [
        OperationKind::NodeAdd,
        OperationKind::NodeDelete,
        OperationKind::DeviceAdd,
        OperationKind::DeviceDelete,
        OperationKind::DeviceResync,
        OperationKind::VolumeCreate,
        OperationKind::VolumeExpand,
        OperationKind::VolumeDelete,
        OperationKind::BlockVolumeCreate,
        OperationKind::BlockVolumeDelete,
    ];

    /// The snake-case name.
    pub fn name(self) -> &'static str {
        match self {
            OperationKind::NodeAdd => "node_add",
            OperationKind::NodeDelete => "node_delete",
            OperationKind::DeviceAdd => "device_add",
            OperationKind::DeviceDelete => "device_delete",
            OperationKind::DeviceResync => "device_resync",
            OperationKind::VolumeCreate => "volume_create",
            OperationKind::VolumeExpand => "volume_expand",
            OperationKind::VolumeDelete => "volume_delete",
            OperationKind::BlockVolumeCreate => "block_volume_create",
            OperationKind::BlockVolumeDelete => "block_volume_delete",
        }
    }
}

/// Where an entry is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum QueueState {
    /// Running (200 with `X-Pending: true`).
    Pending,
    /// Done; with a result URL (303 to it) or without (204).
    Done {
        /// The result, e.g. `/volumes/<id>`.
        location: Option<String>,
    },
    /// Failed (500 with this text).
    Failed {
        /// What went wrong, with the real cause.
        message: String,
    },
}

/// One operation in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Its id.
    pub id: QueueId,
    /// What it does.
    pub kind: OperationKind,
    /// Where it is.
    pub state: QueueState,
}

/// A queue store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("queue store: {0}")]
pub struct QueueError(pub String);

/// Keeps queue entries. A durable implementation must keep every entry across a restart;
/// on start the service marks entries still `Pending` as failed ("interrupted by a
/// restart", [`crate::App::fail_interrupted`]): the backend's recovery owns the state.
#[async_trait]
pub trait QueueStore: Send + Sync + fmt::Debug + 'static {
    /// Add or replace an entry.
    async fn put(&self, entry: QueueEntry) -> Result<(), QueueError>;
    /// The entry with this id.
    async fn get(&self, id: QueueId) -> Result<Option<QueueEntry>, QueueError>;
    /// Drop an entry (its end was read).
    async fn remove(&self, id: QueueId) -> Result<(), QueueError>;
    /// Every entry still pending.
    async fn pending(&self) -> Result<Vec<QueueEntry>, QueueError>;
}

/// A [`QueueStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    entries: Mutex<HashMap<QueueId, QueueEntry>>,
}

impl MemoryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<QueueId, QueueEntry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl QueueStore for MemoryQueue {
    async fn put(&self, entry: QueueEntry) -> Result<(), QueueError> {
        self.lock().insert(entry.id, entry);
        Ok(())
    }

    async fn get(&self, id: QueueId) -> Result<Option<QueueEntry>, QueueError> {
        Ok(self.lock().get(&id).cloned())
    }

    async fn remove(&self, id: QueueId) -> Result<(), QueueError> {
        self.lock().remove(&id);
        Ok(())
    }

    async fn pending(&self) -> Result<Vec<QueueEntry>, QueueError> {
        let mut out: Vec<QueueEntry> = self
            .lock()
            .values()
            .filter(|e| e.state == QueueState::Pending)
            .cloned()
            .collect();
        out.sort_by_key(|e| e.id);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_ids_are_32_hex_digits() {
        let id = QueueId::from_u128(0xabc);
        assert_eq!(id.to_string().len(), 32);
        assert_eq!(id.to_string().parse::<QueueId>(), Ok(id));
        for bad in [
            "",
            "abc",
            "../../etc/passwd",
            &"g".repeat(32),
            &"0".repeat(33),
        ] {
            assert!(bad.parse::<QueueId>().is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn memory_queue_keeps_and_drops_entries() {
        let q = MemoryQueue::new();
        let id = QueueId::from_u128(1);
        let entry = QueueEntry {
            id,
            kind: OperationKind::VolumeCreate,
            state: QueueState::Pending,
        };
        q.put(entry.clone()).await.unwrap();
        assert_eq!(q.pending().await.unwrap(), vec![entry.clone()]);
        let done = QueueEntry {
            state: QueueState::Done { location: None },
            ..entry
        };
        q.put(done.clone()).await.unwrap();
        assert!(q.pending().await.unwrap().is_empty());
        assert_eq!(q.get(id).await.unwrap(), Some(done));
        q.remove(id).await.unwrap();
        assert_eq!(q.get(id).await.unwrap(), None);
    }
}

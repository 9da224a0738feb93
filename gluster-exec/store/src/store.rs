//! The [`Store`] trait, the format version check and compaction of ended runs.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::key::{Changes, Entry, Expect, Key, Kind, Revision, Txn};

/// The format version this build writes; a store of a newer version is refused.
///
/// 1: clusters to block volumes, pending operations, requests, runs, queue entries.
/// 2: also snapshots, clones and subvolumes ([`Kind::Snapshot`], [`Kind::VolumeClone`],
/// [`Kind::Subvolume`]). A store of an older version is read as it is and its version key
/// raised on open, so an older build, which would not see these keys, refuses it.
pub const FORMAT_VERSION: u32 = 2;

/// Cluster state kept per entity, each key with a revision.
///
/// Every implementation passes the suite in `conformance` (feature `testing`).
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// One key, if it exists.
    async fn get(&self, key: &Key) -> Result<Option<Entry>, StoreError>;

    /// Every key of `kind`, ordered by id.
    async fn list(&self, kind: Kind) -> Result<Vec<Entry>, StoreError>;

    /// Apply `txn` if every guard holds; its revision. A failed guard changes nothing and
    /// answers [`StoreError::Conflict`] naming the key. A transaction without writes only
    /// checks and answers the current revision.
    async fn commit(&self, txn: Txn) -> Result<Revision, StoreError>;

    /// The store's current revision.
    async fn revision(&self) -> Result<Revision, StoreError>;

    /// Every change after `since`, oldest first ([`StoreError::Compacted`] when that history
    /// is gone: reload with [`Store::list`]).
    async fn changes_since(&self, since: Revision) -> Result<Changes, StoreError>;

    /// Forget the change history before `before` (readers behind it must reload).
    async fn compact_history(&self, before: Revision) -> Result<(), StoreError>;

    /// Where the store is, for messages (a path, or endpoints and prefix).
    fn location(&self) -> String;
}

#[derive(Serialize, Deserialize)]
struct FormatRecord {
    version: u32,
}

/// The key of the format version.
pub fn format_key() -> Key {
    Key::new(Kind::Meta, "format")
}

/// Write the format version into an empty store, or check that the store's is readable
/// (raising an older version to [`FORMAT_VERSION`]).
pub async fn ensure_format(store: &dyn Store) -> Result<(), StoreError> {
    for _ in 0..3 {
        match store.get(&format_key()).await? {
            Some(entry) => {
                let record: FormatRecord =
                    serde_json::from_slice(&entry.value).map_err(|e| StoreError::Corrupt {
                        location: store.location(),
                        key: format_key().to_string(),
                        message: e.to_string(),
                    })?;
                if record.version > FORMAT_VERSION {
                    return Err(StoreError::NewerFormat {
                        location: store.location(),
                        found: record.version,
                        supported: FORMAT_VERSION,
                    });
                }
                if record.version == FORMAT_VERSION {
                    return Ok(());
                }
                let value = serde_json::to_vec(&FormatRecord {
                    version: FORMAT_VERSION,
                })
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
                let guard = Expect::Revision(entry.revision);
                match store
                    .commit(Txn::new().put(format_key(), guard, value))
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(e) => return Err(e),
                }
            }
            None => {
                let value = serde_json::to_vec(&FormatRecord {
                    version: FORMAT_VERSION,
                })
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
                match store
                    .commit(Txn::new().put(format_key(), Expect::Absent, value))
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(StoreError::Conflict { .. }) => continue, // another writer made it
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Err(StoreError::TooManyConflicts { attempts: 3 })
}

/// A run's journal as stored: its records and whether it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEntry {
    /// The journal records of the run, oldest first.
    pub records: Vec<gluster_exec::journal::Record>,
    /// Whether the run ended (then compaction may remove it).
    pub ended: bool,
}

/// Remove every ended run; how many were removed. A run written meanwhile is kept.
pub async fn compact_runs(store: &dyn Store) -> Result<usize, StoreError> {
    let mut removed = 0;
    for entry in store.list(Kind::Run).await? {
        let run: RunEntry =
            serde_json::from_slice(&entry.value).map_err(|e| StoreError::Corrupt {
                location: store.location(),
                key: entry.key.to_string(),
                message: e.to_string(),
            })?;
        if !run.ended {
            continue;
        }
        let txn = Txn::new().delete(entry.key.clone(), Expect::Revision(entry.revision));
        match store.commit(txn).await {
            Ok(_) => removed += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

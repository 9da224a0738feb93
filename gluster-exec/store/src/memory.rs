//! The in-memory store (tests, and embedders with no persistence).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use crate::error::StoreError;
use crate::key::{describe_found, Change, Changes, Entry, Key, Kind, Revision, Txn, Write};
use crate::store::Store;

#[derive(Debug, Default)]
struct Inner {
    keys: BTreeMap<Key, (Revision, Vec<u8>)>,
    log: VecDeque<Change>,
    /// The oldest revision whose changes are still in `log` (history before it is gone).
    log_start: Revision,
    revision: Revision,
}

/// A [`Store`] in memory: the same semantics as the durable ones, nothing kept.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Check every guard of `txn` against `found`; the first failing one as a conflict.
pub(crate) fn check_guards(
    txn: &Txn,
    found: impl Fn(&Key) -> Option<Revision>,
) -> Result<(), StoreError> {
    if let Some(key) = txn.duplicate() {
        return Err(StoreError::Invalid(format!(
            "key {key} appears twice in one transaction"
        )));
    }
    for op in &txn.ops {
        let current = found(&op.key);
        if !op.expect.holds(current) {
            return Err(StoreError::Conflict {
                key: op.key.to_string(),
                expected: op.expect.to_string(),
                found: describe_found(current),
            });
        }
    }
    Ok(())
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, key: &Key) -> Result<Option<Entry>, StoreError> {
        Ok(self.lock().keys.get(key).map(|(revision, value)| Entry {
            key: key.clone(),
            value: value.clone(),
            revision: *revision,
        }))
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Entry>, StoreError> {
        let inner = self.lock();
        let from = Key::new(kind, "");
        Ok(inner
            .keys
            .range(from..)
            .take_while(|(k, _)| k.kind == kind)
            .map(|(k, (revision, value))| Entry {
                key: k.clone(),
                value: value.clone(),
                revision: *revision,
            })
            .collect())
    }

    async fn commit(&self, txn: Txn) -> Result<Revision, StoreError> {
        let mut inner = self.lock();
        check_guards(&txn, |k| inner.keys.get(k).map(|(r, _)| *r))?;
        if !txn.writes() {
            return Ok(inner.revision);
        }
        inner.revision += 1;
        let revision = inner.revision;
        for op in txn.ops {
            let value = match op.write {
                Write::Check => continue,
                Write::Put(value) => {
                    inner.keys.insert(op.key.clone(), (revision, value.clone()));
                    Some(value)
                }
                Write::Delete => {
                    inner.keys.remove(&op.key);
                    None
                }
            };
            inner.log.push_back(Change {
                key: op.key,
                revision,
                value,
            });
        }
        Ok(revision)
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        Ok(self.lock().revision)
    }

    async fn changes_since(&self, since: Revision) -> Result<Changes, StoreError> {
        let inner = self.lock();
        if since + 1 < inner.log_start {
            return Err(StoreError::Compacted {
                requested: since,
                oldest: inner.log_start,
            });
        }
        Ok(Changes {
            changes: inner
                .log
                .iter()
                .filter(|c| c.revision > since)
                .cloned()
                .collect(),
            revision: inner.revision,
        })
    }

    async fn compact_history(&self, before: Revision) -> Result<(), StoreError> {
        let mut inner = self.lock();
        while inner.log.front().is_some_and(|c| c.revision < before) {
            inner.log.pop_front();
        }
        inner.log_start = inner.log_start.max(before);
        Ok(())
    }

    fn location(&self) -> String {
        "memory".into()
    }
}

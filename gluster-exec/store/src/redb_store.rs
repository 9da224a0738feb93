//! The embedded store: one redb file (ACID, MVCC readers, crash-safe), written by a group
//! committer so that concurrent commits share one fsync.
//!
//! Every read and write runs in `spawn_blocking`, never on the async runtime's workers.
//! Commits queue up; one blocking task takes every queued transaction, applies each in turn
//! inside ONE redb write transaction (each gets its own store revision, a failed guard only
//! fails its own transaction), commits once and answers all of them.

// redb's own error type is large; it never leaves this module unboxed.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use redb::{Database, ReadableTable, TableDefinition};
use tokio::sync::oneshot;

use crate::error::StoreError;
use crate::key::{Change, Changes, Entry, Key, Kind, Revision, Txn, Write};
use crate::memory::check_guards;
use crate::store::{ensure_format, Store};

/// Key -> (revision, value).
const KV: TableDefinition<'_, &str, (u64, &[u8])> = TableDefinition::new("kv");
/// (revision, index in the commit) -> (key, value or none for a delete).
type LogRow<'a> = (&'a str, Option<&'a [u8]>);
const LOG: TableDefinition<'_, (u64, u32), LogRow<'_>> = TableDefinition::new("log");
/// `revision`, `log_start`.
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");

type Reply = oneshot::Sender<Result<Revision, StoreError>>;

#[derive(Default)]
struct Queue {
    waiting: Vec<(Txn, Reply)>,
    writing: bool,
}

struct Inner {
    db: Database,
    path: PathBuf,
    queue: Mutex<Queue>,
}

/// A [`Store`] in one redb file. See the module documentation.
#[derive(Clone)]
pub struct RedbStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

fn lock(q: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    q.lock().unwrap_or_else(PoisonError::into_inner)
}

fn err<'a>(location: &'a Path, operation: &'static str) -> impl Fn(redb::Error) -> StoreError + 'a {
    move |e| StoreError::backend(&location.display().to_string(), operation, e)
}

impl RedbStore {
    /// Open (or create) the store file at `path` and check its format version.
    ///
    /// A truncated or corrupt file is refused ([`StoreError::Open`]) and left as it is. (redb
    /// asserts on some truncated files; that panic stays in the blocking task that opens the
    /// file and is reported as this error.) A file still held by a store of this process
    /// being dropped is waited for briefly; one held by another process is refused.
    pub async fn open(path: impl AsRef<Path>) -> Result<RedbStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut attempts = 0;
        let opened = loop {
            let p = path.clone();
            let result = tokio::task::spawn_blocking(move || open_file(p)).await;
            let location = path.display().to_string();
            match result {
                Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)) if attempts < 100 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Ok(Err(e)) => {
                    return Err(StoreError::Open {
                        location,
                        source: Box::new(e),
                    })
                }
                Ok(Ok(db)) => {
                    break RedbStore {
                        inner: Arc::new(Inner {
                            db,
                            path,
                            queue: Mutex::new(Queue::default()),
                        }),
                    }
                }
                Err(join) => {
                    let message = if join.is_panic() {
                        "the file is corrupt or truncated (redb refused it)".to_string()
                    } else {
                        join.to_string()
                    };
                    return Err(StoreError::Open {
                        location,
                        source: message.into(),
                    });
                }
            }
        };
        ensure_format(&opened).await?;
        Ok(opened)
    }

    /// Run a read in a blocking task.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, redb::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        let location = self.location();
        tokio::task::spawn_blocking(move || f(&inner).map_err(err(&inner.path, "read")))
            .await
            .map_err(|e| StoreError::backend(&location, "read", e))?
    }
}

/// Probe the file, open it, make sure every table exists.
fn open_file(path: PathBuf) -> Result<Database, redb::DatabaseError> {
    crate::redb_probe::probe(&path, &["kv"]).map_err(|e| {
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(format!(
            "the file is corrupt or truncated: {e}"
        )))
    })?;
    let db = Database::create(&path)?;
    let init = || -> Result<(), redb::Error> {
        let tx = db.begin_write()?;
        tx.open_table(KV)?;
        tx.open_table(LOG)?;
        tx.open_table(META)?;
        tx.commit()?;
        Ok(())
    };
    init()
        .map_err(|e| redb::DatabaseError::Storage(redb::StorageError::Corrupted(e.to_string())))?;
    Ok(db)
}

fn meta(table: &impl ReadableTable<&'static str, u64>, key: &str) -> Result<u64, redb::Error> {
    Ok(table.get(key)?.map_or(0, |v| v.value()))
}

/// Take every queued commit and write it in one redb transaction, until the queue is empty.
fn write_loop(inner: &Inner) {
    loop {
        let batch = {
            let mut q = lock(&inner.queue);
            if q.waiting.is_empty() {
                q.writing = false;
                return;
            }
            std::mem::take(&mut q.waiting)
        };
        let (txns, replies): (Vec<Txn>, Vec<Reply>) = batch.into_iter().unzip();
        match write_batch(&inner.db, txns) {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                let message = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Backend {
                        location: inner.path.display().to_string(),
                        operation: "commit",
                        maybe_committed: false,
                        source: message.clone().into(),
                    }));
                }
            }
        }
    }
}

/// Apply `txns` in order inside one write transaction; each one's result.
fn write_batch(
    db: &Database,
    txns: Vec<Txn>,
) -> Result<Vec<Result<Revision, StoreError>>, redb::Error> {
    let tx = db.begin_write()?;
    let mut results = Vec::with_capacity(txns.len());
    {
        let mut kv = tx.open_table(KV)?;
        let mut log = tx.open_table(LOG)?;
        let mut meta_t = tx.open_table(META)?;
        let mut revision = meta(&meta_t, "revision")?;
        for txn in txns {
            let mut found = std::collections::BTreeMap::new();
            for op in &txn.ops {
                let key = op.key.encode();
                let rev = kv.get(key.as_str())?.map(|v| v.value().0);
                found.insert(op.key.clone(), rev);
            }
            if let Err(e) = check_guards(&txn, |k| found.get(k).copied().flatten()) {
                results.push(Err(e));
                continue;
            }
            if !txn.writes() {
                results.push(Ok(revision));
                continue;
            }
            revision += 1;
            let mut index = 0u32;
            for op in &txn.ops {
                let key = op.key.encode();
                match &op.write {
                    Write::Check => continue,
                    Write::Put(value) => {
                        kv.insert(key.as_str(), (revision, value.as_slice()))?;
                        log.insert((revision, index), (key.as_str(), Some(value.as_slice())))?;
                    }
                    Write::Delete => {
                        kv.remove(key.as_str())?;
                        log.insert((revision, index), (key.as_str(), None))?;
                    }
                }
                index += 1;
            }
            results.push(Ok(revision));
        }
        meta_t.insert("revision", revision)?;
    }
    tx.commit()?;
    Ok(results)
}

fn kind_range(kind: Kind) -> (String, String) {
    // '0' follows '/' in ASCII, so [kind/, kind0) is every key of the kind.
    (format!("{}/", kind.as_str()), format!("{}0", kind.as_str()))
}

#[async_trait]
impl Store for RedbStore {
    async fn get(&self, key: &Key) -> Result<Option<Entry>, StoreError> {
        let key = key.clone();
        self.read(move |inner| {
            let tx = inner.db.begin_read()?;
            let kv = tx.open_table(KV)?;
            let found = kv.get(key.encode().as_str())?;
            Ok(found.map(|v| {
                let (revision, value) = v.value();
                Entry {
                    key,
                    value: value.to_vec(),
                    revision,
                }
            }))
        })
        .await
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Entry>, StoreError> {
        let location = self.location();
        let rows = self
            .read(move |inner| {
                let tx = inner.db.begin_read()?;
                let kv = tx.open_table(KV)?;
                let (from, to) = kind_range(kind);
                let mut out = Vec::new();
                for row in kv.range(from.as_str()..to.as_str())? {
                    let (k, v) = row?;
                    let (revision, value) = v.value();
                    out.push((k.value().to_string(), revision, value.to_vec()));
                }
                Ok(out)
            })
            .await?;
        rows.into_iter()
            .map(|(k, revision, value)| {
                let key = Key::decode(&k).ok_or_else(|| StoreError::Corrupt {
                    location: location.clone(),
                    key: k.clone(),
                    message: "not a kind/id key".into(),
                })?;
                Ok(Entry {
                    key,
                    value,
                    revision,
                })
            })
            .collect()
    }

    async fn commit(&self, txn: Txn) -> Result<Revision, StoreError> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut q = lock(&self.inner.queue);
            q.waiting.push((txn, reply));
            !std::mem::replace(&mut q.writing, true)
        };
        if start {
            let inner = self.inner.clone();
            tokio::task::spawn_blocking(move || write_loop(&inner));
        }
        answer
            .await
            .map_err(|e| StoreError::backend(&self.location(), "commit", e))?
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        self.read(|inner| {
            let tx = inner.db.begin_read()?;
            let m = tx.open_table(META)?;
            meta(&m, "revision")
        })
        .await
    }

    async fn changes_since(&self, since: Revision) -> Result<Changes, StoreError> {
        let location = self.location();
        let (start, revision, rows) = self
            .read(move |inner| {
                let tx = inner.db.begin_read()?;
                let m = tx.open_table(META)?;
                let log = tx.open_table(LOG)?;
                let mut rows = Vec::new();
                for row in log.range((since + 1, 0)..)? {
                    let (k, v) = row?;
                    let (key, value) = v.value();
                    rows.push((k.value().0, key.to_string(), value.map(<[u8]>::to_vec)));
                }
                Ok((meta(&m, "log_start")?, meta(&m, "revision")?, rows))
            })
            .await?;
        if since + 1 < start {
            return Err(StoreError::Compacted {
                requested: since,
                oldest: start,
            });
        }
        let changes = rows
            .into_iter()
            .map(|(rev, k, value)| {
                let key = Key::decode(&k).ok_or_else(|| StoreError::Corrupt {
                    location: location.clone(),
                    key: k.clone(),
                    message: "not a kind/id key".into(),
                })?;
                Ok(Change {
                    key,
                    revision: rev,
                    value,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Changes { changes, revision })
    }

    async fn compact_history(&self, before: Revision) -> Result<(), StoreError> {
        self.read(move |inner| {
            let tx = inner.db.begin_write()?;
            {
                let mut log = tx.open_table(LOG)?;
                log.retain(|k, _| k.0 >= before)?;
                let mut m = tx.open_table(META)?;
                let start = meta(&m, "log_start")?.max(before);
                m.insert("log_start", start)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    fn location(&self) -> String {
        self.inner.path.display().to_string()
    }
}

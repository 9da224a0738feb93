//! The etcd store: every key under a prefix, transactions guarded by mod revisions, the
//! change history read through a watch, for a control plane with several replicas.
//!
//! A key's revision is etcd's `mod_revision`; the store's revision is etcd's (shared with
//! anything else in the same etcd, so revisions increase but not by one). Values are single
//! entities, far below etcd's 1.5 MiB request limit.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, EventType, GetOptions, KvClient, LeaseClient,
    TxnOp, TxnOpResponse, WatchClient, WatchOptions,
};

use crate::error::StoreError;
use crate::etcd_lease::Fence;
use crate::key::{describe_found, Change, Changes, Entry, Expect, Key, Kind, Revision, Txn, Write};
use crate::store::{ensure_format, Store};

/// A [`Store`] in etcd. See the module documentation.
#[derive(Clone)]
pub struct EtcdStore {
    pub(crate) kv: KvClient,
    watch: WatchClient,
    pub(crate) lease: LeaseClient,
    /// The lease that fences this writer's commits (see [`EtcdStore::with_lease`]).
    pub(crate) fence: Option<Arc<Fence>>,
    prefix: String,
    pub(crate) location: String,
}

impl std::fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

fn revision_of(header: Option<&etcd_client::ResponseHeader>) -> Revision {
    header.map_or(0, |h| h.revision().max(0) as u64)
}

impl EtcdStore {
    /// Connect to `endpoints` and keep every key under `prefix` (e.g. `/gluster/`); check the
    /// format version. Each request times out after `timeout`.
    pub async fn connect(
        endpoints: &[String],
        prefix: &str,
        timeout: Duration,
    ) -> Result<EtcdStore, StoreError> {
        let location = format!("etcd {} prefix {prefix}", endpoints.join(","));
        let options = ConnectOptions::new()
            .with_connect_timeout(timeout)
            .with_timeout(timeout);
        let open = |e: etcd_client::Error| StoreError::Open {
            location: location.clone(),
            source: Box::new(e),
        };
        let mut client = Client::connect(endpoints, Some(options))
            .await
            .map_err(open)?;
        // Connecting is lazy: one read proves the server answers.
        client.status().await.map_err(open)?;
        let store = EtcdStore {
            kv: client.kv_client(),
            watch: client.watch_client(),
            lease: client.lease_client(),
            fence: None,
            prefix: prefix.to_string(),
            location: location.clone(),
        };
        ensure_format(&store).await?;
        Ok(store)
    }

    pub(crate) fn full(&self, key: &Key) -> String {
        format!("{}{}", self.prefix, key.encode())
    }

    fn decode(&self, raw: &[u8]) -> Result<Key, StoreError> {
        let s = std::str::from_utf8(raw).unwrap_or("");
        s.strip_prefix(&self.prefix)
            .and_then(Key::decode)
            .ok_or_else(|| StoreError::Corrupt {
                location: self.location.clone(),
                key: String::from_utf8_lossy(raw).into_owned(),
                message: "not a kind/id key under the prefix".into(),
            })
    }

    fn fail(&self, operation: &'static str, e: etcd_client::Error) -> StoreError {
        StoreError::backend(&self.location, operation, e)
    }
}

#[async_trait]
impl Store for EtcdStore {
    async fn get(&self, key: &Key) -> Result<Option<Entry>, StoreError> {
        let mut kv = self.kv.clone();
        let resp = kv
            .get(self.full(key), None)
            .await
            .map_err(|e| self.fail("get", e))?;
        Ok(resp.kvs().first().map(|found| Entry {
            key: key.clone(),
            value: found.value().to_vec(),
            revision: found.mod_revision() as u64,
        }))
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Entry>, StoreError> {
        let mut kv = self.kv.clone();
        let prefix = format!("{}{}/", self.prefix, kind.as_str());
        let resp = kv
            .get(prefix, Some(GetOptions::new().with_prefix()))
            .await
            .map_err(|e| self.fail("list", e))?;
        resp.kvs()
            .iter()
            .map(|found| {
                Ok(Entry {
                    key: self.decode(found.key())?,
                    value: found.value().to_vec(),
                    revision: found.mod_revision() as u64,
                })
            })
            .collect()
    }

    async fn commit(&self, txn: Txn) -> Result<Revision, StoreError> {
        if let Some(key) = txn.duplicate() {
            return Err(StoreError::Invalid(format!(
                "key {key} appears twice in one transaction"
            )));
        }
        let mut compares = Vec::new();
        let mut writes = Vec::new();
        let mut reads = Vec::new();
        for op in &txn.ops {
            let key = self.full(&op.key);
            match op.expect {
                Expect::Any => {}
                Expect::Absent => compares.push(Compare::version(key.clone(), CompareOp::Equal, 0)),
                Expect::Revision(r) => compares.push(Compare::mod_revision(
                    key.clone(),
                    CompareOp::Equal,
                    r as i64,
                )),
            }
            if op.expect != Expect::Any {
                reads.push(TxnOp::get(key.clone(), None));
            }
            match &op.write {
                Write::Check => {}
                Write::Put(value) => writes.push(TxnOp::put(key, value.clone(), None)),
                Write::Delete => writes.push(TxnOp::delete(key, None)),
            }
        }
        if let Some(fence) = &self.fence {
            // The lease's key exists only while the lease lives: etcd deletes it when the
            // lease expires or is revoked, and then this writer's commits are refused.
            compares.push(Compare::version(fence.key.clone(), CompareOp::Greater, 0));
            reads.push(TxnOp::get(fence.key.clone(), None));
        }
        let request = etcd_client::Txn::new()
            .when(compares)
            .and_then(writes)
            .or_else(reads);
        let mut kv = self.kv.clone();
        let resp = kv.txn(request).await.map_err(|e| StoreError::Backend {
            location: self.location.clone(),
            operation: "commit",
            maybe_committed: true,
            source: Box::new(e),
        })?;
        if resp.succeeded() {
            return Ok(revision_of(resp.header()));
        }
        if let Some(fence) = &self.fence {
            let alive = match resp.op_responses().last() {
                Some(TxnOpResponse::Get(g)) => !g.kvs().is_empty(),
                _ => false,
            };
            if !alive {
                return Err(StoreError::Fenced {
                    location: self.location.clone(),
                    lease: format!("{:x}", fence.id),
                });
            }
        }
        // Which guard failed: the else branch read every guarded key.
        let guarded = txn.ops.iter().filter(|o| o.expect != Expect::Any);
        for (op, read) in guarded.zip(resp.op_responses()) {
            let found = match read {
                TxnOpResponse::Get(g) => g.kvs().first().map(|kv| kv.mod_revision() as u64),
                _ => None,
            };
            if !op.expect.holds(found) {
                return Err(StoreError::Conflict {
                    key: op.key.to_string(),
                    expected: op.expect.to_string(),
                    found: describe_found(found),
                });
            }
        }
        Err(StoreError::Conflict {
            key: "(unknown)".into(),
            expected: "every guard".into(),
            found: "a change between compare and read".into(),
        })
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        let mut kv = self.kv.clone();
        let resp = kv
            .get(
                self.full(&crate::store::format_key()),
                Some(GetOptions::new().with_count_only()),
            )
            .await
            .map_err(|e| self.fail("revision", e))?;
        Ok(revision_of(resp.header()))
    }

    async fn changes_since(&self, since: Revision) -> Result<Changes, StoreError> {
        let current = self.revision().await?;
        if since >= current {
            return Ok(Changes {
                changes: Vec::new(),
                revision: current,
            });
        }
        let mut client = self.watch.clone();
        let options = WatchOptions::new()
            .with_prefix()
            .with_start_revision(since as i64 + 1);
        let (mut watcher, mut stream) = client
            .watch(self.prefix.clone(), Some(options))
            .await
            .map_err(|e| self.fail("watch", e))?;
        let mut changes = Vec::new();
        let mut asked = false;
        let upto = loop {
            let Some(resp) = stream.message().await.map_err(|e| self.fail("watch", e))? else {
                return Err(StoreError::backend(
                    &self.location,
                    "watch",
                    "the watch stream ended",
                ));
            };
            if resp.compact_revision() > 0 {
                return Err(StoreError::Compacted {
                    requested: since,
                    oldest: resp.compact_revision() as u64,
                });
            }
            if resp.canceled() {
                return Err(StoreError::backend(
                    &self.location,
                    "watch",
                    format!("watch canceled: {}", resp.cancel_reason()),
                ));
            }
            for event in resp.events() {
                let Some(kv) = event.kv() else { continue };
                changes.push(Change {
                    key: self.decode(kv.key())?,
                    revision: kv.mod_revision() as u64,
                    value: match event.event_type() {
                        EventType::Put => Some(kv.value().to_vec()),
                        EventType::Delete => None,
                    },
                });
            }
            let header = revision_of(resp.header());
            if changes.last().is_some_and(|c| c.revision >= current) {
                break current;
            }
            if resp.events().is_empty() && !resp.created() && header >= current {
                // A progress answer: every event up to `header` has been sent.
                break header;
            }
            if !asked {
                watcher
                    .request_progress()
                    .await
                    .map_err(|e| self.fail("watch", e))?;
                asked = true;
            }
        };
        let _ = watcher.cancel().await;
        changes.retain(|c| c.revision <= upto);
        Ok(Changes {
            changes,
            revision: upto,
        })
    }

    async fn compact_history(&self, before: Revision) -> Result<(), StoreError> {
        if before <= 1 {
            return Ok(());
        }
        let mut kv = self.kv.clone();
        match kv.compact(before as i64 - 1, None).await {
            Ok(_) => Ok(()),
            // Compacting at or below an earlier compaction is a no-op for us.
            Err(e) if e.to_string().contains("compacted") => Ok(()),
            Err(e) => Err(self.fail("compact", e)),
        }
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

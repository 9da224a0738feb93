//! Concurrency property test: 8 tasks x 200 random creates, deletes and expands through
//! one provisioner on simulated hosts with random faults. At the end (after recovery) the
//! store equals the hosts exactly, no device was ever over-booked, and every request ended
//! exactly once with the outcome the final state shows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gluster_exec::simulated::{Fault, SimulatedExecutor};
use gluster_model::{ByteSize, Device, Durability, VolumeId};
use gluster_placement::day2::ExpandBy;
use gluster_placement::VolumeRequest;
use gluster_store::testing::{provisioner, topology};
use gluster_store::{
    Changes, Entry, HostReport, Key, Kind, MemoryStore, Provisioner, RecoveryPolicy, RedbStore,
    Revision, Store, StoreError, Txn, Write,
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TASKS: usize = 8;
/// Operations per task (`CONCURRENCY_OPS` overrides, for quick local runs).
fn ops() -> usize {
    std::env::var("CONCURRENCY_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// What one request ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created(VolumeId),
    CreateFailed { pending: bool },
    Deleted(VolumeId),
    DeleteFailed { volume: VolumeId, pending: bool },
    Other,
}

async fn task(
    p: Provisioner,
    id: usize,
    seed: u64,
    ended: Arc<Mutex<BTreeMap<String, Vec<Outcome>>>>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (id as u64).wrapping_mul(0x9e37_79b9));
    let mut live: Vec<VolumeId> = Vec::new();
    for n in 0..ops() {
        let name = format!("t{id}-r{n}");
        let choice = rng.random_range(0..4);
        let outcome = if choice <= 1 || live.is_empty() {
            let replica = if rng.random_bool(0.5) { 3 } else { 2 };
            let request = VolumeRequest::new(
                ByteSize::gib(rng.random_range(1..40)),
                Durability::replicate(replica).unwrap(),
            );
            match p.create(&name, &request).await {
                Ok(c) => {
                    live.push(c.volume);
                    Outcome::Created(c.volume)
                }
                Err(StoreError::Hosts { rolled_back, .. }) => Outcome::CreateFailed {
                    pending: !rolled_back,
                },
                Err(StoreError::Placement(_)) => Outcome::CreateFailed { pending: false },
                Err(e) => panic!("create {name}: {e}"),
            }
        } else {
            let volume = live[rng.random_range(0..live.len())];
            if choice == 2 {
                match p.delete(volume).await {
                    Ok(()) => {
                        live.retain(|v| *v != volume);
                        Outcome::Deleted(volume)
                    }
                    Err(StoreError::Hosts { rolled_back, .. }) => {
                        if !rolled_back {
                            live.retain(|v| *v != volume);
                        }
                        Outcome::DeleteFailed {
                            volume,
                            pending: !rolled_back,
                        }
                    }
                    Err(StoreError::InProgress(_)) => Outcome::Other,
                    Err(e) => panic!("delete {name}: {e}"),
                }
            } else {
                match p.expand(volume, ExpandBy::Sets(1)).await {
                    Ok(_) | Err(StoreError::Hosts { .. }) | Err(StoreError::InProgress(_)) => {
                        Outcome::Other
                    }
                    Err(StoreError::Invalid(_)) => Outcome::Other, // no room for a set
                    Err(e) => panic!("expand {name}: {e}"),
                }
            }
        };
        ended.lock().unwrap().entry(name).or_default().push(outcome);
    }
}

/// A store that checks every device value ever committed: never above its total.
#[derive(Debug)]
struct Checked {
    inner: Arc<dyn Store>,
    device_writes: AtomicUsize,
}

#[async_trait::async_trait]
impl Store for Checked {
    async fn get(&self, key: &Key) -> Result<Option<Entry>, StoreError> {
        self.inner.get(key).await
    }
    async fn list(&self, kind: Kind) -> Result<Vec<Entry>, StoreError> {
        self.inner.list(kind).await
    }
    async fn commit(&self, txn: Txn) -> Result<Revision, StoreError> {
        for op in &txn.ops {
            if let (Kind::Device, Write::Put(value)) = (op.key.kind, &op.write) {
                let d: Device = serde_json::from_slice(value).unwrap();
                assert!(
                    d.used <= d.total,
                    "over-booked: {} {} > {}",
                    d.id,
                    d.used,
                    d.total
                );
                self.device_writes.fetch_add(1, Ordering::SeqCst);
            }
        }
        self.inner.commit(txn).await
    }
    async fn revision(&self) -> Result<Revision, StoreError> {
        self.inner.revision().await
    }
    async fn changes_since(&self, since: Revision) -> Result<Changes, StoreError> {
        self.inner.changes_since(since).await
    }
    async fn compact_history(&self, before: Revision) -> Result<(), StoreError> {
        self.inner.compact_history(before).await
    }
    fn location(&self) -> String {
        self.inner.location()
    }
}

async fn run(store: Arc<dyn Store>, seed: u64) {
    let model = topology(9, 3, ByteSize::tib(2));
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..120 {
        sim.inject(Fault::FailCall(rng.random_range(1..12_000)));
    }
    let checked = Arc::new(Checked {
        inner: store.clone(),
        device_writes: AtomicUsize::new(0),
    });
    let p = provisioner(checked.clone(), &model, sim.clone())
        .await
        .unwrap();
    let ended = Arc::new(Mutex::new(BTreeMap::new()));
    let tasks: Vec<_> = (0..TASKS)
        .map(|id| tokio::spawn(task(p.clone(), id, seed, ended.clone())))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert!(checked.device_writes.load(Ordering::SeqCst) > TASKS);

    // Every request ended exactly once.
    let ended = ended.lock().unwrap().clone();
    assert_eq!(ended.len(), TASKS * ops());
    assert!(
        ended.values().all(|o| o.len() == 1),
        "a request ended twice"
    );

    // Recovery (faults gone: the process restarted) leaves nothing pending.
    sim.restart();
    let report = p.recover(RecoveryPolicy::RollBack).await.unwrap();
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());

    // The store equals the hosts exactly.
    let diffs = p
        .reconcile(&HostReport::from_simulated(&sim.snapshot()))
        .await
        .unwrap();
    assert!(diffs.is_empty(), "{diffs:#?}");
    let stored = p.model().await.unwrap();
    assert!(stored.check().is_empty(), "{:?}", stored.check());
    // A fresh load of the store gives the same model as the cached view.
    let fresh = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    assert_eq!(fresh.model().await.unwrap(), stored);

    // The volumes are exactly those the outcomes say exist.
    let mut expected = BTreeSet::new();
    let mut outcomes: Vec<Outcome> = ended.values().map(|o| o[0]).collect();
    // Creates before deletes is enough: a volume is deleted only after its create ended.
    outcomes.sort_by_key(|o| !matches!(o, Outcome::Created(_)));
    for o in outcomes {
        match o {
            Outcome::Created(v) => {
                expected.insert(v);
            }
            Outcome::Deleted(v)
            | Outcome::DeleteFailed {
                volume: v,
                pending: true,
            } => {
                expected.remove(&v);
            }
            _ => {}
        }
    }
    let actual: BTreeSet<VolumeId> = stored.volumes().map(|v| v.id).collect();
    assert_eq!(actual, expected);
    assert_eq!(sim.snapshot().volumes.len(), expected.len());
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Each case is a whole 1,600-operation run: CI's PROPTEST_CASES (128) would take
        // half an hour, so this test has its own knob.
        cases: std::env::var("CONCURRENCY_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(1),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn concurrent_operations_keep_store_and_hosts_equal_on_memory(seed in any::<u64>()) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let store = Arc::new(MemoryStore::new());
            gluster_store::ensure_format(store.as_ref()).await.unwrap();
            run(store, seed).await;
        });
    }
}

#[test]
fn concurrent_operations_keep_store_and_hosts_equal_on_redb() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(RedbStore::open(dir.path().join("s.redb")).await.unwrap());
        run(store, 7).await;
    });
}

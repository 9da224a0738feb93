//! The suite every [`Store`] must pass (feature `testing`): call [`run_all`] with a fresh,
//! empty store (its format key may be present).

use crate::error::StoreError;
use crate::key::{Expect, Key, Kind, Txn};
use crate::store::{compact_runs, ensure_format, format_key, RunEntry, Store};

fn k(kind: Kind, id: &str) -> Key {
    Key::new(kind, id)
}

/// Snapshots, clones and subvolumes written by [`crate::import_model`] come back, equal,
/// in a provisioner over `store` (a fresh, empty store: it holds a model afterwards); a
/// store of format 1 is raised to the current version.
pub async fn data_services(store: std::sync::Arc<dyn Store>) {
    use gluster_exec::simulated::SimulatedExecutor;
    ensure_format(store.as_ref()).await.expect("format");
    let entry = store.get(&format_key()).await.unwrap().expect("format key");
    store
        .commit(Txn::new().put(
            format_key(),
            Expect::Revision(entry.revision),
            br#"{"version":1}"#.to_vec(),
        ))
        .await
        .unwrap();
    ensure_format(store.as_ref())
        .await
        .expect("format 1 is read");
    let raised = store.get(&format_key()).await.unwrap().unwrap();
    assert_eq!(
        raised.value, entry.value,
        "format 1 raised to the current one"
    );

    let model = crate::testing::data_model();
    crate::import_model(store.as_ref(), &model).await.unwrap();
    for (kind, n) in [
        (Kind::Snapshot, 1),
        (Kind::VolumeClone, 1),
        (Kind::Subvolume, 1),
    ] {
        assert_eq!(store.list(kind).await.unwrap().len(), n, "{kind:?}");
    }
    let hosts = std::sync::Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = crate::Provisioner::new(
        store,
        hosts,
        gluster_exec::HostLimits::new(2),
        gluster_placement::PlacementSettings::default(),
    )
    .await
    .expect("provisioner");
    let loaded = p.model().await.expect("model");
    assert_eq!(
        gluster_model::to_native_json(&loaded),
        gluster_model::to_native_json(&model)
    );
    assert!(loaded.snapshot("s1").is_some_and(|s| s.ready));
    assert!(loaded.subvolume("pvc-1").is_some());
    assert_eq!(loaded.clones().len(), 1);
}

/// Run every check; panics (a test failure) naming the check that failed.
pub async fn run_all(store: &dyn Store) {
    put_get_and_revisions(store).await;
    compare_and_swap(store).await;
    all_or_nothing(store).await;
    list_by_kind(store).await;
    changes_since(store).await;
    format_version(store).await;
    compaction(store).await;
    concurrent_cas(store).await;
}

/// Puts give increasing revisions; a key's revision is its last write's.
pub async fn put_get_and_revisions(store: &dyn Store) {
    let a = k(Kind::Node, "rev-a");
    let r1 = store
        .commit(Txn::new().put(a.clone(), Expect::Absent, b"1".to_vec()))
        .await
        .expect("first put");
    let got = store.get(&a).await.expect("get").expect("present");
    assert_eq!((got.value.as_slice(), got.revision), (&b"1"[..], r1));
    let r2 = store
        .commit(Txn::new().put(a.clone(), Expect::Revision(r1), b"2".to_vec()))
        .await
        .expect("second put");
    assert!(r2 > r1, "revisions increase: {r1} then {r2}");
    assert_eq!(store.get(&a).await.unwrap().unwrap().revision, r2);
    assert!(store.revision().await.unwrap() >= r2);
    assert!(store.get(&k(Kind::Node, "never")).await.unwrap().is_none());
}

/// A stale revision or a present key under `Absent` is a conflict naming the key.
pub async fn compare_and_swap(store: &dyn Store) {
    let a = k(Kind::Device, "cas-a");
    let r1 = store
        .commit(Txn::new().put(a.clone(), Expect::Absent, b"x".to_vec()))
        .await
        .unwrap();
    let again = store
        .commit(Txn::new().put(a.clone(), Expect::Absent, b"y".to_vec()))
        .await;
    match again {
        Err(StoreError::Conflict { key, .. }) => assert_eq!(key, a.to_string()),
        other => panic!("absent guard on a present key: {other:?}"),
    }
    store
        .commit(Txn::new().put(a.clone(), Expect::Revision(r1), b"z".to_vec()))
        .await
        .unwrap();
    let stale = store
        .commit(Txn::new().delete(a.clone(), Expect::Revision(r1)))
        .await;
    assert!(
        matches!(&stale, Err(StoreError::Conflict { key, .. }) if *key == a.to_string()),
        "stale revision: {stale:?}"
    );
    assert_eq!(store.get(&a).await.unwrap().unwrap().value, b"z");
    let r = store.get(&a).await.unwrap().unwrap().revision;
    store
        .commit(Txn::new().delete(a.clone(), Expect::Revision(r)))
        .await
        .unwrap();
    assert!(store.get(&a).await.unwrap().is_none());
}

/// One failing guard fails the whole transaction; nothing of it is written.
pub async fn all_or_nothing(store: &dyn Store) {
    let (a, b, c) = (
        k(Kind::Volume, "aon-a"),
        k(Kind::Volume, "aon-b"),
        k(Kind::Volume, "aon-c"),
    );
    store
        .commit(Txn::new().put(b.clone(), Expect::Absent, b"b".to_vec()))
        .await
        .unwrap();
    let before = store.revision().await.unwrap();
    let failed = store
        .commit(
            Txn::new()
                .put(a.clone(), Expect::Absent, b"a".to_vec())
                .put(b.clone(), Expect::Absent, b"b2".to_vec())
                .put(c.clone(), Expect::Any, b"c".to_vec()),
        )
        .await;
    assert!(
        matches!(&failed, Err(StoreError::Conflict { key, .. }) if *key == b.to_string()),
        "{failed:?}"
    );
    assert!(store.get(&a).await.unwrap().is_none(), "nothing written");
    assert!(store.get(&c).await.unwrap().is_none(), "nothing written");
    assert_eq!(store.get(&b).await.unwrap().unwrap().value, b"b");
    // A check-only guard holds the transaction too.
    let rb = store.get(&b).await.unwrap().unwrap().revision;
    let checked = store
        .commit(
            Txn::new()
                .check(b.clone(), Expect::Revision(rb + 1000))
                .put(a.clone(), Expect::Absent, b"a".to_vec()),
        )
        .await;
    assert!(matches!(checked, Err(StoreError::Conflict { .. })));
    assert!(store.get(&a).await.unwrap().is_none());
    let dup = store
        .commit(
            Txn::new()
                .put(a.clone(), Expect::Any, b"1".to_vec())
                .delete(a.clone(), Expect::Any),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Invalid(_))), "{dup:?}");
    assert!(store.revision().await.unwrap() >= before);
}

/// `list` gives exactly the keys of one kind, by id.
pub async fn list_by_kind(store: &dyn Store) {
    let mut txn = Txn::new();
    for id in ["l3", "l1", "l2"] {
        txn = txn.put(k(Kind::Brick, id), Expect::Absent, id.as_bytes().to_vec());
    }
    txn = txn.put(k(Kind::BlockVolume, "l9"), Expect::Absent, b"x".to_vec());
    store.commit(txn).await.unwrap();
    let ids: Vec<String> = store
        .list(Kind::Brick)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key.id)
        .filter(|id| id.starts_with('l'))
        .collect();
    assert_eq!(ids, ["l1", "l2", "l3"]);
    assert!(store
        .list(Kind::Brick)
        .await
        .unwrap()
        .iter()
        .all(|e| e.key.kind == Kind::Brick));
}

/// Changes since a revision are exactly the later puts and deletes, in order.
pub async fn changes_since(store: &dyn Store) {
    let start = store.revision().await.unwrap();
    let a = k(Kind::Cluster, "ch-a");
    let r1 = store
        .commit(Txn::new().put(a.clone(), Expect::Absent, b"1".to_vec()))
        .await
        .unwrap();
    let r2 = store
        .commit(Txn::new().delete(a.clone(), Expect::Revision(r1)))
        .await
        .unwrap();
    let got = store.changes_since(start).await.unwrap();
    let seen: Vec<(Key, u64, Option<Vec<u8>>)> = got
        .changes
        .iter()
        .filter(|c| c.key == a)
        .map(|c| (c.key.clone(), c.revision, c.value.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![(a.clone(), r1, Some(b"1".to_vec())), (a.clone(), r2, None)]
    );
    assert!(got.revision >= r2);
    let none = store.changes_since(got.revision).await.unwrap();
    assert!(none.changes.is_empty(), "{none:?}");
    let after_first = store.changes_since(r1).await.unwrap();
    assert!(after_first.changes.iter().all(|c| c.revision > r1));
    assert!(after_first.changes.iter().any(|c| c.revision == r2));
}

/// The format key is written once; a newer version is refused with a clear error.
pub async fn format_version(store: &dyn Store) {
    ensure_format(store).await.expect("own format");
    let entry = store.get(&format_key()).await.unwrap().expect("format key");
    store
        .commit(Txn::new().put(
            format_key(),
            Expect::Revision(entry.revision),
            br#"{"version":99}"#.to_vec(),
        ))
        .await
        .unwrap();
    match ensure_format(store).await {
        Err(e @ StoreError::NewerFormat { found: 99, .. }) => {
            assert!(e.to_string().contains("99"), "{e}");
        }
        other => panic!("newer format accepted: {other:?}"),
    }
    let newer = store.get(&format_key()).await.unwrap().unwrap();
    store
        .commit(Txn::new().put(format_key(), Expect::Revision(newer.revision), entry.value))
        .await
        .unwrap();
    ensure_format(store).await.expect("restored format");
}

/// Ended runs are compacted away; unfinished ones stay. Old history can be compacted.
pub async fn compaction(store: &dyn Store) {
    let run = |ended| {
        serde_json::to_vec(&RunEntry {
            records: Vec::new(),
            ended,
        })
        .unwrap()
    };
    store
        .commit(
            Txn::new()
                .put(k(Kind::Run, "ended"), Expect::Absent, run(true))
                .put(k(Kind::Run, "open"), Expect::Absent, run(false)),
        )
        .await
        .unwrap();
    assert_eq!(compact_runs(store).await.unwrap(), 1);
    let left: Vec<String> = store
        .list(Kind::Run)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key.id)
        .collect();
    assert_eq!(left, ["open"]);
    let old = store.revision().await.unwrap();
    let r = store
        .commit(Txn::new().put(
            k(Kind::Meta, "compaction-probe"),
            Expect::Any,
            b"1".to_vec(),
        ))
        .await
        .unwrap();
    store.compact_history(r).await.unwrap();
    let far = store.changes_since(old.saturating_sub(2)).await;
    assert!(
        matches!(far, Err(StoreError::Compacted { .. })),
        "compacted history must be refused: {far:?}"
    );
    assert!(store.changes_since(r).await.is_ok());
}

/// Many writers racing on one key: every success saw the previous value (no lost update).
pub async fn concurrent_cas(store: &dyn Store) {
    let counter = k(Kind::Meta, "counter");
    store
        .commit(Txn::new().put(counter.clone(), Expect::Any, b"0".to_vec()))
        .await
        .unwrap();
    let tasks = (0..8).map(|_| async {
        let mut done = 0;
        while done < 5 {
            let e = store.get(&counter).await.unwrap().unwrap();
            let n: u64 = std::str::from_utf8(&e.value).unwrap().parse().unwrap();
            let next = (n + 1).to_string().into_bytes();
            match store
                .commit(Txn::new().put(counter.clone(), Expect::Revision(e.revision), next))
                .await
            {
                Ok(_) => done += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
    });
    futures_util::future::join_all(tasks).await;
    let e = store.get(&counter).await.unwrap().unwrap();
    assert_eq!(e.value, b"40");
}

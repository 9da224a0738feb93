//! Snapshots, clones and subvolumes through the provisioner: kept in the store (a second
//! provisioner over the same store sees them), charged under the origin's or hosting
//! volume's revision, and removed again when the hosts fail.

use std::sync::Arc;

use gluster_exec::simulated::{Fault, SimOp, SimulatedExecutor};
use gluster_model::{ByteSize, Durability, SnapshotFactor, VolumeId};
use gluster_placement::VolumeRequest;
use gluster_store::testing::{provisioner, topology};
use gluster_store::{Kind, MemoryStore, Provisioner, Store, StoreError};

async fn setup() -> (
    Arc<MemoryStore>,
    Arc<SimulatedExecutor>,
    Provisioner,
    VolumeId,
) {
    let model = topology(3, 1, ByteSize::tib(4));
    let store = Arc::new(MemoryStore::new());
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    let mut request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    request.snapshot_factor = SnapshotFactor::new(2.0).unwrap();
    let v = p.create("origin", &request).await.unwrap().volume;
    (store, sim, p, v)
}

async fn second(store: &Arc<MemoryStore>, sim: &Arc<SimulatedExecutor>) -> Provisioner {
    let model = topology(3, 1, ByteSize::tib(4));
    provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_and_clone_are_stored_and_charged() {
    let (store, sim, p, v) = setup().await;
    let s = p
        .create_snapshot(v, "snap1", Some(ByteSize::gib(1)))
        .await
        .unwrap();
    assert!(s.ready);
    assert_eq!(s.charges.len(), 3);
    // Idempotent by name for the same volume; refused for another volume's name clash.
    assert_eq!(p.create_snapshot(v, "snap1", None).await.unwrap(), s);
    // Full bricks do not fit the reserve left: refused naming the bricks, nothing stored.
    let full = p.create_snapshot(v, "snap2", None).await.unwrap_err();
    assert!(format!("{full:?}").contains("snap2"), "{full:?}");
    assert_eq!(store.list(Kind::Snapshot).await.unwrap().len(), 1);
    let clone = p
        .clone_snapshot("snap1", "restored", Some(ByteSize::gib(1)))
        .await
        .unwrap();
    assert!(sim.snapshot().volumes.contains_key("restored"));
    // Another process over the same store sees both, and the origin cannot be deleted.
    let p2 = second(&store, &sim).await;
    let model = p2.model().await.unwrap();
    assert!(model.check().is_empty(), "{:?}", model.check());
    assert_eq!(model.clone_record(clone).map(|c| c.origin), Some(v));
    assert!(model.snapshot("snap1").is_some_and(|s| s.ready));
    assert!(matches!(p2.delete(v).await, Err(StoreError::Model(_))));
    p2.delete_snapshot("snap1").await.unwrap();
    assert!(sim.snapshot().data.snapshots.is_empty());
    assert!(store.list(Kind::Snapshot).await.unwrap().is_empty());
    // The clone is a volume: deleting it removes its clone record too.
    p2.delete(clone).await.unwrap();
    assert!(store.list(Kind::VolumeClone).await.unwrap().is_empty());
    p2.delete(v).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_the_hosts_refuse_leaves_nothing_stored() {
    let (store, sim, p, v) = setup().await;
    sim.inject(Fault::FailOp {
        op: SimOp::SnapshotCreate,
        nth: 1,
    });
    let e = p
        .create_snapshot(v, "snap1", Some(ByteSize::gib(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Hosts {
                rolled_back: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(store.list(Kind::Snapshot).await.unwrap().is_empty());
    assert_eq!(p.model().await.unwrap().snapshots().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subvolumes_are_stored_with_their_quota() {
    let (store, sim, p, _) = setup().await;
    let a = p.create_subvolume("pvc-1", ByteSize::gib(1)).await.unwrap();
    let b = p.create_subvolume("pvc-2", ByteSize::gib(2)).await.unwrap();
    assert_eq!(a.hosting, b.hosting, "one hosting volume");
    let grown = p.expand_subvolume("pvc-1", ByteSize::gib(5)).await.unwrap();
    assert_eq!(grown.quota, ByteSize::gib(5));
    assert!(p
        .expand_subvolume("pvc-1", ByteSize::tib(100))
        .await
        .is_err());
    let p2 = second(&store, &sim).await;
    let model = p2.model().await.unwrap();
    assert_eq!(
        model.subvolume("pvc-1").map(|s| s.quota),
        Some(ByteSize::gib(5))
    );
    assert_eq!(model.quota_committed(a.hosting), ByteSize::gib(7));
    assert!(matches!(
        p2.delete(a.hosting).await,
        Err(StoreError::Model(_))
    ));
    p2.delete_subvolume("pvc-1").await.unwrap();
    assert!(matches!(
        p2.delete_subvolume("pvc-1").await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.list(Kind::Subvolume).await.unwrap().len(), 1);
    // A quota the hosts refuse is not kept (call 1 makes the directory, 2 enables quotas).
    sim.inject(Fault::FailCall(sim.calls() + 2));
    assert!(p2
        .create_subvolume("pvc-3", ByteSize::gib(1))
        .await
        .is_err());
    assert_eq!(store.list(Kind::Subvolume).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_create_interrupted_by_a_crash_is_finished_by_the_retry() {
    let (store, sim, p, v) = setup().await;
    // The process dies right after glusterd made the snapshot, before it was activated.
    sim.inject(Fault::CrashAfterCall(sim.calls() + 1));
    tokio::select! {
        r = p.create_snapshot(v, "snap1", Some(ByteSize::gib(1))) => panic!("must crash: {r:?}"),
        () = sim.crashed() => {}
    }
    sim.restart();
    assert!(
        !sim.snapshot().data.snapshots["snap1"].activated,
        "made, not activated"
    );
    let stored = store.list(Kind::Snapshot).await.unwrap();
    assert_eq!(
        stored.len(),
        1,
        "the intent was stored before the hosts were touched"
    );
    let p2 = second(&store, &sim).await;
    assert!(!p2.model().await.unwrap().snapshot("snap1").unwrap().ready);
    // CSI retries CreateSnapshot with the same name: it finishes, charged once.
    let s = p2
        .create_snapshot(v, "snap1", Some(ByteSize::gib(1)))
        .await
        .unwrap();
    assert!(s.ready);
    assert!(sim.snapshot().data.snapshots["snap1"].activated);
    let model = p2.model().await.unwrap();
    assert_eq!(model.snapshots().len(), 1);
    assert!(model.check().is_empty(), "{:?}", model.check());
}

//! The provisioner on the memory store and simulated hosts: create, retry, delete,
//! rollback, recovery and reconcile.

use std::sync::Arc;

use gluster_exec::simulated::{Fault, SimOp, SimulatedExecutor};
use gluster_model::{ByteSize, Durability};
use gluster_placement::day2::ExpandBy;
use gluster_placement::VolumeRequest;
use gluster_store::testing::{provisioner, topology};
use gluster_store::{Difference, HostReport, Kind, MemoryStore, RecoveryPolicy, Store, StoreError};

fn request(gib: u64) -> VolumeRequest {
    VolumeRequest::new(ByteSize::gib(gib), Durability::replicate(3).unwrap())
}

async fn setup() -> (
    Arc<MemoryStore>,
    Arc<SimulatedExecutor>,
    gluster_store::Provisioner,
) {
    let model = topology(6, 2, ByteSize::gib(500));
    let store = Arc::new(MemoryStore::new());
    gluster_store::ensure_format(store.as_ref()).await.unwrap();
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    (store, sim, p)
}

async fn differences(p: &gluster_store::Provisioner, sim: &SimulatedExecutor) -> Vec<Difference> {
    p.reconcile(&HostReport::from_simulated(&sim.snapshot()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_retry_delete_keep_store_and_hosts_equal() {
    let (store, sim, p) = setup().await;
    let a = p.create("pvc-a", &request(10)).await.unwrap();
    assert!(a.new);
    let again = p.create("pvc-a", &request(10)).await.unwrap();
    assert_eq!(
        (again.volume, again.new),
        (a.volume, false),
        "same request, same volume"
    );
    let b = p.create("pvc-b", &request(20)).await.unwrap();
    assert_ne!(a.volume, b.volume);
    assert_eq!(sim.snapshot().volumes.len(), 2);
    assert!(differences(&p, &sim).await.is_empty());
    p.delete(a.volume).await.unwrap();
    assert_eq!(sim.snapshot().volumes.len(), 1);
    assert!(differences(&p, &sim).await.is_empty());
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());
    let model = p.model().await.unwrap();
    assert!(model.check().is_empty());
    assert_eq!(model.volumes().len(), 1);
    // The request of a deleted volume is forgotten: the name may be used again.
    assert!(store
        .get(&gluster_store::Key::new(Kind::Request, "pvc-a"))
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        p.delete(a.volume).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_is_rolled_back_and_releases_its_reservation() {
    let (store, sim, p) = setup().await;
    let before = p.model().await.unwrap();
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeStart,
        nth: 1,
    });
    let err = p.create("pvc-x", &request(10)).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Hosts {
                rolled_back: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(sim.snapshot().volumes.is_empty());
    assert_eq!(p.model().await.unwrap(), before, "reservation released");
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());
    assert!(differences(&p, &sim).await.is_empty());
    // The same request may be retried.
    assert!(p.create("pvc-x", &request(10)).await.unwrap().new);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_rolls_back_or_finishes_a_crashed_create() {
    for policy in [RecoveryPolicy::RollBack, RecoveryPolicy::Finish] {
        let (store, sim, p) = setup().await;
        sim.inject(Fault::CrashAfterCall(2));
        let req = request(10);
        let run = p.create("pvc-c", &req);
        tokio::select! {
            r = run => panic!("the create must crash: {r:?}"),
            () = sim.crashed() => {}
        }
        sim.restart();
        assert_eq!(store.list(Kind::Pending).await.unwrap().len(), 1);
        // A new process: a fresh provisioner over the same store and hosts.
        let model = topology(6, 2, ByteSize::gib(500));
        let p2 = provisioner(store.clone(), &model, sim.clone())
            .await
            .unwrap();
        let report = p2.recover(policy).await.unwrap();
        assert!(report.failed.is_empty(), "{report:?}");
        assert!(differences(&p2, &sim).await.is_empty(), "{policy:?}");
        let volumes = sim.snapshot().volumes.len();
        match policy {
            RecoveryPolicy::RollBack => assert_eq!((volumes, report.rolled_back.len()), (0, 1)),
            RecoveryPolicy::Finish => assert_eq!((volumes, report.finished.len()), (1, 1)),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expand_adds_sets_and_a_failed_expand_gives_the_space_back() {
    let (store, sim, p) = setup().await;
    let a = p.create("pvc-e", &request(10)).await.unwrap();
    let size = p.expand(a.volume, ExpandBy::Sets(1)).await.unwrap();
    assert_eq!(size, ByteSize::gib(20));
    assert_eq!(sim.snapshot().volumes[&a.name].bricks.len(), 6);
    assert!(differences(&p, &sim).await.is_empty());
    let before = p.model().await.unwrap();
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeExpand,
        nth: 2,
    });
    let err = p.expand(a.volume, ExpandBy::Sets(1)).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Hosts {
                rolled_back: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(p.model().await.unwrap(), before);
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());
    assert!(differences(&p, &sim).await.is_empty());
    p.delete(a.volume).await.unwrap();
    assert!(differences(&p, &sim).await.is_empty());
    assert!(p.model().await.unwrap().bricks().len() == 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_without_change() {
    let (store, _sim, p) = setup().await;
    let rev = store.revision().await.unwrap();
    assert!(matches!(
        p.create("", &request(10)).await,
        Err(StoreError::Invalid(_))
    ));
    let huge = p.create("big", &request(100_000)).await.unwrap_err();
    assert!(matches!(huge, StoreError::Placement(_)), "{huge}");
    assert_eq!(store.revision().await.unwrap(), rev);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_provisioner_catches_up_from_the_change_history() {
    let (store, sim, a) = setup().await;
    let model = topology(6, 2, ByteSize::gib(500));
    let b = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    let made = a.create("pvc-r", &request(10)).await.unwrap();
    // Compacting history before b's revision would force a reload; b only needs the tail.
    let seen = b.model().await.unwrap();
    assert!(seen.volume(made.volume).is_some(), "b sees a's volume");
    // b deletes what a made: a's cached view learns it from the history too.
    b.delete(made.volume).await.unwrap();
    assert!(a.model().await.unwrap().volume(made.volume).is_none());
    assert!(differences(&a, &sim).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_runs_are_kept_until_compacted() {
    let (store, sim, p) = setup().await;
    p.create("pvc-0", &request(1)).await.unwrap();
    assert!(
        store.list(Kind::Run).await.unwrap().is_empty(),
        "completed runs are not kept"
    );
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeStart,
        nth: 2,
    });
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeCreate,
        nth: 3,
    });
    assert!(p.create("pvc-1", &request(1)).await.is_err());
    assert!(p.create("pvc-2", &request(1)).await.is_err());
    let runs = store.list(Kind::Run).await.unwrap();
    assert_eq!(runs.len(), 2);
    let entry: gluster_store::RunEntry = serde_json::from_slice(&runs[0].value).unwrap();
    assert!(entry.ended && !entry.records.is_empty(), "{entry:?}");
    assert_eq!(
        gluster_store::compact_runs(store.as_ref()).await.unwrap(),
        2
    );
    assert!(store.list(Kind::Run).await.unwrap().is_empty());
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<gluster_store::Provisioner>();
    check::<gluster_store::MemoryStore>();
    check::<gluster_store::RedbStore>();
    check::<gluster_store::EtcdStore>();
    check::<StoreError>();
    check::<gluster_store::Txn>();
    check::<gluster_store::PendingOp>();
    check::<Difference>();
}

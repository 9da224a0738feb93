//! Bad input: a corrupt or truncated redb file, an etcd that is down or goes away
//! mid-operation, a store of a newer format version. A clear error, no panic, nothing lost.

use std::sync::Arc;
use std::time::Duration;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_model::{ByteSize, Durability};
use gluster_placement::VolumeRequest;
use gluster_store::etcd_server::EtcdServer;
use gluster_store::testing::{provisioner, topology};
use gluster_store::{
    format_key, EtcdStore, Expect, HostReport, Kind, RecoveryPolicy, RedbStore, Store, StoreError,
    Txn,
};

fn request() -> VolumeRequest {
    VolumeRequest::new(ByteSize::gib(5), Durability::replicate(3).unwrap())
}

/// A redb file holding a topology and one volume.
async fn filled_redb(path: &std::path::Path) {
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(path).await.unwrap());
    let model = topology(3, 1, ByteSize::gib(100));
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = provisioner(store, &model, sim).await.unwrap();
    p.create("a", &request()).await.unwrap();
    drop(p);
    wait_closed(path);
}

/// Wait until every handle of the store has let go of the file: the group-commit thread
/// drops its handle just after its last reply, and a write it makes after the test has
/// truncated the file would undo the truncation. redb locks a file while it is open.
fn wait_closed(path: &std::path::Path) {
    for _ in 0..1000 {
        match redb::Database::open(path) {
            Ok(db) => return drop(db),
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    panic!("{} is still open", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_and_corrupt_redb_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    filled_redb(&path).await;
    let whole = std::fs::read(&path).unwrap();

    // Truncated.
    std::fs::write(&path, &whole[..whole.len() / 3]).unwrap();
    let err = RedbStore::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(
        err.to_string().contains("state.redb"),
        "names the file: {err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap().len(),
        whole.len() / 3,
        "not rewritten"
    );

    // Garbage.
    let garbage: Vec<u8> = (0..whole.len()).map(|i| (i * 7 + 13) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = RedbStore::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage, "not rewritten");

    // The intact file opens again with its data.
    std::fs::write(&path, &whole).unwrap();
    let store = RedbStore::open(&path).await.unwrap();
    assert_eq!(store.list(Kind::Volume).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_format_version_is_refused_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    {
        let store = RedbStore::open(&path).await.unwrap();
        let e = store.get(&format_key()).await.unwrap().unwrap();
        store
            .commit(Txn::new().put(
                format_key(),
                Expect::Revision(e.revision),
                br#"{"version":3}"#.to_vec(),
            ))
            .await
            .unwrap();
    }
    let err = RedbStore::open(&path).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerFormat {
                found: 3,
                supported: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("state.redb") && err.to_string().contains("newer"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etcd_that_is_down_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let err = EtcdStore::connect(
        std::slice::from_ref(&endpoint),
        "/x/",
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains(&endpoint), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_going_away_mid_operation_loses_nothing() {
    let Some(mut server) = EtcdServer::start() else {
        return;
    };
    let endpoints = server.endpoints();
    let connect = || EtcdStore::connect(&endpoints, "/bad/", Duration::from_secs(2));
    let store: Arc<dyn Store> = Arc::new(connect().await.unwrap());
    let model = topology(3, 1, ByteSize::gib(100));
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    let first = p.create("a", &request()).await.unwrap();

    // Slow hosts: etcd dies once the create has reserved and reached the hosts.
    sim.set_latency(Duration::from_millis(50));
    let req = request();
    let create = p.create("b", &req);
    let calls = sim.calls();
    let kill = async {
        while sim.calls() == calls {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill();
    };
    let (result, ()) = tokio::join!(create, kill);
    let err = result.unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    // Down: every call is an error, none panics.
    assert!(p.create("c", &request()).await.is_err());
    assert!(p.delete(first.volume).await.is_err());

    // Back: the first volume is there, recovery settles "b", store == hosts.
    server.restart();
    sim.set_latency(Duration::ZERO);
    let store: Arc<dyn Store> = Arc::new(connect().await.unwrap());
    let p = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    let report = p.recover(RecoveryPolicy::RollBack).await.unwrap();
    assert!(report.failed.is_empty(), "{report:?}");
    let model_now = p.model().await.unwrap();
    assert!(model_now.volume(first.volume).is_some(), "nothing lost");
    let diffs = p
        .reconcile(&HostReport::from_simulated(&sim.snapshot()))
        .await
        .unwrap();
    assert!(diffs.is_empty(), "{diffs:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_format_version_is_refused_on_etcd() {
    let Some(server) = EtcdServer::start() else {
        return;
    };
    let store = EtcdStore::connect(&server.endpoints(), "/v/", Duration::from_secs(5))
        .await
        .unwrap();
    let e = store.get(&format_key()).await.unwrap().unwrap();
    store
        .commit(Txn::new().put(
            format_key(),
            Expect::Revision(e.revision),
            br#"{"version":7}"#.to_vec(),
        ))
        .await
        .unwrap();
    let err = EtcdStore::connect(&server.endpoints(), "/v/", Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NewerFormat { found: 7, .. }),
        "{err:?}"
    );
}

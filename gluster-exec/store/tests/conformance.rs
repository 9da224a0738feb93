//! Every store passes the one conformance suite.

use std::time::Duration;

use gluster_store::etcd_server::EtcdServer;
use gluster_store::{conformance, EtcdStore, MemoryStore, RedbStore};

#[tokio::test]
async fn memory_store_conforms() {
    conformance::run_all(&MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redb_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dir.path().join("state.redb"))
        .await
        .unwrap();
    conformance::run_all(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_store_conforms() {
    let Some(server) = EtcdServer::start() else {
        return;
    };
    let store = EtcdStore::connect(&server.endpoints(), "/conformance/", Duration::from_secs(5))
        .await
        .unwrap();
    conformance::run_all(&store).await;
}

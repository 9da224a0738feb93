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

#[tokio::test]
async fn memory_store_keeps_data_services() {
    conformance::data_services(std::sync::Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redb_store_keeps_data_services_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let store = RedbStore::open(&path).await.unwrap();
    conformance::data_services(std::sync::Arc::new(store)).await;
    // Reopened: the entities are still there, and the model holds them.
    let store = std::sync::Arc::new(RedbStore::open(&path).await.unwrap());
    let model = gluster_store::testing::data_model();
    let hosts = std::sync::Arc::new(gluster_exec::simulated::SimulatedExecutor::from_model(
        &model, true,
    ));
    let p = gluster_store::testing::provisioner(store, &model, hosts)
        .await
        .unwrap();
    let loaded = p.model().await.unwrap();
    assert_eq!(
        gluster_model::to_native_json(&loaded),
        gluster_model::to_native_json(&model)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_store_keeps_data_services() {
    let Some(server) = EtcdServer::start() else {
        return;
    };
    let store = EtcdStore::connect(&server.endpoints(), "/data/", Duration::from_secs(5))
        .await
        .unwrap();
    conformance::data_services(std::sync::Arc::new(store)).await;
}

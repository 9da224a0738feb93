//! Lease fencing on a real etcd: a writer whose lease was revoked (as etcd does when it
//! expires) has its commits refused with a clear error; another writer carries on.

use std::sync::Arc;
use std::time::Duration;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_model::{ByteSize, Durability};
use gluster_placement::VolumeRequest;
use gluster_store::etcd_server::EtcdServer;
use gluster_store::testing::{provisioner, topology};
use gluster_store::{EtcdStore, Expect, Key, Kind, Store, StoreError, Txn};

async fn writer(server: &EtcdServer) -> EtcdStore {
    EtcdStore::connect(&server.endpoints(), "/fence/", Duration::from_secs(5))
        .await
        .unwrap()
        .with_lease(Duration::from_secs(30))
        .await
        .unwrap()
}

fn put(id: &str) -> Txn {
    Txn::new().put(Key::new(Kind::Run, id), Expect::Absent, b"{}".to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_whose_lease_was_revoked_is_refused_and_another_continues() {
    let Some(server) = EtcdServer::start() else {
        return;
    };
    let one = writer(&server).await;
    let two = writer(&server).await;
    assert_ne!(one.lease_id(), two.lease_id());
    one.commit(put("a")).await.unwrap();
    two.commit(put("b")).await.unwrap();

    // Revoke writer one's lease from outside, as etcd does when it expires.
    let mut client = etcd_client::Client::connect(server.endpoints(), None)
        .await
        .unwrap();
    client.lease_revoke(one.lease_id().unwrap()).await.unwrap();

    let refused = one.commit(put("c")).await.unwrap_err();
    assert!(matches!(refused, StoreError::Fenced { .. }), "{refused}");
    assert!(
        refused.to_string().contains("expired or was revoked"),
        "{refused}"
    );
    assert!(one.get(&Key::new(Kind::Run, "c")).await.unwrap().is_none());
    // Its reads still work; a conflicting guard is still reported as the fence.
    assert!(one.get(&Key::new(Kind::Run, "a")).await.unwrap().is_some());
    two.commit(put("c")).await.unwrap();
    assert!(two.get(&Key::new(Kind::Run, "c")).await.unwrap().is_some());

    // A provisioner on a fenced store cannot reserve; one on the live writer can.
    let model = topology(6, 2, ByteSize::gib(500));
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p2 = provisioner(Arc::new(two.clone()), &model, sim.clone())
        .await
        .unwrap();
    let p1 = provisioner(Arc::new(one), &model, sim.clone())
        .await
        .unwrap();
    let request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    let err = p1.create("pvc-1", &request).await.unwrap_err();
    assert!(matches!(err, StoreError::Fenced { .. }), "{err}");
    assert!(
        sim.snapshot().volumes.is_empty(),
        "nothing ran on the hosts"
    );
    assert!(p2.create("pvc-2", &request).await.unwrap().new);

    // A clean step-down works the same way.
    two.revoke_lease().await.unwrap();
    let err = two.commit(put("d")).await.unwrap_err();
    assert!(matches!(err, StoreError::Fenced { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keep_alive_holds_the_lease_past_its_ttl() {
    let Some(server) = EtcdServer::start() else {
        return;
    };
    let store = EtcdStore::connect(&server.endpoints(), "/keep/", Duration::from_secs(5))
        .await
        .unwrap()
        .with_lease(Duration::from_secs(3))
        .await
        .unwrap();
    let mut client = etcd_client::Client::connect(server.endpoints(), None)
        .await
        .unwrap();
    let id = store.lease_id().unwrap();
    // Without the keep-alive the lease would be gone after 3 s: watch it for twice that.
    let until = std::time::Instant::now() + Duration::from_secs(7);
    while std::time::Instant::now() < until {
        let ttl = client.lease_time_to_live(id, None).await.unwrap().ttl();
        // etcd answers -1 for a lease that is gone.
        assert!(ttl >= 0, "the lease expired while kept alive");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    store.commit(put("kept")).await.unwrap();
}

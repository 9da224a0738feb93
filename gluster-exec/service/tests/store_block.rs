//! Block volumes on the store backend (redb): the block volume and its hosting volume's
//! charge are stored, so a restarted service still lists them and deleting gives the size
//! back.

mod common;

use axum::http::StatusCode;
use common::*;
use gluster_model::ByteSize;

fn hosting_free(model: &gluster_model::Model, hosting: &str) -> ByteSize {
    let v = model
        .volumes()
        .find(|v| v.id.to_string() == hosting)
        .expect("hosting volume");
    v.block_hosting.as_ref().expect("block hosting").free_size
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_volumes_survive_a_restart_of_the_service_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let (id, hosting, free_after_two, hosts) = {
        let h = redb_harness_at(&path, ByteSize::tib(1), None).await;
        let r = &h.router;
        let a = run(r, "POST", "/blockvolumes", r#"{"size":5,"name":"blk1"}"#).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let first = open(r, "GET", a.header("location").unwrap(), "")
            .await
            .json();
        let hosting = first["blockhostingvolume"].as_str().unwrap().to_string();
        let free_one = hosting_free(&h.model().await, &hosting);
        // A second one goes into the same hosting volume, which is charged again.
        let b = run(r, "POST", "/blockvolumes", r#"{"size":7,"name":"blk2"}"#).await;
        assert_eq!(b.status, StatusCode::SEE_OTHER, "{}", b.body);
        let second = open(r, "GET", b.header("location").unwrap(), "")
            .await
            .json();
        assert_eq!(second["blockhostingvolume"], hosting.as_str());
        let free_two = hosting_free(&h.model().await, &hosting);
        assert_eq!(free_one.checked_sub(free_two), Some(ByteSize::gib(7)));
        // One hosting volume, on the hosts too, holding both block volumes.
        assert_eq!(h.model().await.volumes().len(), 1);
        assert_eq!(h.sim.snapshot().block_volumes.len(), 2);
        (
            second["id"].as_str().unwrap().to_string(),
            hosting,
            free_two,
            Some(h.sim.clone()),
        )
    };
    // Restart: the same file, a new service.
    let h = redb_harness_at(&path, ByteSize::tib(1), hosts.clone()).await;
    let r = &h.router;
    let list = open(r, "GET", "/blockvolumes", "").await.json();
    let listed = list["blockvolumes"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{list}");
    assert!(listed.iter().any(|x| x == id.as_str()), "{list}");
    let info = open(r, "GET", &format!("/blockvolumes/{id}"), "").await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(info.json()["name"], "blk2");
    assert_eq!(hosting_free(&h.model().await, &hosting), free_after_two);
    let v = open(r, "GET", &format!("/volumes/{hosting}"), "")
        .await
        .json();
    assert_eq!(v["blockinfo"]["blockvolume"].as_array().unwrap().len(), 2);

    // Deleting after the restart gives the size back in the store.
    let d = run(r, "DELETE", &format!("/blockvolumes/{id}"), "").await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.body);
    assert_eq!(
        hosting_free(&h.model().await, &hosting).checked_sub(free_after_two),
        Some(ByteSize::gib(7))
    );
    drop(h);
    let h = redb_harness_at(&path, ByteSize::tib(1), hosts.clone()).await;
    let list = open(&h.router, "GET", "/blockvolumes", "").await.json();
    assert_eq!(list["blockvolumes"].as_array().unwrap().len(), 1, "{list}");
    let gone = open(&h.router, "GET", &format!("/blockvolumes/{id}"), "").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_block_create_on_the_store_leaves_nothing_charged() {
    let dir = tempfile::tempdir().unwrap();
    let h = redb_harness_at(&dir.path().join("state.redb"), ByteSize::tib(1), None).await;
    let r = &h.router;
    let a = run(r, "POST", "/blockvolumes", r#"{"size":5,"name":"blk1"}"#).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let first = open(r, "GET", a.header("location").unwrap(), "")
        .await
        .json();
    let hosting = first["blockhostingvolume"].as_str().unwrap().to_string();
    let free = hosting_free(&h.model().await, &hosting);
    // The second `gluster-block create` fails on the hosts.
    h.sim.inject(gluster_exec::simulated::Fault::FailOp {
        op: gluster_exec::simulated::SimOp::BlockVolumeCreate,
        nth: 2,
    });
    let failed = run(r, "POST", "/blockvolumes", r#"{"size":3,"name":"blk2"}"#).await;
    assert_eq!(
        failed.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        failed.body
    );
    assert_eq!(hosting_free(&h.model().await, &hosting), free);
    let list = open(r, "GET", "/blockvolumes", "").await.json();
    assert_eq!(list["blockvolumes"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(h.sim.snapshot().block_volumes.len(), 1);
}

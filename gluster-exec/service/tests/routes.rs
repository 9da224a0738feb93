//! Every route of the Heketi API through the router, on simulated hosts, without auth.

mod common;

use axum::http::StatusCode;
use common::*;
use gluster_service::AuthConfig;

async fn first_cluster(h: &Harness) -> String {
    h.model().await.clusters().next().unwrap().id.to_string()
}

async fn hello_and_clusters(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let r = &h.router;
    let full = first_cluster(&h).await;
    let hello = open(r, "GET", "/hello", "").await;
    assert_eq!(hello.status, StatusCode::OK);
    assert_eq!(hello.body.trim(), "Hello from Heketi");

    let list = open(r, "GET", "/clusters", "{}").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["clusters"].as_array().unwrap().len(), 1);

    // Heketi's Python client sends "{}" without a Content-Type.
    let created = open(r, "POST", "/clusters", "{}").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let c = created.json();
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(c["block"], true);
    assert_eq!(c["file"], true);
    assert_eq!(c["nodes"], serde_json::json!([]));
    assert_eq!(c["blockvolumes"], serde_json::json!([]));

    let info = open(r, "GET", &format!("/clusters/{id}"), "").await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.json()["id"], id.as_str());
    let list = open(r, "GET", "/clusters", "").await;
    assert_eq!(list.json()["clusters"].as_array().unwrap().len(), 2);

    // The built-in cluster holds nodes: 409, nothing removed.
    let refused = open(r, "DELETE", &format!("/clusters/{full}"), "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("holds node"), "{}", refused.body);

    let deleted = open(r, "DELETE", &format!("/clusters/{id}"), "").await;
    assert_eq!(deleted.status, StatusCode::OK);
    let gone = open(r, "GET", &format!("/clusters/{id}"), "").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let list = open(r, "GET", "/clusters", "").await;
    assert_eq!(list.json()["clusters"].as_array().unwrap().len(), 1);
}

async fn nodes_and_devices(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let r = &h.router;
    let cluster = first_cluster(&h).await;
    let body = format!(
        r#"{{"zone":2,"hostnames":{{"manage":["node9"],"storage":["192.0.2.9"]}},"cluster":"{cluster}","tags":{{"rack":"r9"}}}}"#
    );
    let done = run(r, "POST", "/nodes", &body).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.header("location").unwrap().to_string();
    assert!(location.starts_with("/nodes/"));
    let node = open(r, "GET", &location, "").await.json();
    let node_id = node["id"].as_str().unwrap().to_string();
    assert_eq!(node["zone"], 2);
    assert_eq!(node["cluster"], cluster.as_str());
    assert_eq!(node["hostnames"]["manage"][0], "node9");
    assert_eq!(node["state"], "online");
    assert_eq!(node["tags"]["rack"], "r9");
    assert_eq!(node["devices"], serde_json::json!([]));
    // The simulated pool probed it as a peer.
    let sim = h.sim.snapshot();
    assert!(sim.peers.contains("192.0.2.9"));

    // The same hostname again: the operation fails, nothing added.
    let again = run(r, "POST", "/nodes", &body).await;
    assert_eq!(again.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(again.body.contains("node9"), "{}", again.body);
    assert_eq!(h.model().await.nodes().len(), 7);

    let dev = format!(r#"{{"name":"/dev/sdd","node":"{node_id}","destroydata":false}}"#);
    let added = run(r, "POST", "/devices", &dev).await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.body);
    let node = open(r, "GET", &location, "").await.json();
    let device = &node["devices"][0];
    assert_eq!(device["name"], "/dev/sdd");
    assert_eq!(device["storage"]["total"], 100 * 1024 * 1024); // KiB
    assert_eq!(device["storage"]["used"], 0);
    assert_eq!(device["state"], "online");
    let device_id = device["id"].as_str().unwrap().to_string();
    let info = open(r, "GET", &format!("/devices/{device_id}"), "").await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.json()["bricks"], serde_json::json!([]));

    // States: 200 straight away, as the Python client expects.
    for (path, state) in [
        (format!("/devices/{device_id}/state"), "offline"),
        (format!("/devices/{device_id}/state"), "online"),
        (format!("/nodes/{node_id}/state"), "offline"),
        (format!("/nodes/{node_id}/state"), "online"),
    ] {
        let a = open(r, "POST", &path, &format!(r#"{{"state":"{state}"}}"#)).await;
        assert_eq!(a.status, StatusCode::OK, "{path} {state}: {}", a.body);
    }
    let skip = open(
        r,
        "POST",
        &format!("/nodes/{node_id}/state"),
        r#"{"state":"failed"}"#,
    )
    .await;
    assert_eq!(skip.status, StatusCode::CONFLICT, "{}", skip.body);
    assert!(skip.body.contains("offline first"), "{}", skip.body);

    let resync = run(r, "GET", &format!("/devices/{device_id}/resync"), "").await;
    assert_eq!(resync.status, StatusCode::NO_CONTENT, "{}", resync.body);

    // A node with a device cannot go.
    let refused = run(r, "DELETE", &format!("/nodes/{node_id}"), "").await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        refused.body.contains("delete its devices first"),
        "{}",
        refused.body
    );

    let gone = run(r, "DELETE", &format!("/devices/{device_id}"), "").await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
    assert_eq!(
        open(r, "GET", &format!("/devices/{device_id}"), "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let gone = run(r, "DELETE", &format!("/nodes/{node_id}"), "").await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
    assert_eq!(
        open(r, "GET", &location, "").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!h.sim.snapshot().peers.contains("192.0.2.9"));
}

async fn volume_lifecycle(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let r = &h.router;
    let body = r#"{"size":10,"name":"vol1","durability":{"type":"replicate","replicate":{"replica":3}},
        "glustervolumeoptions":["user.heketi.zone-checking strict","performance.cache-size 64MB"]}"#;
    let done = run(r, "POST", "/volumes", body).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.header("location").unwrap().to_string();
    let v = open(r, "GET", &location, "").await.json();
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/volumes/{id}"));
    assert_eq!(v["name"], "vol1");
    assert_eq!(v["size"], 10);
    assert_eq!(v["durability"]["type"], "replicate");
    assert_eq!(v["durability"]["replicate"]["replica"], 3);
    assert_eq!(
        v["glustervolumeoptions"],
        serde_json::json!(["performance.cache-size 64MB"])
    );
    let bricks = v["bricks"].as_array().unwrap();
    assert_eq!(bricks.len(), 3);
    assert!(bricks
        .iter()
        .all(|b| b["size"] == 10 * 1024 * 1024 && b["volume"] == id.as_str()));
    let hosts = v["mount"]["glusterfs"]["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 3);
    assert_eq!(
        v["mount"]["glusterfs"]["device"],
        format!("{}:vol1", hosts[0].as_str().unwrap()).as_str()
    );
    // Strict zones: three zones.
    let model = h.model().await;
    let zones: std::collections::BTreeSet<_> = model
        .volumes()
        .next()
        .unwrap()
        .brick_ids()
        .map(|b| model.node(model.brick(b).unwrap().node).unwrap().zone)
        .collect();
    assert_eq!(zones.len(), 3);
    // The simulated pool has the started volume.
    let sim = h.sim.snapshot();
    assert_eq!(sim.volumes["vol1"].bricks.len(), 3);

    let list = open(r, "GET", "/volumes", "").await.json();
    assert_eq!(list["volumes"], serde_json::json!([id]));
    let cluster = open(
        r,
        "GET",
        &format!("/clusters/{}", v["cluster"].as_str().unwrap()),
        "",
    )
    .await;
    assert_eq!(cluster.json()["volumes"], serde_json::json!([id]));

    let expanded = run(
        r,
        "POST",
        &format!("/volumes/{id}/expand"),
        r#"{"expand_size":10}"#,
    )
    .await;
    assert_eq!(expanded.status, StatusCode::SEE_OTHER, "{}", expanded.body);
    let v = open(r, "GET", &location, "").await.json();
    assert_eq!(v["size"], 20);
    assert_eq!(v["bricks"].as_array().unwrap().len(), 6);
    let sim = h.sim.snapshot();
    assert_eq!(sim.volumes["vol1"].bricks.len(), 6);

    let deleted = run(r, "DELETE", &location, "").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(
        open(r, "GET", &location, "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        open(r, "GET", "/volumes", "").await.json()["volumes"],
        serde_json::json!([])
    );
    let model = h.model().await;
    assert!(model
        .devices()
        .all(|d| d.used == gluster_model::ByteSize::ZERO));
    let sim = h.sim.snapshot();
    assert!(sim.volumes.is_empty());
    assert!(sim
        .hosts
        .values()
        .all(|h| h.devices.values().all(|d| d.bricks.is_empty())));
}

async fn refusal_names_the_real_cause_and_reserves_nothing(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let r = &h.router;
    // 450 GiB replica 3: more than 12 devices of 100 GiB hold in three copies.
    let body = r#"{"size":450,"durability":{"type":"replicate"},
        "glustervolumeoptions":["user.heketi.zone-checking strict"]}"#;
    let failed = run(r, "POST", "/volumes", body).await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!failed.body.trim().is_empty());
    assert_ne!(failed.body.trim(), "No space");
    assert!(
        failed.body.contains("zone") || failed.body.contains("brick"),
        "{}",
        failed.body
    );
    eprintln!("refusal: {}", failed.body);
    let model = h.model().await;
    assert_eq!(model.volumes().len(), 0);
    assert!(model
        .devices()
        .all(|d| d.used == gluster_model::ByteSize::ZERO));
}

async fn queue_entries_end_once(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let r = &h.router;
    let a = open(r, "POST", "/volumes", r#"{"size":1}"#).await;
    let location = a.header("location").unwrap().to_string();
    let end = wait(r, &location).await;
    assert_eq!(end.status, StatusCode::SEE_OTHER);
    // Read once, then gone.
    assert_eq!(
        open(r, "GET", &location, "").await.status,
        StatusCode::NOT_FOUND
    );
    let unknown = format!("/queue/{}", "0".repeat(32));
    assert_eq!(
        open(r, "GET", &unknown, "").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn pending_operations_answer_x_pending_and_excess_gets_429(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 1).await;
    let r = &h.router;
    // Every simulated host call now takes a long time: the first create stays in flight.
    h.sim.set_latency(std::time::Duration::from_secs(3600));
    let first = open(r, "POST", "/volumes", r#"{"size":1}"#).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let location = first.header("location").unwrap().to_string();
    let pending = open(r, "GET", &location, "").await;
    assert_eq!(pending.status, StatusCode::OK);
    assert_eq!(pending.header("X-Pending"), Some("true"));
    // A pending volume is not listed.
    assert_eq!(
        open(r, "GET", "/volumes", "").await.json()["volumes"],
        serde_json::json!([])
    );

    let second = open(r, "POST", "/volumes", r#"{"size":1}"#).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.header("retry-after"), Some("2"));
    // Reads are still served.
    assert_eq!(open(r, "GET", "/clusters", "").await.status, StatusCode::OK);
}

async fn block_volumes(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let r = &h.router;
    // A hosting volume of 50 GiB replica 3 fits the 100 GiB devices.
    let done = run(r, "POST", "/blockvolumes", r#"{"size":5,"hacount":3}"#).await;
    // The default hosting volume (1024 GiB) does not fit: the reason is named.
    assert_eq!(
        done.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        done.body
    );
    assert!(!done.body.contains("No space"), "{}", done.body);
    assert_eq!(h.model().await.volumes().len(), 0);
    assert_eq!(
        open(r, "GET", "/blockvolumes", "").await.json()["blockvolumes"],
        serde_json::json!([])
    );

    // With 1 TiB devices the hosting volume fits.
    let h = harness_sized(b, AuthConfig::Disabled, 64, gluster_model::ByteSize::tib(1)).await;
    let r = &h.router;
    let done = run(
        r,
        "POST",
        "/blockvolumes",
        r#"{"size":5,"name":"blk1","hacount":2}"#,
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.header("location").unwrap().to_string();
    let b = open(r, "GET", &location, "").await.json();
    let id = b["id"].as_str().unwrap().to_string();
    assert_eq!(b["name"], "blk1");
    assert_eq!(b["size"], 5);
    assert_eq!(b["hacount"], 2);
    assert_eq!(b["blockvolume"]["hosts"].as_array().unwrap().len(), 2);
    let hosting = b["blockhostingvolume"].as_str().unwrap().to_string();
    let v = open(r, "GET", &format!("/volumes/{hosting}"), "")
        .await
        .json();
    assert_eq!(v["block"], true);
    assert_eq!(v["blockinfo"]["blockvolume"], serde_json::json!([id]));
    assert_eq!(
        open(r, "GET", "/blockvolumes", "").await.json()["blockvolumes"],
        serde_json::json!([id])
    );
    // The hosting volume cannot go while it hosts the block volume.
    let refused = run(r, "DELETE", &format!("/volumes/{hosting}"), "").await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(refused.body.contains("delete it first"), "{}", refused.body);
    let deleted = run(r, "DELETE", &location, "").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(
        open(r, "GET", &location, "").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn metrics_show_capacity_and_operations(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let r = &h.router;
    let done = run(
        r,
        "POST",
        "/volumes",
        r#"{"size":2,"durability":{"type":"replicate"}}"#,
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let m = open(r, "GET", "/metrics", "").await;
    assert_eq!(m.status, StatusCode::OK);
    let cluster = first_cluster(&h).await;
    for line in [
        format!("gluster_volumes{{cluster=\"{cluster}\"}} 1"),
        format!("gluster_bricks{{cluster=\"{cluster}\"}} 3"),
        format!(
            "gluster_cluster_total_bytes{{cluster=\"{cluster}\"}} {}",
            12u64 * 100 * (1 << 30)
        ),
        "gluster_operations_finished_total{kind=\"volume_create\"} 1".to_string(),
        "gluster_operations_in_flight{kind=\"volume_create\"} 0".to_string(),
    ] {
        assert!(m.body.contains(&line), "{line} missing from\n{}", m.body);
    }
    assert!(m.body.contains("gluster_device_used_bytes{"));
    assert!(m.body.contains("gluster_zone_free_bytes{"));
    assert!(m.body.contains("gluster_node_total_bytes{"));
    assert!(m
        .body
        .contains("gluster_operation_duration_seconds_bucket{"));
    assert!(m
        .body
        .contains("gluster_http_request_duration_seconds_count{"));
}

async fn a_json_content_type_is_accepted_too(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/clusters")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(r#"{"block":false,"file":true}"#))
        .unwrap();
    use tower::ServiceExt;
    let a = h.router.clone().oneshot(req).await.unwrap();
    assert_eq!(a.status(), StatusCode::CREATED);
}

async fn the_queue_holds_a_pending_answer_until_the_operation_ends(b: Backend) {
    use std::sync::Arc;
    let h = harness(b, AuthConfig::Disabled, 64).await;
    h.sim.set_latency(std::time::Duration::from_millis(20));
    let mut config = gluster_service::ServiceConfig::new(AuthConfig::Disabled);
    // Far longer than the operation: the first poll must see its end.
    config.queue_wait = std::time::Duration::from_secs(600);
    let app = gluster_service::App::new(
        h.backend.clone(),
        Arc::new(gluster_service::MemoryQueue::new()),
        config,
    );
    let r = gluster_service::router(app);
    let a = open(&r, "POST", "/volumes", r#"{"size":1}"#).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let end = open(&r, "GET", a.header("location").unwrap(), "").await;
    assert_eq!(end.status, StatusCode::SEE_OTHER, "{}", end.body);
    assert_eq!(end.header("X-Pending"), None);
}

#[test]
fn public_types_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<gluster_service::App>();
    both::<gluster_service::InProcessBackend>();
    both::<gluster_service::MemoryQueue>();
    both::<gluster_service::ServiceConfig>();
    both::<gluster_service::BackendError>();
    both::<gluster_service::QueueEntry>();
    both::<gluster_service::api::VolumeInfoResponse>();
}

for_each_backend!(
    hello_and_clusters,
    nodes_and_devices,
    volume_lifecycle,
    refusal_names_the_real_cause_and_reserves_nothing,
    queue_entries_end_once,
    pending_operations_answer_x_pending_and_excess_gets_429,
    metrics_show_capacity_and_operations,
    a_json_content_type_is_accepted_too,
    block_volumes,
    the_queue_holds_a_pending_answer_until_the_operation_ends,
);

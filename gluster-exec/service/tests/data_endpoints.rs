//! The endpoints beside Heketi's: snapshots, clones and subvolumes over HTTP on the store
//! backend (redb), kept across a restart; admin only; bad input is a JSON 4xx.

mod common;

use axum::http::StatusCode;
use common::*;
use gluster_model::ByteSize;
use gluster_service::AuthConfig;

fn is_hex_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A 10 GiB replica 3 volume whose thin pools are twice its bricks (room for snapshots).
async fn origin(h: &Harness) -> String {
    let a = run(
        &h.router,
        "POST",
        "/volumes",
        r#"{"size":10,"snapshot":{"enable":true,"factor":2}}"#,
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let v = open(&h.router, "GET", a.header("location").unwrap(), "")
        .await
        .json();
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_and_clones_over_http_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let (volume, snap_id, clone_id, hosts) = {
        let h = redb_harness_at(&path, ByteSize::tib(1), None).await;
        let r = &h.router;
        let volume = origin(&h).await;
        let at = format!("/volumes/{volume}/snapshots");
        let made = open(r, "POST", &at, r#"{"name":"snap1","data_used":1}"#).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let s = made.json();
        assert_eq!(
            (s["name"].as_str(), s["ready"].as_bool()),
            (Some("snap1"), Some(true))
        );
        assert_eq!(s["volume"], volume.as_str());
        let bricks = open(r, "GET", &format!("/volumes/{volume}"), "")
            .await
            .json()["bricks"]
            .as_array()
            .unwrap()
            .len() as u64;
        assert_eq!(
            s["charged"],
            bricks << 30,
            "1 GiB on each of {bricks} bricks"
        );
        let snap_id = s["id"].as_str().unwrap().to_string();
        assert!(is_hex_id(&snap_id), "{snap_id}");
        // CSI: the same name for the same volume answers the same snapshot.
        let again = open(r, "POST", &at, r#"{"name":"snap1","data_used":1}"#).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        assert_eq!(again.json()["id"], snap_id.as_str());
        assert_eq!(h.sim.snapshot().data.snapshots.len(), 1);
        // Unmeasured bricks count as full: the reserve left cannot hold that; the refusal
        // is JSON and names the snapshot and the bricks short of reserve.
        let full = open(r, "POST", &at, r#"{"name":"snap2"}"#).await;
        assert_eq!(
            full.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            full.body
        );
        assert!(
            full.json()["error"].as_str().unwrap().contains("snap2") && full.body.contains("brick"),
            "{}",
            full.body
        );
        // Restore as a clone into a new volume name.
        let c = open(
            r,
            "POST",
            &format!("/snapshots/{snap_id}/clone"),
            r#"{"name":"restored","data_used":1}"#,
        )
        .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
        let clone_id = c.json()["id"].as_str().unwrap().to_string();
        let cv = open(r, "GET", &format!("/volumes/{clone_id}"), "").await;
        assert_eq!(cv.status, StatusCode::OK, "{}", cv.body);
        assert_eq!(cv.json()["name"], "restored");
        // The origin cannot go while it has a snapshot and a clone.
        let refused = run(r, "DELETE", &format!("/volumes/{volume}"), "").await;
        assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(refused.body.contains("snap1"), "{}", refused.body);
        (volume, snap_id, clone_id, Some(h.sim.clone()))
    };
    // Restart on the same file.
    let h = redb_harness_at(&path, ByteSize::tib(1), hosts.clone()).await;
    let r = &h.router;
    let list = open(r, "GET", "/snapshots", "").await.json();
    assert_eq!(list["snapshots"].as_array().unwrap().len(), 1, "{list}");
    let s = open(r, "GET", &format!("/snapshots/{snap_id}"), "").await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(s.json()["ready"], true);
    let volumes = open(r, "GET", "/volumes", "").await.json();
    assert!(volumes["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == clone_id.as_str()));
    let model = h.model().await;
    assert_eq!(model.clones().len(), 1);
    assert!(model.check().is_empty(), "{:?}", model.check());
    // Deleting the snapshot returns its charge; the clone still holds its own.
    let d = open(r, "DELETE", &format!("/snapshots/{snap_id}"), "").await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.body);
    let gone = open(r, "GET", &format!("/snapshots/{snap_id}"), "").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.json()["error"].is_string());
    assert_eq!(h.model().await.snapshots().len(), 0);
    // The clone still binds the origin.
    let refused = run(r, "DELETE", &format!("/volumes/{volume}"), "").await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(refused.body.contains("clone"), "{}", refused.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subvolumes_over_http_share_a_hosting_volume_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let (id, hosts) = {
        let h = redb_harness_at(&path, ByteSize::tib(2), None).await;
        let r = &h.router;
        let a = open(r, "POST", "/subvolumes", r#"{"name":"pvc-1","size":1}"#).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let a = a.json();
        assert_eq!(
            (a["dir"].as_str(), a["size"].as_u64()),
            (Some("/pvc-1"), Some(1))
        );
        let b = open(r, "POST", "/subvolumes", r#"{"name":"pvc-2","size":3}"#).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
        assert_eq!(b.json()["volume"], a["volume"], "one hosting volume");
        assert_eq!(h.model().await.volumes().len(), 1);
        let id = a["id"].as_str().unwrap().to_string();
        // Expand raises the quota; past the hosting volume's size it is refused.
        let e = open(
            r,
            "POST",
            &format!("/subvolumes/{id}/expand"),
            r#"{"size":5}"#,
        )
        .await;
        assert_eq!(e.status, StatusCode::OK, "{}", e.body);
        assert_eq!(e.json()["size"], 5);
        let over = open(
            r,
            "POST",
            &format!("/subvolumes/{id}/expand"),
            r#"{"size":4000}"#,
        )
        .await;
        assert_eq!(over.status, StatusCode::CONFLICT, "{}", over.body);
        assert!(over.json()["error"].is_string());
        assert_eq!(
            h.model().await.subvolume("pvc-1").unwrap().quota,
            ByteSize::gib(5)
        );
        // The name is taken.
        let dup = open(r, "POST", "/subvolumes", r#"{"name":"pvc-1","size":1}"#).await;
        assert_eq!(dup.status, StatusCode::BAD_REQUEST, "{}", dup.body);
        (id, Some(h.sim.clone()))
    };
    let h = redb_harness_at(&path, ByteSize::tib(2), hosts.clone()).await;
    let r = &h.router;
    let list = open(r, "GET", "/subvolumes", "").await.json();
    assert_eq!(list["subvolumes"].as_array().unwrap().len(), 2, "{list}");
    let got = open(r, "GET", &format!("/subvolumes/{id}"), "")
        .await
        .json();
    assert_eq!(got["size"], 5);
    let d = open(r, "DELETE", &format!("/subvolumes/{id}"), "").await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.body);
    assert_eq!(
        open(r, "GET", &format!("/subvolumes/{id}"), "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(h.model().await.subvolumes().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_endpoints_refuse_bad_input_and_the_user_key() {
    let h = harness(Backend::Redb, keys(), 64).await;
    let r = &h.router;
    let admin = |m: &str, p: &str| Some(format!("bearer {}", token("admin", ADMIN_KEY, m, p)));
    let user = |m: &str, p: &str| Some(format!("bearer {}", token("user", USER_KEY, m, p)));
    let bad = [
        ("POST", "/subvolumes", r#"{"name":"pvc-1","size":0}"#),
        ("POST", "/subvolumes", r#"{"name":"pvc-1","size":1,"extra":1}"#),
        ("POST", "/subvolumes", r#"{"name":"../x","size":1}"#),
        ("POST", "/subvolumes", r#"{"name":"pvc-1","size":99999999999}"#),
        ("POST", "/subvolumes", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
        ("GET", "/subvolumes/not-an-id", ""),
        ("GET", "/snapshots/xyz", ""),
        ("POST", "/volumes/zz/snapshots", r#"{"name":"s"}"#),
        ("POST", "/volumes/00000000000000000000000000000001/snapshots", r#"{"name":""}"#),
    ];
    for (method, path, body) in bad {
        let a = call(r, method, path, body.to_string(), admin(method, path)).await;
        assert_eq!(
            a.status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body}: {}",
            a.body
        );
        assert!(a.json()["error"].is_string(), "{}", a.body);
    }
    let missing = "/volumes/00000000000000000000000000000001/snapshots";
    let a = call(
        r,
        "POST",
        missing,
        r#"{"name":"s"}"#.to_string(),
        admin("POST", missing),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    // Admin only: the user key and no token are refused, nothing made.
    for path in ["/subvolumes", missing] {
        let body = r#"{"name":"pvc-9","size":1}"#.to_string();
        let a = call(r, "POST", path, body.clone(), user("POST", path)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{path}: {}", a.body);
        let a = call(r, "POST", path, body, None).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{path}: {}", a.body);
    }
    assert_eq!(h.model().await.subvolumes().len(), 0);
    assert_eq!(h.model().await.volumes().len(), 0);

    // Without a store the endpoints say what they need.
    let h = harness(Backend::InProcess, AuthConfig::Disabled, 64).await;
    let a = open(&h.router, "GET", "/snapshots", "").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.json()["error"].as_str().unwrap().contains("store"),
        "{}",
        a.body
    );
}

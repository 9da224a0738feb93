//! Hostile and broken requests: each answers 4xx, creates nothing, and the server keeps
//! serving.

mod common;

use axum::http::StatusCode;
use common::*;
use gluster_service::qsh;

fn bearer(t: String) -> Option<String> {
    Some(format!("bearer {t}"))
}

/// Asserts nothing was created and the server still answers a valid call.
async fn still_serving(h: &Harness, clusters_before: usize) {
    let model = h.model().await;
    assert_eq!(model.clusters().len(), clusters_before);
    assert_eq!(model.volumes().len(), 0);
    let r = &h.router;
    assert_eq!(open(r, "GET", "/hello", "").await.status, StatusCode::OK);
    let t = token("admin", ADMIN_KEY, "GET", "/clusters");
    let ok = call(r, "GET", "/clusters", "", bearer(t)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

async fn tokens_are_checked(b: Backend) {
    let h = harness(b, keys(), 64).await;
    let r = &h.router;
    let t0 = now();
    let post = |auth: Option<String>| call(r, "POST", "/clusters", "{}", auth);

    // No token: 401; a header that is not "bearer <token>": 400.
    assert_eq!(post(None).await.status, StatusCode::UNAUTHORIZED);
    for bad in ["token abc", "bearer", "bearer a b", "basic YWRtaW46eA=="] {
        assert_eq!(
            post(Some(bad.into())).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    // Garbage that looks like a bearer token.
    assert_eq!(
        post(bearer("not.a.jwt".into())).await.status,
        StatusCode::UNAUTHORIZED
    );

    let claims = |iss: &str, iat: u64, exp: u64, q: &str| serde_json::json!({"iss": iss, "iat": iat, "exp": exp, "qsh": q});
    let good_qsh = qsh("POST", "/clusters");
    let cases = [
        (
            "wrong key",
            token_with(claims("admin", t0, t0 + 60, &good_qsh), b"guess"),
        ),
        (
            "expired",
            token_with(claims("admin", t0 - 120, t0 - 60, &good_qsh), ADMIN_KEY),
        ),
        (
            "wrong qsh",
            token_with(
                claims("admin", t0, t0 + 60, &qsh("GET", "/clusters")),
                ADMIN_KEY,
            ),
        ),
        (
            "qsh of another path",
            token_with(
                claims("admin", t0, t0 + 60, &qsh("POST", "/volumes")),
                ADMIN_KEY,
            ),
        ),
        (
            "no exp",
            token_with(
                serde_json::json!({"iss":"admin","iat":t0,"qsh":good_qsh}),
                ADMIN_KEY,
            ),
        ),
        (
            "no iat",
            token_with(
                serde_json::json!({"iss":"admin","exp":t0+60,"qsh":good_qsh}),
                ADMIN_KEY,
            ),
        ),
        (
            "no qsh",
            token_with(
                serde_json::json!({"iss":"admin","iat":t0,"exp":t0+60}),
                ADMIN_KEY,
            ),
        ),
        (
            "iat far ahead",
            token_with(claims("admin", t0 + 3600, t0 + 7200, &good_qsh), ADMIN_KEY),
        ),
        (
            "unknown issuer",
            token_with(claims("root", t0, t0 + 60, &good_qsh), ADMIN_KEY),
        ),
        (
            "admin claim, user key",
            token_with(claims("admin", t0, t0 + 60, &good_qsh), USER_KEY),
        ),
        (
            "user on /clusters",
            token_with(claims("user", t0, t0 + 60, &good_qsh), USER_KEY),
        ),
    ];
    for (what, t) in cases {
        let a = post(bearer(t)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{what}: {}", a.body);
    }
    // An unsigned token (alg none) is refused.
    let none = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        "eyJpc3MiOiJhZG1pbiJ9"
    );
    assert_eq!(post(bearer(none)).await.status, StatusCode::UNAUTHORIZED);
    still_serving(&h, 1).await;

    // A token that expired a second ago still passes (the leeway for 1 s tokens).
    let late = token_with(claims("admin", t0 - 2, t0 - 1, &good_qsh), ADMIN_KEY);
    assert_eq!(post(bearer(late)).await.status, StatusCode::CREATED);
    // The user key works on /volumes and the queue, nowhere else.
    let t = token("user", USER_KEY, "GET", "/volumes");
    assert_eq!(
        call(r, "GET", "/volumes", "", bearer(t)).await.status,
        StatusCode::OK
    );
    let t = token(
        "user",
        USER_KEY,
        "GET",
        "/nodes/00000000000000000000000000000001",
    );
    let a = call(
        r,
        "GET",
        "/nodes/00000000000000000000000000000001",
        "",
        bearer(t),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // /hello and /metrics are open.
    assert_eq!(open(r, "GET", "/hello", "").await.status, StatusCode::OK);
    assert_eq!(open(r, "GET", "/metrics", "").await.status, StatusCode::OK);
}

async fn oversized_bodies_are_refused(b: Backend) {
    let h = harness(b, gluster_service::AuthConfig::Disabled, 64).await;
    let r = &h.router;
    let big = format!(r#"{{"size":1,"name":"{}"}}"#, "a".repeat(2 << 20));
    let a = open(r, "POST", "/volumes", &big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.body);
    let a = open(
        r,
        "POST",
        "/clusters",
        &format!("{{{}}}", " ".repeat(2 << 20)),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    still_serving_open(&h).await;
}

async fn still_serving_open(h: &Harness) {
    let model = h.model().await;
    assert_eq!(model.clusters().len(), 1);
    assert_eq!(model.volumes().len(), 0);
    assert_eq!(
        open(&h.router, "GET", "/clusters", "").await.status,
        StatusCode::OK
    );
}

async fn malformed_ids_are_refused_before_any_lookup(b: Backend) {
    let h = harness(b, gluster_service::AuthConfig::Disabled, 64).await;
    let r = &h.router;
    for path in [
        "/clusters/xyz",
        "/clusters/0123456789abcdef0123456789abcdef0",
        "/nodes/..%2f..%2fetc",
        "/devices/%00",
        "/volumes/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "/blockvolumes/1",
        "/queue/-1",
    ] {
        let a = open(r, "GET", path, "").await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {}", a.body);
        assert!(a.body.contains("malformed"), "{path}: {}", a.body);
    }
    let a = open(r, "DELETE", "/volumes/not-an-id", "").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    // Ids inside bodies too.
    let a = open(
        r,
        "POST",
        "/devices",
        r#"{"name":"/dev/sdz","node":"../../x"}"#,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("node"), "{}", a.body);
    let a = open(r, "POST", "/volumes", r#"{"size":1,"clusters":["nope"]}"#).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("clusters"), "{}", a.body);
    // Unknown but well-formed: 404.
    let a = open(r, "GET", &format!("/volumes/{}", "a".repeat(32)), "").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    still_serving_open(&h).await;
}

async fn json_bombs_and_bad_bodies_are_400(b: Backend) {
    let h = harness(b, gluster_service::AuthConfig::Disabled, 64).await;
    let r = &h.router;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(50_000), "}".repeat(50_000));
    let in_field = format!(r#"{{"size":1,"extra":{deep}}}"#);
    let bodies = [
        deep.as_str(),
        deep_obj.as_str(),
        in_field.as_str(),
        r#"{"size":"#,
        r#"{"size":1}{"size":2}"#,
        r#"{"size":-1}"#,
        r#"{"size":1e400}"#,
        r#"{"size":18446744073709551615}"#,
        r#"{"size":1,"durability":{"type":"disperse","disperse":{"data":200,"redundancy":100}}}"#,
        r#"{"size":1,"name":"bad\u0000name"}"#,
        r#"{"size":1,"snapshot":{"enable":true,"factor":1000}}"#,
        r#"{"size":1,"glustervolumeoptions":["user.heketi.zone-checking sideways"]}"#,
        "\u{feff}{}",
        "[]",
        "null",
    ];
    for body in bodies {
        let a = open(r, "POST", "/volumes", body).await;
        let shown: String = body.chars().take(60).collect();
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{shown}: {}", a.body);
    }
    for (path, body) in [
        ("/clusters", deep.as_str()),
        (
            "/nodes",
            r#"{"zone":0,"hostnames":{"manage":["a"],"storage":["b"]},"cluster":"00000000000000000000000000000001"}"#,
        ),
        (
            "/nodes",
            r#"{"zone":1,"hostnames":{"manage":[],"storage":["b"]},"cluster":"00000000000000000000000000000001"}"#,
        ),
        (
            "/devices",
            r#"{"name":"sdb","node":"00000000000000000000000000000001"}"#,
        ),
    ] {
        let a = open(r, "POST", path, body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {}", a.body);
    }
    let model = h.model().await;
    assert_eq!(model.nodes().len(), 6);
    assert_eq!(model.devices().len(), 12);
    still_serving_open(&h).await;
}

for_each_backend!(
    tokens_are_checked,
    oversized_bodies_are_refused,
    malformed_ids_are_refused_before_any_lookup,
    json_bombs_and_bad_bodies_are_400,
);

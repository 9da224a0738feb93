//! Slow clients over a real listener: one that never finishes its headers is disconnected,
//! one that never finishes its body gets 408, and the server keeps serving meanwhile.

mod common;

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::*;
use gluster_service::{App, AuthConfig, MemoryQueue, ServiceConfig};

/// Everything the server sends until it closes (bounded, so a bug cannot hang the test).
async fn read_to_close(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(120), s.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server never closed the connection");
    String::from_utf8_lossy(&out).into_owned()
}

async fn slow_clients_time_out_and_others_are_served(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    let mut config = ServiceConfig::new(AuthConfig::Disabled);
    config.request_timeout = Duration::from_secs(1);
    let app = App::new(h.backend.clone(), Arc::new(MemoryQueue::new()), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gluster_service::serve(listener, app, async {
        let _ = stopped.await;
    }));

    // Half a request line and no more.
    let mut headers = TcpStream::connect(addr).await.unwrap();
    headers
        .write_all(b"POST /clusters HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A body promised and never sent.
    let mut body = TcpStream::connect(addr).await.unwrap();
    body.write_all(b"POST /clusters HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"bl")
        .await
        .unwrap();

    // Meanwhile a normal client is served.
    let mut ok = TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut ok).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let answer = read_to_close(&mut body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let answer = read_to_close(&mut headers).await;
    assert!(!answer.contains("201"), "{answer}");
    assert_eq!(h.model().await.clusters().len(), 1, "nothing created");

    let _ = stop.send(());
    assert!(server.await.unwrap().unwrap(), "nothing left in flight");
}

async fn entries_left_pending_by_an_earlier_run_end_failed_after_a_restart(b: Backend) {
    use gluster_service::{OperationKind, QueueEntry, QueueId, QueueState};
    let h = harness(b, AuthConfig::Disabled, 64).await;
    // The queue as a durable store hands it back after a crash (a memory one for the
    // in-process backend).
    let queue = h.queue.clone();
    let id = QueueId::from_u128(42);
    queue
        .put(QueueEntry {
            id,
            kind: OperationKind::VolumeCreate,
            state: QueueState::Pending,
        })
        .await
        .unwrap();
    let app = App::new(
        h.backend.clone(),
        queue.clone(),
        ServiceConfig::new(AuthConfig::Disabled),
    );
    assert_eq!(app.fail_interrupted().await.unwrap(), 1);
    let r = gluster_service::router(app);
    let a = open(&r, "GET", &format!("/queue/{id}"), "").await;
    assert_eq!(a.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    assert!(a.body.contains("interrupted by a restart"), "{}", a.body);
    assert!(queue.pending().await.unwrap().is_empty());
}

async fn shutdown_lets_operations_in_flight_finish(b: Backend) {
    let h = harness(b, AuthConfig::Disabled, 64).await;
    // Every host call takes a while: the create is surely running when shutdown begins.
    h.sim.set_latency(Duration::from_millis(100));
    let app = App::new(
        h.backend.clone(),
        Arc::new(MemoryQueue::new()),
        ServiceConfig::new(AuthConfig::Disabled),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gluster_service::serve(listener, app, async {
        let _ = stopped.await;
    }));
    let mut s = TcpStream::connect(addr).await.unwrap();
    let body = r#"{"size":1,"name":"late"}"#;
    s.write_all(
        format!(
            "POST /volumes HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = read_to_close(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    // The 202 may come before the spawned operation reserved its space: wait for that.
    let mut reserved = 0;
    for _ in 0..500 {
        reserved = h.model().await.volumes().len();
        if reserved > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(reserved, 1, "reserved while running");
    assert!(h.sim.snapshot().volumes.is_empty(), "still running");

    let _ = stop.send(());
    assert!(
        server.await.unwrap().unwrap(),
        "the create finished before serve returned"
    );
    let sim = h.sim.snapshot();
    assert!(sim.volumes.contains_key("late"));
    assert_eq!(
        h.model()
            .await
            .volume_by_name("late")
            .map(|v| v.brick_ids().count()),
        Some(1)
    );
}

for_each_backend!(
    slow_clients_time_out_and_others_are_served,
    entries_left_pending_by_an_earlier_run_end_failed_after_a_restart,
    shutdown_lets_operations_in_flight_finish,
);

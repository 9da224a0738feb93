//! The router (routes, authentication, body cap, timeouts, request metrics) and the server
//! loop with graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::app::{text, App};
use crate::auth::AuthError;
use crate::data_routes as data;
use crate::routes::*;

/// How long shutdown waits for operations in flight.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(60);

/// The service's router over `app`.
pub fn router(app: Arc<App>) -> Router {
    let limit = app.config.body_limit;
    let timeout = app.config.request_timeout;
    Router::new()
        .route("/hello", get(hello))
        .route("/metrics", get(metrics))
        .route("/clusters", post(cluster_create).get(cluster_list))
        .route("/clusters/{id}", get(cluster_info).delete(cluster_delete))
        .route("/nodes", post(node_add))
        .route("/nodes/{id}", get(node_info).delete(node_delete))
        .route("/nodes/{id}/state", post(node_state))
        .route("/devices", post(device_add))
        .route("/devices/{id}", get(device_info).delete(device_delete))
        .route("/devices/{id}/state", post(device_state))
        .route("/devices/{id}/resync", get(device_resync))
        .route("/volumes", post(volume_create).get(volume_list))
        .route("/volumes/{id}", get(volume_info).delete(volume_delete))
        .route("/volumes/{id}/expand", post(volume_expand))
        .route("/blockvolumes", post(block_create).get(block_list))
        .route("/blockvolumes/{id}", get(block_info).delete(block_delete))
        .route("/queue/{id}", get(queue))
        .route("/volumes/{id}/snapshots", post(data::snapshot_create))
        .route("/snapshots", get(data::snapshot_list))
        .route(
            "/snapshots/{id}",
            get(data::snapshot_get).delete(data::snapshot_delete),
        )
        .route("/snapshots/{id}/clone", post(data::snapshot_clone))
        .route(
            "/subvolumes",
            post(data::subvolume_create).get(data::subvolume_list),
        )
        .route(
            "/subvolumes/{id}",
            get(data::subvolume_get).delete(data::subvolume_delete),
        )
        .route("/subvolumes/{id}/expand", post(data::subvolume_expand))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(app.clone(), authenticate))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

async fn authenticate(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let checked = app.config.auth.check(
        req.method().as_str(),
        req.uri().path(),
        req.headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes()),
    );
    match checked {
        Ok(()) => next.run(req).await,
        Err(e @ AuthError::Malformed) => text(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => text(StatusCode::UNAUTHORIZED, e.to_string()),
    }
}

async fn observe(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let began = Instant::now();
    let method = req.method().to_string();
    let response = next.run(req).await;
    app.metrics
        .http(&method, response.status().as_u16(), began.elapsed());
    response
}

/// Serves `app` on `listener` (after failing queue entries an earlier run left pending)
/// until `shutdown` resolves, then lets open requests finish
/// and waits (at most [`DRAIN_LIMIT`] each) for operations in flight to end. Returns
/// whether they all did. A client that has not sent its headers within the request
/// timeout is disconnected; one that has not sent its body gets 408.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<bool> {
    serve_with(listener, app, shutdown, None).await
}

/// [`serve`] over TLS: each connection's handshake must end within the request timeout;
/// a client that does not speak TLS (plain HTTP) is dropped without an answer.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    tls: tokio_rustls::TlsAcceptor,
) -> std::io::Result<bool> {
    serve_with(listener, app, shutdown, Some(tls)).await
}

async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<bool> {
    app.fail_interrupted()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let router = router(app.clone());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: back off, keep serving.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let mut builder = http1::Builder::new();
                let timeout = app.config.request_timeout;
                builder.timer(TokioTimer::new()).header_read_timeout(timeout);
                let service = TowerToHyperService::new(router.clone());
                let watcher = graceful.watcher();
                match tls.clone() {
                    None => {
                        let conn = builder.serve_connection(TokioIo::new(stream), service);
                        tokio::spawn(async move {
                            let _ = watcher.watch(conn).await;
                        });
                    }
                    Some(tls) => {
                        tokio::spawn(async move {
                            let Ok(Ok(stream)) =
                                tokio::time::timeout(timeout, tls.accept(stream)).await
                            else {
                                return; // not TLS, a bad handshake, or too slow
                            };
                            let conn = builder.serve_connection(TokioIo::new(stream), service);
                            let _ = watcher.watch(conn).await;
                        });
                    }
                }
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_LIMIT, graceful.shutdown()).await;
    Ok(app.drain(DRAIN_LIMIT).await)
}

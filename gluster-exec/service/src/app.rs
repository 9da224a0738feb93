//! The shared application state, its configuration, plain-text errors, body parsing, and
//! the long-operation flow (202 + `Location: /queue/{id}`, 429 past the in-flight limit).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, Semaphore};

use crate::auth::AuthConfig;
use crate::backend::{BackendError, ClusterBackend};
use crate::ids::IdSource;
use crate::metrics::Metrics;
use crate::queue::{OperationKind, QueueEntry, QueueId, QueueState, QueueStore};

/// Request bodies larger than this are refused with 413.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Authentication.
    pub auth: AuthConfig,
    /// Long operations running at once; past it, 429 with `Retry-After`.
    pub max_in_flight: usize,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// A request (reading the body included) taking longer is answered 408.
    pub request_timeout: Duration,
    /// Seconds a client is told to wait after a 429.
    pub retry_after_secs: u64,
    /// How long `GET /queue/{id}` holds a pending operation's answer, waiting for its end,
    /// before answering `X-Pending` (saves clients that poll every 2 s most of a poll).
    pub queue_wait: Duration,
}

impl ServiceConfig {
    /// Defaults: 1 MiB bodies, 30 s request timeout, 1024 operations in flight.
    pub fn new(auth: AuthConfig) -> Self {
        ServiceConfig {
            auth,
            max_in_flight: 1024,
            body_limit: DEFAULT_BODY_LIMIT,
            request_timeout: Duration::from_secs(30),
            retry_after_secs: 2,
            queue_wait: Duration::from_secs(1),
        }
    }
}

/// Everything a handler reaches.
#[derive(Debug)]
pub struct App {
    pub(crate) backend: Arc<dyn ClusterBackend>,
    pub(crate) queue: Arc<dyn QueueStore>,
    pub(crate) config: ServiceConfig,
    pub(crate) metrics: Metrics,
    pub(crate) in_flight: Arc<Semaphore>,
    /// Per operation running in this process: woken when it ends.
    waiters: Mutex<HashMap<QueueId, Arc<Notify>>>,
    ids: IdSource,
}

impl App {
    /// The state over `backend` and `queue`.
    pub fn new(
        backend: Arc<dyn ClusterBackend>,
        queue: Arc<dyn QueueStore>,
        config: ServiceConfig,
    ) -> Arc<Self> {
        Arc::new(App {
            backend,
            queue,
            in_flight: Arc::new(Semaphore::new(config.max_in_flight)),
            config,
            metrics: Metrics::new(),
            waiters: Mutex::new(HashMap::new()),
            ids: IdSource::new(),
        })
    }

    fn waiters(&self) -> std::sync::MutexGuard<'_, HashMap<QueueId, Arc<Notify>>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits (at most `limit`) for the operation `id` to end, if it runs in this process.
    pub(crate) async fn wait_for(&self, id: QueueId, limit: Duration) {
        let Some(notify) = self.waiters().get(&id).cloned() else {
            return;
        };
        let ended = notify.notified();
        tokio::pin!(ended);
        // Registered before the re-check, so an end in between is not missed.
        ended.as_mut().enable();
        if !self.waiters().contains_key(&id) {
            return;
        }
        let _ = tokio::time::timeout(limit, ended).await;
    }

    /// Marks every queue entry still pending from an earlier run as failed: no task of this
    /// process will end it. Call before serving (done by [`crate::serve`]); returns how many.
    /// The backend's own recovery decides what happened to the state.
    pub async fn fail_interrupted(&self) -> Result<usize, crate::queue::QueueError> {
        let mut n = 0;
        for entry in self.queue.pending().await? {
            if self.waiters().contains_key(&entry.id) {
                continue; // started by this process
            }
            let message = format!(
                "{} operation {} was interrupted by a restart of the service; \
                 the backend's recovery finished or rolled it back",
                entry.kind.name(),
                entry.id
            );
            self.queue
                .put(QueueEntry {
                    state: QueueState::Failed { message },
                    ..entry
                })
                .await?;
            n += 1;
        }
        Ok(n)
    }

    /// Waits until every long operation has ended, at most `limit`; returns whether they
    /// all did.
    pub async fn drain(&self, limit: Duration) -> bool {
        let all = u32::try_from(self.config.max_in_flight).unwrap_or(u32::MAX);
        tokio::time::timeout(limit, self.in_flight.acquire_many(all))
            .await
            .is_ok()
    }
}

/// A plain-text error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// An answer with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// What the answer says.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<BackendError> for ApiError {
    fn from(e: BackendError) -> Self {
        let status = match &e {
            BackendError::NotFound { .. } => StatusCode::NOT_FOUND,
            BackendError::Conflict(_) => StatusCode::CONFLICT,
            BackendError::Invalid(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        text(self.status, self.message)
    }
}

/// A plain-text answer.
pub fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{body}\n"),
    )
        .into_response()
}

/// Deepest nesting of arrays and objects a body may have (Heketi's documents need 4).
pub const MAX_JSON_DEPTH: usize = 32;

/// The deepest nesting of `[` and `{` in `json`, strings skipped: one pass, no recursion,
/// so a bomb of nested arrays is measured without being parsed.
fn json_depth(json: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in json {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses a JSON body whatever its Content-Type (Heketi's clients send none); an empty
/// body is `{}`. Errors (syntax, nesting deeper than [`MAX_JSON_DEPTH`], unknown ids) are
/// 400 and name the field.
pub fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    if json_depth(bytes) > MAX_JSON_DEPTH {
        return Err(ApiError::bad_request(format!(
            "invalid request body: nested deeper than {MAX_JSON_DEPTH} levels"
        )));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))?;
    de.end()
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))?;
    Ok(value)
}

/// Parses an id from the path; a malformed one is 400 before any lookup.
pub fn parse_id<T: std::str::FromStr>(kind: &str, raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "malformed {kind} id {raw:?}: expected 32 hex digits"
        ))
    })
}

/// Starts a long operation: 202 with `Location: /queue/{id}`, or 429 with `Retry-After`
/// when too many are in flight. `run` yields the result's location (303) or none (204).
pub async fn start<F>(app: &Arc<App>, kind: OperationKind, run: F) -> Response
where
    F: Future<Output = Result<Option<String>, BackendError>> + Send + 'static,
{
    let Ok(permit) = app.in_flight.clone().try_acquire_owned() else {
        app.metrics.rejected();
        let mut r = text(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "server busy: {} operations in flight, retry later",
                app.config.max_in_flight
            ),
        );
        if let Ok(v) = HeaderValue::from_str(&app.config.retry_after_secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    };
    let id = QueueId::from_u128(app.ids.next());
    let entry = QueueEntry {
        id,
        kind,
        state: QueueState::Pending,
    };
    if let Err(e) = app.queue.put(entry).await {
        return text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    }
    app.metrics.started(kind);
    app.waiters().insert(id, Arc::new(Notify::new()));
    let task_app = app.clone();
    tokio::spawn(async move {
        let began = Instant::now();
        let result = run.await;
        task_app
            .metrics
            .ended(kind, result.is_ok(), began.elapsed());
        let state = match result {
            Ok(location) => QueueState::Done { location },
            Err(e) => QueueState::Failed {
                message: e.to_string(),
            },
        };
        let _ = task_app.queue.put(QueueEntry { id, kind, state }).await;
        if let Some(n) = task_app.waiters().remove(&id) {
            n.notify_waiters();
        }
        drop(permit);
    });
    let location = format!("/queue/{id}");
    let mut r = StatusCode::ACCEPTED.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::json_depth;

    #[test]
    fn depth_skips_strings() {
        assert_eq!(json_depth(b"{}"), 1);
        assert_eq!(json_depth(br#"{"a":[{"b":1}]}"#), 3);
        assert_eq!(json_depth(br#"{"a":"[[[[\"[[["}"#), 1);
        assert_eq!(json_depth(&[b'['; 1000]), 1000);
    }
}

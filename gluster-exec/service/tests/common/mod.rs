//! Helpers shared by the service tests: a small topology, an app over simulated hosts,
//! tokens, and one-shot requests through the router.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use gluster_exec::simulated::SimulatedExecutor;
use gluster_model::{import_heketi_load, ByteSize, HeketiLoadOptions, Model};
use gluster_placement::PlacementSettings;
use gluster_service::*;

/// Three zones, two nodes each, two 100 GiB devices per node.
pub fn topology() -> String {
    let mut nodes = Vec::new();
    for n in 0..6 {
        nodes.push(format!(
            r#"{{"node":{{"hostnames":{{"manage":["node{n}"],"storage":["192.0.2.{}"]}},"zone":{}}},"devices":["/dev/sdb","/dev/sdc"]}}"#,
            n + 1,
            n % 3 + 1
        ));
    }
    format!(r#"{{"clusters":[{{"nodes":[{}]}}]}}"#, nodes.join(","))
}

pub const ADMIN_KEY: &[u8] = b"admin-secret";
pub const USER_KEY: &[u8] = b"user-secret";

/// Which backend a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `InProcessBackend`.
    InProcess,
    /// `ProvisionerBackend` on a `MemoryStore`.
    Memory,
    /// `ProvisionerBackend` on a `RedbStore` in a temp dir.
    Redb,
}

/// Runs an `async fn name(b: Backend)` test once per backend, as `name::in_process`,
/// `name::memory_store` and `name::redb_store`.
#[macro_export]
macro_rules! for_each_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn in_process() {
                super::$name(Backend::InProcess).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory_store() {
                super::$name(Backend::Memory).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redb_store() {
                super::$name(Backend::Redb).await
            }
        }
    )*};
}

enum Probe {
    InProcess(Arc<InProcessBackend>),
    Store(Arc<ProvisionerBackend>),
}

pub struct Harness {
    pub router: Router,
    pub app: Arc<App>,
    pub backend: Arc<dyn ClusterBackend>,
    /// The simulated hosts.
    pub sim: Arc<SimulatedExecutor>,
    /// The queue the app uses.
    pub queue: Arc<dyn QueueStore>,
    probe: Probe,
    _dir: Option<tempfile::TempDir>,
}

impl Harness {
    /// The backend's model (pending volumes included).
    pub async fn model(&self) -> Model {
        match &self.probe {
            Probe::InProcess(b) => b.model(),
            Probe::Store(b) => b.model().await.expect("stored model"),
        }
    }
}

pub async fn harness(backend: Backend, auth: AuthConfig, max_in_flight: usize) -> Harness {
    harness_sized(backend, auth, max_in_flight, ByteSize::gib(100)).await
}

/// As [`harness`], with devices of `size`.
pub async fn harness_sized(
    backend: Backend,
    auth: AuthConfig,
    max_in_flight: usize,
    size: ByteSize,
) -> Harness {
    let model = import_heketi_load(&topology(), &HeketiLoadOptions::with_default_size(size))
        .expect("topology");
    let mut config = ServiceConfig::new(auth);
    config.max_in_flight = max_in_flight;
    let (probe, sim, queue, dir): (Probe, _, Arc<dyn QueueStore>, _) = match backend {
        Backend::InProcess => {
            let b = Arc::new(InProcessBackend::simulated(
                model,
                PlacementSettings::default(),
                ByteSize::gib(100),
            ));
            let sim = b.simulated_hosts().unwrap().clone();
            (Probe::InProcess(b), sim, Arc::new(MemoryQueue::new()), None)
        }
        Backend::Memory | Backend::Redb => {
            let (store, dir): (Arc<dyn gluster_store::Store>, _) = if backend == Backend::Redb {
                let dir = tempfile::tempdir().unwrap();
                let store = gluster_store::RedbStore::open(dir.path().join("state.redb"))
                    .await
                    .unwrap();
                (Arc::new(store), Some(dir))
            } else {
                (Arc::new(gluster_store::MemoryStore::new()), None)
            };
            gluster_store::import_model(store.as_ref(), &model)
                .await
                .unwrap();
            let sim = Arc::new(SimulatedExecutor::from_model(&model, false));
            let p = gluster_store::Provisioner::new(
                store.clone(),
                sim.clone(),
                gluster_exec::HostLimits::new(4),
                PlacementSettings::default(),
            )
            .await
            .unwrap();
            let b = Arc::new(ProvisionerBackend::simulated(
                p,
                sim.clone(),
                ByteSize::gib(100),
            ));
            (Probe::Store(b), sim, Arc::new(StoreQueue::new(store)), dir)
        }
    };
    let backend: Arc<dyn ClusterBackend> = match &probe {
        Probe::InProcess(b) => b.clone(),
        Probe::Store(b) => b.clone(),
    };
    let app = App::new(backend.clone(), queue.clone(), config);
    Harness {
        router: router(app.clone()),
        app,
        backend,
        sim,
        queue,
        probe,
        _dir: dir,
    }
}

pub fn keys() -> AuthConfig {
    AuthConfig::Keys {
        admin: ADMIN_KEY.to_vec(),
        user: Some(USER_KEY.to_vec()),
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token for `method path` with these claims overridden.
pub fn token_with(claims: serde_json::Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

/// A valid token as Heketi's Python client makes them (1 s of life).
pub fn token(iss: &str, key: &[u8], method: &str, path: &str) -> String {
    let t = now();
    token_with(
        serde_json::json!({"iss": iss, "iat": t, "exp": t + 1, "qsh": qsh(method, path)}),
        key,
    )
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One request, the body sent without a Content-Type (as Heketi's clients do).
pub async fn call(
    router: &Router,
    method: &str,
    path: &str,
    body: impl Into<Body>,
    auth: Option<String>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let response = router
        .clone()
        .oneshot(req.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Without authentication.
pub async fn open(router: &Router, method: &str, path: &str, body: &str) -> Answer {
    call(router, method, path, body.to_string(), None).await
}

/// Polls a queue location until the operation ends; returns the final answer.
pub async fn wait(router: &Router, location: &str) -> Answer {
    for _ in 0..2000 {
        let a = open(router, "GET", location, "").await;
        if a.header("X-Pending") != Some("true") {
            return a;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("operation {location} never ended");
}

/// Starts a long operation (202) and waits for its end.
pub async fn run(router: &Router, method: &str, path: &str, body: &str) -> Answer {
    let a = open(router, method, path, body).await;
    assert_eq!(
        a.status,
        StatusCode::ACCEPTED,
        "{method} {path}: {}",
        a.body
    );
    let location = a.header("location").expect("Location").to_string();
    assert!(location.starts_with("/queue/"), "{location}");
    wait(router, &location).await
}

/// The service on a redb store at `path` (the topology imported when the store is empty,
/// as `serve --store` does; recovered), with devices of `size`, on `hosts` (new simulated
/// hosts when None). Dropping the harness and calling this again on the same path with its
/// hosts is a restart of the service.
pub async fn redb_harness_at(
    path: &std::path::Path,
    size: ByteSize,
    hosts: Option<Arc<SimulatedExecutor>>,
) -> Harness {
    let model = import_heketi_load(&topology(), &HeketiLoadOptions::with_default_size(size))
        .expect("topology");
    let store: Arc<dyn gluster_store::Store> =
        Arc::new(gluster_store::RedbStore::open(path).await.unwrap());
    if store
        .list(gluster_store::Kind::Cluster)
        .await
        .unwrap()
        .is_empty()
    {
        gluster_store::import_model(store.as_ref(), &model)
            .await
            .unwrap();
    }
    let sim = hosts.unwrap_or_else(|| Arc::new(SimulatedExecutor::from_model(&model, false)));
    let p = gluster_store::Provisioner::new(
        store.clone(),
        sim.clone(),
        gluster_exec::HostLimits::new(4),
        PlacementSettings::default(),
    )
    .await
    .unwrap();
    p.recover(gluster_store::RecoveryPolicy::RollBack)
        .await
        .unwrap();
    let b = Arc::new(ProvisionerBackend::simulated(p, sim.clone(), size));
    let backend: Arc<dyn ClusterBackend> = b.clone();
    let queue: Arc<dyn QueueStore> = Arc::new(StoreQueue::new(store));
    let app = App::new(
        backend.clone(),
        queue.clone(),
        ServiceConfig::new(AuthConfig::Disabled),
    );
    Harness {
        router: router(app.clone()),
        app,
        backend,
        sim,
        queue,
        probe: Probe::Store(b),
        _dir: None,
    }
}

//! A Heketi-compatible REST service over the placement engine and the executors.
//!
//! It speaks Heketi's API (JSON field names of Heketi's `pkg/glusterfs/api`, ids of 32 hex
//! digits, long operations as `202` + `Location: /queue/{id}`, JWT HS256 with `qsh`), so
//! heketi-cli scripts, Heketi's Python client and Kubernetes provisioners can switch to it.
//!
//! The main items:
//! - [`router`] and [`serve`]: the routes with authentication ([`AuthConfig`]), a body cap
//!   (1 MiB), request timeouts, and 429 + `Retry-After` past
//!   [`ServiceConfig::max_in_flight`] operations; [`App`] holds the shared state.
//! - [`api`]: Heketi's JSON documents; [`convert`]: to and from `gluster_model` entities
//!   and placement requests, validating every field.
//! - [`metrics`]: `/metrics` (capacity, volumes, bricks, operations, latency).
//!
//! # The seam to the store
//!
//! Handlers never touch a `Model`: they call a [`ClusterBackend`] (reads return
//! `gluster_model` entities, changes return [`BackendError`], which keeps the placement
//! engine's structured refusal reasons) and keep long operations in a [`QueueStore`]. Two
//! implementations ship: [`InProcessBackend`] (a `Model` + `Planner` in memory, plans run
//! through gluster-exec's `Runner` with a `MemoryJournal`) and [`MemoryQueue`]. The durable
//! store's `Provisioner` is meant to implement [`ClusterBackend`] and a durable
//! [`QueueStore`], so that state and queue entries survive a restart; nothing else changes.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use gluster_model::{import_heketi_load, ByteSize, HeketiLoadOptions};
//! use gluster_placement::PlacementSettings;
//! use gluster_service::*;
//!
//! let topology = r#"{"clusters":[{"nodes":[
//!   {"node":{"hostnames":{"manage":["a"],"storage":["192.0.2.1"]},"zone":1},"devices":["/dev/sdb"]}]}]}"#;
//! let model = import_heketi_load(topology, &HeketiLoadOptions::with_default_size(ByteSize::tib(1)))?;
//! let backend = InProcessBackend::simulated(model, PlacementSettings::default(), ByteSize::tib(1));
//! let app = App::new(
//!     Arc::new(backend),
//!     Arc::new(MemoryQueue::new()),
//!     ServiceConfig::new(AuthConfig::Keys { admin: b"secret".to_vec(), user: None }),
//! );
//! let _router = router(app); // serve it with `serve(listener, app, shutdown)`
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
mod app;
mod auth;
mod backend;
pub mod convert;
mod data_routes;
mod ids;
mod inprocess;
pub mod metrics;
mod provisioner_backend;
mod queue;
mod routes;
mod server;
mod store_queue;
mod tls;
mod views;

pub use app::{ApiError, App, ServiceConfig, DEFAULT_BODY_LIMIT};
pub use auth::{qsh, AuthConfig, AuthError, EXP_LEEWAY_SECS, IAT_LEEWAY_SECS};
pub use backend::{
    BackendError, CapacityReport, ClusterBackend, ClusterView, DataBackend, DeviceCapacity,
    DeviceView, NewDevice, NewNode, NodeView, VolumeView,
};
pub use ids::IdSource;
pub use inprocess::InProcessBackend;
pub use provisioner_backend::ProvisionerBackend;
pub use queue::{
    MemoryQueue, OperationKind, QueueEntry, QueueError, QueueId, QueueState, QueueStore,
};
pub use server::{router, serve, serve_tls, DRAIN_LIMIT};
pub use store_queue::StoreQueue;
pub use tls::tls_acceptor;

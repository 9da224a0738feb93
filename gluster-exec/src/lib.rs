//! Executors that carry out GlusterFS placement plans.
//!
//! - [`Executor`]: the operations on hosts (devices, bricks, volumes, peers, block volumes),
//!   with typed requests in [`ops`] and one error type, [`ExecError`].
//! - [`Transport`]: how a command executor reaches a host: [`LocalTransport`],
//!   [`SshTransport`] (OpenSSH, batch mode, connection reuse), [`KubectlTransport`]
//!   (`kubectl exec`) and [`PrefixTransport`] (`ip netns exec`, `nsenter`), or your own.
//! - [`CommandExecutor`]: the [`Executor`] that runs real commands over a transport, making
//!   bricks with a [`Backend`] (LVM thin, or directories on mounted XFS).
//! - [`Runner`]: applies a plan as journaled steps, bricks in parallel across hosts under
//!   [`HostLimits`], with progress, cancellation, rollback and [`Runner::recover`]; the
//!   [`journal`] ([`MemoryJournal`], [`FileJournal`]) records intent before each step.
//! - [`simulated`]: an in-memory executor with fault injection; `conformance` (feature
//!   `testing`): the suite every executor must pass.
//! - [`render`]: pure functions from requests to argv vectors; [`xml`]: parsers for
//!   `gluster --xml` answers; [`validate`]: the name and path checks every request passes
//!   first; [`plan_requests`]: a plan as executor requests; [`dry_run`]: every command a
//!   plan would run.
//! - [`Error`]: one error an embedding service can `?` into (import, model, placement,
//!   executor and run errors); [`model`] and [`placement`] re-export the crates a request
//!   needs, so one dependency serves the happy path.
//!
//! The key decision: commands are argv vectors, never shell strings built from data, and every
//! name and path is validated before a command is built, so no request can inject a command.
//! Every operation is idempotent (probes before storage steps, glusterd's answers read for
//! "already exists" and "does not exist"), so a runner may retry and recovery may replay.
//!
//! ```
//! use gluster_exec::ops::VolumeRef;
//! use gluster_exec::render::gluster;
//!
//! let start = gluster::volume_start(&VolumeRef { host: "node1".into(), name: "vol_1".into() })?;
//! assert_eq!(start.join(" "), "gluster --mode=script --xml volume start vol_1");
//!
//! // Hostile names never reach a command.
//! let evil = VolumeRef { host: "node1".into(), name: "vol;reboot".into() };
//! assert!(gluster::volume_start(&evil).is_err());
//! # Ok::<(), gluster_exec::ExecError>(())
//! ```
//!
//! A plan carried out by the [`Runner`] on the simulated executor, with an in-memory journal
//! (swap in a [`CommandExecutor`] over a transport and a [`FileJournal`] for real hosts):
//!
//! ```
//! use std::sync::Arc;
//! use gluster_exec::simulated::SimulatedExecutor;
//! use gluster_exec::{Cancel, HostLimits, MemoryJournal, Runner};
//! use gluster_model::*;
//! use gluster_placement::{plan_volume, PlacementSettings, VolumeRequest};
//!
//! // Three nodes in three zones, one 1 TiB device each.
//! let mut model = Model::new();
//! let cluster = ClusterId::from_u128(1);
//! model.add_cluster(Cluster { id: cluster, block: false, file: true })?;
//! for n in 0..3u32 {
//!     let node = NodeId::from_u128(10 + u128::from(n));
//!     model.add_node(Node {
//!         id: node, cluster, zone: Zone(n + 1), manage_hostname: format!("node{n}"),
//!         storage_hostname: format!("192.0.2.{}", n + 1), tags: Tags::new(),
//!         state: EntityState::Online,
//!     })?;
//!     model.add_device(Device {
//!         id: DeviceId::from_u128(20 + u128::from(n)), node, name: "/dev/sdb".into(),
//!         total: ByteSize::tib(1), used: ByteSize::ZERO, extent_size: DEFAULT_EXTENT_SIZE,
//!         tags: Tags::new(), state: EntityState::Online,
//!     })?;
//! }
//! let request = VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3)?);
//! let plan = plan_volume(&model, &request, &PlacementSettings::default(), 1)?;
//!
//! let hosts = Arc::new(SimulatedExecutor::from_model(&model, false));
//! let runner = Runner::new(hosts.clone(), Arc::new(MemoryJournal::new()), HostLimits::default());
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let applied = runtime.block_on(runner.apply(&plan, &Cancel::new()))?;
//! assert_eq!(applied.volume, plan.volume_name);
//! // The volume exists on the simulated hosts, started, with the plan's three bricks.
//! let volume = &hosts.snapshot().volumes[&plan.volume_name];
//! assert_eq!(volume.bricks.len(), 3);
//! assert_eq!(volume.status, gluster_exec::ops::VolumeStatus::Started);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod command;
pub mod day2;
pub mod dry_run;
mod error;
mod executor;
pub mod journal;
pub mod ops;
pub mod plan_requests;
pub mod render;
pub mod runner;
pub mod simulated;
mod steps;
pub mod transport;
mod umbrella;
pub mod validate;
pub mod xml;

pub use command::{CommandExecutor, Timeouts};
pub use error::ExecError;
pub use umbrella::Error;

pub use executor::Executor;
/// The domain model the executor works on, re-exported so an embedder needs one dependency.
pub use gluster_model as model;
/// The placement engine whose plans the executor carries out, re-exported.
pub use gluster_placement as placement;
pub use journal::{FileJournal, Journal, MemoryJournal};
pub use render::{Backend, DirectoryMounts};
pub use runner::{Applied, ApplyError, Cancel, HostLimits, Progress, RecoveryPolicy, Runner};
pub use transport::{
    CommandOutput, KubectlTransport, LocalTransport, PrefixTransport, SshTransport, Transport,
};

#[cfg(feature = "testing")]
pub mod conformance;

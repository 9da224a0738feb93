//! Durable, concurrent cluster state: a per-entity store with revisions, and a provisioner
//! that keeps the store and the hosts equal.
//!
//! - [`Store`]: the cluster state kept per entity ([`Kind`]: cluster, node, device, volume,
//!   brick, block volume, pending operation, request, volume name, run, meta), each key with
//!   a [`Revision`]; [`Store::get`], [`Store::list`]; [`Store::commit`] of a [`Txn`] that
//!   writes only the keys it lists, each guarded by its revision (compare-and-swap, a
//!   [`StoreError::Conflict`] naming the key); [`Store::changes_since`] so a replica catches
//!   up without reloading everything; a format version key ([`ensure_format`]: a store of a
//!   newer version is refused); [`compact_runs`] and [`Store::compact_history`].
//! - Three stores pass one suite (`conformance`, feature `testing`): [`MemoryStore`];
//!   [`RedbStore`], one redb file (ACID, MVCC readers; every read and write in
//!   `spawn_blocking`, concurrent commits share one fsync: group commit; a damaged file is
//!   refused without being written to); [`EtcdStore`], etcd v3 through `etcd-client`
//!   (keys under a prefix, guards as `mod_revision` compares, history through a watch).
//! - [`Provisioner`]: create, delete and expand volumes. Each operation plans on the cached
//!   state, records its intent (a pending operation keyed by the caller's request name, so a
//!   retried create answers the same volume, as CSI CreateVolume requires) and reserves its
//!   space in one guarded transaction, runs on the hosts through the gluster-exec
//!   [`Runner`](gluster_exec::Runner), then finalizes or rolls back and releases. A stale
//!   revision is re-planned, never forced. [`Provisioner::recover`] finishes or rolls back
//!   every pending operation ([`RecoveryPolicy`]); [`Provisioner::reconcile`] lists every
//!   [`Difference`] between the store and what the hosts report ([`HostReport`]).
//!
//! The key decision: state is kept per entity, not as one document, so a commit writes a
//! handful of small keys (far below etcd's 1.5 MiB request limit) and two provisioners, even
//! in two processes, only wait for each other when they touch the same device.
//!
//! ```
//! use std::sync::Arc;
//! use gluster_exec::simulated::SimulatedExecutor;
//! use gluster_exec::HostLimits;
//! use gluster_model::*;
//! use gluster_placement::{PlacementSettings, VolumeRequest};
//! use gluster_store::{import_model, HostReport, MemoryStore, Provisioner, RecoveryPolicy};
//!
//! # tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?.block_on(async {
//! // Three nodes in three zones, one 100 GiB device each.
//! let mut model = Model::new();
//! let cluster = ClusterId::from_u128(1);
//! model.add_cluster(Cluster { id: cluster, block: false, file: true })?;
//! for n in 0..3u32 {
//!     let node = NodeId::derived(&["node", &n.to_string()]);
//!     model.add_node(Node {
//!         id: node, cluster, zone: Zone(n + 1), manage_hostname: format!("node{n}"),
//!         storage_hostname: format!("192.0.2.{}", n + 1), tags: Tags::new(),
//!         state: EntityState::Online,
//!     })?;
//!     model.add_device(Device {
//!         id: DeviceId::derived(&[&n.to_string(), "/dev/sdb"]), node, name: "/dev/sdb".into(),
//!         total: ByteSize::gib(100), used: ByteSize::ZERO, extent_size: DEFAULT_EXTENT_SIZE,
//!         tags: Tags::new(), state: EntityState::Online,
//!     })?;
//! }
//! let store = Arc::new(MemoryStore::new());
//! import_model(store.as_ref(), &model).await?;
//! let hosts = Arc::new(SimulatedExecutor::from_model(&model, true));
//! let p = Provisioner::new(store, hosts.clone(), HostLimits::new(4), PlacementSettings::default())
//!     .await?;
//! p.recover(RecoveryPolicy::RollBack).await?; // on start: nothing pending here
//!
//! let request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3)?);
//! let made = p.create("pvc-1234", &request).await?;
//! // A retried request answers the same volume.
//! assert_eq!(p.create("pvc-1234", &request).await?.volume, made.volume);
//! // The store and the hosts agree.
//! assert!(p.reconcile(&HostReport::from_simulated(&hosts.snapshot())).await?.is_empty());
//! p.delete(made.volume).await?;
//! assert!(hosts.snapshot().volumes.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod etcd;
mod etcd_lease;
mod key;
mod memory;
mod provisioner;
mod redb_probe;
mod redb_store;
mod store;

pub use error::StoreError;
pub use etcd::EtcdStore;
pub use key::{Change, Changes, Entry, Expect, Key, Kind, Revision, Txn, TxnOp, Write};
pub use memory::MemoryStore;
pub use provisioner::{
    import_model, import_model_with_progress, Created, Difference, HostReport, HostVolume,
    PendingOp, Provisioner, RecoveryPolicy, RecoveryReport, RequestRecord, Stats,
};
pub use redb_store::RedbStore;
pub use store::{compact_runs, ensure_format, format_key, RunEntry, Store, FORMAT_VERSION};

#[cfg(feature = "testing")]
pub mod conformance;
#[cfg(feature = "testing")]
pub mod etcd_server;
#[cfg(feature = "testing")]
pub mod testing;

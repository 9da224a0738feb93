//! The pure domain model of GlusterFS storage: clusters, zones, nodes, devices, bricks,
//! volumes and block volumes, with Gluster's layout rules and exact capacity accounting.
//!
//! This crate performs no IO: no files, no clock, no randomness, no network. It reads and
//! writes documents given as strings: Heketi's topology load file ([`import_heketi_load`]),
//! Heketi's `topology info --json` dump ([`import_heketi_info`]), Heketi's database as
//! `heketi db export` writes it ([`import_heketi_db`]), and its own versioned JSON
//! ([`to_native_json`], [`from_native_json`]).
//!
//! The main types:
//! - [`Model`] holds every entity and keeps it consistent: each operation succeeds entirely
//!   or changes nothing; [`Model::check`] lists every inconsistency of a loaded document.
//! - [`Durability`] is a volume's layout (none, replicate N, arbiter, disperse D+R), checked
//!   against Gluster's rules; [`parse_volumetype`] and [`HeketiOptions`] read Kubernetes
//!   StorageClass parameters.
//! - [`ByteSize`] (checked arithmetic, binary units) and [`BrickSpace`] (what a brick takes
//!   on its device: thin pool + metadata, rounded to extents).
//! - Typed ids ([`NodeId`], [`DeviceId`], ...) in Heketi's 32-hex form.
//!
//! # Example
//!
//! ```
//! use gluster_model::*;
//!
//! // A Heketi topology file has no device sizes: give a default.
//! let topology = r#"{"clusters":[{"nodes":[
//!   {"node":{"hostnames":{"manage":["a"],"storage":["192.0.2.1"]},"zone":1},"devices":["/dev/sdb"]},
//!   {"node":{"hostnames":{"manage":["b"],"storage":["192.0.2.2"]},"zone":2},"devices":["/dev/sdb"]}]}]}"#;
//! let mut model = import_heketi_load(topology, &HeketiLoadOptions::with_default_size(ByteSize::tib(1)))?;
//! assert_eq!(model.devices().len(), 2);
//!
//! // Commit a replica-2 volume of one 100 GiB brick per node.
//! let cluster = model.clusters().next().unwrap().id;
//! let volume = VolumeId::from_u128(1);
//! let space = BrickSpace::for_brick(ByteSize::gib(100), SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE).unwrap();
//! let bricks: Vec<Brick> = model.devices().enumerate().map(|(i, d)| Brick {
//!     id: BrickId::from_u128(i as u128 + 1), volume, node: d.node, device: d.id,
//!     size: ByteSize::gib(100), pool_size: space.pool, metadata_size: space.metadata,
//!     role: BrickRole::Data, path: format!("/bricks/{i}"),
//! }).collect();
//! model.commit_volume(VolumeCommit {
//!     volume: Volume {
//!         id: volume, cluster, name: "vol1".into(), size: ByteSize::gib(100),
//!         durability: parse_volumetype("replicate:2")?,
//!         brick_sets: vec![bricks.iter().map(|b| b.id).collect()],
//!         options: vec![], gid: 0, snapshot: SnapshotSettings::default(), block_hosting: None,
//!     },
//!     bricks,
//! })?;
//! let used = model.devices().next().unwrap().used;
//! assert_eq!(used, ByteSize::mib(100 * 1024 + 512)); // 100 GiB pool + 512 MiB metadata
//! assert!(model.check().is_empty());
//!
//! // Save and load the crate's own format.
//! let saved = to_native_json(&model);
//! assert_eq!(from_native_json(&saved)?, model);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod check;
pub mod data;
mod durability;
mod entity;
mod error;
mod format;
mod id;
mod id_map;
mod model;
mod model_data;
mod model_resync;
mod model_sets;
mod shared_str;
mod size;
mod sizing;
mod small_map;
mod state;
mod storageclass;
mod tags;
#[cfg(feature = "test-support")]
pub mod testing;
mod valid;

pub use check::Inconsistency;
pub use durability::{
    BrickRole, DisperseLayout, Durability, DurabilityAdvisory, DurabilityError, ReplicaCount,
    MAX_DISPERSE_DATA,
};
pub use entity::{
    BlockHosting, BlockVolume, Brick, Cluster, Device, Node, SnapshotSettings, Volume, Zone,
};
pub use error::ModelError;
pub use format::{
    detect_format, from_native_json, import_any, import_heketi_db, import_heketi_info,
    import_heketi_load, to_native_json, DocumentFormat, HeketiDbImport, HeketiLoadOptions,
    ImportError, PendingOperation, NATIVE_FORMAT, NATIVE_VERSION,
};
pub use id::{
    stable_hash128, BlockVolumeId, BrickId, ClusterId, DeviceId, IdParseError, NodeId, VolumeId,
};
pub use model::{BrickGrowth, Model, VolumeCommit};
pub use model_data::quota_capacity;
pub use shared_str::SharedStr;
pub use size::{ByteSize, Human, SizeParseError};
pub use sizing::{
    arbiter_brick_size, BrickSpace, SnapshotFactor, SnapshotFactorError, DEFAULT_AVERAGE_FILE_SIZE,
    DEFAULT_EXTENT_SIZE, MAX_POOL_METADATA, MIN_ARBITER_BRICK,
};
pub use state::{EntityState, StateTransitionError};
pub use storageclass::{parse_volumetype, HeketiOptions, StorageClassError, ZoneChecking};
pub use tags::{
    effective_tag, merged_tags, ArbiterTag, TagOp, TagRule, TagRuleError, Tags, ARBITER_TAG,
};
pub use valid::{
    check_options, check_tags, BlockVolumeName, BrickPath, DevicePath, HostName, InvalidValue,
    MountRoot, OptionKey, OptionValue, TagKey, TagValue, ValueKind, VolumeName, MAX_NAME_LEN,
    MAX_PATH_LEN,
};

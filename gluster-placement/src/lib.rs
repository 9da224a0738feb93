//! Zone-aware, capacity-balanced, deterministic brick placement for GlusterFS volumes.
//!
//! Given a [`gluster_model::Model`] snapshot and a [`VolumeRequest`] ("100 GiB, replica 3,
//! strict zones, on `media=ssd` devices"), the engine returns a [`Plan`]: plain,
//! serializable data listing every brick in the order `gluster volume create` forms sets,
//! with its node, zone, device, role, brick size, thin pool and metadata size. When no plan
//! exists it returns [`PlacementError::Infeasible`] with every [`Reason`] that applies
//! (offline nodes, a tag rule that leaves two devices, too few zones with room...), never a
//! bare "no space". The crate performs no IO and reads no clock and no OS randomness.
//!
//! The main items:
//! - [`Engine`], the long-lived type a service holds: it owns the model and the index, plans
//!   ([`Engine::plan`], any number against one state), commits a plan after verifying it
//!   ([`Engine::commit`]), deletes, expands and replaces bricks, follows node and device
//!   state changes, adds and removes devices: each change updates model and index together
//!   or changes nothing. What-if questions ([`Engine::simulate`], [`Engine::forecast`],
//!   [`Engine::snapshot`]) run on a copy of the index, never on the engine.
//! - [`plan_volume`], [`simulate`] and [`forecast()`]: one-shot conveniences over the same
//!   engine for a model held elsewhere (each indexes the model once per call).
//! - [`PlacementSettings`] (Heketi's defaults: bricks of 1 GiB to 4 TiB, 32 bricks per
//!   volume) and [`RequestSpec`], the user-facing form of a request.
//!
//! ```
//! use gluster_model::*;
//! use gluster_placement::{Engine, PlacementSettings, VolumeRequest};
//!
//! // Heketi's `topology load` file: 3 nodes in 3 zones, two disks each.
//! let topology = r#"{"clusters":[{"nodes":[
//!   {"node":{"hostnames":{"manage":["n1"],"storage":["10.0.0.1"]},"zone":1},"devices":["/dev/sdb","/dev/sdc"]},
//!   {"node":{"hostnames":{"manage":["n2"],"storage":["10.0.0.2"]},"zone":2},"devices":["/dev/sdb","/dev/sdc"]},
//!   {"node":{"hostnames":{"manage":["n3"],"storage":["10.0.0.3"]},"zone":3},"devices":["/dev/sdb","/dev/sdc"]}
//! ]}]}"#;
//! let options = HeketiLoadOptions {
//!     default_device_size: Some(ByteSize::tib(1)),
//!     ..HeketiLoadOptions::default()
//! };
//! let mut engine = Engine::new(import_any(topology, &options)?, PlacementSettings::default());
//!
//! let request = VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3)?)
//!     .with_zone_checking(ZoneChecking::Strict);
//! let plan = engine.plan(&request, 42)?;
//! engine.commit(&plan)?;
//! assert_eq!(engine.model().volumes().len(), 1);
//!
//! // What if 10 more came? Asked of a snapshot: the engine is unchanged.
//! let report = engine.simulate(&request, 7, Some(10))?;
//! assert_eq!(report.placed, 10);
//! assert_eq!(engine.model().volumes().len(), 1);
//!
//! engine.delete_volume(plan.volume_id)?;
//! assert!(engine.model().devices().all(|d| d.used == ByteSize::ZERO));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Design
//!
//! Placement is a greedy choice, set by set, over an index built once per snapshot: per
//! zone, the eligible devices ordered by free *fraction* (so mixed device sizes fill
//! evenly). A set takes, for each brick, the best candidate over zones (distinct zones when
//! strict or when possible, always distinct nodes), so one set costs O(zones + bricks x log
//! devices) instead of Heketi's scan of every device. Ties are broken by a rotation drawn
//! from a SplitMix64 sequence seeded by the caller (plain arithmetic pinned by a
//! known-answer test, so it is stable across releases), so the same snapshot, request and
//! seed give a byte-identical plan. The set count is the smallest that fits: any count, not only powers of two. For a
//! single set the choice is complete: it finds a set whenever one exists (see `choose.rs`),
//! which the brute-force tests check.
//!
//! # The one-shot functions
//!
//! ```
//! use gluster_model::*;
//! use gluster_placement::{plan_volume, PlacementSettings, VolumeRequest};
//!
//! // Three nodes in three zones, two 1 TiB devices each.
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
//!     for dev in ["/dev/sdb", "/dev/sdc"] {
//!         model.add_device(Device {
//!             id: DeviceId::derived(&[&n.to_string(), dev]), node, name: dev.into(),
//!             total: ByteSize::tib(1), used: ByteSize::ZERO, extent_size: DEFAULT_EXTENT_SIZE,
//!             tags: Tags::new(), state: EntityState::Online,
//!         })?;
//!     }
//! }
//!
//! let mut request = VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3)?)
//!     .with_zone_checking(ZoneChecking::Strict);
//! let plan = plan_volume(&model, &request, &PlacementSettings::default(), 42)?;
//! assert_eq!(plan.set_count, 1);
//! assert_eq!(plan.bricks.len(), 3);
//! let zones: std::collections::BTreeSet<_> = plan.bricks.iter().map(|b| b.zone).collect();
//! assert_eq!(zones.len(), 3);
//!
//! // Same input, same seed: the same plan, byte for byte.
//! let again = plan_volume(&model, &request, &PlacementSettings::default(), 42)?;
//! assert_eq!(serde_json::to_string(&plan)?, serde_json::to_string(&again)?);
//!
//! // Committing it keeps the model consistent.
//! plan.commit_to(&mut model)?;
//! assert!(model.check().is_empty());
//!
//! // A refusal names its cause.
//! request.size = ByteSize::tib(2);
//! request.name = Some("big".into());
//! let settings = PlacementSettings { max_bricks_per_volume: 3, ..PlacementSettings::default() };
//! let err = plan_volume(&model, &request, &settings, 42).unwrap_err();
//! assert!(err.to_string().contains("strict zones"), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod block;
mod budget;
mod choose;
pub mod day2;
mod diagnose;
mod engine;
mod engine_progress;
mod error;
mod filter;
pub mod forecast;
mod index;
pub mod multiplex;
mod ordered;
mod plan;
mod planner;
mod progress;
mod request;
mod request_spec;
mod seq;
mod simulate;
mod sizing;
pub mod snapshot;
pub mod subvolume;
mod usage;
mod verify;

pub use block::{plan_block_volume, BlockHost, BlockPlan, BlockRequest};
pub use engine::{ClonePlan, Engine, SubvolumePlacement, HOSTING_PREFIX};
pub use error::{Infeasible, InvalidField, PlacementError, Reason, Uncounted};
pub use forecast::{forecast, Forecast, StrandCause, Stranded};
pub use plan::{Plan, PlanNote, PlannedBrick};
pub use planner::Planner;
pub use progress::Progress;
pub use request::{PlacementSettings, VolumeRequest, MAX_BRICKS_LIMIT};
pub use request_spec::RequestSpec;
pub use simulate::SimulationReport;
pub use usage::{DeviceUsage, Utilization};

use gluster_model::Model;

/// Plans one volume on a model snapshot. The same model, request, settings and seed always
/// give the same plan, byte for byte.
///
/// This indexes every device for one plan; keep an [`Engine`] to make many plans and
/// commits on one cluster.
pub fn plan_volume(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    seed: u64,
) -> Result<Plan, PlacementError> {
    Planner::new(model, settings).plan(request, seed)
}

/// Places `request` again and again into one evolving copy of `model` (each plan committed
/// before the next, seeds `seed`, `seed + 1`, ...) until `count` volumes are placed or one
/// is refused (`count: None` means until the first refusal).
///
/// A named request gets `-2`, `-3`, ... appended from its second volume on. An invalid
/// request is an error; a refusal ends the simulation and is reported in
/// [`SimulationReport::first_refusal`].
pub fn simulate(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    seed: u64,
    count: Option<usize>,
) -> Result<SimulationReport, PlacementError> {
    let mut planner = Planner::new(model, settings);
    simulate::run(&mut planner, request, seed, count)
}

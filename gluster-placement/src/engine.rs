//! The long-lived engine: one model and its index, kept consistent by construction.

use gluster_model::{
    BlockVolume, BlockVolumeId, Brick, BrickGrowth, BrickId, ByteSize, Cluster, Device, DeviceId,
    EntityState, Model, Node, NodeId, Volume, VolumeId,
};

use crate::day2::{ExpandPlan, GrowPlan, ReplaceStep};
use crate::error::PlacementError;
use crate::forecast::Forecast;
use crate::index::DevIx;
use crate::plan::Plan;
use crate::planner::Planner;
use crate::request::{PlacementSettings, VolumeRequest};
use crate::simulate::SimulationReport;
use crate::verify::check_plan;

#[path = "engine_data.rs"]
mod data;
pub use data::{ClonePlan, SubvolumePlacement, HOSTING_PREFIX};

/// A cluster model and the placement index over it, for a service that holds a cluster for
/// months and plans and commits volume after volume.
///
/// Every change goes through the engine and updates the model and the index together,
/// touching only what changed (a commit costs about as much as a plan, not a re-index), or
/// fails and changes nothing. [`Engine::commit`] trusts no plan: it derives every size again
/// from the sizing rules and checks every brick against the model (see [`Engine::commit`]).
///
/// Planning takes `&mut self` for its reused buffers and for the space earlier sets of a
/// volume take while later sets are chosen, which it gives back before returning: a plan
/// never changes the engine's state, and any number of plans may be made against one state.
/// What-if questions ([`Engine::simulate`], [`Engine::forecast`], [`Engine::snapshot`]) run
/// on a copy of the index (O(devices), not O(volumes)), never on the engine.
///
/// ```
/// use gluster_model::*;
/// use gluster_placement::{Engine, PlacementSettings, VolumeRequest};
///
/// // Heketi's `topology load` file: 3 nodes in 3 zones with one disk each (1 TiB each).
/// let topology = r#"{"clusters":[{"nodes":[
///   {"node":{"hostnames":{"manage":["n1"],"storage":["10.0.0.1"]},"zone":1},"devices":["/dev/sdb"]},
///   {"node":{"hostnames":{"manage":["n2"],"storage":["10.0.0.2"]},"zone":2},"devices":["/dev/sdb"]},
///   {"node":{"hostnames":{"manage":["n3"],"storage":["10.0.0.3"]},"zone":3},"devices":["/dev/sdb"]}
/// ]}]}"#;
/// let options = HeketiLoadOptions {
///     default_device_size: Some(ByteSize::tib(1)),
///     ..HeketiLoadOptions::default()
/// };
/// let model = import_any(topology, &options)?;
/// let mut engine = Engine::new(model, PlacementSettings::default());
///
/// let request = VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3)?)
///     .with_zone_checking(ZoneChecking::Strict);
/// let plan = engine.plan(&request, 42)?;
/// assert_eq!(plan.bricks.len(), 3);
/// engine.commit(&plan)?;
/// assert_eq!(engine.model().volumes().len(), 1);
/// assert!(engine.model().check().is_empty());
///
/// engine.delete_volume(plan.volume_id)?;
/// assert_eq!(engine.model().volumes().len(), 0);
/// assert!(engine.model().devices().all(|d| d.used == ByteSize::ZERO));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Engine {
    model: Model,
    planner: Planner,
    /// Per-device space of the plan being committed (reused between commits).
    usage: Vec<(DevIx, u64)>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("volumes", &self.model.volumes().len())
            .field("planner", &self.planner)
            .finish()
    }
}

impl Engine {
    /// Takes `model` and indexes it with `settings` (O(devices log devices), once).
    pub fn new(model: Model, settings: PlacementSettings) -> Engine {
        let planner = Planner::new(&model, &settings);
        Engine {
            model,
            planner,
            usage: Vec::new(),
        }
    }

    /// The model, with every change made through the engine.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Gives the model back.
    pub fn into_model(self) -> Model {
        self.model
    }

    /// The settings plans are made with.
    pub fn settings(&self) -> &PlacementSettings {
        self.planner.settings()
    }

    /// Plans with `settings` from now on. A new device reserve re-indexes every device
    /// (O(devices)); other settings cost nothing.
    pub fn set_settings(&mut self, settings: &PlacementSettings) {
        if settings == self.planner.settings() {
            return;
        }
        if settings.device_reserve_per_mille != self.planner.settings().device_reserve_per_mille {
            self.planner = Planner::new(&self.model, settings);
        } else {
            self.planner.set_settings(settings.clone());
        }
    }

    /// Plans one volume (see [`Planner::plan`]). The engine is unchanged: commit the plan
    /// with [`Engine::commit`] to keep it.
    pub fn plan(&mut self, request: &VolumeRequest, seed: u64) -> Result<Plan, PlacementError> {
        self.planner.plan(request, seed)
    }

    /// Commits a plan: the volume and its bricks enter the model and take their space in
    /// the index. All or nothing.
    ///
    /// The plan is verified first, whoever made it: its volume name is a valid Gluster name
    /// not taken in the cluster, its options plain; the data brick size follows from the
    /// volume size and set count, the arbiter brick's from the arbiter sizing bounds, every
    /// brick's pool and metadata from its size, the snapshot factor and its device's extent;
    /// bricks are listed set by set with the roles of the layout, on known devices whose
    /// node, names and zone the plan states correctly and whose `arbiter` tag allows the
    /// role, with room for them; paths are a plain mount root followed by the brick's own
    /// directory. The model then checks ids, online states and node separation.
    pub fn commit(&mut self, plan: &Plan) -> Result<(), PlacementError> {
        let mut usage = std::mem::take(&mut self.usage);
        let result = check_plan(
            &self.planner.index,
            self.planner.settings(),
            plan,
            &mut usage,
        )
        .and_then(|()| {
            crate::budget::check_plan(
                &self.planner.index,
                &self.planner.node_bricks,
                self.planner.settings().brick_budget.as_ref(),
                plan,
            )
        })
        .and_then(|()| Ok(self.model.commit_volume(plan.to_commit())?));
        if result.is_ok() {
            self.planner.record(plan, &usage);
        }
        self.usage = usage;
        result
    }

    /// Deletes a volume and its bricks (see [`Model::delete_volume`]), returning their
    /// space to the index.
    pub fn delete_volume(&mut self, id: VolumeId) -> Result<Volume, PlacementError> {
        let (volume, bricks) = self.model.delete_volume_and_bricks(id)?;
        self.planner.forget(&volume, bricks.iter().map(|b| b.id));
        self.planner.move_bricks(bricks.iter().map(|b| b.node), []);
        self.sync_devices(bricks.iter().map(|b| b.device));
        Ok(volume)
    }

    /// Adds brick sets to a volume (see [`Model::expand_volume`]).
    pub fn expand_volume(
        &mut self,
        volume: VolumeId,
        sets: Vec<Vec<BrickId>>,
        bricks: Vec<Brick>,
        added_size: ByteSize,
    ) -> Result<(), PlacementError> {
        let touched: Vec<(DeviceId, BrickId, NodeId)> =
            bricks.iter().map(|b| (b.device, b.id, b.node)).collect();
        self.model.expand_volume(volume, sets, bricks, added_size)?;
        self.planner.take_ids(touched.iter().map(|b| b.1));
        self.planner.move_bricks([], touched.iter().map(|b| b.2));
        self.sync_devices(touched.iter().map(|b| b.0));
        Ok(())
    }

    /// Commits an expansion planned by [`crate::day2::plan_expand`] (all or nothing).
    pub fn commit_expand(&mut self, plan: &ExpandPlan) -> Result<(), PlacementError> {
        let devices: Vec<DeviceId> = plan.bricks.iter().map(|b| b.device_id).collect();
        plan.commit_to(&mut self.model)?;
        self.planner.take_ids(plan.bricks.iter().map(|b| b.id));
        self.planner
            .move_bricks([], plan.bricks.iter().map(|b| b.node_id));
        self.sync_devices(devices);
        Ok(())
    }

    /// Grows bricks in place (see [`Model::grow_bricks`]).
    pub fn grow_bricks(
        &mut self,
        volume: VolumeId,
        growths: &[BrickGrowth],
        new_size: ByteSize,
    ) -> Result<(), PlacementError> {
        let devices: Vec<DeviceId> = growths
            .iter()
            .filter_map(|g| self.model.brick(g.brick).map(|b| b.device))
            .collect();
        self.model.grow_bricks(volume, growths, new_size)?;
        self.sync_devices(devices);
        Ok(())
    }

    /// Commits an in-place growth planned by [`crate::day2::plan_grow`] (all or nothing).
    pub fn commit_grow(&mut self, plan: &GrowPlan) -> Result<(), PlacementError> {
        let devices: Vec<DeviceId> = plan.bricks.iter().map(|b| b.brick.device_id).collect();
        plan.commit_to(&mut self.model)?;
        self.sync_devices(devices);
        Ok(())
    }

    /// Replaces a brick (see [`Model::replace_brick`]); returns the old brick.
    pub fn replace_brick(&mut self, old: BrickId, new: Brick) -> Result<Brick, PlacementError> {
        let new_device = new.device;
        let (new_id, new_node) = (new.id, new.node);
        let old_brick = self.model.replace_brick(old, new)?;
        self.planner.move_bricks([old_brick.node], [new_node]);
        self.planner.take_ids([new_id]);
        self.planner.free_ids([old]);
        self.sync_devices([old_brick.device, new_device]);
        Ok(old_brick)
    }

    /// Carries out replace steps (an evacuation's or a rebalance's) in order, each all or
    /// nothing; stops at the first refusal, with the earlier steps kept.
    pub fn commit_replace_steps(&mut self, steps: &[ReplaceStep]) -> Result<(), PlacementError> {
        for s in steps {
            self.replace_brick(s.old.id, s.new.to_model_brick(s.volume_id))?;
        }
        Ok(())
    }

    /// Changes a node's state (see [`Model::set_node_state`]).
    pub fn set_node_state(&mut self, id: NodeId, state: EntityState) -> Result<(), PlacementError> {
        self.model.set_node_state(id, state)?;
        if let Some(n) = self.model.node(id) {
            self.planner.index.sync_node(n);
        }
        Ok(())
    }

    /// Changes a device's state (see [`Model::set_device_state`]).
    pub fn set_device_state(
        &mut self,
        id: DeviceId,
        state: EntityState,
    ) -> Result<(), PlacementError> {
        self.model.set_device_state(id, state)?;
        self.sync_devices([id]);
        Ok(())
    }

    /// Adds a cluster.
    pub fn add_cluster(&mut self, cluster: Cluster) -> Result<(), PlacementError> {
        self.model.add_cluster(cluster.clone())?;
        self.planner.index.add_cluster(&cluster);
        Ok(())
    }

    /// Adds a node (see [`Model::add_node`]).
    pub fn add_node(&mut self, node: Node) -> Result<(), PlacementError> {
        self.model.add_node(node.clone())?;
        self.planner.index.add_node(&node);
        Ok(())
    }

    /// Adds an empty device (see [`Model::add_device`]).
    pub fn add_device(&mut self, device: Device) -> Result<(), PlacementError> {
        self.model.add_device(device.clone())?;
        self.planner.index.add_device(&device);
        Ok(())
    }

    /// Removes a device that holds no brick (see [`Model::remove_device`]).
    pub fn remove_device(&mut self, id: DeviceId) -> Result<Device, PlacementError> {
        let device = self.model.remove_device(id)?;
        self.planner.index.remove_device(id);
        Ok(device)
    }

    /// Adds a block volume to its hosting volume (no device space changes).
    pub fn add_block_volume(&mut self, block: BlockVolume) -> Result<(), PlacementError> {
        Ok(self.model.add_block_volume(block)?)
    }

    /// Deletes a block volume.
    pub fn delete_block_volume(
        &mut self,
        id: BlockVolumeId,
    ) -> Result<BlockVolume, PlacementError> {
        Ok(self.model.delete_block_volume(id)?)
    }

    /// A copy of the index for what-if questions: plans committed to it change neither the
    /// engine nor its model. Costs O(devices), whatever the number of volumes.
    pub fn snapshot(&self) -> Planner {
        self.planner.snapshot()
    }

    /// [`crate::simulate`] on a snapshot: the engine is unchanged.
    pub fn simulate(
        &self,
        request: &VolumeRequest,
        seed: u64,
        count: Option<usize>,
    ) -> Result<SimulationReport, PlacementError> {
        crate::simulate::run(&mut self.snapshot(), request, seed, count)
    }

    /// [`crate::forecast()`] on a snapshot: the engine is unchanged.
    pub fn forecast(
        &self,
        request: &VolumeRequest,
        seed: u64,
        limit: Option<usize>,
    ) -> Result<Forecast, PlacementError> {
        crate::forecast::run(self.snapshot(), request, seed, limit)
    }

    /// Checks that the index equals one built from the model now (O(devices log devices)):
    /// for tests and for a service's own consistency checks. `Err` describes the first
    /// difference.
    pub fn check_index(&self) -> Result<(), String> {
        let fresh = Planner::new(&self.model, self.planner.settings());
        let (kept, built) = (self.planner.index.canonical(), fresh.index.canonical());
        match kept.first_difference(&built) {
            None if self.planner.node_bricks.by_id(&self.planner.index)
                != fresh.node_bricks.by_id(&fresh.index) =>
            {
                Err("the bricks counted per node differ from a fresh count".to_string())
            }
            None => Ok(()),
            Some(d) => Err(format!(
                "the index kept up to date differs from a fresh one: {d}"
            )),
        }
    }

    fn sync_devices(&mut self, devices: impl IntoIterator<Item = DeviceId>) {
        for id in devices {
            if let Some(d) = self.model.device(id) {
                self.planner.index.sync_device(d);
            }
        }
    }
}

impl From<Model> for Engine {
    fn from(model: Model) -> Engine {
        Engine::new(model, PlacementSettings::default())
    }
}

//! The planner: an index built once over a model snapshot, plans made against it, and
//! commits that keep it in step.

use rustc_hash::FxHashSet as HashSet;

use gluster_model::{
    Brick, BrickId, BrickRole, ByteSize, ClusterId, DeviceId, Model, ModelError, NodeId,
    SnapshotFactor, SnapshotSettings, Volume, VolumeId, ZoneChecking,
};

use crate::budget::NodeBricks;
use crate::choose::{Scratch, SetChooser};
use crate::diagnose::diagnose;
use crate::error::{Infeasible, PlacementError, Reason};
use crate::filter::{validate, Filter, Needs};
use crate::index::{ClusterIx, DevIx, Index, NodeIx};
use crate::plan::{Plan, PlanNote, PlannedBrick};
use crate::request::{PlacementSettings, VolumeRequest};
use crate::seq::SplitMix64;
use crate::sizing::{layout_iter, layouts, Layout, SizeLimits, Sizing};
use crate::usage::DeviceUsage;

/// What the ids' sequence seed differs from the rotations' by.
const ID_SEQUENCE: u64 = 0x6a09_e667_f3bc_c908;

/// A reusable planner over one model snapshot: the index alone, without the model. What
/// [`Engine::snapshot`](crate::Engine::snapshot) returns for what-if questions; a service
/// that keeps a cluster holds an [`Engine`](crate::Engine) instead.
///
/// Building it indexes every device once (O(D log D)); each plan then costs about
/// O(zones + bricks x log devices) per brick set. [`Planner::commit`] records a plan in the
/// index only, so a sequence of plans (a simulation, a batch of requests) never rebuilds it.
///
/// ```
/// use gluster_model::*;
/// use gluster_placement::{Planner, PlacementSettings, VolumeRequest};
///
/// let mut model = Model::new();
/// let cluster = ClusterId::from_u128(1);
/// model.add_cluster(Cluster { id: cluster, block: false, file: true }).unwrap();
/// for n in 0..3u32 {
///     let node = NodeId::from_u128(100 + u128::from(n));
///     model.add_node(Node {
///         id: node, cluster, zone: Zone(n + 1), manage_hostname: format!("node{n}"),
///         storage_hostname: format!("192.0.2.{n}"), tags: Tags::new(), state: EntityState::Online,
///     }).unwrap();
///     model.add_device(Device {
///         id: DeviceId::from_u128(200 + u128::from(n)), node, name: "/dev/sdb".into(),
///         total: ByteSize::tib(1), used: ByteSize::ZERO, extent_size: DEFAULT_EXTENT_SIZE,
///         tags: Tags::new(), state: EntityState::Online,
///     }).unwrap();
/// }
/// let mut planner = Planner::new(&model, &PlacementSettings::default());
/// let request = VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3).unwrap());
/// let plan = planner.plan(&request, 7).unwrap();
/// planner.commit(&plan).unwrap();
/// plan.commit_to(&mut model).unwrap();
/// assert!(model.check().is_empty());
/// ```
pub struct Planner {
    pub(crate) index: Index,
    settings: PlacementSettings,
    /// Device used-space changes made while planning, undone before a plan returns.
    undo: Vec<(DevIx, u64)>,
    /// Volume and brick ids of the snapshot and of committed plans: new ids skip them, so a
    /// seed used twice on one snapshot cannot give a plan whose ids collide.
    /// (Low 64 bits of each id: a clash of two ids there only makes a new id skip one more
    /// value, and halves what every id check reads.)
    taken_ids: HashSet<u64>,
    /// The devices of the sets being placed, set by set (reused between plans).
    chosen: Vec<DevIx>,
    /// Buffers of the set choice (reused between plans).
    scratch: Scratch,
    /// The clusters a request may go to (reused between plans).
    candidates: Vec<ClusterIx>,
    /// The chosen devices with their nodes and ids, gathered before a plan is built.
    gathered: Vec<(DevIx, NodeIx, DeviceId, NodeId)>,
    /// Space per device of the plan being committed (reused between commits).
    usage: Vec<(DevIx, u64)>,
    /// Bricks per node, for the brick budget.
    pub(crate) node_bricks: NodeBricks,
}

impl std::fmt::Debug for Planner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planner")
            .field("devices", &self.index.devs.len())
            .field("nodes", &self.index.nodes.len())
            .field("clusters", &self.index.clusters.len())
            .field("settings", &self.settings)
            .finish()
    }
}

impl Planner {
    /// Indexes `model` with `settings` (whose device reserve shapes the index).
    pub fn new(model: &Model, settings: &PlacementSettings) -> Planner {
        let index = Index::build(model, settings.device_reserve_per_mille);
        Planner {
            node_bricks: NodeBricks::build(&index, model),
            index,
            settings: settings.clone(),
            undo: Vec::new(),
            chosen: Vec::new(),
            scratch: Scratch::default(),
            candidates: Vec::new(),
            gathered: Vec::new(),
            usage: Vec::new(),
            taken_ids: model
                .volumes()
                .map(|v| v.id.as_u128() as u64)
                .chain(model.bricks().map(|b| b.id.as_u128() as u64))
                .collect(),
        }
    }

    /// The settings the planner was built with.
    pub fn settings(&self) -> &PlacementSettings {
        &self.settings
    }

    /// Plans with `settings` from now on (the device reserve must be the index's).
    pub(crate) fn set_settings(&mut self, settings: PlacementSettings) {
        debug_assert_eq!(
            settings.device_reserve_per_mille,
            self.index.reserve_per_mille
        );
        self.settings = settings;
    }

    /// A copy of the index and the taken names and ids, with buffers of its own.
    pub(crate) fn snapshot(&self) -> Planner {
        Planner {
            index: self.index.clone(),
            settings: self.settings.clone(),
            undo: Vec::new(),
            chosen: Vec::new(),
            scratch: Scratch::default(),
            candidates: Vec::new(),
            gathered: Vec::new(),
            usage: Vec::new(),
            taken_ids: self.taken_ids.clone(),
            node_bricks: self.node_bricks.clone(),
        }
    }

    /// Records a verified plan whose space per device is `usage` (each device once).
    pub(crate) fn record(&mut self, plan: &Plan, usage: &[(DevIx, u64)]) {
        for &(dx, need) in usage {
            let used = self.index.devs[dx.ix()].used.saturating_add(need);
            self.index.set_used(dx, used);
        }
        if let Some(c) = self.index.cluster_by_id.get(&plan.cluster) {
            self.index.clusters[c.ix()]
                .names
                .insert(plan.volume_name.clone());
        }
        self.taken_ids.insert(plan.volume_id.as_u128() as u64);
        self.taken_ids
            .extend(plan.bricks.iter().map(|b| b.id.as_u128() as u64));
        for b in &plan.bricks {
            self.node_bricks.add(&self.index, b.node_id);
        }
    }

    /// Counts bricks that left (`-`) and entered (`+`) nodes outside a plan commit.
    pub(crate) fn move_bricks(
        &mut self,
        left: impl IntoIterator<Item = NodeId>,
        entered: impl IntoIterator<Item = NodeId>,
    ) {
        for n in left {
            self.node_bricks.remove(&self.index, n);
        }
        for n in entered {
            self.node_bricks.add(&self.index, n);
        }
    }

    /// The request's filter on `cluster`, with the brick budget's room per node.
    fn filter(&self, cluster: ClusterIx, request: &VolumeRequest) -> Filter {
        let mut filter = Filter::new(&self.index, cluster, request);
        if let Some(budget) = &self.settings.brick_budget {
            filter.node_room = Some(self.node_bricks.room(&self.index, budget));
        }
        filter
    }

    /// The budget's refusal on the filter's cluster, if nodes there are at it.
    fn budget_reason(&self, filter: &Filter) -> Option<Reason> {
        let budget = self.settings.brick_budget.as_ref()?;
        crate::budget::reason(
            &self.index,
            filter.cluster,
            budget,
            filter.node_room.as_deref()?,
        )
    }

    /// Forgets a deleted volume's name and its and its bricks' ids (their devices' space is
    /// synchronized by the caller).
    pub(crate) fn forget(&mut self, volume: &Volume, bricks: impl IntoIterator<Item = BrickId>) {
        if let Some(c) = self.index.cluster_by_id.get(&volume.cluster) {
            self.index.clusters[c.ix()].names.remove(&volume.name);
        }
        self.taken_ids.remove(&(volume.id.as_u128() as u64));
        self.free_ids(bricks);
    }

    /// Marks brick ids as taken.
    pub(crate) fn take_ids(&mut self, ids: impl IntoIterator<Item = BrickId>) {
        self.taken_ids
            .extend(ids.into_iter().map(|b| b.as_u128() as u64));
    }

    /// Marks brick ids as free again.
    pub(crate) fn free_ids(&mut self, ids: impl IntoIterator<Item = BrickId>) {
        for id in ids {
            self.taken_ids.remove(&(id.as_u128() as u64));
        }
    }

    /// Answers every device query with a plain scan of the zone instead of the ordered index.
    /// The decisions are the same, bit for bit; the scan is the reference the index is tested
    /// and measured against (feature `testing`, for this crate's tests only).
    #[cfg(feature = "testing")]
    pub fn use_reference_scan(&mut self, on: bool) {
        self.index.scan = on;
    }

    /// Plans one volume. The same snapshot, request and seed always give the same plan; the
    /// planner is unchanged afterwards (see [`Planner::commit`]).
    pub fn plan(&mut self, request: &VolumeRequest, seed: u64) -> Result<Plan, PlacementError> {
        validate(request, &self.settings)?;
        // The candidate list is the planner's buffer, taken out while planning.
        let mut candidates = std::mem::take(&mut self.candidates);
        let result = self
            .clusters_for(request, &mut candidates)
            .and_then(|()| self.plan_in(&candidates, request, seed));
        self.candidates = candidates;
        result
    }

    /// Plans `request` in the first of `candidates` where it fits, else explains why none.
    fn plan_in(
        &mut self,
        candidates: &[ClusterIx],
        request: &VolumeRequest,
        seed: u64,
    ) -> Result<Plan, PlacementError> {
        let limits = SizeLimits::of(&self.settings);
        for &cluster in candidates {
            let mut filter = self.filter(cluster, request);
            for layout in layout_iter(request, limits) {
                let Some(needs) = Needs::new(
                    layout.data_brick,
                    layout.arbiter_brick,
                    request.snapshot_factor,
                ) else {
                    continue;
                };
                if self.place_sets(&mut filter, &needs, request, layout.sets, seed) {
                    return self.build_plan(cluster, &layout, &needs, request, seed);
                }
            }
        }
        let sizing = layouts(request, &self.settings);
        let mut reasons: Vec<Reason> = Vec::new();
        for &cluster in candidates {
            let filter = self.filter(cluster, request);
            let budget = self.budget_reason(&filter);
            let found = diagnose(&self.index, &filter, request, &self.settings, &sizing);
            for r in budget.into_iter().chain(found) {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
        Err(PlacementError::Infeasible(Infeasible { reasons }))
    }

    /// Places `layout.sets` sets with fixed brick sizes in `cluster` (day-2 expansion): the
    /// same set choice as [`Planner::plan`], without the sizing search or name checks. A
    /// refusal is diagnosed at that layout.
    pub(crate) fn plan_fixed(
        &mut self,
        cluster: ClusterId,
        request: &VolumeRequest,
        layout: Layout,
        seed: u64,
    ) -> Result<Plan, PlacementError> {
        let c = (0..self.index.clusters.len())
            .find(|&c| self.index.clusters[c].id == cluster)
            .map(|c| ClusterIx(c as u32))
            .ok_or(ModelError::UnknownCluster(cluster))?;
        let mut filter = self.filter(c, request);
        let needs = Needs::new(
            layout.data_brick,
            layout.arbiter_brick,
            request.snapshot_factor,
        )
        .ok_or(ModelError::Overflow("brick space"))?;
        if self.place_sets(&mut filter, &needs, request, layout.sets, seed) {
            return self.build_plan(c, &layout, &needs, request, seed);
        }
        let sizing = Sizing {
            layouts: vec![layout],
            min_sets: layout.sets,
            largest_brick: layout.data_brick,
        };
        // The brick size and count are given: only the placement causes apply.
        let lenient = PlacementSettings {
            min_brick_size: ByteSize::ZERO,
            max_bricks_per_volume: usize::MAX,
            ..self.settings.clone()
        };
        let mut reasons: Vec<Reason> = self.budget_reason(&filter).into_iter().collect();
        reasons.extend(diagnose(&self.index, &filter, request, &lenient, &sizing));
        Err(PlacementError::Infeasible(Infeasible { reasons }))
    }

    /// The clusters `request` may go to, into `out`; or why none.
    fn clusters_for(
        &self,
        request: &VolumeRequest,
        out: &mut Vec<ClusterIx>,
    ) -> Result<(), PlacementError> {
        out.clear();
        let named = |c: ClusterIx| {
            request
                .name
                .as_ref()
                .is_some_and(|n| self.index.clusters[c.ix()].names.contains(n))
        };
        let refuse = |detail: String| {
            PlacementError::Infeasible(Infeasible {
                reasons: vec![Reason::NoCluster { detail }],
            })
        };
        let mut all = (0..self.index.clusters.len() as u32).map(ClusterIx);
        if let Some(id) = request.cluster {
            let Some(c) = all.find(|c| self.index.clusters[c.ix()].id == id) else {
                return Err(PlacementError::invalid(
                    "cluster",
                    format!("unknown cluster {id}"),
                ));
            };
            if named(c) {
                return Err(duplicate_name(request, id));
            }
            if !self.index.clusters[c.ix()].file {
                return Err(refuse(format!("cluster {id} does not take file volumes")));
            }
            out.push(c);
            return Ok(());
        }
        let mut first_file = None;
        for c in all.filter(|c| self.index.clusters[c.ix()].file) {
            first_file.get_or_insert(c);
            if !named(c) {
                out.push(c);
            }
        }
        match first_file {
            None => Err(refuse(if self.index.clusters.is_empty() {
                "the model has no cluster".to_string()
            } else {
                "no cluster takes file volumes".to_string()
            })),
            Some(c) if out.is_empty() => {
                Err(duplicate_name(request, self.index.clusters[c.ix()].id))
            }
            Some(_) => Ok(()),
        }
    }

    /// Chooses `sets` brick sets one after the other into `self.chosen` (set by set,
    /// position by position), accounting for the space and brick budget earlier sets take;
    /// the index and the filter are restored before returning.
    fn place_sets(
        &mut self,
        filter: &mut Filter,
        needs: &Needs,
        request: &VolumeRequest,
        sets: usize,
        seed: u64,
    ) -> bool {
        let mut rng = SplitMix64::new(seed);
        self.chosen.clear();
        self.scratch.new_filter();
        let room_before = filter.node_room.clone();
        let placed = self.place_sets_in(filter, needs, request, sets, &mut rng);
        filter.node_room = room_before;
        self.rollback();
        placed
    }

    fn place_sets_in(
        &mut self,
        filter: &mut Filter,
        needs: &Needs,
        request: &VolumeRequest,
        sets: usize,
        rng: &mut SplitMix64,
    ) -> bool {
        let arbiter = needs.arbiter_brick.is_some();
        let set_size = request.durability.set_size();
        for s in 0..sets {
            let r = rng.next_u64();
            let chooser = SetChooser {
                index: &self.index,
                filter,
                needs,
                data_slots: set_size - usize::from(arbiter),
                arbiter,
            };
            if !chooser.choose(
                request.zone_checking,
                r,
                &mut self.scratch,
                &mut self.chosen,
            ) {
                return false;
            }
            if s + 1 < sets {
                let first = self.chosen.len() - set_size;
                if filter.node_room.is_some() {
                    for &dx in &self.chosen[first..] {
                        filter.take_node(self.index.probes[dx.ix()].node);
                    }
                }
                for position in 0..set_size {
                    let dx = self.chosen[first + position];
                    let dev = &self.index.devs[dx.ix()];
                    let is_arbiter = request.durability.role_at(position) == BrickRole::Arbiter;
                    let used = dev.used + needs.bytes(is_arbiter, dev.extent);
                    self.undo.push((dx, dev.used));
                    self.index.set_used(dx, used);
                }
            }
        }
        true
    }

    fn rollback(&mut self) {
        while let Some((dx, used)) = self.undo.pop() {
            self.index.set_used(dx, used);
        }
    }

    /// The plan of the sets in `self.chosen`.
    fn build_plan(
        &mut self,
        cluster: ClusterIx,
        layout: &Layout,
        needs: &Needs,
        request: &VolumeRequest,
        seed: u64,
    ) -> Result<Plan, PlacementError> {
        // Ids come from their own sequence (the rotations' seed, offset), so they do not
        // depend on how many layouts were tried.
        let mut ids = SplitMix64::new(seed ^ ID_SEQUENCE);
        let mut next_id = || loop {
            let id = ids.next_id();
            if !self.taken_ids.contains(&(id as u64)) {
                break id;
            }
        };
        let volume_id = VolumeId::from_u128(next_id());
        let volume_name = match &request.name {
            Some(name) => name.clone(),
            None => {
                let mut name = String::with_capacity(36);
                name.push_str("vol_");
                volume_id.push_to(&mut name);
                name
            }
        };
        let set_size = request.durability.set_size();
        // The chosen devices' and nodes' records, read first in a tight loop: on large
        // clusters each is a cache miss, and loads that do not wait on each other overlap.
        self.gathered.clear();
        let index = &self.index;
        self.gathered.extend(self.chosen.iter().map(|&dx| {
            let nx = index.probes[dx.ix()].node;
            (dx, nx, index.devs[dx.ix()].id, index.nodes[nx.ix()].id)
        }));
        let mut bricks = Vec::with_capacity(self.chosen.len());
        let mut notes = Vec::new();
        for (slot, &(dx, nx, device_id, node_id)) in self.gathered.iter().enumerate() {
            let (set, position) = (slot / set_size, slot % set_size);
            let (dev, node) = (&self.index.devs[dx.ix()], &self.index.nodes[nx.ix()]);
            let zone = self.index.zones[dev.zone.ix()].zone;
            let role = request.durability.role_at(position);
            let is_arbiter = role == BrickRole::Arbiter;
            let space = needs
                .space(is_arbiter, dev.extent)
                .ok_or(ModelError::Overflow("brick space"))?;
            let size = if is_arbiter {
                needs.arbiter_brick.unwrap_or(needs.data_brick)
            } else {
                needs.data_brick
            };
            let id = BrickId::from_u128(next_id());
            bricks.push(PlannedBrick {
                id,
                set,
                position,
                role,
                node: node.manage.clone(),
                node_id,
                storage_host: node.storage.clone(),
                zone,
                device: dev.name.clone(),
                device_id,
                size_bytes: size,
                pool_bytes: space.pool,
                metadata_bytes: space.metadata,
                path: Brick::heketi_path(&self.settings.brick_mount_root, device_id, id),
            });
        }
        if request.zone_checking == ZoneChecking::Prefer {
            for (set, chunk) in bricks.chunks(set_size).enumerate() {
                let zones = chunk
                    .iter()
                    .enumerate()
                    .filter(|(i, b)| chunk[..*i].iter().all(|o| o.zone != b.zone))
                    .count();
                if zones < set_size {
                    notes.push(PlanNote::FewerZones {
                        set,
                        zones,
                        bricks: set_size,
                    });
                }
            }
        }
        for (i, &zone) in request.preferred_zones.iter().enumerate() {
            let repeated = request.preferred_zones[..i].contains(&zone);
            if !repeated && bricks.iter().all(|b| b.zone != zone) {
                notes.push(PlanNote::PreferredZoneUnused { zone });
            }
        }
        for advisory in request.durability.advisories() {
            notes.push(PlanNote::Advisory { advisory });
        }
        Ok(Plan {
            volume_id,
            volume_name,
            cluster: self.index.clusters[cluster.ix()].id,
            size_bytes: request.size,
            durability: request.durability,
            set_count: layout.sets,
            data_brick_bytes: layout.data_brick,
            arbiter_brick_bytes: layout.arbiter_brick,
            snapshot: SnapshotSettings {
                enabled: request.snapshot_factor != SnapshotFactor::ONE,
                factor: request.snapshot_factor,
            },
            options: request.options.clone(),
            gid: request.gid,
            bricks,
            notes,
            seed,
        })
    }

    /// Records a plan in the index (its bricks take their space; its name is taken). All or
    /// nothing: a plan that would over-book a device or names an unknown one is refused.
    pub fn commit(&mut self, plan: &Plan) -> Result<(), PlacementError> {
        let cluster = self
            .index
            .cluster_by_id
            .get(&plan.cluster)
            .ok_or(ModelError::UnknownCluster(plan.cluster))?
            .ix();
        let mut usage = std::mem::take(&mut self.usage);
        usage.clear();
        let result = self.commit_with(cluster, plan, &mut usage);
        self.usage = usage;
        result
    }

    fn commit_with(
        &mut self,
        cluster: usize,
        plan: &Plan,
        usage: &mut Vec<(DevIx, u64)>,
    ) -> Result<(), PlacementError> {
        for b in &plan.bricks {
            let dx = *self
                .index
                .dev_by_id
                .get(&b.device_id)
                .ok_or(ModelError::UnknownDevice(b.device_id))?;
            let space = b
                .space()
                .ok_or(ModelError::Overflow("brick space"))?
                .bytes();
            match usage.iter_mut().find(|(d, _)| *d == dx) {
                Some((_, sum)) => {
                    *sum = sum
                        .checked_add(space)
                        .ok_or(ModelError::Overflow("device usage"))?
                }
                None => usage.push((dx, space)),
            }
        }
        for &(dx, need) in usage.iter() {
            let dev = &self.index.devs[dx.ix()];
            let free = dev.total.saturating_sub(dev.used);
            if need > free {
                return Err(ModelError::Overbooked {
                    device: dev.id,
                    need: ByteSize::b(need),
                    free: ByteSize::b(free),
                }
                .into());
            }
        }
        for &(dx, need) in usage.iter() {
            let used = self.index.devs[dx.ix()].used + need;
            self.index.set_used(dx, used);
        }
        self.index.clusters[cluster]
            .names
            .insert(plan.volume_name.clone());
        self.taken_ids.insert(plan.volume_id.as_u128() as u64);
        self.taken_ids
            .extend(plan.bricks.iter().map(|b| b.id.as_u128() as u64));
        for b in &plan.bricks {
            self.node_bricks.add(&self.index, b.node_id);
        }
        Ok(())
    }

    /// Every device with its current use, in the model's device order.
    pub fn device_usage(&self) -> Vec<DeviceUsage> {
        let mut devs: Vec<&crate::index::Dev> =
            self.index.devs.iter().filter(|d| !d.removed).collect();
        devs.sort_by_key(|d| d.id);
        devs.into_iter()
            .map(|d| DeviceUsage {
                node: self.index.nodes[d.node.ix()].manage.to_string(),
                device: d.name.to_string(),
                zone: self.index.zones[d.zone.ix()].zone,
                total_bytes: ByteSize::b(d.total),
                used_bytes: ByteSize::b(d.used),
            })
            .collect()
    }

    /// `(used, total)` of every device that can take bricks (online, on an online node).
    pub(crate) fn online_usage(&self) -> impl Iterator<Item = (ByteSize, ByteSize)> + '_ {
        self.index
            .devs
            .iter()
            .filter(|d| d.online)
            .map(|d| (ByteSize::b(d.used), ByteSize::b(d.total)))
    }
}

fn duplicate_name(request: &VolumeRequest, cluster: ClusterId) -> PlacementError {
    PlacementError::invalid(
        "name",
        format!(
            "a volume named {:?} exists in cluster {cluster}",
            request.name.as_deref().unwrap_or_default()
        ),
    )
}

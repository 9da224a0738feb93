//! The model: every entity of one or more clusters, kept consistent by its operations.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::entity::{BlockVolume, Brick, Cluster, Device, Node, Volume};
use crate::error::ModelError;
use crate::id::{BlockVolumeId, BrickId, ClusterId, DeviceId, NodeId, VolumeId};
use crate::id_map::{Hasher, IdMap};
use crate::model_sets::check_sets;
use crate::size::ByteSize;
use crate::small_map::SmallMap;
use crate::state::EntityState;

/// Clusters, nodes, devices, volumes, bricks and block volumes, with exact capacity
/// accounting.
///
/// Every operation either succeeds entirely or leaves the model unchanged. Device `used`
/// always equals the space (pool + metadata) of the bricks on it, and never exceeds `total`.
/// Iteration orders are by id, so everything derived from a model is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    pub(crate) clusters: BTreeMap<ClusterId, Cluster>,
    pub(crate) nodes: IdMap<NodeId, Node>,
    pub(crate) devices: IdMap<DeviceId, Device>,
    pub(crate) bricks: IdMap<BrickId, Brick>,
    pub(crate) volumes: IdMap<VolumeId, Volume>,
    pub(crate) block_volumes: IdMap<BlockVolumeId, BlockVolume>,
    /// The devices of every node (derived from `devices`; see [`Model::reindex_devices`]).
    pub(crate) node_devices: BTreeMap<NodeId, BTreeSet<DeviceId>>,
    /// Every cluster's volume names (derived from `volumes`): a commit checks that a name
    /// is free without a scan of every volume.
    pub(crate) volume_names: HashMap<ClusterId, HashSet<String, Hasher>, Hasher>,
    /// Snapshots, clones and subvolumes (`model_data.rs`).
    pub(crate) data: crate::model_data::DataServices,
}

/// New sizes of one brick grown in place (its thin pool and LV extended, its XFS grown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrickGrowth {
    /// The brick.
    pub brick: BrickId,
    /// New usable size.
    pub size: ByteSize,
    /// New thin pool size.
    pub pool_size: ByteSize,
    /// New thin pool metadata size.
    pub metadata_size: ByteSize,
}

/// A volume with its bricks, ready to be committed to a model in one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeCommit {
    /// The volume; its `brick_sets` list the ids of `bricks`.
    pub volume: Volume,
    /// The bricks, in any order.
    pub bricks: Vec<Brick>,
}

fn dup(kind: &'static str, id: impl ToString) -> ModelError {
    ModelError::DuplicateId {
        kind,
        id: id.to_string(),
    }
}

impl Model {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    // ---- reads ----

    /// All clusters, by id.
    pub fn clusters(&self) -> impl ExactSizeIterator<Item = &Cluster> + '_ {
        self.clusters.values()
    }
    /// All nodes, by id.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + '_ {
        self.nodes.values()
    }
    /// All devices, by id.
    pub fn devices(&self) -> impl ExactSizeIterator<Item = &Device> + '_ {
        self.devices.values()
    }
    /// All bricks, by id.
    pub fn bricks(&self) -> impl ExactSizeIterator<Item = &Brick> + '_ {
        self.bricks.values()
    }
    /// All volumes, by id.
    pub fn volumes(&self) -> impl ExactSizeIterator<Item = &Volume> + '_ {
        self.volumes.values()
    }
    /// All block volumes, by id.
    pub fn block_volumes(&self) -> impl ExactSizeIterator<Item = &BlockVolume> + '_ {
        self.block_volumes.values()
    }
    /// A cluster by id.
    pub fn cluster(&self, id: ClusterId) -> Option<&Cluster> {
        self.clusters.get(&id)
    }
    /// A node by id.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id)
    }
    /// A device by id.
    pub fn device(&self, id: DeviceId) -> Option<&Device> {
        self.devices.get(&id)
    }
    /// A brick by id.
    pub fn brick(&self, id: BrickId) -> Option<&Brick> {
        self.bricks.get(&id)
    }
    /// A volume by id.
    pub fn volume(&self, id: VolumeId) -> Option<&Volume> {
        self.volumes.get(&id)
    }
    /// A volume by name (the one with the smallest id when clusters share the name).
    pub fn volume_by_name(&self, name: &str) -> Option<&Volume> {
        if !self.volume_names.values().any(|names| names.contains(name)) {
            return None;
        }
        self.volumes
            .values_unordered()
            .filter(|v| v.name == name)
            .min_by_key(|v| v.id)
    }
    /// A block volume by id.
    pub fn block_volume(&self, id: BlockVolumeId) -> Option<&BlockVolume> {
        self.block_volumes.get(&id)
    }
    /// A node by manage hostname.
    pub fn node_by_hostname(&self, manage: &str) -> Option<&Node> {
        self.nodes
            .values_unordered()
            .filter(|n| n.manage_hostname == manage)
            .min_by_key(|n| n.id)
    }
    /// The devices of a node, by id.
    pub fn devices_of(&self, node: NodeId) -> impl Iterator<Item = &Device> + '_ {
        self.node_devices
            .get(&node)
            .into_iter()
            .flatten()
            .filter_map(|id| self.devices.get(id))
    }

    /// Rebuilds the per-node device index and the volume names after `devices` and
    /// `volumes` were filled directly (imports).
    pub(crate) fn reindex_devices(&mut self) {
        self.node_devices.clear();
        for d in self.devices.values() {
            self.node_devices.entry(d.node).or_default().insert(d.id);
        }
        self.volume_names.clear();
        for v in self.volumes.values_unordered() {
            self.volume_names
                .entry(v.cluster)
                .or_default()
                .insert(v.name.clone());
        }
    }

    /// Whether `cluster` has a volume named `name`.
    fn name_taken(&self, cluster: ClusterId, name: &str) -> bool {
        self.volume_names
            .get(&cluster)
            .is_some_and(|names| names.contains(name))
    }

    /// The bricks on a device, by id.
    pub fn bricks_on(&self, device: DeviceId) -> impl Iterator<Item = &Brick> + '_ {
        // A scan of the slab, then the few found put in id order.
        let mut on: Vec<&Brick> = self
            .bricks
            .values_unordered()
            .filter(|b| b.device == device)
            .collect();
        on.sort_unstable_by_key(|b| b.id);
        on.into_iter()
    }

    // ---- topology changes ----

    /// Adds a cluster.
    pub fn add_cluster(&mut self, cluster: Cluster) -> Result<(), ModelError> {
        if self.clusters.contains_key(&cluster.id) {
            return Err(dup("cluster", cluster.id));
        }
        self.clusters.insert(cluster.id, cluster);
        Ok(())
    }

    /// Adds a node to an existing cluster; manage hostnames are unique.
    pub fn add_node(&mut self, node: Node) -> Result<(), ModelError> {
        if !self.clusters.contains_key(&node.cluster) {
            return Err(ModelError::UnknownCluster(node.cluster));
        }
        if self.nodes.contains_key(&node.id) {
            return Err(dup("node", node.id));
        }
        if self.node_by_hostname(&node.manage_hostname).is_some() {
            return Err(ModelError::DuplicateHostname(node.manage_hostname));
        }
        let mine = [&node.manage_hostname, &node.storage_hostname];
        if let Some((other, address)) = self.nodes.values().find_map(|o| {
            mine.iter()
                .find(|a| {
                    a.eq_ignore_ascii_case(&o.manage_hostname)
                        || a.eq_ignore_ascii_case(&o.storage_hostname)
                })
                .map(|a| (o, (*a).clone()))
        }) {
            return Err(ModelError::SharedAddress {
                address,
                nodes: [other.manage_hostname.clone(), node.manage_hostname],
            });
        }
        self.nodes.insert(node.id, node);
        Ok(())
    }

    /// Adds an empty device (`used` must be zero: space is taken by committing bricks).
    pub fn add_device(&mut self, device: Device) -> Result<(), ModelError> {
        if !self.nodes.contains_key(&device.node) {
            return Err(ModelError::UnknownNode(device.node));
        }
        if self.devices.contains_key(&device.id) {
            return Err(dup("device", device.id));
        }
        if self.devices_of(device.node).any(|d| d.name == device.name) {
            return Err(ModelError::DuplicateDevice {
                node: device.node,
                name: device.name,
            });
        }
        if device.used != ByteSize::ZERO {
            return Err(ModelError::DeviceNotEmpty {
                device: device.id,
                used: device.used,
            });
        }
        self.node_devices
            .entry(device.node)
            .or_default()
            .insert(device.id);
        self.devices.insert(device.id, device);
        Ok(())
    }

    /// Removes a device that holds no brick.
    pub fn remove_device(&mut self, id: DeviceId) -> Result<Device, ModelError> {
        if !self.devices.contains_key(&id) {
            return Err(ModelError::UnknownDevice(id));
        }
        if let Some(b) = self.bricks.values_unordered().find(|b| b.device == id) {
            return Err(ModelError::InUse {
                entity: "device",
                id: id.to_string(),
                reason: format!("it holds brick {}", b.id),
            });
        }
        let device = self
            .devices
            .remove(&id)
            .ok_or(ModelError::UnknownDevice(id))?;
        if let Some(set) = self.node_devices.get_mut(&device.node) {
            set.remove(&id);
            if set.is_empty() {
                self.node_devices.remove(&device.node);
            }
        }
        Ok(device)
    }

    /// Removes a node that holds no device.
    pub fn remove_node(&mut self, id: NodeId) -> Result<Node, ModelError> {
        if !self.nodes.contains_key(&id) {
            return Err(ModelError::UnknownNode(id));
        }
        if let Some(d) = self.devices_of(id).next() {
            return Err(ModelError::InUse {
                entity: "node",
                id: id.to_string(),
                reason: format!("it holds device {}", d.id),
            });
        }
        self.nodes.remove(&id).ok_or(ModelError::UnknownNode(id))
    }

    /// Removes a cluster that holds no node, volume or block volume.
    pub fn remove_cluster(&mut self, id: ClusterId) -> Result<Cluster, ModelError> {
        if !self.clusters.contains_key(&id) {
            return Err(ModelError::UnknownCluster(id));
        }
        let in_use = |reason: String| ModelError::InUse {
            entity: "cluster",
            id: id.to_string(),
            reason,
        };
        if let Some(n) = self.nodes().find(|n| n.cluster == id) {
            return Err(in_use(format!("it holds node {}", n.id)));
        }
        if let Some(v) = self.volumes().find(|v| v.cluster == id) {
            return Err(in_use(format!("it holds volume {}", v.id)));
        }
        if let Some(b) = self.block_volumes().find(|b| b.cluster == id) {
            return Err(in_use(format!("it holds block volume {}", b.id)));
        }
        self.clusters
            .remove(&id)
            .ok_or(ModelError::UnknownCluster(id))
    }

    /// Changes a node's state following Heketi's transitions.
    pub fn set_node_state(&mut self, id: NodeId, state: EntityState) -> Result<(), ModelError> {
        let node = self.nodes.get_mut(&id).ok_or(ModelError::UnknownNode(id))?;
        node.state = node
            .state
            .transition(state)
            .map_err(|source| ModelError::State {
                entity: "node",
                id: id.to_string(),
                source,
            })?;
        Ok(())
    }

    /// Changes a device's state following Heketi's transitions.
    pub fn set_device_state(&mut self, id: DeviceId, state: EntityState) -> Result<(), ModelError> {
        let device = self
            .devices
            .get_mut(&id)
            .ok_or(ModelError::UnknownDevice(id))?;
        device.state = device
            .state
            .transition(state)
            .map_err(|source| ModelError::State {
                entity: "device",
                id: id.to_string(),
                source,
            })?;
        Ok(())
    }

    // ---- volumes ----

    /// Commits a volume and its bricks: checks the layout, node separation within every set,
    /// that every brick is on an online device of an online node with room, then takes the
    /// space. All or nothing.
    pub fn commit_volume(&mut self, commit: VolumeCommit) -> Result<(), ModelError> {
        let VolumeCommit { volume, bricks } = commit;
        if !self.clusters.contains_key(&volume.cluster) {
            return Err(ModelError::UnknownCluster(volume.cluster));
        }
        if self.volumes.contains_key(&volume.id) {
            return Err(dup("volume", volume.id));
        }
        if self.name_taken(volume.cluster, &volume.name) {
            return Err(ModelError::DuplicateVolumeName(volume.name));
        }
        let by_id = self.check_new_bricks(&volume, &bricks, true)?;
        check_sets(&volume, &by_id)?;
        let usage = self.usage_of(&bricks)?;
        self.take_space(&usage)?;
        for b in bricks {
            self.bricks.insert(b.id, b);
        }
        self.volume_names
            .entry(volume.cluster)
            .or_default()
            .insert(volume.name.clone());
        self.volumes.insert(volume.id, volume);
        Ok(())
    }

    /// Adds brick sets to an existing volume (Gluster's `add-brick`): `sets` are appended to
    /// the volume's sets and its size grows by `added_size`. All or nothing.
    pub fn expand_volume(
        &mut self,
        volume: VolumeId,
        sets: Vec<Vec<BrickId>>,
        bricks: Vec<Brick>,
        added_size: ByteSize,
    ) -> Result<(), ModelError> {
        let current = self
            .volumes
            .get(&volume)
            .ok_or(ModelError::UnknownVolume(volume))?;
        let mut grown = current.clone();
        grown.brick_sets.extend(sets);
        grown.size = grown
            .size
            .checked_add(added_size)
            .ok_or(ModelError::Overflow("volume size"))?;
        let mut by_id = self.check_new_bricks(&grown, &bricks, false)?;
        for id in current.brick_ids() {
            if let Some(b) = self.bricks.get(&id) {
                by_id.insert(id, b);
            }
        }
        check_sets(&grown, &by_id)?;
        let usage = self.usage_of(&bricks)?;
        self.take_space(&usage)?;
        for b in bricks {
            self.bricks.insert(b.id, b);
        }
        self.volumes.insert(volume, grown);
        Ok(())
    }

    /// Grows bricks of `volume` in place and sets its size to `new_size`: every brick must
    /// belong to the volume and may only grow; each device takes the extra space of its
    /// bricks. All or nothing.
    pub fn grow_bricks(
        &mut self,
        volume: VolumeId,
        growths: &[BrickGrowth],
        new_size: ByteSize,
    ) -> Result<(), ModelError> {
        let v = self
            .volumes
            .get(&volume)
            .ok_or(ModelError::UnknownVolume(volume))?;
        if new_size < v.size {
            return Err(ModelError::VolumeShrinks {
                volume,
                from: v.size,
                to: new_size,
            });
        }
        let mut extra: SmallMap<DeviceId, ByteSize> = SmallMap::with_capacity(growths.len());
        let mut seen = BTreeSet::new();
        for g in growths {
            let b = self
                .bricks
                .get(&g.brick)
                .ok_or(ModelError::UnknownBrick(g.brick))?;
            let mismatch = |problem: String| ModelError::BrickMismatch {
                brick: g.brick,
                problem,
            };
            if b.volume != volume {
                return Err(mismatch(format!(
                    "belongs to volume {}, not {volume}",
                    b.volume
                )));
            }
            if !seen.insert(g.brick) {
                return Err(mismatch("is listed twice".into()));
            }
            let old = b.space().ok_or(ModelError::Overflow("brick space"))?;
            let new = g
                .pool_size
                .checked_add(g.metadata_size)
                .ok_or(ModelError::Overflow("brick space"))?;
            if new < old || g.size < b.size || g.pool_size < b.pool_size {
                return Err(mismatch(format!("would shrink from {old} to {new}")));
            }
            let e = extra.get_or_insert_with(b.device, ByteSize::default);
            *e = e
                .checked_add(new.saturating_sub(old))
                .ok_or(ModelError::Overflow("device usage"))?;
        }
        self.take_space(&extra)?;
        for g in growths {
            if let Some(b) = self.bricks.get_mut(&g.brick) {
                b.size = g.size;
                b.pool_size = g.pool_size;
                b.metadata_size = g.metadata_size;
            }
        }
        if let Some(v) = self.volumes.get_mut(&volume) {
            v.size = new_size;
        }
        Ok(())
    }

    /// Replaces one brick of a volume with a new brick in the same set position (Gluster's
    /// `replace-brick`): the old brick's space is returned, the new one's taken. All or nothing.
    pub fn replace_brick(&mut self, old: BrickId, new: Brick) -> Result<Brick, ModelError> {
        let old_brick = self
            .bricks
            .get(&old)
            .cloned()
            .ok_or(ModelError::UnknownBrick(old))?;
        let volume = self
            .volumes
            .get(&old_brick.volume)
            .ok_or(ModelError::UnknownVolume(old_brick.volume))?;
        if let Some(reason) = self.pools_bound(volume.id) {
            return Err(ModelError::InUse {
                entity: "brick",
                id: old.to_string(),
                reason,
            });
        }
        let mut replaced = volume.clone();
        for set in &mut replaced.brick_sets {
            for id in set.iter_mut() {
                if *id == old {
                    *id = new.id;
                }
            }
        }
        if new.role != old_brick.role {
            return Err(ModelError::BrickMismatch {
                brick: new.id,
                problem: format!(
                    "role {} does not match the replaced brick's {}",
                    new.role, old_brick.role
                ),
            });
        }
        let mut by_id = self.check_new_bricks(&replaced, std::slice::from_ref(&new), false)?;
        for id in replaced.brick_ids() {
            if let Some(b) = self.bricks.get(&id) {
                by_id.get_or_insert_with(id, || b);
            }
        }
        check_sets(&replaced, &by_id)?;
        let new_usage = self.usage_of(std::slice::from_ref(&new))?;
        let old_usage = self.usage_of(std::slice::from_ref(&old_brick))?;
        self.release_space(&old_usage)?;
        if let Err(e) = self.take_space(&new_usage) {
            // Undo the release so that the model is unchanged.
            self.take_space(&old_usage)?;
            return Err(e);
        }
        self.bricks.remove(&old);
        self.bricks.insert(new.id, new);
        self.volumes.insert(replaced.id, replaced);
        Ok(old_brick)
    }

    /// Deletes a volume and its bricks, returning their space; refused while it hosts block
    /// volumes.
    pub fn delete_volume(&mut self, id: VolumeId) -> Result<Volume, ModelError> {
        self.delete_volume_and_bricks(id).map(|(volume, _)| volume)
    }

    /// [`Model::delete_volume`], returning the deleted bricks too (in the volume's brick
    /// order): an index kept beside the model updates from them without looking them up
    /// again.
    pub fn delete_volume_and_bricks(
        &mut self,
        id: VolumeId,
    ) -> Result<(Volume, Vec<Brick>), ModelError> {
        let volume = self.volumes.get(&id).ok_or(ModelError::UnknownVolume(id))?;
        if let Some(reason) = self.data_depends_on(id) {
            return Err(ModelError::InUse {
                entity: "volume",
                id: id.to_string(),
                reason,
            });
        }
        if let Some(h) = &volume.block_hosting {
            if let Some(bv) = h.block_volumes.first() {
                return Err(ModelError::InUse {
                    entity: "volume",
                    id: id.to_string(),
                    reason: format!("it hosts block volume {bv}"),
                });
            }
        }
        let usage = self.usage_of(volume.brick_ids().filter_map(|b| self.bricks.get(&b)))?;
        let ids: Vec<BrickId> = volume.brick_ids().collect();
        self.release_space(&usage)?;
        let bricks = ids.iter().filter_map(|b| self.bricks.remove(b)).collect();
        let volume = self
            .volumes
            .remove(&id)
            .ok_or(ModelError::UnknownVolume(id))?;
        if let Some(names) = self.volume_names.get_mut(&volume.cluster) {
            names.remove(volume.name.as_str());
            if names.is_empty() {
                self.volume_names.remove(&volume.cluster);
            }
        }
        self.forget_clone(id);
        Ok((volume, bricks))
    }

    /// Adds a block volume to its hosting volume, taking its size from the host's free size.
    pub fn add_block_volume(&mut self, block: BlockVolume) -> Result<(), ModelError> {
        if self.block_volumes.contains_key(&block.id) {
            return Err(dup("block volume", block.id));
        }
        let host = self
            .volumes
            .get_mut(&block.hosting_volume)
            .ok_or(ModelError::UnknownVolume(block.hosting_volume))?;
        let refuse = |reason: &str| ModelError::BlockHosting {
            volume: block.hosting_volume,
            size: block.size,
            reason: reason.to_string(),
        };
        let hosting = host
            .block_hosting
            .as_mut()
            .ok_or_else(|| refuse("it is not a block-hosting volume"))?;
        if hosting.restricted {
            return Err(refuse("it is restricted"));
        }
        hosting.free_size = hosting
            .free_size
            .checked_sub(block.size)
            .ok_or_else(|| refuse(&format!("only {} free", hosting.free_size)))?;
        hosting.block_volumes.push(block.id);
        self.block_volumes.insert(block.id, block);
        Ok(())
    }

    /// Deletes a block volume, returning its size to the hosting volume.
    pub fn delete_block_volume(&mut self, id: BlockVolumeId) -> Result<BlockVolume, ModelError> {
        let block = self
            .block_volumes
            .get(&id)
            .ok_or(ModelError::UnknownBlockVolume(id))?;
        let host = self
            .volumes
            .get_mut(&block.hosting_volume)
            .ok_or(ModelError::UnknownVolume(block.hosting_volume))?;
        if let Some(h) = host.block_hosting.as_mut() {
            h.free_size = h
                .free_size
                .checked_add(block.size)
                .ok_or(ModelError::Overflow("block hosting free size"))?;
            h.block_volumes.retain(|b| *b != id);
        }
        self.block_volumes
            .remove(&id)
            .ok_or(ModelError::UnknownBlockVolume(id))
    }

    // ---- helpers ----

    /// Checks new bricks against the volume and the topology; returns them by id.
    fn check_new_bricks<'a>(
        &self,
        volume: &Volume,
        bricks: &'a [Brick],
        require_all: bool,
    ) -> Result<SmallMap<BrickId, &'a Brick>, ModelError> {
        let mut listed: Vec<BrickId> = volume.brick_ids().collect();
        listed.sort_unstable();
        let mut by_id = SmallMap::with_capacity(listed.len());
        for b in bricks {
            let mismatch = |problem: String| ModelError::BrickMismatch {
                brick: b.id,
                problem,
            };
            if self.bricks.contains_key(&b.id) || by_id.insert(b.id, b).is_some() {
                return Err(dup("brick", b.id));
            }
            if b.volume != volume.id {
                return Err(mismatch(format!(
                    "belongs to volume {}, not {}",
                    b.volume, volume.id
                )));
            }
            if listed.binary_search(&b.id).is_err() {
                return Err(mismatch("is not in any brick set of its volume".into()));
            }
            let device = self
                .devices
                .get(&b.device)
                .ok_or(ModelError::UnknownDevice(b.device))?;
            let node = self
                .nodes
                .get(&b.node)
                .ok_or(ModelError::UnknownNode(b.node))?;
            if device.node != b.node {
                return Err(mismatch(format!(
                    "device {} is on node {}, not {}",
                    b.device, device.node, b.node
                )));
            }
            if node.cluster != volume.cluster {
                return Err(mismatch(format!(
                    "node {} is in cluster {}, not {}",
                    node.id, node.cluster, volume.cluster
                )));
            }
            if !node.state.is_online() {
                return Err(ModelError::NotOnline {
                    entity: "node",
                    id: node.id.to_string(),
                    state: node.state,
                });
            }
            if !device.state.is_online() {
                return Err(ModelError::NotOnline {
                    entity: "device",
                    id: device.id.to_string(),
                    state: device.state,
                });
            }
        }
        if require_all {
            for id in &listed {
                if !by_id.contains_key(id) {
                    return Err(ModelError::UnknownBrick(*id));
                }
            }
        }
        Ok(by_id)
    }

    /// Space per device that `bricks` take.
    fn usage_of<'b>(
        &self,
        bricks: impl IntoIterator<Item = &'b Brick>,
    ) -> Result<SmallMap<DeviceId, ByteSize>, ModelError> {
        let bricks = bricks.into_iter();
        let mut usage = SmallMap::with_capacity(bricks.size_hint().0);
        for b in bricks {
            let space = b.space().ok_or(ModelError::Overflow("brick space"))?;
            let entry = usage.get_or_insert_with(b.device, ByteSize::default);
            *entry = entry
                .checked_add(space)
                .ok_or(ModelError::Overflow("device usage"))?;
        }
        Ok(usage)
    }

    fn take_space(&mut self, usage: &SmallMap<DeviceId, ByteSize>) -> Result<(), ModelError> {
        for (id, need) in usage {
            let d = self.devices.get(id).ok_or(ModelError::UnknownDevice(*id))?;
            if d.free() < *need {
                return Err(ModelError::Overbooked {
                    device: *id,
                    need: *need,
                    free: d.free(),
                });
            }
        }
        for (id, need) in usage {
            if let Some(d) = self.devices.get_mut(id) {
                d.used = d
                    .used
                    .checked_add(*need)
                    .ok_or(ModelError::Overflow("device used"))?;
            }
        }
        Ok(())
    }

    fn release_space(&mut self, usage: &SmallMap<DeviceId, ByteSize>) -> Result<(), ModelError> {
        for (id, give) in usage {
            let d = self.devices.get(id).ok_or(ModelError::UnknownDevice(*id))?;
            if d.used < *give {
                return Err(ModelError::Overflow("device used below zero"));
            }
        }
        for (id, give) in usage {
            if let Some(d) = self.devices.get_mut(id) {
                d.used = d.used.saturating_sub(*give);
            }
        }
        Ok(())
    }
}

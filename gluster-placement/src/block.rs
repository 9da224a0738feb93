//! Block volumes: choose a block-hosting volume with room, or plan a new one, and the `ha`
//! hosts that export the block device.
//!
//! Heketi's rules: a hosting volume keeps 2 % of its size in reserve; a new hosting volume is
//! replica 3 of a configurable size (default 1024 GiB, larger if the block volume needs it)
//! with the option group `gluster-block`;
//! the `ha` hosts are nodes that hold a brick of the hosting volume. We add what Heketi left
//! to chance: among hosting volumes with room the one with the most free space wins (ties by
//! name), and the `ha` hosts are spread over zones first, then over the nodes that export the
//! fewest block volumes already.

use std::collections::{BTreeMap, BTreeSet};

use gluster_model::{
    BlockHosting, BlockVolume, BlockVolumeId, ByteSize, ClusterId, Durability, EntityState, Model,
    ModelError, Volume, VolumeId, Zone,
};
use serde::{Deserialize, Serialize};

use crate::error::{Infeasible, PlacementError, Reason};
use crate::plan::Plan;
use crate::planner::Planner;
use crate::request::{PlacementSettings, VolumeRequest};

/// Share of a hosting volume kept in reserve, in thousandths (Heketi: 2 %).
pub const BLOCK_RESERVE_PER_MILLE: u64 = 20;

/// A block volume to place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockRequest {
    /// Size of the block device.
    pub size: ByteSize,
    /// Name (default `blockvol_<id>`).
    pub name: Option<String>,
    /// How many nodes export it (iSCSI targets), at least 1.
    pub ha: usize,
    /// Size of a new hosting volume when none has room (raised to fit the block volume and
    /// the reserve).
    pub hosting_size: ByteSize,
    /// Layout of a new hosting volume.
    pub hosting_durability: Durability,
    /// Restrict to one cluster.
    pub cluster: Option<ClusterId>,
}

impl BlockRequest {
    /// A request with Heketi's defaults: `ha` 3, new hosting volumes of 1024 GiB, replica 3.
    pub fn new(size: ByteSize) -> Self {
        BlockRequest {
            size,
            name: None,
            ha: 3,
            hosting_size: ByteSize::gib(1024),
            hosting_durability: Durability::REPLICA_3,
            cluster: None,
        }
    }
}

/// Where a block volume goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockHost {
    /// An existing hosting volume with room.
    Existing {
        /// The hosting volume.
        volume_id: VolumeId,
        /// Its name.
        volume_name: String,
        /// Its free space before this block volume.
        free_before: ByteSize,
    },
    /// A new hosting volume, planned here (create it first).
    New {
        /// The hosting volume's plan.
        plan: Box<Plan>,
        /// Its space for block volumes (size minus the reserve).
        block_space: ByteSize,
    },
}

/// A placed block volume: plain data, like a volume [`Plan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockPlan {
    /// The block volume's id.
    pub id: BlockVolumeId,
    /// Its name.
    pub name: String,
    /// Its size.
    pub size: ByteSize,
    /// The cluster.
    pub cluster: ClusterId,
    /// The hosting volume.
    pub host: BlockHost,
    /// Storage hostnames of the nodes that export it.
    pub ha_hosts: Vec<String>,
}

impl BlockPlan {
    /// Commit the plan to the model: the new hosting volume (if any), then the block volume.
    ///
    /// This changes only the model; `gluster_exec::Runner::apply` is what carries a plan out
    /// on hosts.
    pub fn commit_to(&self, model: &mut Model) -> Result<(), ModelError> {
        let hosting_volume = match &self.host {
            BlockHost::Existing { volume_id, .. } => *volume_id,
            BlockHost::New { plan, block_space } => {
                let mut commit = plan.to_commit();
                commit.volume.block_hosting = Some(BlockHosting {
                    free_size: *block_space,
                    reserved_size: plan.size_bytes.saturating_sub(*block_space),
                    block_volumes: Vec::new(),
                    restricted: false,
                });
                model.commit_volume(commit)?;
                plan.volume_id
            }
        };
        model.add_block_volume(BlockVolume {
            id: self.id,
            cluster: self.cluster,
            name: self.name.clone(),
            size: self.size,
            hosting_volume,
            ha_hosts: self.ha_hosts.clone(),
        })
    }

    /// The former name of [`Self::commit_to`].
    #[deprecated(note = "renamed `commit_to`: `apply` is what a Runner does on hosts")]
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        self.commit_to(model)
    }
}

/// Space a hosting volume of `size` offers block volumes.
pub fn block_space(size: ByteSize) -> ByteSize {
    let reserve = size
        .mul_ratio_ceil(BLOCK_RESERVE_PER_MILLE, 1000)
        .unwrap_or(size);
    size.saturating_sub(reserve)
}

/// Place a block volume: into the existing hosting volume with the most free space that fits
/// it and has `ha` online nodes, else into a new hosting volume planned with `settings`.
pub fn plan_block_volume(
    model: &Model,
    request: &BlockRequest,
    settings: &PlacementSettings,
    seed: u64,
) -> Result<BlockPlan, PlacementError> {
    if request.size == ByteSize::ZERO {
        return Err(PlacementError::invalid("size", "must be greater than zero"));
    }
    if request.ha == 0 {
        return Err(PlacementError::invalid("ha", "must be at least 1"));
    }
    if let Some(name) = &request.name {
        gluster_model::BlockVolumeName::check(name)
            .map_err(|e| crate::InvalidField::rule("name", e))?;
    }
    let mut ids = crate::seq::SplitMix64::new(seed);
    let id = loop {
        let id = BlockVolumeId::from_u128(ids.next_id());
        if model.block_volume(id).is_none() {
            break id;
        }
    };
    let name = request
        .name
        .clone()
        .unwrap_or_else(|| format!("blockvol_{id}"));
    let usage = ha_usage(model);

    let mut refusals = Vec::new();
    let mut candidates: Vec<(&Volume, ByteSize)> = model
        .volumes()
        .filter(|v| request.cluster.is_none_or(|c| c == v.cluster))
        .filter_map(|v| {
            let h = v.block_hosting.as_ref()?;
            (!h.restricted && h.free_size >= request.size).then_some((v, h.free_size))
        })
        .collect();
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    for (volume, free) in candidates {
        match choose_ha(
            model,
            brick_nodes(model, volume),
            request.ha,
            &usage,
            &volume.name,
        ) {
            Ok(ha_hosts) => {
                return Ok(BlockPlan {
                    id,
                    name,
                    size: request.size,
                    cluster: volume.cluster,
                    host: BlockHost::Existing {
                        volume_id: volume.id,
                        volume_name: volume.name.clone(),
                        free_before: free,
                    },
                    ha_hosts,
                })
            }
            Err(reason) => refusals.push(reason),
        }
    }

    // A new hosting volume, large enough for the block volume and the reserve.
    let needed = request
        .size
        .mul_ratio_ceil(1000, 1000 - BLOCK_RESERVE_PER_MILLE)
        .ok_or_else(|| PlacementError::invalid("size", "too large"))?;
    let size = request.hosting_size.max(needed);
    let mut hosting = VolumeRequest::new(size, request.hosting_durability);
    hosting.options = vec![("group".into(), "gluster-block".into())];
    hosting.cluster = request
        .cluster
        .or_else(|| model.clusters().find(|c| c.block).map(|c| c.id));
    if hosting.cluster.is_none() {
        refusals.push(Reason::NoCluster {
            detail: "no cluster allows block volumes".into(),
        });
        return Err(PlacementError::Infeasible(Infeasible { reasons: refusals }));
    }
    let mut planner = Planner::new(model, settings);
    let plan = match planner.plan(&hosting, seed) {
        Ok(plan) => plan,
        Err(PlacementError::Infeasible(mut inf)) => {
            refusals.append(&mut inf.reasons);
            return Err(PlacementError::Infeasible(Infeasible { reasons: refusals }));
        }
        Err(e) => return Err(e),
    };
    let nodes = plan.bricks.iter().map(|b| (b.node_id, b.zone)).collect();
    let ha_hosts =
        choose_ha(model, nodes, request.ha, &usage, &plan.volume_name).map_err(|reason| {
            refusals.push(reason);
            PlacementError::Infeasible(Infeasible {
                reasons: refusals.clone(),
            })
        })?;
    Ok(BlockPlan {
        id,
        name,
        size: request.size,
        cluster: plan.cluster,
        host: BlockHost::New {
            block_space: block_space(plan.size_bytes),
            plan: Box::new(plan),
        },
        ha_hosts,
    })
}

/// Block volumes each storage hostname exports already.
fn ha_usage(model: &Model) -> BTreeMap<String, usize> {
    let mut usage = BTreeMap::new();
    for b in model.block_volumes() {
        for h in &b.ha_hosts {
            *usage.entry(h.clone()).or_insert(0) += 1;
        }
    }
    usage
}

/// Nodes holding a brick of `volume`, with their zones.
fn brick_nodes(model: &Model, volume: &Volume) -> BTreeSet<(gluster_model::NodeId, Zone)> {
    volume
        .brick_ids()
        .filter_map(|b| model.brick(b))
        .filter_map(|b| model.node(b.node).map(|n| (n.id, n.zone)))
        .collect()
}

/// `ha` online nodes among `nodes`: distinct zones first, then the least used, then by name.
fn choose_ha(
    model: &Model,
    nodes: BTreeSet<(gluster_model::NodeId, Zone)>,
    ha: usize,
    usage: &BTreeMap<String, usize>,
    volume: &str,
) -> Result<Vec<String>, Reason> {
    let mut online: Vec<(Zone, usize, String)> = nodes
        .iter()
        .filter_map(|(id, zone)| model.node(*id).map(|n| (n, *zone)))
        .filter(|(n, _)| n.state == EntityState::Online)
        .map(|(n, zone)| {
            let used = usage.get(&n.storage_hostname).copied().unwrap_or(0);
            (zone, used, n.storage_hostname.clone())
        })
        .collect();
    if online.len() < ha {
        return Err(Reason::HaHosts {
            volume: volume.to_string(),
            needed: ha,
            online: online.len(),
        });
    }
    online.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.2.cmp(&b.2)));
    let mut chosen = Vec::with_capacity(ha);
    let mut zones = BTreeSet::new();
    // First pass: one node per zone; second pass: the rest by use and name.
    for pass in 0..2 {
        for (zone, _, host) in &online {
            if chosen.len() == ha {
                break;
            }
            if chosen.contains(host) || (pass == 0 && !zones.insert(*zone)) {
                continue;
            }
            chosen.push(host.clone());
        }
    }
    Ok(chosen)
}

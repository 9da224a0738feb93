//! Heketi's live state, `heketi-cli topology info --json` (sizes in KiB, volume sizes in GiB).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::heketi_load::{first_hostnames, Hostnames};
use super::{parse_with_path, require_consistent, ImportError};
use crate::durability::Durability;
use crate::entity::{BlockHosting, Brick, Cluster, Device, Node, SnapshotSettings, Volume, Zone};
use crate::id::{BrickId, ClusterId, DeviceId, NodeId, VolumeId};
use crate::model::Model;
use crate::size::ByteSize;
use crate::sizing::{BrickSpace, SnapshotFactor, DEFAULT_EXTENT_SIZE};
use crate::state::EntityState;
use crate::storageclass::HeketiOptions;
use crate::tags::Tags;

#[derive(Deserialize)]
struct Info {
    clusters: Vec<InfoCluster>,
}

#[derive(Deserialize)]
struct InfoCluster {
    id: ClusterId,
    #[serde(default)]
    block: bool,
    #[serde(default = "yes")]
    file: bool,
    #[serde(default)]
    nodes: Vec<InfoNode>,
    #[serde(default)]
    volumes: Vec<InfoVolume>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct InfoNode {
    id: NodeId,
    zone: u32,
    hostnames: Hostnames,
    #[serde(default)]
    tags: Option<Tags>,
    #[serde(default)]
    state: EntityState,
    #[serde(default)]
    devices: Vec<InfoDevice>,
}

#[derive(Deserialize)]
struct InfoDevice {
    id: DeviceId,
    name: String,
    #[serde(default)]
    tags: Option<Tags>,
    #[serde(default)]
    state: EntityState,
    storage: Storage,
    #[serde(default)]
    bricks: Vec<InfoBrick>,
}

#[derive(Deserialize)]
struct Storage {
    total: u64,
    free: u64,
    used: u64,
}

#[derive(Deserialize, Clone, PartialEq)]
struct InfoBrick {
    id: BrickId,
    path: String,
    device: DeviceId,
    node: NodeId,
    volume: VolumeId,
    size: u64,
}

#[derive(Deserialize)]
struct InfoVolume {
    id: VolumeId,
    name: String,
    size: u64,
    durability: InfoDurability,
    #[serde(default)]
    snapshot: Option<InfoSnapshot>,
    #[serde(default)]
    gid: Option<u64>,
    #[serde(default)]
    glustervolumeoptions: Option<Vec<String>>,
    #[serde(default)]
    block: Option<bool>,
    #[serde(default)]
    blockinfo: Option<InfoBlock>,
    #[serde(default)]
    bricks: Vec<InfoBrick>,
}

#[derive(Deserialize)]
struct InfoDurability {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    replicate: Option<InfoReplicate>,
    #[serde(default)]
    disperse: Option<InfoDisperse>,
}

#[derive(Deserialize)]
struct InfoReplicate {
    #[serde(default)]
    replica: Option<u8>,
}

#[derive(Deserialize)]
struct InfoDisperse {
    #[serde(default)]
    data: Option<u8>,
    #[serde(default)]
    redundancy: Option<u8>,
}

#[derive(Deserialize)]
struct InfoSnapshot {
    #[serde(default)]
    enable: bool,
    #[serde(default)]
    factor: Option<f64>,
}

#[derive(Deserialize)]
struct InfoBlock {
    #[serde(default)]
    freesize: Option<u64>,
    #[serde(default)]
    reservedsize: Option<u64>,
    #[serde(default)]
    restriction: Option<String>,
}

fn kib(v: u64, at: &str) -> Result<ByteSize, ImportError> {
    ByteSize::kib(1)
        .checked_mul(v)
        .ok_or_else(|| ImportError::invalid(at, format!("{v} KiB is too large")))
}

fn gib(v: u64, at: &str) -> Result<ByteSize, ImportError> {
    ByteSize::gib(1)
        .checked_mul(v)
        .ok_or_else(|| ImportError::invalid(at, format!("{v} GiB is too large")))
}

/// Imports `heketi-cli topology info --json` output: clusters, nodes, devices with their
/// storage, volumes and bricks.
///
/// Device `used + free` must equal `total`; every brick must name a known device, node and
/// volume; the rebuilt model must pass [`Model::check`] (device used = its bricks' pools and
/// metadata). Heketi lists a volume's bricks by id, not in set order: with more than one set,
/// sets are formed so that no set has two bricks on one node, and an arbiter volume's
/// smallest brick of each set becomes its arbiter.
pub fn import_heketi_info(json: &str) -> Result<Model, ImportError> {
    let info: Info = parse_with_path(json)?;
    let mut m = Model::new();
    let mut copies: Vec<(String, InfoBrick)> = Vec::new();
    let mut volume_at: BTreeMap<VolumeId, String> = BTreeMap::new();
    for (ci, c) in info.clusters.iter().enumerate() {
        m.clusters.insert(
            c.id,
            Cluster {
                id: c.id,
                block: c.block,
                file: c.file,
            },
        );
        for (vi, v) in c.volumes.iter().enumerate() {
            volume_at.insert(v.id, format!("clusters[{ci}].volumes[{vi}]"));
        }
    }
    let mut hosts = super::hosts::HostAddresses::default();
    for (ci, c) in info.clusters.iter().enumerate() {
        for (ni, n) in c.nodes.iter().enumerate() {
            let at = format!("clusters[{ci}].nodes[{ni}]");
            let (manage, storage) = first_hostnames(&n.hostnames, || format!("{at}.hostnames"))?;
            hosts.add(&manage, &storage, ["manage", "storage"], || {
                format!("{at}.hostnames")
            })?;
            super::fields::node(
                || at.clone(),
                ["hostnames.manage", "hostnames.storage", "zone", "tags"],
                &manage,
                &storage,
                n.zone,
                n.tags.as_ref(),
            )?;
            if m.nodes.contains_key(&n.id) {
                return Err(ImportError::invalid(
                    format!("{at}.id"),
                    format!("duplicate node id {}", n.id),
                ));
            }
            m.nodes.insert(
                n.id,
                Node {
                    id: n.id,
                    cluster: c.id,
                    zone: Zone(n.zone),
                    manage_hostname: manage,
                    storage_hostname: storage,
                    tags: n.tags.clone().unwrap_or_default(),
                    state: n.state,
                },
            );
            for (di, d) in n.devices.iter().enumerate() {
                let dat = format!("{at}.devices[{di}]");
                super::fields::device(|| dat.clone(), &d.name, d.tags.as_ref())?;
                let s = &d.storage;
                if s.used.checked_add(s.free) != Some(s.total) {
                    return Err(ImportError::invalid(
                        format!("{dat}.storage"),
                        format!(
                            "device {} ({}): used {} KiB + free {} KiB does not equal total {} KiB",
                            d.id, d.name, s.used, s.free, s.total
                        ),
                    ));
                }
                if m.devices.contains_key(&d.id) {
                    return Err(ImportError::invalid(
                        format!("{dat}.id"),
                        format!("duplicate device id {}", d.id),
                    ));
                }
                m.devices.insert(
                    d.id,
                    Device {
                        id: d.id,
                        node: n.id,
                        name: d.name.clone(),
                        total: kib(s.total, &format!("{dat}.storage.total"))?,
                        used: kib(s.used, &format!("{dat}.storage.used"))?,
                        extent_size: DEFAULT_EXTENT_SIZE,
                        tags: d.tags.clone().unwrap_or_default(),
                        state: d.state,
                    },
                );
                for (bi, b) in d.bricks.iter().enumerate() {
                    copies.push((format!("{dat}.bricks[{bi}]"), b.clone()));
                }
            }
        }
        for (vi, v) in c.volumes.iter().enumerate() {
            for (bi, b) in v.bricks.iter().enumerate() {
                copies.push((
                    format!("clusters[{ci}].volumes[{vi}].bricks[{bi}]"),
                    b.clone(),
                ));
            }
        }
    }
    let mut bricks: BTreeMap<BrickId, (String, InfoBrick)> = BTreeMap::new();
    for (at, b) in &copies {
        super::fields::brick_path(format!("{at}.path"), &b.path)?;
        if !m.devices.contains_key(&b.device) {
            return Err(ImportError::invalid(
                format!("{at}.device"),
                format!("brick {} is on unknown device {}", b.id, b.device),
            ));
        }
        if !m.nodes.contains_key(&b.node) {
            return Err(ImportError::invalid(
                format!("{at}.node"),
                format!("brick {} is on unknown node {}", b.id, b.node),
            ));
        }
        if !volume_at.contains_key(&b.volume) {
            return Err(ImportError::invalid(
                format!("{at}.volume"),
                format!("brick {} belongs to unknown volume {}", b.id, b.volume),
            ));
        }
        match bricks.get(&b.id) {
            None => {
                bricks.insert(b.id, (at.clone(), b.clone()));
            }
            Some((first_at, first)) if first != b => {
                return Err(ImportError::invalid(
                    at,
                    format!(
                        "brick {} differs from its other listing at {first_at}",
                        b.id
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    for c in &info.clusters {
        for v in &c.volumes {
            let at = volume_at.get(&v.id).cloned().unwrap_or_default();
            let volume_bricks: Vec<&InfoBrick> = bricks
                .values()
                .map(|(_, b)| b)
                .filter(|b| b.volume == v.id)
                .collect();
            import_volume(&mut m, c.id, v, &at, &volume_bricks)?;
        }
    }
    require_consistent(m)
}

fn import_volume(
    m: &mut Model,
    cluster: ClusterId,
    v: &InfoVolume,
    at: &str,
    bricks: &[&InfoBrick],
) -> Result<(), ImportError> {
    super::fields::volume_name(format!("{at}.name"), &v.name)?;
    let options =
        HeketiOptions::from_entries(v.glustervolumeoptions.iter().flatten().map(String::as_str))
            .map_err(|e| {
                ImportError::invalid(format!("{at}.glustervolumeoptions"), e.to_string())
            })?;
    let durability = durability_of(&v.durability, &format!("{at}.durability"))?;
    let durability = options
        .durability_for(durability)
        .map_err(|e| ImportError::invalid(format!("{at}.glustervolumeoptions"), e.to_string()))?;
    let factor = match &v.snapshot {
        Some(s) if s.enable => SnapshotFactor::new(s.factor.unwrap_or(1.5))
            .map_err(|e| ImportError::invalid(format!("{at}.snapshot.factor"), e.to_string()))?,
        Some(InfoSnapshot {
            factor: Some(f), ..
        }) => SnapshotFactor::new(*f).unwrap_or(SnapshotFactor::ONE),
        _ => SnapshotFactor::ONE,
    };
    let sets = group_sets(durability, bricks).map_err(|msg| {
        ImportError::invalid(format!("{at}.bricks"), format!("volume {}: {msg}", v.id))
    })?;
    let mut brick_sets = Vec::new();
    for set in &sets {
        let mut ids = Vec::new();
        for (position, b) in set.iter().enumerate() {
            let size = kib(b.size, &format!("{at}.bricks"))?;
            let extent = m
                .devices
                .get(&b.device)
                .map_or(DEFAULT_EXTENT_SIZE, |d| d.extent_size);
            let space = BrickSpace::for_brick(size, factor, extent).ok_or_else(|| {
                ImportError::invalid(
                    format!("{at}.bricks"),
                    format!("brick {} size overflows", b.id),
                )
            })?;
            m.bricks.insert(
                b.id,
                Brick {
                    id: b.id,
                    volume: v.id,
                    node: b.node,
                    device: b.device,
                    size,
                    pool_size: space.pool,
                    metadata_size: space.metadata,
                    role: durability.role_at(position),
                    path: b.path.clone(),
                },
            );
            ids.push(b.id);
        }
        brick_sets.push(ids);
    }
    let block_hosting = match (&v.block, &v.blockinfo) {
        (Some(true), info) => {
            let info = info.as_ref();
            Some(BlockHosting {
                free_size: gib(
                    info.and_then(|i| i.freesize).unwrap_or(0),
                    &format!("{at}.blockinfo.freesize"),
                )?,
                reserved_size: gib(
                    info.and_then(|i| i.reservedsize).unwrap_or(0),
                    &format!("{at}.blockinfo.reservedsize"),
                )?,
                block_volumes: Vec::new(),
                restricted: info
                    .and_then(|i| i.restriction.as_deref())
                    .is_some_and(|r| !r.is_empty() && r != "(none)"),
            })
        }
        _ => None,
    };
    let mut gluster_options = options.gluster_options.clone();
    gluster_options.retain(|(k, _)| !k.is_empty());
    m.volumes.insert(
        v.id,
        Volume {
            id: v.id,
            cluster,
            name: v.name.clone(),
            size: gib(v.size, &format!("{at}.size"))?,
            durability,
            brick_sets,
            options: gluster_options,
            gid: v.gid.unwrap_or(0),
            snapshot: SnapshotSettings {
                enabled: v.snapshot.as_ref().is_some_and(|s| s.enable),
                factor,
            },
            block_hosting,
        },
    );
    Ok(())
}

fn durability_of(d: &InfoDurability, at: &str) -> Result<Durability, ImportError> {
    let rule = |e: crate::DurabilityError| ImportError::invalid(at, e.to_string());
    match d.kind.as_str() {
        "none" | "distribute" | "" => Ok(Durability::None),
        "replicate" => {
            let replica = d
                .replicate
                .as_ref()
                .and_then(|r| r.replica)
                .ok_or_else(|| {
                    ImportError::invalid(format!("{at}.replicate.replica"), "missing replica count")
                })?;
            Durability::replicate(replica).map_err(rule)
        }
        "disperse" => {
            let dis = d.disperse.as_ref();
            let data = dis.and_then(|x| x.data).ok_or_else(|| {
                ImportError::invalid(format!("{at}.disperse.data"), "missing data count")
            })?;
            let red = dis.and_then(|x| x.redundancy).ok_or_else(|| {
                ImportError::invalid(format!("{at}.disperse.redundancy"), "missing redundancy")
            })?;
            Durability::disperse(data, red).map_err(rule)
        }
        other => Err(ImportError::invalid(
            format!("{at}.type"),
            format!("unknown durability type {other:?}"),
        )),
    }
}

/// Forms brick sets from bricks listed in id order: each set takes, in order, the first
/// bricks on nodes the set does not have yet; arbiter sets put their smallest brick last.
fn group_sets<'a>(
    durability: Durability,
    bricks: &[&'a InfoBrick],
) -> Result<Vec<Vec<&'a InfoBrick>>, String> {
    let set_size = durability.set_size();
    durability
        .check_brick_count(bricks.len())
        .map_err(|e| e.to_string())?;
    let mut left: Vec<&InfoBrick> = bricks.to_vec();
    if durability == Durability::Arbiter {
        // Larger bricks first so that each set's data bricks come before its arbiter.
        left.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
        let (data, arbiters): (Vec<_>, Vec<_>) = {
            let n_sets = left.len() / 3;
            let split = left.split_off(2 * n_sets);
            (left, split)
        };
        let mut sets = Vec::new();
        let mut data = data;
        for arb in arbiters {
            let mut set = Vec::new();
            let mut nodes = BTreeSet::from([arb.node]);
            let mut i = 0;
            while set.len() < 2 && i < data.len() {
                if nodes.insert(data[i].node) {
                    set.push(data.remove(i));
                } else {
                    i += 1;
                }
            }
            if set.len() < 2 {
                set.append(&mut data.drain(..(2 - set.len()).min(data.len())).collect());
            }
            set.push(arb);
            sets.push(set);
        }
        return Ok(sets);
    }
    let mut sets = Vec::new();
    while !left.is_empty() {
        let mut set = Vec::new();
        let mut nodes = BTreeSet::new();
        let mut i = 0;
        while set.len() < set_size && i < left.len() {
            if nodes.insert(left[i].node) {
                set.push(left.remove(i));
            } else {
                i += 1;
            }
        }
        // Not enough distinct nodes: keep Heketi's order; the check reports the set.
        while set.len() < set_size && !left.is_empty() {
            set.push(left.remove(0));
        }
        sets.push(set);
    }
    Ok(sets)
}

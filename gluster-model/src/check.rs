//! The consistency check: every inconsistency of a model at once, like `heketi db check`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::id::{BlockVolumeId, BrickId, ClusterId, DeviceId, NodeId, VolumeId};
use crate::model::Model;
use crate::size::ByteSize;

/// One inconsistency found by [`Model::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Inconsistency {
    /// A node of an unknown cluster.
    NodeUnknownCluster {
        /// Node.
        node: NodeId,
        /// Its missing cluster.
        cluster: ClusterId,
    },
    /// Two nodes share a manage hostname.
    DuplicateHostname {
        /// The hostname.
        hostname: String,
    },
    /// Two nodes share an address (one's storage or manage name is the other's): two bricks
    /// of one set could land on one machine.
    SharedAddress {
        /// The address.
        address: String,
        /// The two nodes' manage hostnames.
        nodes: [String; 2],
    },
    /// A device of an unknown node.
    DeviceUnknownNode {
        /// Device.
        device: DeviceId,
        /// Its missing node.
        node: NodeId,
    },
    /// A device whose used space exceeds its total.
    DeviceOverfull {
        /// Device.
        device: DeviceId,
        /// Used.
        used: ByteSize,
        /// Total.
        total: ByteSize,
    },
    /// A device whose used space is not the sum of its bricks' space.
    DeviceUsageMismatch {
        /// Device.
        device: DeviceId,
        /// What the device says.
        recorded: ByteSize,
        /// Sum of its bricks' pool + metadata.
        bricks: ByteSize,
    },
    /// A brick on an unknown device.
    BrickUnknownDevice {
        /// Brick.
        brick: BrickId,
        /// Its missing device.
        device: DeviceId,
    },
    /// A brick on an unknown node.
    BrickUnknownNode {
        /// Brick.
        brick: BrickId,
        /// Its missing node.
        node: NodeId,
    },
    /// A brick whose node is not its device's node.
    BrickNodeMismatch {
        /// Brick.
        brick: BrickId,
        /// The brick's node.
        node: NodeId,
        /// The device's node.
        device_node: NodeId,
    },
    /// A brick of an unknown volume.
    BrickUnknownVolume {
        /// Brick.
        brick: BrickId,
        /// Its missing volume.
        volume: VolumeId,
    },
    /// A brick that no brick set of its volume lists.
    BrickNotInVolume {
        /// Brick.
        brick: BrickId,
        /// Its volume.
        volume: VolumeId,
    },
    /// A brick set lists a brick that does not exist.
    VolumeUnknownBrick {
        /// Volume.
        volume: VolumeId,
        /// The missing brick.
        brick: BrickId,
    },
    /// A brick set lists a brick of another volume, or a brick twice.
    VolumeForeignBrick {
        /// Volume.
        volume: VolumeId,
        /// The brick.
        brick: BrickId,
    },
    /// A volume of an unknown cluster.
    VolumeUnknownCluster {
        /// Volume.
        volume: VolumeId,
        /// Its missing cluster.
        cluster: ClusterId,
    },
    /// Two volumes of one cluster share a name.
    DuplicateVolumeName {
        /// The name.
        name: String,
    },
    /// A brick set whose size does not match the layout.
    SetSize {
        /// Volume.
        volume: VolumeId,
        /// Set index.
        set: usize,
        /// Bricks in the set.
        got: usize,
        /// Bricks the layout needs.
        want: usize,
    },
    /// Two bricks of one set on one node.
    SetOnOneNode {
        /// Volume.
        volume: VolumeId,
        /// Set index.
        set: usize,
        /// The node.
        node: NodeId,
    },
    /// A brick whose role does not match its position.
    BrickRole {
        /// Brick.
        brick: BrickId,
    },
    /// A block volume whose hosting volume is unknown or does not list it.
    BlockVolumeHosting {
        /// Block volume.
        block_volume: BlockVolumeId,
        /// Its hosting volume.
        volume: VolumeId,
    },
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Inconsistency::*;
        match self {
            NodeUnknownCluster { node, cluster } => write!(f, "node {node}: unknown cluster {cluster}"),
            DuplicateHostname { hostname } => write!(f, "two nodes have manage hostname {hostname:?}"),
            SharedAddress { address, nodes: [a, b] } => write!(f, "nodes {a:?} and {b:?} share the address {address:?}"),
            DeviceUnknownNode { device, node } => write!(f, "device {device}: unknown node {node}"),
            DeviceOverfull { device, used, total } => write!(f, "device {device}: used {used} exceeds total {total}"),
            DeviceUsageMismatch { device, recorded, bricks } => write!(f, "device {device}: used is {recorded} but its bricks take {bricks}"),
            BrickUnknownDevice { brick, device } => write!(f, "brick {brick}: unknown device {device}"),
            BrickUnknownNode { brick, node } => write!(f, "brick {brick}: unknown node {node}"),
            BrickNodeMismatch { brick, node, device_node } => write!(f, "brick {brick}: on node {node} but its device is on node {device_node}"),
            BrickUnknownVolume { brick, volume } => write!(f, "brick {brick}: unknown volume {volume}"),
            BrickNotInVolume { brick, volume } => write!(f, "brick {brick}: not in any brick set of volume {volume}"),
            VolumeUnknownBrick { volume, brick } => write!(f, "volume {volume}: unknown brick {brick}"),
            VolumeForeignBrick { volume, brick } => write!(f, "volume {volume}: brick {brick} belongs to another volume or is listed twice"),
            VolumeUnknownCluster { volume, cluster } => write!(f, "volume {volume}: unknown cluster {cluster}"),
            DuplicateVolumeName { name } => write!(f, "two volumes are named {name:?}"),
            SetSize { volume, set, got, want } => write!(f, "volume {volume}: brick set {set} has {got} bricks, its layout needs {want}"),
            SetOnOneNode { volume, set, node } => write!(f, "volume {volume}: brick set {set} has two bricks on node {node}"),
            BrickRole { brick } => write!(f, "brick {brick}: role does not match its position in its set"),
            BlockVolumeHosting { block_volume, volume } => write!(f, "block volume {block_volume}: hosting volume {volume} is unknown or does not list it"),
        }
    }
}

impl Model {
    /// Every inconsistency of the model, in a deterministic order; empty when consistent.
    ///
    /// Models built through the operations are always consistent; this checks models loaded
    /// from documents (and is the oracle of the property tests).
    pub fn check(&self) -> Vec<Inconsistency> {
        use Inconsistency::*;
        let mut out = Vec::new();
        let mut hostnames = BTreeSet::new();
        for n in self.nodes.values() {
            if !self.clusters.contains_key(&n.cluster) {
                out.push(NodeUnknownCluster {
                    node: n.id,
                    cluster: n.cluster,
                });
            }
            if !hostnames.insert(n.manage_hostname.as_str()) {
                out.push(DuplicateHostname {
                    hostname: n.manage_hostname.clone(),
                });
            }
        }
        shared_addresses(self, &mut out);
        let mut per_device: BTreeMap<DeviceId, Option<ByteSize>> = BTreeMap::new();
        for b in self.bricks.values() {
            match self.devices.get(&b.device) {
                None => out.push(BrickUnknownDevice {
                    brick: b.id,
                    device: b.device,
                }),
                Some(d) if d.node != b.node => out.push(BrickNodeMismatch {
                    brick: b.id,
                    node: b.node,
                    device_node: d.node,
                }),
                Some(_) => {}
            }
            if !self.nodes.contains_key(&b.node) {
                out.push(BrickUnknownNode {
                    brick: b.id,
                    node: b.node,
                });
            }
            match self.volumes.get(&b.volume) {
                None => out.push(BrickUnknownVolume {
                    brick: b.id,
                    volume: b.volume,
                }),
                Some(v) if !v.brick_ids().any(|id| id == b.id) => out.push(BrickNotInVolume {
                    brick: b.id,
                    volume: b.volume,
                }),
                Some(_) => {}
            }
            let entry = per_device.entry(b.device).or_insert(Some(ByteSize::ZERO));
            *entry = entry.and_then(|sum| b.space().and_then(|s| sum.checked_add(s)));
        }
        for d in self.devices.values() {
            if !self.nodes.contains_key(&d.node) {
                out.push(DeviceUnknownNode {
                    device: d.id,
                    node: d.node,
                });
            }
            if d.used > d.total {
                out.push(DeviceOverfull {
                    device: d.id,
                    used: d.used,
                    total: d.total,
                });
            }
            let bricks = per_device
                .get(&d.id)
                .copied()
                .unwrap_or(Some(ByteSize::ZERO));
            if bricks != Some(d.used) {
                out.push(DeviceUsageMismatch {
                    device: d.id,
                    recorded: d.used,
                    bricks: bricks.unwrap_or(ByteSize::b(u64::MAX)),
                });
            }
        }
        let mut names = BTreeSet::new();
        for v in self.volumes.values() {
            if !self.clusters.contains_key(&v.cluster) {
                out.push(VolumeUnknownCluster {
                    volume: v.id,
                    cluster: v.cluster,
                });
            }
            if !names.insert((v.cluster, v.name.as_str())) {
                out.push(DuplicateVolumeName {
                    name: v.name.clone(),
                });
            }
            let want = v.durability.set_size();
            let mut seen = BTreeSet::new();
            for (set, ids) in v.brick_sets.iter().enumerate() {
                if ids.len() != want {
                    out.push(SetSize {
                        volume: v.id,
                        set,
                        got: ids.len(),
                        want,
                    });
                }
                let mut nodes = BTreeSet::new();
                for (position, id) in ids.iter().enumerate() {
                    let Some(b) = self.bricks.get(id) else {
                        out.push(VolumeUnknownBrick {
                            volume: v.id,
                            brick: *id,
                        });
                        continue;
                    };
                    if b.volume != v.id || !seen.insert(*id) {
                        out.push(VolumeForeignBrick {
                            volume: v.id,
                            brick: *id,
                        });
                    }
                    if !nodes.insert(b.node) {
                        out.push(SetOnOneNode {
                            volume: v.id,
                            set,
                            node: b.node,
                        });
                    }
                    if b.role != v.durability.role_at(position) {
                        out.push(BrickRole { brick: b.id });
                    }
                }
            }
        }
        for bv in self.block_volumes.values() {
            let listed = self
                .volumes
                .get(&bv.hosting_volume)
                .and_then(|v| v.block_hosting.as_ref())
                .is_some_and(|h| h.block_volumes.contains(&bv.id));
            if !listed {
                out.push(BlockVolumeHosting {
                    block_volume: bv.id,
                    volume: bv.hosting_volume,
                });
            }
        }
        out
    }
}

/// Addresses two nodes share (compared without case; two equal manage hostnames are
/// `DuplicateHostname`).
fn shared_addresses(model: &Model, out: &mut Vec<Inconsistency>) {
    let mut owner: BTreeMap<String, &crate::entity::Node> = BTreeMap::new();
    for n in model.nodes.values() {
        for address in [&n.manage_hostname, &n.storage_hostname] {
            match owner.get(&address.to_ascii_lowercase()) {
                Some(o) if o.id == n.id => {}
                Some(o) if o.manage_hostname == n.manage_hostname => {}
                Some(o) => out.push(Inconsistency::SharedAddress {
                    address: address.clone(),
                    nodes: [o.manage_hostname.clone(), n.manage_hostname.clone()],
                }),
                None => {
                    owner.insert(address.to_ascii_lowercase(), n);
                }
            }
        }
    }
}

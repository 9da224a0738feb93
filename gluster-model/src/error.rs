//! Errors of model operations.

use crate::durability::DurabilityError;
use crate::id::{BlockVolumeId, BrickId, ClusterId, DeviceId, NodeId, VolumeId};
use crate::size::ByteSize;
use crate::state::StateTransitionError;

/// Why a model operation was refused. The model is unchanged after any error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// No cluster with this id.
    #[error("unknown cluster {0}")]
    UnknownCluster(ClusterId),
    /// No node with this id.
    #[error("unknown node {0}")]
    UnknownNode(NodeId),
    /// No device with this id.
    #[error("unknown device {0}")]
    UnknownDevice(DeviceId),
    /// No brick with this id.
    #[error("unknown brick {0}")]
    UnknownBrick(BrickId),
    /// No volume with this id.
    #[error("unknown volume {0}")]
    UnknownVolume(VolumeId),
    /// No block volume with this id.
    #[error("unknown block volume {0}")]
    UnknownBlockVolume(BlockVolumeId),
    /// An entity with this id exists already.
    #[error("duplicate {kind} id {id}")]
    DuplicateId {
        /// Entity kind.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// A node with this manage hostname exists already.
    #[error("duplicate node hostname {0:?}")]
    DuplicateHostname(String),
    /// The node's manage or storage address is another node's.
    #[error("nodes {:?} and {:?} share the address {address:?}", nodes[0], nodes[1])]
    SharedAddress {
        /// The address.
        address: String,
        /// The two nodes' manage hostnames (the existing one first).
        nodes: [String; 2],
    },
    /// A device with this name exists on the node already.
    #[error("duplicate device {name:?} on node {node}")]
    DuplicateDevice {
        /// Node.
        node: NodeId,
        /// Device name.
        name: String,
    },
    /// A volume with this name exists in the cluster already.
    #[error("duplicate volume name {0:?}")]
    DuplicateVolumeName(String),
    /// The layout is invalid.
    #[error("volume {volume}: {source}")]
    Durability {
        /// Volume.
        volume: VolumeId,
        /// The rule that failed.
        source: DurabilityError,
    },
    /// A brick set has the wrong number of bricks.
    #[error("volume {volume} brick set {set} has {got} bricks, its layout needs {want}")]
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
    #[error("volume {volume} brick set {set} has two bricks on node {node}")]
    SetOnOneNode {
        /// Volume.
        volume: VolumeId,
        /// Set index.
        set: usize,
        /// The node.
        node: NodeId,
    },
    /// A brick's role does not match its position in the set.
    #[error("brick {brick} has role {got} but position {position} of its set needs {want}")]
    BrickRole {
        /// Brick.
        brick: BrickId,
        /// Position in the set.
        position: usize,
        /// Role given.
        got: crate::BrickRole,
        /// Role needed.
        want: crate::BrickRole,
    },
    /// A brick references data that does not agree with the rest (its node is not its
    /// device's node, its volume is another one, it is listed twice...).
    #[error("brick {brick}: {problem}")]
    BrickMismatch {
        /// Brick.
        brick: BrickId,
        /// What is wrong.
        problem: String,
    },
    /// The bricks need more space than the device has free.
    #[error("device {device} has {free} free but the bricks need {need}")]
    Overbooked {
        /// Device.
        device: DeviceId,
        /// Space needed.
        need: ByteSize,
        /// Space free.
        free: ByteSize,
    },
    /// A brick would go on a device or node that is not online.
    #[error("{entity} {id} is {state}, not online")]
    NotOnline {
        /// "node" or "device".
        entity: &'static str,
        /// The id.
        id: String,
        /// Its state.
        state: crate::EntityState,
    },
    /// A size computation overflowed.
    #[error("size overflow in {0}")]
    Overflow(&'static str),
    /// A state change Heketi does not allow.
    #[error("{entity} {id}: {source}")]
    State {
        /// "node" or "device".
        entity: &'static str,
        /// The id.
        id: String,
        /// The refused transition.
        source: StateTransitionError,
    },
    /// The entity still holds something that must go first.
    #[error("{entity} {id} is in use: {reason}")]
    InUse {
        /// Entity kind.
        entity: &'static str,
        /// The id.
        id: String,
        /// What still depends on it.
        reason: String,
    },
    /// A device given to `add_device` already has space taken (space is taken by committing
    /// bricks).
    #[error("device {device} is added with {used} used: a new device starts empty")]
    DeviceNotEmpty {
        /// Device.
        device: DeviceId,
        /// The space it claims used.
        used: ByteSize,
    },
    /// A volume would get smaller (bricks and volumes only grow).
    #[error("volume {volume} would shrink from {from} to {to}")]
    VolumeShrinks {
        /// Volume.
        volume: VolumeId,
        /// Its size now.
        from: ByteSize,
        /// The size asked for.
        to: ByteSize,
    },
    /// A device's size is inconsistent (used above total).
    #[error("device {device}: used {used} exceeds total {total}")]
    UsedAboveTotal {
        /// Device.
        device: DeviceId,
        /// Used.
        used: ByteSize,
        /// Total.
        total: ByteSize,
    },
    /// No snapshot with this name.
    #[error("unknown snapshot {0}")]
    UnknownSnapshot(String),
    /// No subvolume with this name.
    #[error("unknown subvolume {0}")]
    UnknownSubvolume(String),
    /// A snapshot, clone or subvolume does not agree with the volumes it refers to.
    #[error("{entity} {name}: {problem}")]
    DataMismatch {
        /// "snapshot", "clone" or "subvolume".
        entity: &'static str,
        /// Its name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// Thin pools lack the snapshot reserve a snapshot or clone would be charged.
    #[error("{entity} {name}: the thin pools lack the room the snapshot factor reserved: {}", pools_short(.bricks))]
    ThinPoolFull {
        /// "snapshot" or "clone".
        entity: &'static str,
        /// Its name.
        name: String,
        /// Each brick short of room: (brick, charge, reserve left).
        bricks: Vec<(BrickId, ByteSize, ByteSize)>,
    },
    /// A hosting volume's quotas would exceed what the over-commit ratio allows.
    #[error("hosting volume {volume} has {room} of quota left under {percent} % over-commit, {needed} does not fit")]
    QuotaOvercommit {
        /// The hosting volume.
        volume: VolumeId,
        /// Quota asked for.
        needed: ByteSize,
        /// Quota left.
        room: ByteSize,
        /// The over-commit ratio, in percent of the volume's size.
        percent: u32,
    },
    /// A device re-read smaller than the space its bricks take.
    #[error("device {device} shrank to {total} but its bricks take {used}: {}", bricks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    DeviceShrunk {
        /// Device.
        device: DeviceId,
        /// Its new size.
        total: ByteSize,
        /// Space its bricks take.
        used: ByteSize,
        /// Its bricks.
        bricks: Vec<BrickId>,
    },
    /// The block-hosting volume cannot take the block volume.
    #[error("volume {volume} cannot host {size} more: {reason}")]
    BlockHosting {
        /// Hosting volume.
        volume: VolumeId,
        /// Size asked.
        size: ByteSize,
        /// Why not.
        reason: String,
    },
}

fn pools_short(bricks: &[(BrickId, ByteSize, ByteSize)]) -> String {
    bricks
        .iter()
        .map(|(b, need, left)| format!("brick {b} needs {need} of snapshot reserve, {left} left"))
        .collect::<Vec<_>>()
        .join("; ")
}

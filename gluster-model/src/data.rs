//! Entities of the data services, for the store to keep beside volumes: snapshots of
//! volumes, clones (volumes whose bricks live in their origin's thin pools) and subvolumes
//! (quota-limited directories of a hosting volume).

use serde::{Deserialize, Serialize};

use crate::id::{BrickId, VolumeId};
use crate::size::ByteSize;

/// A snapshot of a volume (LVM thin snapshots of every brick).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Name (glusterd's, without timestamp; a CSI snapshot's name).
    pub name: String,
    /// The origin volume.
    pub volume: VolumeId,
    /// Activated: ready to restore from.
    pub ready: bool,
    /// What it charged to each origin brick's thin pool reserve.
    pub charges: Vec<(BrickId, ByteSize)>,
}

/// A volume made from a snapshot: its bricks are thin LVs in the origin's pools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeClone {
    /// The clone volume.
    pub volume: VolumeId,
    /// The origin volume.
    pub origin: VolumeId,
    /// The snapshot it was made from.
    pub snapshot: String,
    /// What it charged to each origin brick's thin pool reserve.
    pub charges: Vec<(BrickId, ByteSize)>,
}

/// A directory of a hosting volume with its own hard quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subvolume {
    /// Name (e.g. a PVC's).
    pub name: String,
    /// The hosting volume.
    pub hosting: VolumeId,
    /// Its directory, absolute from the hosting volume's root.
    pub dir: String,
    /// Hard limit.
    pub quota: ByteSize,
    /// The subvolume it was cloned from (sharing blocks), if any.
    pub clone_of: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_entities_round_trip_through_json() {
        let sub = Subvolume {
            name: "pvc-1".into(),
            hosting: VolumeId::derived(&["h"]),
            dir: "/pvc-1".into(),
            quota: ByteSize::gib(1),
            clone_of: Some("pvc-0".into()),
        };
        let json = serde_json::to_string(&sub).unwrap();
        assert_eq!(serde_json::from_str::<Subvolume>(&json).unwrap(), sub);
        let snap = Snapshot {
            name: "s".into(),
            volume: VolumeId::derived(&["v"]),
            ready: true,
            charges: vec![(BrickId::derived(&["b"]), ByteSize::mib(4))],
        };
        let json = serde_json::to_string(&snap).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), snap);
    }
}

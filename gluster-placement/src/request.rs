//! What a caller asks for, and the engine's settings.

use serde::{Deserialize, Serialize};

use gluster_model::{
    ByteSize, ClusterId, Durability, SnapshotFactor, TagRule, Zone, ZoneChecking,
    DEFAULT_AVERAGE_FILE_SIZE, MIN_ARBITER_BRICK,
};

/// A request for one volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeRequest {
    /// Gluster volume name; `vol_<id>` (Heketi's form) when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Usable size.
    pub size: ByteSize,
    /// Layout of every brick set.
    pub durability: Durability,
    /// How strictly sets are spread over zones.
    #[serde(default)]
    pub zone_checking: ZoneChecking,
    /// Zones bricks may go to (CSI `requisite`); empty means every zone.
    #[serde(default)]
    pub allowed_zones: Vec<Zone>,
    /// Zones to favour, in order (CSI `preferred`).
    #[serde(default)]
    pub preferred_zones: Vec<Zone>,
    /// Device tag rules every brick's device must match.
    #[serde(default)]
    pub device_tag_match: Vec<TagRule>,
    /// Thin pool reserve for snapshots.
    #[serde(default)]
    pub snapshot_factor: SnapshotFactor,
    /// Average file size, which sizes arbiter bricks.
    #[serde(default = "default_average_file_size")]
    pub average_file_size: ByteSize,
    /// Cluster to place in; when absent, the first cluster (by id) with a plan.
    #[serde(default)]
    pub cluster: Option<ClusterId>,
    /// Gluster volume options to set, `(key, value)`.
    #[serde(default)]
    pub options: Vec<(String, String)>,
    /// Group id for the volume root (0 = none).
    #[serde(default)]
    pub gid: u64,
}

fn default_average_file_size() -> ByteSize {
    DEFAULT_AVERAGE_FILE_SIZE
}

impl VolumeRequest {
    /// A request with defaults for everything but size and layout.
    pub fn new(size: ByteSize, durability: Durability) -> Self {
        VolumeRequest {
            name: None,
            size,
            durability,
            zone_checking: ZoneChecking::default(),
            allowed_zones: Vec::new(),
            preferred_zones: Vec::new(),
            device_tag_match: Vec::new(),
            snapshot_factor: SnapshotFactor::ONE,
            average_file_size: DEFAULT_AVERAGE_FILE_SIZE,
            cluster: None,
            options: Vec::new(),
            gid: 0,
        }
    }
}

/// Engine settings; the defaults are Heketi's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlacementSettings {
    /// Smallest data brick (Heketi: 1 GiB).
    pub min_brick_size: ByteSize,
    /// Largest data brick (Heketi: 4 TiB).
    pub max_brick_size: ByteSize,
    /// Most bricks in one volume (Heketi: 32).
    pub max_bricks_per_volume: usize,
    /// Smallest arbiter brick (Heketi: 16 MiB).
    pub min_arbiter_brick_size: ByteSize,
    /// Fraction of every device kept free, in thousandths (0 = none).
    pub device_reserve_per_mille: u32,
    /// Where brick filesystems are mounted on nodes (Heketi: `/var/lib/heketi/mounts`).
    pub brick_mount_root: String,
}

impl Default for PlacementSettings {
    fn default() -> Self {
        PlacementSettings {
            min_brick_size: ByteSize::gib(1),
            max_brick_size: ByteSize::tib(4),
            max_bricks_per_volume: 32,
            min_arbiter_brick_size: MIN_ARBITER_BRICK,
            device_reserve_per_mille: 0,
            brick_mount_root: "/var/lib/heketi/mounts".to_string(),
        }
    }
}

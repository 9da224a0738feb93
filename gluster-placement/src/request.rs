//! What a caller asks for, and the engine's settings.

use serde::{Deserialize, Serialize};

use gluster_model::{
    check_options, ByteSize, ClusterId, Durability, MountRoot, SnapshotFactor, TagKey, TagRule,
    TagValue, VolumeName, Zone, ZoneChecking, DEFAULT_AVERAGE_FILE_SIZE, MIN_ARBITER_BRICK,
};

use crate::error::InvalidField;
use crate::multiplex::BrickBudget;
use crate::subvolume::SubvolumePolicy;

/// A request for one volume: [`VolumeRequest::new`] with the size and layout, then the
/// `with_*` methods for what differs from the defaults (new fields may be added, so the
/// type is not built as a struct literal outside this crate).
///
/// ```
/// use gluster_model::{ByteSize, Durability, Zone, ZoneChecking};
/// use gluster_placement::VolumeRequest;
///
/// let request = VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3)?)
///     .with_name("pvc-1")
///     .with_zone_checking(ZoneChecking::Strict)
///     .with_allowed_zones([Zone(1), Zone(2), Zone(3)])
///     .with_option("performance.readdir-ahead", "on");
/// assert_eq!(request.name.as_deref(), Some("pvc-1"));
/// assert!(request.check().is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
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

    /// The Gluster volume name (`vol_<id>` when not given).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How strictly the bricks of a set are spread over zones.
    pub fn with_zone_checking(mut self, zone_checking: ZoneChecking) -> Self {
        self.zone_checking = zone_checking;
        self
    }

    /// The only zones bricks may go to (CSI `requisite`).
    pub fn with_allowed_zones(mut self, zones: impl IntoIterator<Item = Zone>) -> Self {
        self.allowed_zones = zones.into_iter().collect();
        self
    }

    /// Zones to favour, in order (CSI `preferred`).
    pub fn with_preferred_zones(mut self, zones: impl IntoIterator<Item = Zone>) -> Self {
        self.preferred_zones = zones.into_iter().collect();
        self
    }

    /// Device tag rules every brick's device must match.
    pub fn with_device_tag_match(mut self, rules: impl IntoIterator<Item = TagRule>) -> Self {
        self.device_tag_match = rules.into_iter().collect();
        self
    }

    /// The thin pool reserve for snapshots.
    pub fn with_snapshot_factor(mut self, factor: SnapshotFactor) -> Self {
        self.snapshot_factor = factor;
        self
    }

    /// The average file size, which sizes arbiter bricks.
    pub fn with_average_file_size(mut self, size: ByteSize) -> Self {
        self.average_file_size = size;
        self
    }

    /// The cluster to place in (the first cluster with a plan when not given).
    pub fn with_cluster(mut self, cluster: ClusterId) -> Self {
        self.cluster = Some(cluster);
        self
    }

    /// One more Gluster volume option to set.
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.push((key.into(), value.into()));
        self
    }

    /// The group id of the volume root (0: none).
    pub fn with_gid(mut self, gid: u64) -> Self {
        self.gid = gid;
        self
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
    /// Most bricks a node may serve (see [`BrickBudget`]); `None`: no limit (Heketi's).
    pub brick_budget: Option<BrickBudget>,
    /// How far subvolumes may commit hosting volumes, and how big a new one is.
    pub subvolume_policy: SubvolumePolicy,
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
            brick_budget: None,
            subvolume_policy: SubvolumePolicy::default(),
        }
    }
}

/// The most bricks per volume a setting may allow: sizing tries every set count up to
/// `max_bricks_per_volume`, so an unbounded value would make a refusal take forever.
pub const MAX_BRICKS_LIMIT: usize = 10_000;

/// The checks of a request and of settings: the one place they are written. The planner,
/// [`crate::RequestSpec::resolve`] (and so the C ABI and `gluster-plan`) run them.
impl VolumeRequest {
    /// Check every field that can be checked without a model.
    pub fn check(&self) -> Result<(), InvalidField> {
        if self.size == ByteSize::ZERO {
            return Err(InvalidField::new("size", "must be greater than zero"));
        }
        if let Some(name) = &self.name {
            VolumeName::check(name).map_err(|e| InvalidField::rule("name", e))?;
        }
        if self.average_file_size == ByteSize::ZERO {
            return Err(InvalidField::new(
                "average_file_size",
                "must be greater than zero",
            ));
        }
        check_options(&self.options)
            .map_err(|(i, e)| InvalidField::rule(format!("options[{i}]"), e))?;
        for (i, rule) in self.device_tag_match.iter().enumerate() {
            TagKey::check(&rule.key)
                .and_then(|()| TagValue::check(&rule.value))
                .map_err(|e| InvalidField::rule(format!("device_tag_match[{i}]"), e))?;
        }
        if let Some(z) = self
            .allowed_zones
            .iter()
            .chain(&self.preferred_zones)
            .find(|z| z.0 == 0)
        {
            let field = if self.allowed_zones.contains(z) {
                "allowed_zones"
            } else {
                "preferred_zones"
            };
            return Err(InvalidField::new(
                field,
                "zone 0 does not exist: zones count from 1",
            ));
        }
        Ok(())
    }
}

impl PlacementSettings {
    /// Check the settings; errors name the field as `settings.<field>`.
    pub fn check(&self) -> Result<(), InvalidField> {
        if self.max_brick_size == ByteSize::ZERO {
            return Err(InvalidField::new(
                "settings.max_brick_size",
                "must be greater than zero",
            ));
        }
        if self.min_brick_size > self.max_brick_size {
            return Err(InvalidField::new(
                "settings.min_brick_size",
                format!(
                    "{} is larger than max_brick_size {}",
                    self.min_brick_size, self.max_brick_size
                ),
            ));
        }
        if self.max_bricks_per_volume == 0 || self.max_bricks_per_volume > MAX_BRICKS_LIMIT {
            return Err(InvalidField::new(
                "settings.max_bricks_per_volume",
                format!("must be 1 to {MAX_BRICKS_LIMIT} (sizing tries every set count up to it)"),
            ));
        }
        if self.device_reserve_per_mille >= 1000 {
            return Err(InvalidField::new(
                "settings.device_reserve_per_mille",
                "must be below 1000",
            ));
        }
        if self.subvolume_policy.overcommit_percent == 0 {
            return Err(InvalidField::new(
                "settings.subvolume_policy.overcommit_percent",
                "must be at least 1",
            ));
        }
        MountRoot::check(&self.brick_mount_root)
            .map_err(|e| InvalidField::rule("settings.brick_mount_root", e))
    }
}

//! The flat, user-facing form of a request: what `gluster-plan plan` flags and the C ABI's
//! JSON requests carry, turned into a [`VolumeRequest`] and [`PlacementSettings`].

use serde::{Deserialize, Serialize};

use gluster_model::{
    parse_volumetype, ByteSize, ClusterId, HeketiOptions, SnapshotFactor, TagRule, Zone,
    ZoneChecking,
};

use crate::error::PlacementError;
use crate::multiplex::BrickBudget;
use crate::request::{PlacementSettings, VolumeRequest};

/// A request as users write it: StorageClass syntax for the layout, sizes with units.
///
/// ```
/// use gluster_placement::RequestSpec;
/// let spec: RequestSpec = serde_json::from_str(
///     r#"{"size":"100GiB","volumetype":"replicate:3","arbiter":true,"zone_checking":"strict"}"#,
/// ).unwrap();
/// let (request, _settings) = spec.resolve().unwrap();
/// assert_eq!(request.durability, gluster_model::Durability::Arbiter);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Usable size, e.g. `"100GiB"` (or a number of bytes).
    pub size: ByteSize,
    /// StorageClass `volumetype`: `none`, `replicate:N`, `disperse:D:R` (default `replicate:3`,
    /// the Kubernetes provisioner's default).
    #[serde(default = "default_volumetype")]
    pub volumetype: String,
    /// Replica 3 with an arbiter as the 3rd brick of every set.
    #[serde(default)]
    pub arbiter: bool,
    /// `strict`, `prefer` (default) or `none`.
    #[serde(default)]
    pub zone_checking: Option<ZoneChecking>,
    /// Device tag rules, `key=value` or `key!=value`.
    #[serde(default)]
    pub device_tag_match: Vec<TagRule>,
    /// Thin pool reserve factor for snapshots, 1 to 100.
    #[serde(default)]
    pub snapshot_factor: Option<f64>,
    /// StorageClass `volumeoptions` (comma-separated; `user.heketi.*` options steer placement).
    #[serde(default)]
    pub volumeoptions: Option<String>,
    /// Smallest data brick.
    #[serde(default)]
    pub min_brick_size: Option<ByteSize>,
    /// Largest data brick.
    #[serde(default)]
    pub max_brick_size: Option<ByteSize>,
    /// Most bricks per volume.
    #[serde(default)]
    pub max_bricks: Option<usize>,
    /// Fraction of each device kept free, in thousandths.
    #[serde(default)]
    pub device_reserve_per_mille: Option<u32>,
    /// Volume name.
    #[serde(default)]
    pub name: Option<String>,
    /// Zones bricks may go to (CSI requisite).
    #[serde(default)]
    pub allowed_zones: Vec<u32>,
    /// Zones to favour, in order (CSI preferred).
    #[serde(default)]
    pub preferred_zones: Vec<u32>,
    /// Average file size, which sizes arbiter bricks (default 64KiB).
    #[serde(default)]
    pub average_file_size: Option<ByteSize>,
    /// Where brick filesystems are mounted on nodes.
    #[serde(default)]
    pub brick_mount_root: Option<String>,
    /// Cluster to place in.
    #[serde(default)]
    pub cluster: Option<ClusterId>,
    /// Gluster volume options, `[key, value]` pairs (added to those of `volumeoptions`).
    #[serde(default)]
    pub options: Vec<(String, String)>,
    /// Group id for the volume root.
    #[serde(default)]
    pub gid: u64,
    /// Most bricks a node may serve, e.g. `{"multiplex":false,"max_processes":64}` (fields
    /// left out take [`BrickBudget::default`]'s values); none: no limit.
    #[serde(default)]
    pub brick_budget: Option<BrickBudget>,
}

fn default_volumetype() -> String {
    "replicate:3".to_string()
}

impl RequestSpec {
    /// A spec with only size and layout.
    pub fn new(size: ByteSize, volumetype: &str) -> Self {
        RequestSpec {
            size,
            volumetype: volumetype.to_string(),
            arbiter: false,
            zone_checking: None,
            device_tag_match: Vec::new(),
            snapshot_factor: None,
            volumeoptions: None,
            min_brick_size: None,
            max_brick_size: None,
            max_bricks: None,
            device_reserve_per_mille: None,
            name: None,
            allowed_zones: Vec::new(),
            preferred_zones: Vec::new(),
            average_file_size: None,
            brick_mount_root: None,
            cluster: None,
            options: Vec::new(),
            gid: 0,
            brick_budget: None,
        }
    }

    /// The engine's request and settings; errors name the field.
    pub fn resolve(&self) -> Result<(VolumeRequest, PlacementSettings), PlacementError> {
        let invalid = |field: &str, e: &dyn std::fmt::Display| PlacementError::invalid(field, e);
        let volumetype =
            parse_volumetype(&self.volumetype).map_err(|e| invalid("volumetype", &e))?;
        let options = match &self.volumeoptions {
            Some(o) => HeketiOptions::parse(o).map_err(|e| invalid("volumeoptions", &e))?,
            None => HeketiOptions::default(),
        };
        let mut options = options;
        if self.arbiter {
            options.arbiter = Some(true);
        }
        let durability = options.durability_for(volumetype).map_err(|e| {
            if self.arbiter {
                // The flag, not a `user.heketi.arbiter` option the user never wrote.
                invalid(
                    "arbiter",
                    &format!(
                        "an arbiter volume is replica 3 arbiter 1: it needs volumetype replicate:3, got {}",
                        self.volumetype
                    ),
                )
            } else {
                invalid("arbiter", &e)
            }
        })?;
        let mut request = VolumeRequest::new(self.size, durability);
        request.name = self.name.clone();
        request.zone_checking = self
            .zone_checking
            .or(options.zone_checking)
            .unwrap_or_default();
        request.device_tag_match = options.device_tag_match.clone();
        request
            .device_tag_match
            .extend(self.device_tag_match.iter().cloned());
        if let Some(f) = self.snapshot_factor {
            request.snapshot_factor =
                SnapshotFactor::new(f).map_err(|e| invalid("snapshot_factor", &e))?;
        }
        if let Some(avg) = self.average_file_size.or(options.average_file_size) {
            request.average_file_size = avg;
        }
        request.options = options.gluster_options.clone();
        request.options.extend(self.options.iter().cloned());
        request.cluster = self.cluster;
        request.gid = self.gid;
        request.allowed_zones = self.allowed_zones.iter().copied().map(Zone).collect();
        request.preferred_zones = self.preferred_zones.iter().copied().map(Zone).collect();
        let mut settings = PlacementSettings::default();
        if let Some(s) = self.min_brick_size {
            settings.min_brick_size = s;
        }
        if let Some(s) = self.max_brick_size {
            settings.max_brick_size = s;
        }
        if let Some(n) = self.max_bricks {
            settings.max_bricks_per_volume = n;
        }
        if let Some(r) = self.device_reserve_per_mille {
            settings.device_reserve_per_mille = r;
        }
        if let Some(root) = &self.brick_mount_root {
            settings.brick_mount_root = root.clone();
        }
        settings.brick_budget = self.brick_budget;
        request.check()?;
        settings.check().map_err(|mut e| {
            e.field = spec_field(&e.field).to_string();
            e
        })?;
        Ok((request, settings))
    }
}

/// The spec's name of a settings field `PlacementSettings::check` names.
fn spec_field(settings_field: &str) -> &str {
    let field = settings_field
        .strip_prefix("settings.")
        .unwrap_or(settings_field);
    match field {
        "max_bricks_per_volume" => "max_bricks",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gluster_model::Durability;

    #[test]
    fn errors_name_the_field() {
        let mut spec = RequestSpec::new(ByteSize::gib(1), "replicate:1");
        let e = spec.resolve().unwrap_err().to_string();
        assert!(e.contains("volumetype"), "{e}");
        spec.volumetype = "replicate:2".into();
        spec.arbiter = true;
        let e = spec.resolve().unwrap_err().to_string();
        assert!(e.contains("arbiter"), "{e}");
        spec.arbiter = false;
        spec.snapshot_factor = Some(0.2);
        assert!(spec
            .resolve()
            .unwrap_err()
            .to_string()
            .contains("snapshot_factor"));
        spec.snapshot_factor = None;
        spec.min_brick_size = Some(ByteSize::tib(8));
        assert!(spec
            .resolve()
            .unwrap_err()
            .to_string()
            .contains("min_brick_size"));
        let unknown = serde_json::from_str::<RequestSpec>(
            r#"{"size":"1GiB","volumetype":"none","colour":"red"}"#,
        );
        assert!(unknown.unwrap_err().to_string().contains("colour"));
    }

    #[test]
    fn volumeoptions_steer_placement() {
        let mut spec = RequestSpec::new(ByteSize::gib(10), "replicate:3");
        spec.volumeoptions = Some("user.heketi.arbiter true, user.heketi.zone-checking strict, user.heketi.device-tag-match media=ssd".into());
        let (req, _) = spec.resolve().unwrap();
        assert_eq!(req.durability, Durability::Arbiter);
        assert_eq!(req.zone_checking, ZoneChecking::Strict);
        assert_eq!(req.device_tag_match.len(), 1);
    }
}

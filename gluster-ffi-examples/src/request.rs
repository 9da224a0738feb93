//! The request JSON: the fields of `gluster-plan plan`, turned into a `VolumeRequest` and
//! `PlacementSettings`. Safe code only.

use serde::Deserialize;

use gluster_model::{
    parse_volumetype, ByteSize, ClusterId, HeketiOptions, SnapshotFactor, TagRule, Zone,
    ZoneChecking,
};
use gluster_placement::{PlacementSettings, VolumeRequest};

use crate::error::FfiError;
use crate::result::gp_result;

/// The layout when the request names none (the Kubernetes provisioner's default).
pub(crate) const DEFAULT_VOLUMETYPE: &str = "replicate:3";

/// The request document. Every field but `size` is optional; an unknown field is an error
/// naming it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestJson {
    size: ByteSize,
    #[serde(default)]
    volumetype: Option<String>,
    #[serde(default)]
    arbiter: bool,
    #[serde(default)]
    zone_checking: ZoneChecking,
    #[serde(default)]
    device_tag_match: Vec<TagRule>,
    #[serde(default)]
    snapshot_factor: SnapshotFactor,
    #[serde(default)]
    average_file_size: Option<ByteSize>,
    #[serde(default)]
    min_brick_size: Option<ByteSize>,
    #[serde(default)]
    max_brick_size: Option<ByteSize>,
    #[serde(default)]
    max_bricks: Option<usize>,
    #[serde(default)]
    device_reserve_per_mille: Option<u32>,
    #[serde(default)]
    brick_mount_root: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    cluster: Option<ClusterId>,
    #[serde(default)]
    allowed_zones: Vec<Zone>,
    #[serde(default)]
    preferred_zones: Vec<Zone>,
    #[serde(default)]
    options: Vec<(String, String)>,
    #[serde(default)]
    gid: u64,
}

fn invalid(message: impl Into<String>) -> FfiError {
    FfiError::new(gp_result::InvalidRequest, message)
}

/// Parses a request document.
///
/// Not JSON at all is `GP_RESULT_INVALID_JSON`; JSON that is not a valid request is
/// `GP_RESULT_INVALID_REQUEST` with the field's path in the message.
pub(crate) fn parse_request(json: &str) -> Result<(VolumeRequest, PlacementSettings), FfiError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        FfiError::new(
            gp_result::InvalidJson,
            format!("request_json is not JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(invalid("request: expected a JSON object"));
    }
    let doc: RequestJson = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            invalid(format!("request: {inner}"))
        } else {
            invalid(format!("request field {path}: {inner}"))
        }
    })?;
    doc.into_request()
}

impl RequestJson {
    fn into_request(self) -> Result<(VolumeRequest, PlacementSettings), FfiError> {
        let volumetype = self.volumetype.as_deref().unwrap_or(DEFAULT_VOLUMETYPE);
        let layout = parse_volumetype(volumetype)
            .map_err(|e| invalid(format!("request field volumetype: {e}")))?;
        let heketi = HeketiOptions {
            arbiter: Some(self.arbiter),
            ..HeketiOptions::default()
        };
        let durability = heketi
            .durability_for(layout)
            .map_err(|e| invalid(format!("request field arbiter: {e}")))?;

        let mut request = VolumeRequest::new(self.size, durability);
        request.name = self.name;
        request.zone_checking = self.zone_checking;
        request.allowed_zones = self.allowed_zones;
        request.preferred_zones = self.preferred_zones;
        request.device_tag_match = self.device_tag_match;
        request.snapshot_factor = self.snapshot_factor;
        if let Some(size) = self.average_file_size {
            request.average_file_size = size;
        }
        request.cluster = self.cluster;
        request.options = self.options;
        request.gid = self.gid;

        let mut settings = PlacementSettings::default();
        if let Some(v) = self.min_brick_size {
            settings.min_brick_size = v;
        }
        if let Some(v) = self.max_brick_size {
            settings.max_brick_size = v;
        }
        if let Some(v) = self.max_bricks {
            settings.max_bricks_per_volume = v;
        }
        if let Some(v) = self.device_reserve_per_mille {
            settings.device_reserve_per_mille = v;
        }
        if let Some(v) = self.brick_mount_root {
            settings.brick_mount_root = v;
        }
        Ok((request, settings))
    }
}

#[cfg(test)]
mod tests {
    use gluster_model::Durability;

    use super::*;

    #[test]
    fn every_field_of_the_cli_maps() {
        let (r, s) = parse_request(
            r#"{"size":"100GiB","volumetype":"replicate:3","arbiter":false,
                "zone_checking":"strict","device_tag_match":["media=ssd"],
                "snapshot_factor":1.5,"min_brick_size":"2GiB","max_brick_size":"2TiB",
                "max_bricks":16,"name":"vol1","allowed_zones":[1,2],"preferred_zones":[1],
                "average_file_size":"128KiB","options":[["performance.cache-size","64MB"]],
                "gid":2000,"device_reserve_per_mille":50,"brick_mount_root":"/bricks"}"#,
        )
        .unwrap();
        assert_eq!(r.size, ByteSize::gib(100));
        assert_eq!(r.durability, Durability::Replicate { replica: 3 });
        assert_eq!(r.zone_checking, ZoneChecking::Strict);
        assert_eq!(r.device_tag_match, vec!["media=ssd".parse().unwrap()]);
        assert_eq!(r.snapshot_factor, SnapshotFactor::HEKETI_SNAPSHOT_DEFAULT);
        assert_eq!(r.name.as_deref(), Some("vol1"));
        assert_eq!(r.allowed_zones, vec![Zone(1), Zone(2)]);
        assert_eq!(r.preferred_zones, vec![Zone(1)]);
        assert_eq!(r.average_file_size, ByteSize::kib(128));
        assert_eq!(r.gid, 2000);
        assert_eq!(r.options.len(), 1);
        assert_eq!(s.min_brick_size, ByteSize::gib(2));
        assert_eq!(s.max_brick_size, ByteSize::tib(2));
        assert_eq!(s.max_bricks_per_volume, 16);
        assert_eq!(s.device_reserve_per_mille, 50);
        assert_eq!(s.brick_mount_root, "/bricks");
    }

    #[test]
    fn defaults_are_heketis() {
        let (r, s) = parse_request(r#"{"size":1073741824}"#).unwrap();
        assert_eq!(
            r,
            VolumeRequest::new(ByteSize::gib(1), Durability::Replicate { replica: 3 })
        );
        assert_eq!(s, PlacementSettings::default());
    }

    #[test]
    fn arbiter_turns_replica_3_into_an_arbiter_layout() {
        let (r, _) = parse_request(r#"{"size":"1GiB","arbiter":true}"#).unwrap();
        assert_eq!(r.durability, Durability::Arbiter);
        let e = parse_request(r#"{"size":"1GiB","volumetype":"replicate:2","arbiter":true}"#)
            .unwrap_err();
        assert_eq!(e.code, gp_result::InvalidRequest);
        assert!(e.message.contains("arbiter"), "{}", e.message);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"size":"1GiB","colour":"red"}"#, "colour"),
            (r#"{"size":"1 parsec"}"#, "size"),
            (r#"{"volumetype":"replicate:3"}"#, "size"),
            (r#"{"size":"1GiB","volumetype":"mirror:2"}"#, "volumetype"),
            (
                r#"{"size":"1GiB","zone_checking":"loose"}"#,
                "zone_checking",
            ),
            (
                r#"{"size":"1GiB","device_tag_match":["media"]}"#,
                "device_tag_match",
            ),
            (
                r#"{"size":"1GiB","snapshot_factor":0.5}"#,
                "snapshot_factor",
            ),
            (
                r#"{"size":"1GiB","allowed_zones":["one"]}"#,
                "allowed_zones",
            ),
            (r#"{"size":"1GiB","max_bricks":-1}"#, "max_bricks"),
            ("[1,2]", "object"),
        ];
        for (json, field) in cases {
            let e = parse_request(json).unwrap_err();
            assert_eq!(e.code, gp_result::InvalidRequest, "{json}");
            assert!(e.message.contains(field), "{json}: {}", e.message);
        }
        let e = parse_request("{\"size\":").unwrap_err();
        assert_eq!(e.code, gp_result::InvalidJson);
    }
}

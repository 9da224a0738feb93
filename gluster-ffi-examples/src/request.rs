//! The request JSON: the fields of `gluster-plan plan`, turned into a `VolumeRequest` and
//! `PlacementSettings`. Safe code only.

use gluster_placement::{PlacementError, PlacementSettings, RequestSpec, VolumeRequest};

use crate::error::FfiError;
use crate::result::gp_result;

fn invalid(message: impl Into<String>) -> FfiError {
    FfiError::new(gp_result::InvalidRequest, message)
}

/// Parses a request document: a [`RequestSpec`] (every field but `size` optional; an unknown
/// field is an error naming it).
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
    let spec: RequestSpec = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            invalid(format!("request: {inner}"))
        } else {
            invalid(format!("request field {path}: {inner}"))
        }
    })?;
    spec.resolve().map_err(|e| match e {
        PlacementError::InvalidRequest(field) => invalid(format!("request field {field}")),
        other => invalid(format!("request: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use gluster_model::{ByteSize, Durability, SnapshotFactor, Zone, ZoneChecking};

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
        assert_eq!(r.durability, Durability::REPLICA_3);
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
            VolumeRequest::new(ByteSize::gib(1), Durability::REPLICA_3)
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

//! Conversions between Heketi's JSON documents ([`crate::api`]) and `gluster_model` entities
//! and placement requests. Every request conversion validates; an error names the field.

use std::collections::BTreeMap;

use gluster_model::{
    BlockVolume, Brick, ByteSize, Device, Durability, EntityState, HeketiOptions, SnapshotFactor,
    Zone,
};
use gluster_placement::{BlockRequest, VolumeRequest};

use crate::api::*;
use crate::backend::{ClusterView, DeviceView, NewDevice, NewNode, NodeView, VolumeView};

/// Largest volume a request may ask for, in GiB (1 PiB): far above any brick limit, well
/// below an overflow.
pub const MAX_VOLUME_GIB: u64 = 1 << 20;

fn kib(size: ByteSize) -> u64 {
    size.bytes() / 1024
}

fn gib_ceil(size: ByteSize) -> u64 {
    size.bytes().div_ceil(1 << 30)
}

pub(crate) fn gib(field: &str, value: u64) -> Result<ByteSize, String> {
    if value == 0 || value > MAX_VOLUME_GIB {
        return Err(format!(
            "{field}: {value} GiB is out of range (1 to {MAX_VOLUME_GIB})"
        ));
    }
    Ok(ByteSize::gib(value))
}

/// Parses a state name (`online`, `offline`, `failed`).
pub fn parse_state(request: &StateRequest) -> Result<EntityState, String> {
    match request.state.as_str() {
        "online" => Ok(EntityState::Online),
        "offline" => Ok(EntityState::Offline),
        "failed" => Ok(EntityState::Failed),
        other => Err(format!(
            "state: {other:?} is not one of online, offline, failed"
        )),
    }
}

fn check_name(field: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 255 || value.chars().any(|c| c.is_control()) {
        return Err(format!("{field}: {value:?} is not a valid name"));
    }
    Ok(())
}

/// A node add request as the backend takes it.
pub fn new_node(r: NodeAddRequest) -> Result<NewNode, String> {
    if r.zone == 0 {
        return Err("zone: must be at least 1".into());
    }
    let one = |field: &str, list: Vec<String>| -> Result<String, String> {
        match <[String; 1]>::try_from(list) {
            Ok([name]) => {
                check_name(field, &name)?;
                Ok(name)
            }
            Err(list) => Err(format!(
                "{field}: exactly one hostname expected, got {}",
                list.len()
            )),
        }
    };
    Ok(NewNode {
        cluster: r.cluster,
        zone: Zone(r.zone),
        manage: one("hostnames.manage", r.hostnames.manage)?,
        storage: one("hostnames.storage", r.hostnames.storage)?,
        tags: r.tags,
    })
}

/// A device add request as the backend takes it.
pub fn new_device(r: DeviceAddRequest) -> Result<NewDevice, String> {
    if !r.name.starts_with('/') {
        return Err(format!("name: {:?} is not an absolute device path", r.name));
    }
    check_name("name", &r.name)?;
    Ok(NewDevice {
        node: r.node,
        name: r.name,
        tags: r.tags,
        destroy_data: r.destroydata,
    })
}

/// The durability a Heketi request names (Heketi's defaults: `none`; replica 3; 4+2).
fn durability(d: &VolumeDurability, options: &HeketiOptions) -> Result<Durability, String> {
    let base = match d.kind.as_str() {
        "" | "none" | "distribute" => Durability::None,
        "replicate" => {
            let replica = if d.replicate.replica == 0 {
                3
            } else {
                d.replicate.replica
            };
            Durability::replicate(replica).map_err(|e| format!("durability.replicate: {e}"))?
        }
        "disperse" => {
            let (data, redundancy) = match (d.disperse.data, d.disperse.redundancy) {
                (0, 0) => (4, 2),
                pair => pair,
            };
            Durability::disperse(data, redundancy)
                .map_err(|e| format!("durability.disperse: {e}"))?
        }
        other => {
            return Err(format!(
                "durability.type: {other:?} is not one of replicate, disperse, none"
            ))
        }
    };
    options
        .durability_for(base)
        .map_err(|e| format!("glustervolumeoptions: {e}"))
}

/// A volume create request as a placement request.
pub fn volume_request(r: &VolumeCreateRequest) -> Result<VolumeRequest, String> {
    let size = gib("size", r.size)?;
    let options = HeketiOptions::from_entries(r.glustervolumeoptions.iter().map(String::as_str))
        .map_err(|e| format!("glustervolumeoptions: {e}"))?;
    let mut request = VolumeRequest::new(size, durability(&r.durability, &options)?);
    if !r.name.is_empty() {
        check_name("name", &r.name)?;
        request.name = Some(r.name.clone());
    }
    request.cluster = r.clusters.first().copied();
    request.zone_checking = options.zone_checking.unwrap_or_default();
    request.device_tag_match = options.device_tag_match;
    if let Some(a) = options.average_file_size {
        request.average_file_size = a;
    }
    request.options = options.gluster_options;
    request.gid = r.gid;
    if r.snapshot.enable {
        let factor = if r.snapshot.factor == 0.0 {
            SnapshotFactor::HEKETI_SNAPSHOT_DEFAULT
        } else {
            SnapshotFactor::new(f64::from(r.snapshot.factor))
                .map_err(|e| format!("snapshot.factor: {e}"))?
        };
        request.snapshot_factor = factor;
    }
    Ok(request)
}

/// An expand request's size.
pub fn expand_size(r: &VolumeExpandRequest) -> Result<ByteSize, String> {
    gib("expand_size", r.expand_size)
}

/// A block volume create request as a placement request.
pub fn block_request(r: &BlockVolumeCreateRequest) -> Result<BlockRequest, String> {
    if r.auth {
        return Err("auth: CHAP authentication is not supported".into());
    }
    let mut request = BlockRequest::new(gib("size", r.size)?);
    if !r.name.is_empty() {
        check_name("name", &r.name)?;
        request.name = Some(r.name.clone());
    }
    if r.hacount > 0 {
        request.ha = r.hacount;
    }
    request.cluster = r.clusters.first().copied();
    Ok(request)
}

/// Cluster info.
pub fn cluster_info(v: ClusterView) -> ClusterInfoResponse {
    ClusterInfoResponse {
        id: v.cluster.id,
        nodes: v.nodes,
        volumes: v.volumes,
        block: v.cluster.block,
        file: v.cluster.file,
        blockvolumes: v.block_volumes,
    }
}

fn brick_info(b: &Brick) -> BrickInfo {
    BrickInfo {
        id: b.id,
        path: b.path.clone(),
        device: b.device,
        node: b.node,
        volume: b.volume,
        size: kib(b.size),
    }
}

fn storage(d: &Device) -> StorageSize {
    StorageSize {
        total: kib(d.total),
        free: kib(d.free()),
        used: kib(d.used),
    }
}

/// Device info.
pub fn device_info(v: &DeviceView) -> DeviceInfoResponse {
    DeviceInfoResponse {
        name: v.device.name.clone(),
        storage: storage(&v.device),
        id: v.device.id,
        state: v.device.state.to_string(),
        tags: v.device.tags.clone(),
        bricks: v.bricks.iter().map(brick_info).collect(),
    }
}

/// Node info.
pub fn node_info(v: &NodeView) -> NodeInfoResponse {
    NodeInfoResponse {
        zone: v.node.zone.0,
        hostnames: HostAddresses {
            manage: vec![v.node.manage_hostname.clone()],
            storage: vec![v.node.storage_hostname.clone()],
        },
        cluster: v.node.cluster,
        id: v.node.id,
        state: v.node.state.to_string(),
        tags: v.node.tags.clone(),
        devices: v.devices.iter().map(device_info).collect(),
    }
}

fn api_durability(d: Durability) -> (VolumeDurability, Option<String>) {
    let mut out = VolumeDurability::default();
    let mut extra = None;
    match d {
        Durability::None => out.kind = "none".into(),
        Durability::Replicate(replica) => {
            out.kind = "replicate".into();
            out.replicate.replica = replica.get();
        }
        Durability::Arbiter => {
            out.kind = "replicate".into();
            out.replicate.replica = 3;
            extra = Some("user.heketi.arbiter true".to_string());
        }
        Durability::Disperse(layout) => {
            out.kind = "disperse".into();
            out.disperse = DisperseDurability {
                data: layout.data(),
                redundancy: layout.redundancy(),
            };
        }
    }
    (out, extra)
}

/// Volume info.
pub fn volume_info(v: &VolumeView) -> VolumeInfoResponse {
    let vol = &v.volume;
    let (durability, extra) = api_durability(vol.durability);
    let mut options: Vec<String> = vol
        .options
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    options.extend(extra);
    let first = v.hosts.first().cloned().unwrap_or_default();
    let mut mount_options = BTreeMap::new();
    if v.hosts.len() > 1 {
        mount_options.insert("backup-volfile-servers".to_string(), v.hosts[1..].join(","));
    }
    let blockinfo = vol
        .block_hosting
        .as_ref()
        .map(|b| BlockInfo {
            freesize: b.free_size.bytes() >> 30,
            reservedsize: gib_ceil(b.reserved_size),
            blockvolume: b.block_volumes.clone(),
            restriction: if b.restricted {
                "locked".into()
            } else {
                String::new()
            },
        })
        .unwrap_or_default();
    VolumeInfoResponse {
        size: gib_ceil(vol.size),
        name: vol.name.clone(),
        durability,
        gid: vol.gid,
        glustervolumeoptions: options,
        snapshot: VolumeSnapshot {
            enable: vol.snapshot.enabled,
            factor: vol.snapshot.factor.as_f64() as f32,
        },
        id: vol.id,
        cluster: vol.cluster,
        mount: VolumeMount {
            glusterfs: GlusterFsMount {
                hosts: v.hosts.clone(),
                device: format!("{first}:{}", vol.name),
                options: mount_options,
            },
        },
        block: vol.block_hosting.is_some(),
        blockinfo,
        bricks: v.bricks.iter().map(brick_info).collect(),
    }
}

/// Block volume info.
pub fn block_volume_info(b: &BlockVolume) -> BlockVolumeInfoResponse {
    BlockVolumeInfoResponse {
        size: gib_ceil(b.size),
        name: b.name.clone(),
        hacount: b.ha_hosts.len(),
        auth: false,
        id: b.id,
        cluster: b.cluster,
        blockhostingvolume: b.hosting_volume,
        blockvolume: BlockVolumeExport {
            hosts: b.ha_hosts.clone(),
            ..BlockVolumeExport::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heketi_volume_request_defaults_and_options() {
        let r: VolumeCreateRequest = serde_json::from_str(
            r#"{"size":10,"durability":{"type":"replicate"},
                "glustervolumeoptions":["user.heketi.zone-checking strict","performance.cache-size 64MB"]}"#,
        )
        .unwrap();
        let v = volume_request(&r).unwrap();
        assert_eq!(v.size, ByteSize::gib(10));
        assert_eq!(v.durability, Durability::REPLICA_3);
        assert_eq!(v.zone_checking, gluster_model::ZoneChecking::Strict);
        assert_eq!(
            v.options,
            vec![("performance.cache-size".into(), "64MB".into())]
        );
        let arbiter = VolumeCreateRequest {
            glustervolumeoptions: vec!["user.heketi.arbiter true".into()],
            ..r.clone()
        };
        assert_eq!(
            volume_request(&arbiter).unwrap().durability,
            Durability::Arbiter
        );
    }

    #[test]
    fn bad_requests_name_the_field() {
        let zero = VolumeCreateRequest::default();
        assert!(volume_request(&zero).unwrap_err().starts_with("size:"));
        let huge = VolumeCreateRequest {
            size: u64::MAX,
            ..VolumeCreateRequest::default()
        };
        assert!(volume_request(&huge).unwrap_err().starts_with("size:"));
        let bad_type = VolumeCreateRequest {
            size: 1,
            durability: VolumeDurability {
                kind: "mirror".into(),
                ..VolumeDurability::default()
            },
            ..VolumeCreateRequest::default()
        };
        assert!(volume_request(&bad_type)
            .unwrap_err()
            .starts_with("durability.type:"));
        let bad_state = StateRequest {
            state: "gone".into(),
        };
        assert!(parse_state(&bad_state).unwrap_err().starts_with("state:"));
    }

    #[test]
    fn malformed_ids_are_refused_by_deserialization() {
        let bad = r#"{"name":"/dev/sdb","node":"not-an-id"}"#;
        assert!(serde_json::from_str::<DeviceAddRequest>(bad).is_err());
        let short = r#"{"name":"/dev/sdb","node":"abc"}"#;
        assert!(serde_json::from_str::<DeviceAddRequest>(short).is_err());
    }
}

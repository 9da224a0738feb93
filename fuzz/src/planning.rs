//! Structure-aware planning: an arbitrary small cluster and a sequence of requests.
//!
//! The cluster is built from an [`arbitrary`] description (not from the model's own types),
//! so every generated world is valid and the fuzzer spends its time on placement. Every plan
//! is checked against the model it was made from, applied, and the model checked again.

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::{Arbitrary, Unstructured};
use gluster_model::{
    ArbiterTag, BrickRole, ByteSize, Cluster, ClusterId, Device, DeviceId, Durability, EntityState,
    Model, Node, NodeId, TagRule, Tags, Zone, ZoneChecking, DEFAULT_EXTENT_SIZE,
};
use gluster_placement::{plan_volume, PlacementError, PlacementSettings, Planner, VolumeRequest};

#[derive(Debug, Arbitrary)]
struct World {
    nodes: Vec<NodeDesc>,
    max_bricks: u8,
    reserve_per_mille: u8,
    requests: Vec<RequestDesc>,
}

#[derive(Debug, Arbitrary)]
struct NodeDesc {
    zone: u8,
    state: u8,
    tags: u8,
    devices: Vec<DeviceDesc>,
}

#[derive(Debug, Arbitrary)]
struct DeviceDesc {
    size: u16,
    state: u8,
    tags: u8,
}

#[derive(Debug, Arbitrary)]
struct RequestDesc {
    size: u16,
    layout: u8,
    zones: u8,
    tag_rule: u8,
    allowed_zones: u8,
    preferred_zones: u8,
    seed: u64,
}

const MAX_NODES: usize = 9;
const MAX_DEVICES: usize = 3;
const MAX_REQUESTS: usize = 8;

fn state(b: u8) -> EntityState {
    match b % 8 {
        6 => EntityState::Offline,
        7 => EntityState::Failed,
        _ => EntityState::Online,
    }
}

/// Bits 0-1: `media` ssd/hdd/absent; bits 2-3: `arbiter` required/disabled/absent.
fn tags(b: u8) -> Tags {
    let mut t = Tags::new();
    match b & 3 {
        1 => drop(t.insert("media".into(), "ssd".into())),
        2 => drop(t.insert("media".into(), "hdd".into())),
        _ => {}
    }
    match (b >> 2) & 3 {
        1 => drop(t.insert("arbiter".into(), "required".into())),
        2 => drop(t.insert("arbiter".into(), "disabled".into())),
        _ => {}
    }
    t
}

/// Device sizes from 1 GiB to ~8 TiB, small ones more likely, so capacity runs out.
fn device_size(s: u16) -> ByteSize {
    match s % 4 {
        0 => ByteSize::gib(1 + u64::from(s % 16)),
        1 | 2 => ByteSize::gib(1 + u64::from(s % 512)),
        _ => ByteSize::mib(1024 + u64::from(s) * 128),
    }
}

fn build_model(world: &World) -> Model {
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: false,
            file: true,
        })
        .expect("one cluster");
    for (n, desc) in world.nodes.iter().take(MAX_NODES).enumerate() {
        let node = NodeId::from_u128(0x100 + n as u128);
        model
            .add_node(Node {
                id: node,
                cluster,
                zone: Zone(1 + u32::from(desc.zone % 4)),
                manage_hostname: format!("node{n}"),
                storage_hostname: format!("192.0.2.{}", n + 1),
                tags: tags(desc.tags),
                state: state(desc.state),
            })
            .expect("generated node is valid");
        for (d, dev) in desc.devices.iter().take(MAX_DEVICES).enumerate() {
            model
                .add_device(Device {
                    id: DeviceId::from_u128(0x10000 + (n as u128) * 16 + d as u128),
                    node,
                    name: format!("/dev/sd{}", (b'b' + d as u8) as char),
                    total: device_size(dev.size),
                    used: ByteSize::ZERO,
                    extent_size: DEFAULT_EXTENT_SIZE,
                    tags: tags(dev.tags),
                    state: state(dev.state),
                })
                .expect("generated device is valid");
        }
    }
    model
}

fn request(desc: &RequestDesc, index: usize) -> VolumeRequest {
    let durability = match desc.layout % 7 {
        0 => Ok(Durability::None),
        1 => Durability::replicate(2),
        2 => Durability::replicate(3),
        3 => Ok(Durability::Arbiter),
        4 => Durability::disperse(4, 2),
        5 => Durability::disperse(2, 1),
        _ => Durability::disperse(8, 3),
    }
    .expect("fixed layouts are valid");
    // 1 GiB .. ~2 TiB, small sizes more likely.
    let size = match desc.size % 3 {
        0 => ByteSize::gib(1 + u64::from(desc.size % 8)),
        1 => ByteSize::gib(1 + u64::from(desc.size % 256)),
        _ => ByteSize::mib(1024 + u64::from(desc.size) * 32),
    };
    let mut r = VolumeRequest::new(size, durability);
    r.name = Some(format!("vol{index}"));
    r.zone_checking = match desc.zones % 3 {
        0 => ZoneChecking::Strict,
        1 => ZoneChecking::Prefer,
        _ => ZoneChecking::None,
    };
    let rule = match desc.tag_rule % 4 {
        1 => Some("media=ssd"),
        2 => Some("media!=ssd"),
        3 => Some("media=hdd"),
        _ => None,
    };
    r.device_tag_match = rule
        .map(|s| vec![s.parse::<TagRule>().expect("fixed rule")])
        .unwrap_or_default();
    let zones = |bits: u8| -> Vec<Zone> {
        (0..4u32)
            .filter(|z| bits & (1 << z) != 0)
            .map(|z| Zone(z + 1))
            .collect()
    };
    // Half the requests leave the zone lists empty.
    if desc.allowed_zones & 0x80 != 0 {
        r.allowed_zones = zones(desc.allowed_zones);
    }
    if desc.preferred_zones & 0x80 != 0 {
        r.preferred_zones = zones(desc.preferred_zones);
    }
    r
}

/// Checks a plan against the model it was made for; panics with the plan on a violation.
fn check_plan(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    plan: &gluster_placement::Plan,
) {
    let fail = |what: String| -> ! {
        panic!(
            "{what}\nrequest: {request:?}\nplan: {}",
            serde_json::to_string_pretty(plan).unwrap_or_default()
        )
    };
    let set_size = request.durability.set_size();
    if plan.set_count == 0 || plan.bricks.len() != plan.set_count * set_size {
        fail(format!(
            "{} bricks for {} sets of {set_size}",
            plan.bricks.len(),
            plan.set_count
        ));
    }
    if plan.bricks.len() > settings.max_bricks_per_volume {
        fail(format!(
            "{} bricks exceed the limit {}",
            plan.bricks.len(),
            settings.max_bricks_per_volume
        ));
    }
    let mut booked: BTreeMap<DeviceId, ByteSize> = BTreeMap::new();
    for set in 0..plan.set_count {
        let bricks: Vec<_> = plan.set(set).collect();
        if bricks.len() != set_size {
            fail(format!("set {set} has {} bricks", bricks.len()));
        }
        let nodes: BTreeSet<_> = bricks.iter().map(|b| b.node_id).collect();
        if nodes.len() != set_size {
            fail(format!("set {set} puts two bricks on one node"));
        }
        let zones: BTreeSet<_> = bricks.iter().map(|b| b.zone).collect();
        if request.zone_checking == ZoneChecking::Strict && zones.len() != set_size {
            fail(format!(
                "strict zones, but set {set} spans {} zones",
                zones.len()
            ));
        }
        for (position, b) in bricks.iter().enumerate() {
            let Some(node) = model.node(b.node_id) else {
                fail(format!("unknown node {}", b.node_id))
            };
            let Some(device) = model.device(b.device_id) else {
                fail(format!("unknown device {}", b.device_id))
            };
            if device.node != node.id || node.zone != b.zone || node.manage_hostname != b.node {
                fail(format!(
                    "brick {} names a device, node or zone that disagree",
                    b.id
                ));
            }
            if node.state != EntityState::Online || device.state != EntityState::Online {
                fail(format!(
                    "brick {} on a node or device that is not online",
                    b.id
                ));
            }
            if !request.allowed_zones.is_empty() && !request.allowed_zones.contains(&b.zone) {
                fail(format!(
                    "brick {} in zone {:?}, not an allowed zone",
                    b.id, b.zone
                ));
            }
            if !request
                .device_tag_match
                .iter()
                .all(|r| r.matches(&node.tags, &device.tags))
            {
                fail(format!("brick {} on a device the tag rules exclude", b.id));
            }
            let role = request.durability.role_at(position);
            if b.role != role || b.position != position {
                fail(format!(
                    "brick {} has role {:?} at {}, expected {role:?} at {position}",
                    b.id, b.role, b.position
                ));
            }
            let arbiter = ArbiterTag::of(&node.tags, &device.tags);
            let ok = match role {
                BrickRole::Data => arbiter.takes_data(),
                BrickRole::Arbiter => arbiter.takes_arbiter(),
            };
            if !ok {
                fail(format!(
                    "{role:?} brick {} on a device tagged arbiter={arbiter:?}",
                    b.id
                ));
            }
            if b.size_bytes.bytes() == 0 || b.pool_bytes < b.size_bytes {
                fail(format!(
                    "brick {} has size {} in a pool of {}",
                    b.id, b.size_bytes, b.pool_bytes
                ));
            }
            let Some(space) = b.space() else {
                fail(format!("brick {} space overflows", b.id))
            };
            let entry = booked.entry(b.device_id).or_insert(ByteSize::ZERO);
            *entry = entry
                .checked_add(space)
                .unwrap_or_else(|| fail("booking overflows".into()));
        }
    }
    for (id, used) in &booked {
        let device = model.device(*id).expect("checked above");
        let reserve = device
            .total
            .mul_ratio_ceil(u64::from(settings.device_reserve_per_mille), 1000)
            .unwrap_or(ByteSize::ZERO);
        let room = device.free().saturating_sub(reserve);
        if *used > room {
            fail(format!(
                "device {id} booked {used} with {room} room (free {}, reserve {reserve})",
                device.free()
            ));
        }
    }
}

/// Builds an arbitrary cluster, then plans, checks, applies and commits each request in turn.
pub fn plan_sequence(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(world) = World::arbitrary(&mut u) else {
        return;
    };
    let mut model = build_model(&world);
    assert!(
        model.check().is_empty(),
        "generated model is inconsistent: {:?}",
        model.check()
    );
    let settings = PlacementSettings {
        max_bricks_per_volume: 1 + usize::from(world.max_bricks % 32),
        device_reserve_per_mille: u32::from(world.reserve_per_mille % 4) * 50,
        ..PlacementSettings::default()
    };
    let mut planner = Planner::new(&model, &settings);
    for (i, desc) in world.requests.iter().take(MAX_REQUESTS).enumerate() {
        let request = request(desc, i);
        let kept = planner.plan(&request, desc.seed);
        // The planner's kept index agrees with a fresh one on the same snapshot.
        let fresh = plan_volume(&model, &request, &settings, desc.seed);
        assert_eq!(
            kept, fresh,
            "kept planner and fresh plan disagree on {request:?}"
        );
        match kept {
            Ok(plan) => {
                check_plan(&model, &request, &settings, &plan);
                let before: BTreeMap<_, _> = model.devices().map(|d| (d.id, d.used)).collect();
                plan.commit_to(&mut model)
                    .unwrap_or_else(|e| panic!("plan does not apply: {e}\n{plan:?}"));
                let problems = model.check();
                assert!(
                    problems.is_empty(),
                    "model inconsistent after apply: {problems:?}"
                );
                for b in &plan.bricks {
                    let now = model.device(b.device_id).expect("device").used;
                    assert!(
                        now > before[&b.device_id],
                        "apply did not book device {}",
                        b.device_id
                    );
                }
                planner
                    .commit(&plan)
                    .unwrap_or_else(|e| panic!("planner refuses its own plan: {e}"));
            }
            Err(PlacementError::Infeasible(inf)) => {
                assert!(
                    !inf.reasons.is_empty(),
                    "refusal without reasons for {request:?}"
                );
            }
            Err(PlacementError::InvalidRequest(invalid)) => {
                assert!(
                    !invalid.field.is_empty() && !invalid.reason.is_empty(),
                    "invalid request without a field or reason"
                );
            }
            Err(e) => panic!("unexpected error {e:?} for {request:?}"),
        }
    }
}

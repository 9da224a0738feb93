//! Shared fixtures of the placement tests: small worlds, a brute-force oracle and a plan
//! checker that re-derives every rule from the model, independently of the engine.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use gluster_model::*;
use gluster_placement::{PlacementSettings, Plan, Reason, VolumeRequest};
use proptest::prelude::*;

/// A proptest config with `cases` cases unless PROPTEST_CASES says otherwise.
pub fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One node of a generated world.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub zone: u32,
    pub state: EntityState,
    pub tags: Tags,
    pub devices: Vec<DeviceSpec>,
}

/// One device of a generated world.
#[derive(Debug, Clone)]
pub struct DeviceSpec {
    pub total: ByteSize,
    /// Percent of the device already taken by an existing brick (0 = empty).
    pub used_pct: u64,
    pub state: EntityState,
    pub tags: Tags,
}

pub fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Builds a one-cluster model. Pre-used space is taken by committing a one-brick filler
/// volume per device (so `model.check()` stays clean); states are set last.
pub fn build(nodes: &[NodeSpec]) -> Model {
    let mut m = Model::new();
    let cluster = ClusterId::from_u128(1);
    m.add_cluster(Cluster {
        id: cluster,
        block: false,
        file: true,
    })
    .unwrap();
    let mut states = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let node = NodeId::derived(&["node", &i.to_string()]);
        m.add_node(Node {
            id: node,
            cluster,
            zone: Zone(n.zone),
            manage_hostname: format!("node{i}"),
            storage_hostname: format!("10.0.0.{i}"),
            tags: n.tags.clone(),
            state: EntityState::Online,
        })
        .unwrap();
        for (j, d) in n.devices.iter().enumerate() {
            let id = DeviceId::derived(&["dev", &i.to_string(), &j.to_string()]);
            m.add_device(Device {
                id,
                node,
                name: format!("/dev/sd{}", (b'b' + j as u8) as char),
                total: d.total,
                used: ByteSize::ZERO,
                extent_size: DEFAULT_EXTENT_SIZE,
                tags: d.tags.clone(),
                state: EntityState::Online,
            })
            .unwrap();
            prefill(&mut m, cluster, node, id, d, &format!("fill-{i}-{j}"));
            states.push((None, Some(id), d.state));
        }
        states.push((Some(node), None, n.state));
    }
    for (node, device, state) in states {
        for &s in transitions(state) {
            match (node, device) {
                (Some(n), _) => m.set_node_state(n, s).unwrap(),
                (_, Some(d)) => m.set_device_state(d, s).unwrap(),
                _ => unreachable!(),
            }
        }
    }
    m
}

fn transitions(state: EntityState) -> &'static [EntityState] {
    match state {
        EntityState::Online => &[],
        EntityState::Offline => &[EntityState::Offline],
        EntityState::Failed => &[EntityState::Offline, EntityState::Failed],
    }
}

/// Commits a plain one-brick volume taking about `used_pct` % of the device.
fn prefill(
    m: &mut Model,
    cluster: ClusterId,
    node: NodeId,
    device: DeviceId,
    d: &DeviceSpec,
    name: &str,
) {
    let brick_size = ByteSize::mib(d.total.bytes() / (1 << 20) * d.used_pct / 101);
    if brick_size == ByteSize::ZERO {
        return;
    }
    let space =
        BrickSpace::for_brick(brick_size, SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE).unwrap();
    let volume = VolumeId::derived(&["vol", name]);
    let brick = BrickId::derived(&["brick", name]);
    m.commit_volume(VolumeCommit {
        volume: Volume {
            id: volume,
            cluster,
            name: name.to_string(),
            size: brick_size,
            durability: Durability::None,
            brick_sets: vec![vec![brick]],
            options: Vec::new(),
            gid: 0,
            snapshot: SnapshotSettings::default(),
            block_hosting: None,
        },
        bricks: vec![Brick {
            id: brick,
            volume,
            node,
            device,
            size: brick_size,
            pool_size: space.pool,
            metadata_size: space.metadata,
            role: BrickRole::Data,
            path: format!("/bricks/{name}"),
        }],
    })
    .unwrap();
}

/// A uniform cluster: `zones` x `nodes_per_zone` x `devices_per_node` devices of `size`.
pub fn uniform(zones: u32, nodes_per_zone: u32, devices_per_node: u32, size: ByteSize) -> Model {
    let nodes: Vec<NodeSpec> = (0..zones * nodes_per_zone)
        .map(|i| NodeSpec {
            zone: i % zones + 1,
            state: EntityState::Online,
            tags: Tags::new(),
            devices: (0..devices_per_node)
                .map(|_| DeviceSpec {
                    total: size,
                    used_pct: 0,
                    state: EntityState::Online,
                    tags: Tags::new(),
                })
                .collect(),
        })
        .collect();
    build(&nodes)
}

fn state() -> impl Strategy<Value = EntityState> {
    prop_oneof![
        6 => Just(EntityState::Online),
        1 => Just(EntityState::Offline),
        1 => Just(EntityState::Failed),
    ]
}

fn device_tags() -> impl Strategy<Value = Tags> {
    (
        prop_oneof![Just(None), Just(Some("ssd")), Just(Some("hdd"))],
        prop_oneof![
            6 => Just(None),
            1 => Just(Some("required")),
            1 => Just(Some("supported")),
            1 => Just(Some("disabled")),
        ],
    )
        .prop_map(|(media, arbiter)| {
            let mut t = Tags::new();
            if let Some(m) = media {
                t.insert("media".into(), m.into());
            }
            if let Some(a) = arbiter {
                t.insert("arbiter".into(), a.into());
            }
            t
        })
}

fn device() -> impl Strategy<Value = DeviceSpec> {
    (
        1u64..=48,
        prop_oneof![3 => Just(0u64), 1 => 10u64..=90],
        state(),
        device_tags(),
    )
        .prop_map(|(gib, used_pct, state, tags)| DeviceSpec {
            total: ByteSize::gib(gib),
            used_pct,
            state,
            tags,
        })
}

/// Node tags: none, a media tag, or an arbiter tag its devices may override.
fn node_tags() -> impl Strategy<Value = Tags> {
    prop_oneof![
        8 => Just(Tags::new()),
        2 => Just(tags(&[("media", "ssd")])),
        1 => Just(tags(&[("arbiter", "required")])),
        1 => Just(tags(&[("arbiter", "disabled")])),
    ]
}

/// Up to 4 nodes in up to 3 zones, up to 8 devices in all.
pub fn small_world() -> impl Strategy<Value = Vec<NodeSpec>> {
    prop_oneof![
        1 => prop::collection::vec(node_spec(), 1..=2),
        4 => prop::collection::vec(node_spec(), 3..=4),
    ]
}

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    (
        1u32..=3,
        state(),
        node_tags(),
        prop::collection::vec(device(), 1..=2),
    )
        .prop_map(|(zone, state, tags, devices)| NodeSpec {
            zone,
            state,
            tags,
            devices,
        })
}

/// 3 or 4 online nodes whose devices carry every `arbiter` tag value: where arbiter sets
/// are decided by the tags and by capacity (Hall's condition in the chooser).
pub fn arbiter_world() -> impl Strategy<Value = Vec<NodeSpec>> {
    let dev = (
        1u64..=48,
        prop_oneof![2 => Just(0u64), 1 => 10u64..=95],
        prop_oneof![
            Just(None),
            Just(Some("required")),
            Just(Some("supported")),
            Just(Some("disabled")),
        ],
    )
        .prop_map(|(gib, used_pct, arbiter)| DeviceSpec {
            total: ByteSize::gib(gib),
            used_pct,
            state: EntityState::Online,
            tags: arbiter.map_or_else(Tags::new, |a| tags(&[("arbiter", a)])),
        });
    let node = (1u32..=3, prop::collection::vec(dev, 1..=2)).prop_map(|(zone, devices)| NodeSpec {
        zone,
        state: EntityState::Online,
        tags: Tags::new(),
        devices,
    });
    prop::collection::vec(node, 3..=4)
}

/// Layouts the small-world tests use.
pub fn durability() -> impl Strategy<Value = Durability> {
    prop_oneof![
        Just(Durability::None),
        Just(Durability::REPLICA_2),
        Just(Durability::REPLICA_3),
        Just(Durability::Arbiter),
        Just(Durability::disperse(2, 1).unwrap()),
    ]
}

pub fn zone_checking() -> impl Strategy<Value = ZoneChecking> {
    prop_oneof![
        Just(ZoneChecking::Strict),
        Just(ZoneChecking::Prefer),
        Just(ZoneChecking::None)
    ]
}

/// A request for the small worlds (sizes in GiB), with optional tag rule and zones.
pub fn request(sizes_gib: std::ops::RangeInclusive<u64>) -> impl Strategy<Value = VolumeRequest> {
    (
        sizes_gib,
        durability(),
        zone_checking(),
        prop_oneof![
            3 => Just(None),
            1 => Just(Some("media=ssd")),
            1 => Just(Some("media!=ssd")),
        ],
        prop_oneof![3 => Just(vec![]), 1 => Just(vec![Zone(1), Zone(2)])],
        prop_oneof![3 => Just(vec![]), 1 => Just(vec![Zone(3)])],
        prop_oneof![Just(1.0), Just(1.5)],
    )
        .prop_map(|(size, d, zc, rule, allowed, preferred, factor)| {
            let mut r = VolumeRequest::new(ByteSize::gib(size), d);
            r.zone_checking = zc;
            r.device_tag_match = rule.map(|s| s.parse().unwrap()).into_iter().collect();
            r.allowed_zones = allowed;
            r.preferred_zones = preferred;
            r.snapshot_factor = SnapshotFactor::new(factor).unwrap();
            r
        })
}

/// Settings for exactly `sets` sets of the request.
pub fn settings_for_sets(request: &VolumeRequest, sets: usize, reserve: u32) -> PlacementSettings {
    let share = request.durability.data_share() as u64;
    let max = request.size.bytes().div_ceil(share * sets as u64);
    PlacementSettings {
        min_brick_size: ByteSize::mib(1),
        max_brick_size: ByteSize::b(max.div_ceil(1024) * 1024),
        max_bricks_per_volume: sets * request.durability.set_size(),
        device_reserve_per_mille: reserve,
        ..PlacementSettings::default()
    }
}

/// The data and arbiter brick sizes of a layout of `sets` sets (independent of the engine).
pub fn brick_sizes(
    request: &VolumeRequest,
    settings: &PlacementSettings,
    sets: usize,
) -> (ByteSize, Option<ByteSize>) {
    let share = (request.durability.data_share() * sets) as u64;
    let data = ByteSize::b(request.size.bytes().div_ceil(share).div_ceil(1024) * 1024);
    let arbiter = (request.durability == Durability::Arbiter).then(|| {
        let a = arbiter_brick_size(
            data,
            request.average_file_size,
            settings.min_arbiter_brick_size,
        );
        ByteSize::b(a.bytes().div_ceil(1024) * 1024)
    });
    (data, arbiter)
}

/// Space a device may still give, with the reserve.
pub fn room(d: &Device, settings: &PlacementSettings) -> u64 {
    let keep = (u128::from(d.total.bytes()) * u128::from(settings.device_reserve_per_mille))
        .div_ceil(1000) as u64;
    (d.total.bytes() - keep).saturating_sub(d.used.bytes())
}

fn space(brick: ByteSize, request: &VolumeRequest, d: &Device) -> u64 {
    BrickSpace::for_brick(brick, request.snapshot_factor, d.extent_size)
        .unwrap()
        .total()
        .unwrap()
        .bytes()
}

/// Whether a device may take a brick of `role` under the request's filters (not capacity).
pub fn eligible(model: &Model, request: &VolumeRequest, d: &Device, role: BrickRole) -> bool {
    let n = model.node(d.node).unwrap();
    let arbiter = ArbiterTag::of(&n.tags, &d.tags);
    n.state.is_online()
        && d.state.is_online()
        && (request.allowed_zones.is_empty() || request.allowed_zones.contains(&n.zone))
        && request
            .device_tag_match
            .iter()
            .all(|r| r.matches(&n.tags, &d.tags))
        && match role {
            BrickRole::Data => arbiter.takes_data(),
            BrickRole::Arbiter => arbiter.takes_arbiter(),
        }
}

/// Brute force: is there any valid single set (ordered device tuple)?
pub fn exists_single_set(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
) -> bool {
    let (data, arbiter) = brick_sizes(request, settings, 1);
    let k = request.durability.set_size();
    let devices: Vec<&Device> = model.devices().collect();
    let mut chosen: Vec<usize> = Vec::new();
    fn rec(
        model: &Model,
        request: &VolumeRequest,
        settings: &PlacementSettings,
        devices: &[&Device],
        sizes: (ByteSize, Option<ByteSize>),
        k: usize,
        chosen: &mut Vec<usize>,
    ) -> bool {
        let pos = chosen.len();
        if pos == k {
            return true;
        }
        let role = request.durability.role_at(pos);
        let brick = if role == BrickRole::Arbiter {
            sizes.1.unwrap()
        } else {
            sizes.0
        };
        for (i, d) in devices.iter().enumerate() {
            if chosen.contains(&i) || !eligible(model, request, d, role) {
                continue;
            }
            if room(d, settings) < space(brick, request, d) {
                continue;
            }
            let node = model.node(d.node).unwrap();
            let clash = chosen.iter().any(|&c| {
                let other = model.node(devices[c].node).unwrap();
                other.id == node.id
                    || (request.zone_checking == ZoneChecking::Strict && other.zone == node.zone)
            });
            if clash {
                continue;
            }
            chosen.push(i);
            if rec(model, request, settings, devices, sizes, k, chosen) {
                return true;
            }
            chosen.pop();
        }
        false
    }
    rec(
        model,
        request,
        settings,
        &devices,
        (data, arbiter),
        k,
        &mut chosen,
    )
}

/// Checks every rule a plan must keep; panics with a message naming the broken one.
pub fn check_plan(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    plan: &Plan,
) {
    let k = request.durability.set_size();
    assert_eq!(plan.bricks.len(), plan.set_count * k, "brick count");
    assert!(
        plan.bricks.len() <= settings.max_bricks_per_volume,
        "max bricks"
    );
    assert!(
        plan.data_brick_bytes >= settings.min_brick_size,
        "min brick"
    );
    assert!(
        plan.data_brick_bytes <= settings.max_brick_size,
        "max brick"
    );
    let share = request.durability.data_share() as u64;
    assert!(
        plan.data_brick_bytes.bytes() * share * plan.set_count as u64 >= request.size.bytes(),
        "bricks hold the volume"
    );
    let mut per_device: BTreeMap<DeviceId, u64> = BTreeMap::new();
    for (i, b) in plan.bricks.iter().enumerate() {
        assert_eq!(b.set, i / k, "set order");
        assert_eq!(b.position, i % k, "position order");
        assert_eq!(b.role, request.durability.role_at(b.position), "role");
        let d = model.device(b.device_id).expect("known device");
        let n = model.node(d.node).unwrap();
        assert_eq!(b.node_id, n.id, "brick {i}: node of its device");
        assert_eq!(b.zone, n.zone, "brick {i}: zone of its node");
        assert!(
            n.state.is_online(),
            "brick {i} on a node that is {}",
            n.state
        );
        assert!(
            d.state.is_online(),
            "brick {i} on a device that is {}",
            d.state
        );
        if !request.allowed_zones.is_empty() {
            assert!(
                request.allowed_zones.contains(&n.zone),
                "brick {i} outside allowed zones"
            );
        }
        for rule in &request.device_tag_match {
            assert!(
                rule.matches(&n.tags, &d.tags),
                "brick {i} breaks tag rule {rule}"
            );
        }
        // The arbiter tag, read from the raw tags (a device's tag overrides its node's).
        let arbiter_tag = d
            .tags
            .get("arbiter")
            .or(n.tags.get("arbiter"))
            .map(String::as_str);
        match b.role {
            BrickRole::Data => assert_ne!(
                arbiter_tag,
                Some("required"),
                "data brick {i} on an arbiter-only device"
            ),
            BrickRole::Arbiter => assert_ne!(
                arbiter_tag,
                Some("disabled"),
                "arbiter brick {i} on an arbiter-disabled device"
            ),
        }
        let want = if b.role == BrickRole::Arbiter {
            plan.arbiter_brick_bytes.unwrap()
        } else {
            plan.data_brick_bytes
        };
        assert_eq!(b.size_bytes, want, "equal bricks");
        let s =
            BrickSpace::for_brick(b.size_bytes, request.snapshot_factor, d.extent_size).unwrap();
        assert_eq!(
            (b.pool_bytes, b.metadata_bytes),
            (s.pool, s.metadata),
            "pool and metadata"
        );
        *per_device.entry(d.id).or_default() += s.total().unwrap().bytes();
    }
    for (id, need) in &per_device {
        let d = model.device(*id).unwrap();
        assert!(
            *need <= room(d, settings),
            "device {id} over-booked: {need} > {}",
            room(d, settings)
        );
    }
    for set in 0..plan.set_count {
        let bricks: Vec<_> = plan.set(set).collect();
        let nodes: BTreeSet<_> = bricks.iter().map(|b| b.node_id).collect();
        assert_eq!(nodes.len(), k, "set {set}: two bricks on one node");
        let zones: BTreeSet<_> = bricks.iter().map(|b| b.zone).collect();
        if request.zone_checking == ZoneChecking::Strict {
            assert_eq!(zones.len(), k, "set {set}: strict zones not distinct");
        }
    }
    let mut applied = model.clone();
    plan.commit_to(&mut applied).expect("plan applies");
    assert!(applied.check().is_empty(), "{:?}", applied.check());
}

/// Checks a single-layout refusal's reasons against the model: every number a reason gives
/// is true, and each cause is reported exactly when it holds (offline nodes and devices,
/// each tag rule, allowed zones, too few failure domains with room, arbiter devices, total
/// capacity; a fragmentation reason only when no other cause holds).
pub fn check_reasons(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    reasons: &[Reason],
) {
    let (data, arbiter) = brick_sizes(request, settings, 1);
    let is_arbiter = request.durability == Durability::Arbiter;
    let set_size = request.durability.set_size();
    let data_slots = set_size - usize::from(is_arbiter);
    let node_of = |d: &Device| model.node(d.node).unwrap();
    let dev_online = |d: &Device| d.state.is_online() && node_of(d).state.is_online();

    let offline_nodes = model.nodes().filter(|n| !n.state.is_online()).count();
    let offline_devices = model
        .devices()
        .filter(|d| node_of(d).state.is_online() && !d.state.is_online())
        .count();
    let mut expected_context = Vec::new();
    if offline_nodes > 0 {
        expected_context.push(Reason::NodesOffline {
            offline: offline_nodes,
            total: model.nodes().len(),
        });
    }
    if offline_devices > 0 {
        expected_context.push(Reason::DevicesOffline {
            offline: offline_devices,
            total: model.devices().len(),
        });
    }
    for rule in &request.device_tag_match {
        expected_context.push(Reason::TagRule {
            rule: rule.to_string(),
            matching_devices: model
                .devices()
                .filter(|d| dev_online(d) && rule.matches(&node_of(d).tags, &d.tags))
                .count(),
        });
    }
    if !request.allowed_zones.is_empty() {
        expected_context.push(Reason::AllowedZones {
            zones: request.allowed_zones.clone(),
            matching_nodes: model
                .nodes()
                .filter(|n| n.state.is_online() && request.allowed_zones.contains(&n.zone))
                .count(),
        });
    }
    for r in &expected_context {
        assert!(reasons.contains(r), "missing {r:?} in {reasons:?}");
    }

    // Failure domains and capacity, from the raw model.
    let fits = |d: &Device, role: BrickRole, brick: ByteSize| {
        eligible(model, request, d, role) && room(d, settings) >= space(brick, request, d)
    };
    let mut data_nodes = BTreeSet::new();
    let mut arb_nodes = BTreeSet::new();
    let mut data_zones = BTreeSet::new();
    let mut all_zones = BTreeSet::new();
    let mut free = 0u64;
    for d in model.devices() {
        let n = node_of(d);
        if fits(d, BrickRole::Data, data) {
            data_nodes.insert(n.id);
            data_zones.insert(n.zone);
            all_zones.insert(n.zone);
        }
        if is_arbiter && fits(d, BrickRole::Arbiter, arbiter.unwrap()) {
            arb_nodes.insert(n.id);
            all_zones.insert(n.zone);
        }
        if eligible(model, request, d, BrickRole::Data)
            || (is_arbiter && eligible(model, request, d, BrickRole::Arbiter))
        {
            free += room(d, settings);
        }
    }
    let nodes_with_room = data_nodes.union(&arb_nodes).count();
    let strict = request.zone_checking == ZoneChecking::Strict;
    let (data_units, all_units) = if strict {
        (data_zones.len(), all_zones.len())
    } else {
        (data_nodes.len(), nodes_with_room)
    };
    let some_dev = model.devices().next().unwrap();
    let needed = space(data, request, some_dev) * data_slots as u64
        + arbiter.map_or(0, |a| space(a, request, some_dev));

    let domains = reasons.iter().find_map(|r| match r {
        Reason::FailureDomains {
            policy,
            set_size: s,
            zones_with_room,
            nodes_with_room: n,
            ..
        } => Some((*policy, *s, zones_with_room.clone(), *n)),
        _ => None,
    });
    let short = data_units < data_slots || all_units < set_size;
    assert_eq!(
        domains.is_some(),
        short,
        "failure domains short: {short}; {reasons:?}"
    );
    if let Some((policy, s, zones, n)) = &domains {
        let (policy, s, n) = (*policy, *s, *n);
        assert_eq!(policy, request.zone_checking);
        assert_eq!(s, set_size);
        assert_eq!(
            *zones,
            all_zones.iter().copied().collect::<Vec<_>>(),
            "zones with room"
        );
        assert_eq!(n, nodes_with_room, "nodes with room");
    }
    let capacity = reasons.iter().find_map(|r| match r {
        Reason::Capacity { needed, free, .. } => Some((needed.bytes(), free.bytes())),
        _ => None,
    });
    assert_eq!(
        capacity.is_some(),
        needed > free,
        "need {needed}, free {free}: {reasons:?}"
    );
    if let Some(c) = capacity {
        assert_eq!(c, (needed, free));
    }
    let arbiter_reason = reasons.iter().find_map(|r| match r {
        Reason::ArbiterDevices { nodes_with_room } => Some(*nodes_with_room),
        _ => None,
    });
    if let Some(n) = arbiter_reason {
        assert!(is_arbiter, "arbiter reason for {:?}", request.durability);
        assert_eq!(n, arb_nodes.len(), "arbiter nodes with room");
    } else {
        assert!(
            !is_arbiter || !arb_nodes.is_empty(),
            "no arbiter device, not said"
        );
    }
    let no_layout = reasons.iter().any(|r| matches!(r, Reason::NoLayout { .. }));
    let cause = domains.is_some() || capacity.is_some() || arbiter_reason.is_some();
    assert_eq!(no_layout, !cause, "{reasons:?}");
    let known = reasons.iter().all(|r| {
        expected_context.contains(r)
            || matches!(
                r,
                Reason::FailureDomains { .. }
                    | Reason::Capacity { .. }
                    | Reason::ArbiterDevices { .. }
                    | Reason::NoLayout { .. }
            )
    });
    assert!(known, "unexpected reason in {reasons:?}");
}

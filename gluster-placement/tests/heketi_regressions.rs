//! Regressions for the placement failures Heketi's users reported (GLUSTER.md section 7):
//! each test names the issues and shows the engine does what Heketi did not.

mod common;

use common::*;
use gluster_model::*;
use gluster_placement::{
    plan_volume, PlacementError, PlacementSettings, Plan, Reason, VolumeRequest,
};

fn replica3(size: ByteSize) -> VolumeRequest {
    VolumeRequest::new(size, Durability::replicate(3).unwrap())
}

fn reasons(result: Result<Plan, PlacementError>) -> Vec<Reason> {
    match result {
        Err(PlacementError::Infeasible(inf)) => inf.reasons,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn online_node(zone: u32, devices: Vec<DeviceSpec>) -> NodeSpec {
    NodeSpec {
        zone,
        state: EntityState::Online,
        tags: Tags::new(),
        devices,
    }
}

fn dev(size: ByteSize) -> DeviceSpec {
    DeviceSpec {
        total: size,
        state: EntityState::Online,
        tags: Tags::new(),
    }
}

/// Heketi 505, 524, 996: "No space" when a node was down. The refusal names the offline node
/// and does not blame capacity.
#[test]
fn a_node_down_is_named_not_no_space() {
    let mut nodes: Vec<NodeSpec> = (1..=3)
        .map(|z| online_node(z, vec![dev(ByteSize::tib(1))]))
        .collect();
    nodes[2].state = EntityState::Offline;
    let model = build(&nodes);
    let reasons = reasons(plan_volume(
        &model,
        &replica3(ByteSize::gib(10)),
        &PlacementSettings::default(),
        0,
    ));
    assert!(
        reasons.contains(&Reason::NodesOffline {
            offline: 1,
            total: 3
        }),
        "{reasons:?}"
    );
    assert!(
        !reasons.iter().any(|r| matches!(r, Reason::Capacity { .. })),
        "{reasons:?}"
    );
}

/// Heketi 1629, 331: "Minimum brick size limit reached" when the cause was too few nodes.
/// A small volume on two nodes is refused for its failure domains, not its brick size.
#[test]
fn too_few_nodes_is_named_not_minimum_brick_size() {
    let model = build(&[
        online_node(1, vec![dev(ByteSize::tib(1))]),
        online_node(2, vec![dev(ByteSize::tib(1))]),
    ]);
    let reasons = reasons(plan_volume(
        &model,
        &replica3(ByteSize::gib(1)),
        &PlacementSettings::default(),
        0,
    ));
    assert!(
        reasons.iter().any(|r| matches!(
            r,
            Reason::FailureDomains {
                set_size: 3,
                nodes_with_room: 2,
                ..
            }
        )),
        "{reasons:?}"
    );
    assert!(
        !reasons
            .iter()
            .any(|r| matches!(r, Reason::BelowMinBrick { .. })),
        "{reasons:?}"
    );
}

/// Heketi 996: a tag rule that leaves too few devices was reported as "No space". The rule
/// is named with the number of devices it matches.
#[test]
fn a_tag_rule_is_named() {
    let mut nodes: Vec<NodeSpec> = (1..=3)
        .map(|z| online_node(z, vec![dev(ByteSize::tib(1))]))
        .collect();
    nodes[0].devices[0].tags = tags(&[("media", "ssd")]);
    nodes[1].devices[0].tags = tags(&[("media", "ssd")]);
    let model = build(&nodes);
    let mut request = replica3(ByteSize::gib(10));
    request.device_tag_match = vec!["media=ssd".parse().unwrap()];
    let reasons = reasons(plan_volume(
        &model,
        &request,
        &PlacementSettings::default(),
        0,
    ));
    assert!(
        reasons.iter().any(|r| matches!(
            r,
            Reason::TagRule {
                matching_devices: 2,
                ..
            }
        )),
        "{reasons:?}"
    );
}

/// Heketi 747, 1203, 1794: only power-of-two set counts, so a volume that fits in 3 sets was
/// refused. 3 nodes x 3 devices of 100 GiB take a 280 GiB replica-3 volume as 3 sets of
/// ~94 GiB bricks (4 sets would need 4 bricks per node, on 3 devices each with room for one).
#[test]
fn any_set_count_not_only_powers_of_two() {
    let nodes: Vec<NodeSpec> = (1..=3)
        .map(|z| online_node(z, vec![dev(ByteSize::gib(100)); 3]))
        .collect();
    let model = build(&nodes);
    let settings = PlacementSettings {
        max_brick_size: ByteSize::gib(95),
        ..PlacementSettings::default()
    };
    let plan = plan_volume(&model, &replica3(ByteSize::gib(280)), &settings, 0).unwrap();
    assert_eq!(plan.set_count, 3);
    check_plan(&model, &replica3(ByteSize::gib(280)), &settings, &plan);
}

/// Heketi 947, 1860: first fit on a random ring ignored free space and answered "No space"
/// while another device had room. Here the only device with room on each node is the last
/// one; every seed finds it.
#[test]
fn free_space_is_found_wherever_it_is() {
    let nodes: Vec<NodeSpec> = (1..=3)
        .map(|z| {
            online_node(
                z,
                vec![
                    dev(ByteSize::gib(20)),
                    dev(ByteSize::gib(20)),
                    dev(ByteSize::gib(500)),
                ],
            )
        })
        .collect();
    let model = build(&nodes);
    for seed in 0..32 {
        let plan = plan_volume(
            &model,
            &replica3(ByteSize::gib(300)),
            &PlacementSettings::default(),
            seed,
        )
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert!(
            plan.bricks.iter().all(|b| b.device == "/dev/sdd"),
            "seed {seed}"
        );
    }
}

/// Heketi 716, 231: zones were only a hint unless strict. The default policy (prefer) still
/// spreads every set over distinct zones whenever the cluster allows it, for every seed.
#[test]
fn zones_are_honoured_by_default_when_possible() {
    let nodes: Vec<NodeSpec> = (0..6)
        .map(|i| online_node(i % 3 + 1, vec![dev(ByteSize::tib(1))]))
        .collect();
    let model = build(&nodes);
    let request = replica3(ByteSize::gib(10));
    assert_eq!(request.zone_checking, ZoneChecking::Prefer);
    for seed in 0..32 {
        let plan = plan_volume(&model, &request, &PlacementSettings::default(), seed).unwrap();
        let zones: std::collections::BTreeSet<_> = plan.bricks.iter().map(|b| b.zone).collect();
        assert_eq!(zones.len(), 3, "seed {seed}");
        assert!(
            plan.notes.is_empty(),
            "no degraded-zone note: {:?}",
            plan.notes
        );
    }
}

/// Heketi 1153: plain volumes ignored arbiter tags and put data bricks on devices reserved
/// for arbiters. Here the large devices are `arbiter: required`; a replica-3 volume that only
/// fits on them is refused, one that fits elsewhere never touches them.
#[test]
fn data_bricks_never_land_on_arbiter_only_devices() {
    let nodes: Vec<NodeSpec> = (1..=3)
        .map(|z| {
            let mut arbiter = dev(ByteSize::tib(1));
            arbiter.tags = tags(&[("arbiter", "required")]);
            online_node(z, vec![arbiter, dev(ByteSize::gib(100))])
        })
        .collect();
    let model = build(&nodes);
    assert!(plan_volume(
        &model,
        &replica3(ByteSize::gib(200)),
        &PlacementSettings::default(),
        0
    )
    .is_err());
    let plan = plan_volume(
        &model,
        &replica3(ByteSize::gib(50)),
        &PlacementSettings::default(),
        0,
    )
    .unwrap();
    assert!(
        plan.bricks.iter().all(|b| b.device == "/dev/sdc"),
        "{plan:#?}"
    );
}

/// Heketi's placement was random, its own tests statistical. The same snapshot, request and
/// seed give the same plan, byte for byte, for every layout.
#[test]
fn placement_is_deterministic() {
    let model = uniform(3, 2, 2, ByteSize::tib(1));
    for durability in [
        Durability::replicate(3).unwrap(),
        Durability::Arbiter,
        Durability::disperse(4, 2).unwrap(),
    ] {
        let request = VolumeRequest::new(ByteSize::gib(100), durability);
        let a = plan_volume(&model, &request, &PlacementSettings::default(), 42).unwrap();
        let b = plan_volume(&model.clone(), &request, &PlacementSettings::default(), 42).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }
}

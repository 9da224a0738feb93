//! Expand: whole sets of the volume's brick size, the volume's zone rules, a clean apply, and
//! a refusal that names its cause.

mod day2_support;

use std::collections::BTreeSet;

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;
use gluster_placement::{PlacementError, PlacementSettings, Planner, VolumeRequest};

/// 3 zones x 2 nodes x one 200 GiB device, and a strict replica-3 volume of 2 x 10 GiB.
fn cluster() -> (Model, VolumeId) {
    let mut b = Builder::new();
    for z in 1..=3 {
        for _ in 0..2 {
            let n = b.node(z);
            b.device(n, ByteSize::gib(200));
        }
    }
    let mut model = b.model;
    let settings = PlacementSettings {
        max_brick_size: ByteSize::gib(10),
        ..PlacementSettings::default()
    };
    let mut request = VolumeRequest::new(ByteSize::gib(20), Durability::replicate(3).unwrap());
    request.zone_checking = ZoneChecking::Strict;
    request.name = Some("grow".into());
    let plan = Planner::new(&model, &settings).plan(&request, 1).unwrap();
    assert_eq!(plan.set_count, 2);
    plan.apply(&mut model).unwrap();
    (model, plan.volume_id)
}

fn strict() -> Day2Settings {
    let mut s = Day2Settings::default();
    s.default_policy.zone_checking = ZoneChecking::Strict;
    s
}

#[test]
fn expand_adds_whole_sets_of_the_volume_brick_size() {
    let (model, id) = cluster();
    let plan = plan_expand(&model, id, ByteSize::gib(25), &strict(), 3).unwrap();
    assert_eq!(plan.added_sets, 3);
    assert_eq!(plan.added_bytes, ByteSize::gib(30));
    assert_eq!(plan.bricks.len(), 9);
    assert!(plan
        .bricks
        .iter()
        .all(|b| b.size_bytes == ByteSize::gib(10)));
    let sets: BTreeSet<usize> = plan.bricks.iter().map(|b| b.set).collect();
    assert_eq!(sets, BTreeSet::from([2, 3, 4]));
    for set in 2..5 {
        let zones: BTreeSet<Zone> = plan
            .bricks
            .iter()
            .filter(|b| b.set == set)
            .map(|b| b.zone)
            .collect();
        assert_eq!(zones.len(), 3, "strict zones in set {set}");
    }
    let mut m = model.clone();
    plan.apply(&mut m).unwrap();
    assert!(m.check().is_empty(), "{:?}", m.check());
    let v = m.volume(id).unwrap();
    assert_eq!(v.brick_sets.len(), 5);
    assert_eq!(v.size, ByteSize::gib(50));
    assert!(node_separation_holds(&m));
    // Deterministic.
    assert_eq!(
        plan,
        plan_expand(&model, id, ByteSize::gib(25), &strict(), 3).unwrap()
    );
}

#[test]
fn an_expansion_that_does_not_fit_is_explained() {
    let (model, id) = cluster();
    let err = plan_expand(&model, id, ByteSize::tib(2), &strict(), 3).unwrap_err();
    let PlacementError::Infeasible(inf) = err else {
        panic!("{err}")
    };
    assert!(!inf.reasons.is_empty());
    assert!(inf.to_string().contains("free"), "{inf}");
}

#[test]
fn unknown_volumes_and_zero_sizes_are_refused() {
    let (model, id) = cluster();
    let unknown = VolumeId::from_u128(42);
    assert!(matches!(
        plan_expand(&model, unknown, ByteSize::gib(1), &strict(), 0),
        Err(PlacementError::InvalidRequest(_))
    ));
    assert!(matches!(
        plan_expand(&model, id, ByteSize::ZERO, &strict(), 0),
        Err(PlacementError::InvalidRequest(_))
    ));
}

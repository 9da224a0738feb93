//! Expansion: new sets of the volume's brick size under its zone policy and tag rules,
//! existing bricks untouched, invariants kept, refusals explained.

mod day2_support;

use std::collections::{BTreeMap, BTreeSet};

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;
use proptest::prelude::*;

const BRICK: ByteSize = ByteSize::gib(10);

fn dev_size(bricks: u64) -> ByteSize {
    space(BRICK).checked_mul(bricks).unwrap()
}

/// `zones` zones of two nodes, one device each (room for `room` bricks); one replica-3
/// volume in zones 1..=3.
fn cluster(zones: u32, room: u64, durability: Durability) -> (Builder, Vec<DeviceId>, VolumeId) {
    let mut b = Builder::new();
    let devs: Vec<DeviceId> = (0..zones * 2)
        .map(|i| {
            let n = b.node(1 + i / 2);
            b.device(n, dev_size(room))
        })
        .collect();
    let v = b
        .volume(durability, BRICK, &[vec![devs[0], devs[2], devs[4]]])
        .unwrap();
    (b, devs, v)
}

fn strict(v: VolumeId) -> Day2Settings {
    let mut s = Day2Settings::default();
    s.volume_policies.insert(
        v,
        VolumePolicy {
            zone_checking: ZoneChecking::Strict,
            ..VolumePolicy::default()
        },
    );
    s
}

fn bricks_before(m: &Model) -> BTreeMap<BrickId, Brick> {
    m.bricks().map(|b| (b.id, b.clone())).collect()
}

#[test]
fn adds_sets_of_the_volume_brick_size_in_distinct_zones() {
    let (b, _, v) = cluster(3, 4, Durability::REPLICA_3);
    let settings = strict(v);
    let plan = plan_expand(&b.model, v, ExpandBy::Sets(2), &settings, 5).unwrap();
    assert_eq!((plan.first_set, plan.added_sets), (1, 2));
    assert_eq!(plan.bricks.len(), 6);
    assert_eq!(plan.added_size, BRICK.checked_mul(2).unwrap());
    for set in 1..=2 {
        let zones: BTreeSet<Zone> = plan
            .bricks
            .iter()
            .filter(|x| x.set == set)
            .map(|x| x.zone)
            .collect();
        assert_eq!(zones.len(), 3, "strict zones in set {set}");
    }
    assert!(plan.bricks.iter().all(|x| x.size_bytes == BRICK));
    assert_eq!(
        plan,
        plan_expand(&b.model, v, ExpandBy::Sets(2), &settings, 5).unwrap()
    );

    let before = bricks_before(&b.model);
    let mut m = b.model.clone();
    plan.commit_to(&mut m).unwrap();
    assert!(m.check().is_empty(), "{:?}", m.check());
    assert!(node_separation_holds(&m));
    let vol = m.volume(v).unwrap();
    assert_eq!(vol.brick_sets.len(), 3);
    assert_eq!(vol.size, BRICK.checked_mul(3).unwrap());
    for (id, brick) in before {
        assert_eq!(m.brick(id), Some(&brick), "existing bricks never move");
    }
}

#[test]
fn size_rounds_up_to_whole_sets_and_arbiters_keep_their_size() {
    let (b, _, v) = cluster(3, 4, Durability::Arbiter);
    let plan = plan_expand(
        &b.model,
        v,
        ExpandBy::Size(ByteSize::gib(15)),
        &Day2Settings::default(),
        1,
    )
    .unwrap();
    assert_eq!(plan.added_sets, 2);
    let arb = b
        .model
        .bricks()
        .find(|x| x.role == BrickRole::Arbiter)
        .unwrap()
        .size;
    assert_eq!(plan.arbiter_brick_bytes, Some(arb));
    for x in &plan.bricks {
        let want = if x.position == 2 {
            (BrickRole::Arbiter, arb)
        } else {
            (BrickRole::Data, BRICK)
        };
        assert_eq!((x.role, x.size_bytes), want);
    }
    let mut m = b.model.clone();
    plan.commit_to(&mut m).unwrap();
    assert!(m.check().is_empty(), "{:?}", m.check());
}

#[test]
fn tag_rules_of_the_volume_are_kept() {
    let mut b = Builder::new();
    let mut ssd = Vec::new();
    for i in 0..6u32 {
        let n = b.node(1 + i % 3);
        b.device(n, dev_size(8));
        ssd.push(b.device_tagged(n, dev_size(2), &[("media", "ssd")]));
    }
    let v = b
        .volume(
            Durability::REPLICA_3,
            BRICK,
            &[vec![ssd[0], ssd[1], ssd[2]]],
        )
        .unwrap();
    let mut settings = Day2Settings::default();
    settings.volume_policies.insert(
        v,
        VolumePolicy {
            device_tag_match: vec!["media=ssd".parse().unwrap()],
            ..VolumePolicy::default()
        },
    );
    let plan = plan_expand(&b.model, v, ExpandBy::Sets(1), &settings, 9).unwrap();
    assert!(plan.bricks.iter().all(|x| ssd.contains(&x.device_id)));
    // Five more sets need 15 ssd bricks; the ssd devices hold 12 in all, 3 taken.
    let err = plan_expand(&b.model, v, ExpandBy::Sets(5), &settings, 9).unwrap_err();
    assert!(
        matches!(err, ExpandError::Infeasible { sets: 5, .. }),
        "{err}"
    );
}

#[test]
fn refusals_name_their_cause() {
    let (b, _, v) = cluster(3, 1, Durability::REPLICA_3);
    let settings = strict(v);
    // Devices 0, 2 and 4 are full: one free node per zone, room for one set.
    plan_expand(&b.model, v, ExpandBy::Sets(1), &settings, 2).unwrap();
    let err = plan_expand(&b.model, v, ExpandBy::Sets(2), &settings, 2).unwrap_err();
    let ExpandError::Infeasible { reasons, .. } = &err else {
        panic!("{err}")
    };
    assert!(!reasons.is_empty(), "{err}");

    assert!(matches!(
        plan_expand(&b.model, v, ExpandBy::Sets(0), &settings, 2),
        Err(ExpandError::NothingToAdd)
    ));
    assert!(matches!(
        plan_expand(&b.model, v, ExpandBy::Sets(20), &settings, 2),
        Err(ExpandError::TooManyBricks {
            needed: 63,
            max: 32
        })
    ));
    let unknown = VolumeId::from_u128(7);
    assert_eq!(
        plan_expand(&b.model, unknown, ExpandBy::Sets(1), &settings, 2),
        Err(ExpandError::UnknownVolume(unknown))
    );

    // Strict zones with two zones of room: refused, and the refusal says zones.
    let (b, devs, v) = cluster(3, 2, Durability::REPLICA_3);
    let mut m = b.model.clone();
    for d in [devs[4], devs[5]] {
        m.set_device_state(d, EntityState::Offline).unwrap();
    }
    let err = plan_expand(&m, v, ExpandBy::Sets(1), &strict(v), 2).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("zone") || text.contains("offline"),
        "names zones or offline devices: {text}"
    );
    // The same with `prefer`: placed, and the note says the set spans fewer zones.
    let plan = plan_expand(&m, v, ExpandBy::Sets(1), &Day2Settings::default(), 2).unwrap();
    assert!(plan
        .notes
        .iter()
        .any(|n| matches!(n, gluster_placement::PlanNote::FewerZones { set: 1, .. })));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every expansion keeps the invariants, moves nothing, adds whole sets of the volume's
    /// brick size, and keeps strict zones.
    #[test]
    fn expansions_keep_invariants(
        nodes in prop::collection::vec((1u32..=3, 0u64..=3), 3..=6),
        sets in 1usize..=3,
        replica in 2u8..=3,
        strict_zones in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mut b = Builder::new();
        let mut devs = Vec::new();
        for (zone, room) in &nodes {
            let n = b.node(*zone);
            devs.push(b.device(n, dev_size(room + 1)));
        }
        let set: Vec<DeviceId> = devs.iter().take(replica as usize).copied().collect();
        let v = b.volume(Durability::replicate(replica).unwrap(), BRICK, &[set]).unwrap();
        let mut settings = Day2Settings::default();
        if strict_zones {
            settings = strict(v);
        }
        let before = bricks_before(&b.model);
        match plan_expand(&b.model, v, ExpandBy::Sets(sets), &settings, seed) {
            Ok(plan) => {
                prop_assert_eq!(plan.bricks.len(), sets * replica as usize);
                let mut m = b.model.clone();
                plan.commit_to(&mut m).unwrap();
                prop_assert!(m.check().is_empty(), "{:?}", m.check());
                prop_assert!(node_separation_holds(&m));
                for (id, brick) in &before {
                    prop_assert_eq!(m.brick(*id), Some(brick));
                }
                let vol = m.volume(v).unwrap();
                prop_assert_eq!(vol.brick_sets.len(), 1 + sets);
                for s in &vol.brick_sets[1..] {
                    for id in s {
                        prop_assert_eq!(m.brick(*id).unwrap().size, BRICK);
                    }
                    if strict_zones {
                        prop_assert_eq!(set_zones(&m, s).len(), s.len());
                    }
                }
            }
            Err(ExpandError::Infeasible { reasons, .. }) => prop_assert!(!reasons.is_empty()),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}

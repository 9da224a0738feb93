//! The request types: `VolumeRequest`'s `with_*` methods set what they name and nothing
//! else; `RebalanceRequest` refuses a target that is not a number of at least 1, naming the
//! field, and says "no limit" as `None`.

mod day2_support;

use std::num::NonZeroUsize;

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;
use gluster_placement::VolumeRequest;

#[test]
fn with_methods_set_their_field_and_keep_the_defaults() {
    let base = VolumeRequest::new(ByteSize::gib(10), Durability::REPLICA_3);
    let rule = TagRule {
        key: "media".into(),
        op: TagOp::Equal,
        value: "ssd".into(),
    };
    let built = base
        .clone()
        .with_name("pvc-1")
        .with_zone_checking(ZoneChecking::Strict)
        .with_allowed_zones([Zone(1), Zone(2)])
        .with_preferred_zones([Zone(2)])
        .with_device_tag_match([rule.clone()])
        .with_snapshot_factor(SnapshotFactor::new(1.5).unwrap())
        .with_average_file_size(ByteSize::mib(1))
        .with_cluster(ClusterId::from_u128(7))
        .with_option("a.b", "on")
        .with_option("c.d", "off")
        .with_gid(2000);
    let mut by_hand = base.clone();
    by_hand.name = Some("pvc-1".into());
    by_hand.zone_checking = ZoneChecking::Strict;
    by_hand.allowed_zones = vec![Zone(1), Zone(2)];
    by_hand.preferred_zones = vec![Zone(2)];
    by_hand.device_tag_match = vec![rule];
    by_hand.snapshot_factor = SnapshotFactor::new(1.5).unwrap();
    by_hand.average_file_size = ByteSize::mib(1);
    by_hand.cluster = Some(ClusterId::from_u128(7));
    by_hand.options = vec![("a.b".into(), "on".into()), ("c.d".into(), "off".into())];
    by_hand.gid = 2000;
    assert_eq!(built, by_hand);
    assert_ne!(built, base);
    // The builder form reads the same JSON as before.
    let json = serde_json::to_string(&built).unwrap();
    assert_eq!(serde_json::from_str::<VolumeRequest>(&json).unwrap(), built);
}

#[test]
fn a_rebalance_target_that_is_not_a_number_of_at_least_one_is_refused() {
    let model = grown(60);
    let settings = Day2Settings::default();
    for bad in [f64::NAN, -1.0, 0.0, 0.99, f64::INFINITY, f64::NEG_INFINITY] {
        let err = RebalanceRequest::new(bad)
            .plan(&model, &settings)
            .unwrap_err();
        assert_eq!(err.field, "target", "{bad}");
        assert!(err.reason.contains("at least 1.0"), "{bad}: {err}");
    }
    assert!(RebalanceRequest::new(1.0).plan(&model, &settings).is_ok());
}

#[test]
fn a_rebalance_request_plans_as_the_positional_form_with_none_as_no_limit() {
    let model = grown(60);
    let settings = Day2Settings::default();
    let unlimited = RebalanceRequest::new(1.05)
        .with_seed(3)
        .plan(&model, &settings)
        .unwrap();
    assert!(!unlimited.steps.is_empty());
    assert_eq!(
        unlimited,
        plan_rebalance(&model, 1.05, &settings, 3, usize::MAX)
    );
    let two = RebalanceRequest::new(1.05)
        .with_seed(3)
        .with_max_moves(NonZeroUsize::new(2).unwrap())
        .plan(&model, &settings)
        .unwrap();
    assert_eq!(two, plan_rebalance(&model, 1.05, &settings, 3, 2));
    assert_eq!(two.steps.len(), 2);
    // The defaults: target 1.10, seed 0, no limit.
    assert_eq!(RebalanceRequest::default(), RebalanceRequest::new(1.10));
    assert_eq!(RebalanceRequest::default().max_moves, None);
}

//! Growing a volume in place: bricks and pools grow, devices pay exactly the difference, and
//! a growth past the brick limit or a device's room is refused with the cause.

mod day2_support;

use day2_support::*;
use gluster_model::*;
use gluster_placement::day2::*;

/// Three nodes in three zones, one device of `device` each, and a replica-3 volume of two
/// sets of 10 GiB bricks.
fn volume(device: ByteSize, durability: Durability) -> (Model, VolumeId) {
    let mut b = Builder::new();
    let devs: Vec<DeviceId> = (1..=3)
        .map(|z| {
            let n = b.node(z);
            b.device(n, device)
        })
        .collect();
    let id = b
        .volume(durability, ByteSize::gib(10), &[devs.clone(), devs])
        .unwrap();
    (b.model, id)
}

#[test]
fn bricks_grow_and_devices_pay_the_difference() {
    let (model, id) = volume(ByteSize::gib(200), Durability::replicate(3).unwrap());
    let plan = plan_grow(&model, id, ByteSize::gib(10), &Day2Settings::default()).unwrap();
    assert_eq!(plan.old_size, ByteSize::gib(20));
    assert_eq!(plan.new_size, ByteSize::gib(30));
    assert_eq!(plan.bricks.len(), 6);
    assert!(plan
        .bricks
        .iter()
        .all(|b| b.size_bytes == ByteSize::gib(15)));
    let extra: u64 = plan.bricks.iter().map(|b| b.extra_bytes.bytes()).sum();
    let used_before: u64 = model.devices().map(|d| d.used.bytes()).sum();
    let mut m = model.clone();
    plan.commit_to(&mut m).unwrap();
    assert!(m.check().is_empty(), "{:?}", m.check());
    let used_after: u64 = m.devices().map(|d| d.used.bytes()).sum();
    assert_eq!(used_after - used_before, extra);
    assert_eq!(m.volume(id).unwrap().size, ByteSize::gib(30));
}

#[test]
fn arbiter_bricks_never_shrink() {
    let (model, id) = volume(ByteSize::gib(200), Durability::Arbiter);
    let before: Vec<ByteSize> = model
        .volume(id)
        .unwrap()
        .brick_ids()
        .map(|b| model.brick(b).unwrap().size)
        .collect();
    let plan = plan_grow(&model, id, ByteSize::gib(2), &Day2Settings::default()).unwrap();
    for (b, old) in plan.bricks.iter().zip(before) {
        assert!(b.size_bytes >= old);
    }
    let mut m = model.clone();
    plan.commit_to(&mut m).unwrap();
    assert!(m.check().is_empty());
}

#[test]
fn growth_past_the_brick_limit_or_the_room_is_refused() {
    let (model, id) = volume(ByteSize::gib(200), Durability::replicate(3).unwrap());
    let mut settings = Day2Settings::default();
    settings.placement.max_brick_size = ByteSize::gib(12);
    let err = plan_grow(&model, id, ByteSize::gib(10), &settings).unwrap_err();
    assert!(matches!(err, ExpandError::BrickTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("add sets instead"));

    let (small, id) = volume(
        space(ByteSize::gib(10)).checked_mul(2).unwrap(),
        Durability::replicate(3).unwrap(),
    );
    let err = plan_grow(&small, id, ByteSize::gib(10), &Day2Settings::default()).unwrap_err();
    assert!(matches!(err, ExpandError::NoRoomToGrow { .. }), "{err}");
    assert!(matches!(
        plan_grow(&small, id, ByteSize::ZERO, &Day2Settings::default()),
        Err(ExpandError::NothingToAdd)
    ));
}

#[test]
fn the_model_refuses_to_shrink_or_to_grow_a_foreign_brick() {
    let (mut model, id) = volume(ByteSize::gib(200), Durability::replicate(3).unwrap());
    let brick = model.volume(id).unwrap().brick_ids().next().unwrap();
    let b = model.brick(brick).unwrap().clone();
    let shrink = BrickGrowth {
        brick,
        size: ByteSize::gib(5),
        pool_size: ByteSize::gib(5),
        metadata_size: b.metadata_size,
    };
    let before = model.clone();
    assert!(model.grow_bricks(id, &[shrink], ByteSize::gib(20)).is_err());
    assert_eq!(model, before, "nothing changed");
    let other = VolumeId::from_u128(7);
    let grow = BrickGrowth {
        brick,
        size: ByteSize::gib(11),
        pool_size: ByteSize::gib(11),
        metadata_size: b.metadata_size,
    };
    assert!(model
        .grow_bricks(other, &[grow], ByteSize::gib(20))
        .is_err());
}

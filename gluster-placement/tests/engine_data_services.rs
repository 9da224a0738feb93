//! The engine's data services: snapshots and clones planned against the model's thin pools
//! and committed, subvolumes placed in hosting volumes, device resync; the index stays
//! equal to a fresh one throughout.

mod common;

use common::*;
use gluster_model::{BrickId, ByteSize, Durability, ModelError, SnapshotFactor, VolumeId};
use gluster_placement::{
    Engine, PlacementError, PlacementSettings, SubvolumePlacement, VolumeRequest,
};

fn engine_with_volume(factor: f64) -> (Engine, VolumeId) {
    let mut engine = Engine::new(
        uniform(3, 1, 1, ByteSize::tib(1)),
        PlacementSettings::default(),
    );
    let mut request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    request.name = Some("origin".into());
    request.snapshot_factor = SnapshotFactor::new(factor).unwrap();
    let plan = engine.plan(&request, 1).unwrap();
    engine.commit(&plan).unwrap();
    (engine, plan.volume_id)
}

fn used(engine: &Engine, v: VolumeId, each: ByteSize) -> Vec<(BrickId, ByteSize)> {
    let vol = engine.model().volume(v).unwrap();
    vol.brick_ids().map(|b| (b, each)).collect()
}

#[test]
fn snapshot_planned_and_committed_until_the_reserve_refuses() {
    let (mut engine, v) = engine_with_volume(1.5);
    let data = used(&engine, v, ByteSize::gib(2));
    let s1 = engine.plan_snapshot(v, "s1", &data).unwrap();
    assert!(s1.charges.iter().all(|c| c.1 == ByteSize::gib(2)));
    engine.commit_snapshot(s1).unwrap();
    engine
        .commit_snapshot(engine.plan_snapshot(v, "s2", &data).unwrap())
        .unwrap();
    // 5 GiB of reserve, 4 charged: a third 2 GiB snapshot is refused, naming the bricks.
    let err = engine.plan_snapshot(v, "s3", &data).unwrap_err();
    let first = data[0].0.to_string();
    assert!(err.to_string().contains(&first), "{err}");
    // Unmeasured bricks count as full: refused even as the first snapshot of a fresh one.
    let (fresh, fv) = engine_with_volume(1.5);
    assert!(matches!(
        fresh.plan_snapshot(fv, "s", &[]),
        Err(PlacementError::Model(ModelError::ThinPoolFull { .. }))
    ));
    engine.delete_snapshot("s1").unwrap();
    engine.plan_snapshot(v, "s3", &data).unwrap();
    engine.check_index().unwrap();
}

#[test]
fn clone_planned_from_a_snapshot_lives_in_the_origin_pools() {
    let (mut engine, v) = engine_with_volume(2.0);
    let data = used(&engine, v, ByteSize::gib(1));
    let snap = engine.plan_snapshot(v, "s", &data).unwrap();
    engine.commit_snapshot(snap).unwrap();
    let devices_before: Vec<ByteSize> = engine.model().devices().map(|d| d.used).collect();
    let plan = engine.plan_clone("s", "restored", &data).unwrap();
    assert_eq!(plan.commit.bricks.len(), 3);
    engine.commit_clone(&plan).unwrap();
    engine.check_index().unwrap();
    assert!(
        engine.model().check().is_empty(),
        "{:?}",
        engine.model().check()
    );
    let devices_after: Vec<ByteSize> = engine.model().devices().map(|d| d.used).collect();
    assert_eq!(devices_before, devices_after);
    assert_eq!(engine.model().pool_charged(data[0].0), ByteSize::gib(2));
    // The name is taken now.
    assert!(engine.plan_clone("s", "restored", &data).is_err());
    let mut request = VolumeRequest::new(ByteSize::gib(1), Durability::None);
    request.name = Some("restored".into());
    assert!(engine.plan(&request, 3).is_err());
    // The origin stays while the clone lives; deleting the clone frees its charge.
    assert!(engine.delete_volume(v).is_err());
    engine.delete_volume(plan.record.volume).unwrap();
    engine.check_index().unwrap();
    assert_eq!(engine.model().pool_charged(data[0].0), ByteSize::gib(1));
}

#[test]
fn subvolume_goes_to_a_hosting_volume_with_room_or_asks_for_one() {
    let (mut engine, _) = engine_with_volume(1.0);
    let first = engine.plan_subvolume("pvc-0", ByteSize::gib(1)).unwrap();
    let SubvolumePlacement::NewHosting { name, size } = first else {
        panic!("no hosting volume yet: {first:?}");
    };
    assert_eq!(name, "subvols_1");
    let mut request = VolumeRequest::new(ByteSize::gib(20), Durability::replicate(3).unwrap());
    request.name = Some(name);
    assert_eq!(size, ByteSize::tib(1));
    let hosting = engine.plan(&request, 2).unwrap();
    engine.commit(&hosting).unwrap();
    for i in 0..20 {
        match engine
            .plan_subvolume(&format!("pvc-{i}"), ByteSize::gib(1))
            .unwrap()
        {
            SubvolumePlacement::Existing(s) => {
                assert_eq!(s.hosting, hosting.volume_id);
                engine.commit_subvolume(s).unwrap();
            }
            other => panic!("pvc-{i}: {other:?}"),
        }
    }
    // 20 GiB committed of 20: the next asks for a new hosting volume.
    assert!(matches!(
        engine.plan_subvolume("pvc-x", ByteSize::gib(1)).unwrap(),
        SubvolumePlacement::NewHosting { .. }
    ));
    assert!(engine.expand_subvolume("pvc-0", ByteSize::gib(2)).is_err());
    engine.delete_subvolume("pvc-1").unwrap();
    engine.expand_subvolume("pvc-0", ByteSize::gib(2)).unwrap();
    engine.delete_subvolume("pvc-2").unwrap();
    engine.delete_subvolume("pvc-3").unwrap();
    let clone = engine.clone_subvolume("pvc-0", "pvc-0-clone").unwrap();
    assert_eq!(clone.quota, ByteSize::gib(2));
    assert_eq!(clone.clone_of.as_deref(), Some("pvc-0"));
    assert!(
        engine.clone_subvolume("pvc-0", "pvc-0-clone-2").is_err(),
        "quota full"
    );
    assert!(engine.delete_volume(hosting.volume_id).is_err());
}

#[test]
fn resync_of_a_grown_device_reaches_model_and_index() {
    let (mut engine, v) = engine_with_volume(1.0);
    let dev = engine.model().devices().next().unwrap().id;
    engine.resize_device(dev, ByteSize::tib(3)).unwrap();
    assert_eq!(engine.model().device(dev).unwrap().total, ByteSize::tib(3));
    engine.check_index().unwrap();
    let usage = engine.snapshot().device_usage();
    assert!(usage.iter().any(|u| u.total_bytes == ByteSize::tib(3)));
    let err = engine.resize_device(dev, ByteSize::gib(1)).unwrap_err();
    let brick = engine
        .model()
        .volume(v)
        .unwrap()
        .brick_ids()
        .find(|b| engine.model().brick(*b).unwrap().device == dev);
    assert!(
        err.to_string().contains(&brick.unwrap().to_string()),
        "{err}"
    );
    assert_eq!(engine.model().device(dev).unwrap().total, ByteSize::tib(3));
}

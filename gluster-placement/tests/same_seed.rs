//! Regression (found by the `plan_sequence` fuzz target): two volumes planned with the same
//! seed on one snapshot got the same volume and brick ids, so the second plan did not apply
//! ("duplicate volume id"). New ids now skip those of the snapshot and of committed plans.

use gluster_model::*;
use gluster_placement::{plan_volume, PlacementSettings, Planner, VolumeRequest};

fn model() -> Model {
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: false,
            file: true,
        })
        .unwrap();
    for n in 0..3u32 {
        let node = NodeId::from_u128(100 + u128::from(n));
        model
            .add_node(Node {
                id: node,
                cluster,
                zone: Zone(n + 1),
                manage_hostname: format!("node{n}"),
                storage_hostname: format!("192.0.2.{}", n + 1),
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .unwrap();
        model
            .add_device(Device {
                id: DeviceId::from_u128(200 + u128::from(n)),
                node,
                name: "/dev/sdb".into(),
                total: ByteSize::tib(1),
                used: ByteSize::ZERO,
                extent_size: DEFAULT_EXTENT_SIZE,
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .unwrap();
    }
    model
}

fn request(name: &str) -> VolumeRequest {
    let mut r = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).unwrap());
    r.name = Some(name.into());
    r
}

#[test]
fn one_seed_twice_on_one_snapshot_gives_distinct_ids() {
    let settings = PlacementSettings::default();
    let mut model = model();
    let mut planner = Planner::new(&model, &settings);
    let first = planner.plan(&request("a"), 7).unwrap();
    planner.commit(&first).unwrap();
    first.commit_to(&mut model).unwrap();

    let second = planner.plan(&request("b"), 7).unwrap();
    assert_ne!(first.volume_id, second.volume_id);
    // A fresh planner on the new snapshot agrees with the kept one.
    assert_eq!(
        plan_volume(&model, &request("b"), &settings, 7).unwrap(),
        second
    );
    second.commit_to(&mut model).unwrap();
    assert!(model.check().is_empty(), "{:?}", model.check());
}

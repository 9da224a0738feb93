//! Regression (found by the `plan_sequence` fuzz target): two volumes planned with the same
//! seed on one snapshot got the same volume and brick ids, so the second plan did not apply
//! ("duplicate volume id"). New ids now skip those of the snapshot and of committed plans.

use gluster_model::testing::TestCluster;
use gluster_model::*;
use gluster_placement::{plan_volume, PlacementSettings, Planner, VolumeRequest};

fn model() -> Model {
    TestCluster::new(3, 3).build()
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

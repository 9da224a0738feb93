//! Block volumes: an existing hosting volume with room, else a new one; `ha` hosts spread
//! over zones and load; refusals that name the cause.

use gluster_model::testing::TestCluster;
use gluster_model::*;
use gluster_placement::{plan_block_volume, BlockHost, BlockRequest, PlacementSettings, Reason};

/// 6 nodes in 3 zones, one 2 TiB device each; the cluster allows block volumes.
fn model() -> Model {
    TestCluster::new(6, 3)
        .devices(1, ByteSize::tib(2))
        .block(true)
        .build()
}

fn zone_of(model: &Model, storage: &str) -> Zone {
    model
        .nodes()
        .find(|n| n.storage_hostname == storage)
        .unwrap()
        .zone
}

#[test]
fn the_first_block_volume_plans_a_hosting_volume_and_the_next_reuse_it() {
    let mut model = model();
    let settings = PlacementSettings::default();
    let first =
        plan_block_volume(&model, &BlockRequest::new(ByteSize::gib(100)), &settings, 1).unwrap();
    let BlockHost::New { plan, block_space } = &first.host else {
        panic!("expected a new hosting volume: {first:?}");
    };
    assert_eq!(plan.size_bytes, ByteSize::gib(1024));
    assert!(plan
        .options
        .contains(&("group".into(), "gluster-block".into())));
    assert_eq!(
        *block_space,
        ByteSize::b(
            ByteSize::gib(1024).bytes() - (ByteSize::gib(1024).bytes() * 20).div_ceil(1000)
        )
    );
    let zones: std::collections::BTreeSet<Zone> =
        first.ha_hosts.iter().map(|h| zone_of(&model, h)).collect();
    assert_eq!(first.ha_hosts.len(), 3);
    assert_eq!(
        zones.len(),
        3,
        "ha hosts spread over zones: {:?}",
        first.ha_hosts
    );
    first.commit_to(&mut model).unwrap();
    assert!(model.check().is_empty(), "{:?}", model.check());

    let second =
        plan_block_volume(&model, &BlockRequest::new(ByteSize::gib(200)), &settings, 2).unwrap();
    match &second.host {
        BlockHost::Existing {
            volume_name,
            free_before,
            ..
        } => {
            assert_eq!(volume_name, &plan.volume_name);
            assert_eq!(*free_before, block_space.saturating_sub(ByteSize::gib(100)));
        }
        other => panic!("expected the existing hosting volume: {other:?}"),
    }
    second.commit_to(&mut model).unwrap();
    assert!(model.check().is_empty());
    let hosting = model.volume(plan.volume_id).unwrap();
    assert_eq!(
        hosting.block_hosting.as_ref().unwrap().free_size,
        block_space.saturating_sub(ByteSize::gib(300))
    );
}

#[test]
fn a_full_hosting_volume_leads_to_a_new_one() {
    let mut model = model();
    let settings = PlacementSettings::default();
    let first =
        plan_block_volume(&model, &BlockRequest::new(ByteSize::gib(900)), &settings, 1).unwrap();
    first.commit_to(&mut model).unwrap();
    let next =
        plan_block_volume(&model, &BlockRequest::new(ByteSize::gib(900)), &settings, 2).unwrap();
    assert!(matches!(next.host, BlockHost::New { .. }), "{next:?}");
    next.commit_to(&mut model).unwrap();
    assert!(model.check().is_empty());
    assert_eq!(model.block_volumes().count(), 2);
}

#[test]
fn a_block_volume_larger_than_the_default_hosting_size_gets_a_larger_host() {
    let model = model();
    let plan = plan_block_volume(
        &model,
        &BlockRequest::new(ByteSize::gib(1500)),
        &PlacementSettings::default(),
        1,
    )
    .unwrap();
    let BlockHost::New { block_space, .. } = plan.host else {
        panic!("{plan:?}");
    };
    assert!(block_space >= ByteSize::gib(1500), "{block_space}");
}

#[test]
fn ha_hosts_balance_over_the_nodes_of_the_hosting_volume() {
    let mut model = model();
    let settings = PlacementSettings::default();
    let mut request = BlockRequest::new(ByteSize::gib(10));
    request.ha = 1;
    for seed in 0..9 {
        let plan = plan_block_volume(&model, &request, &settings, seed).unwrap();
        plan.commit_to(&mut model).unwrap();
    }
    let mut per_host = std::collections::BTreeMap::new();
    for b in model.block_volumes() {
        *per_host.entry(b.ha_hosts[0].clone()).or_insert(0) += 1;
    }
    assert_eq!(per_host.len(), 3, "{per_host:?}");
    assert!(per_host.values().all(|&n| n == 3), "{per_host:?}");
}

#[test]
fn too_few_online_nodes_for_ha_is_named() {
    let model = model();
    let mut request = BlockRequest::new(ByteSize::gib(10));
    request.ha = 4;
    let err = plan_block_volume(&model, &request, &PlacementSettings::default(), 1).unwrap_err();
    let gluster_placement::PlacementError::Infeasible(inf) = err else {
        panic!("{err}");
    };
    assert!(
        inf.reasons.iter().any(|r| matches!(
            r,
            Reason::HaHosts {
                needed: 4,
                online: 3,
                ..
            }
        )),
        "{inf}"
    );
}

#[test]
fn an_offline_node_is_never_an_ha_host() {
    let mut model = model();
    let settings = PlacementSettings::default();
    let first =
        plan_block_volume(&model, &BlockRequest::new(ByteSize::gib(10)), &settings, 1).unwrap();
    first.commit_to(&mut model).unwrap();
    let down = model
        .nodes()
        .find(|n| n.storage_hostname == first.ha_hosts[0])
        .unwrap()
        .id;
    model.set_node_state(down, EntityState::Offline).unwrap();
    let mut request = BlockRequest::new(ByteSize::gib(10));
    request.ha = 2;
    let next = plan_block_volume(&model, &request, &settings, 2).unwrap();
    assert!(matches!(next.host, BlockHost::Existing { .. }));
    assert!(!next.ha_hosts.contains(&first.ha_hosts[0]), "{next:?}");
}

#[test]
fn no_block_cluster_is_named() {
    let mut model = Model::new();
    model
        .add_cluster(Cluster {
            id: ClusterId::from_u128(9),
            block: false,
            file: true,
        })
        .unwrap();
    let err = plan_block_volume(
        &model,
        &BlockRequest::new(ByteSize::gib(1)),
        &PlacementSettings::default(),
        1,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("no cluster allows block volumes"),
        "{err}"
    );
}

//! Day-2 plans carried out on the simulated executor: an evacuation in replace-brick waves
//! (heal checked before and after each wave), and an expansion that leaves nothing behind
//! when add-brick fails.

#[path = "runner/support.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use gluster_exec::day2::{apply_expand, apply_replace_waves, HealWait};
use gluster_exec::simulated::{Fault, SimOp, SimulatedExecutor};
use gluster_exec::{Cancel, MemoryJournal};
use gluster_model::{Durability, Model};
use gluster_placement::day2::{
    plan_evacuation, plan_expand, Day2Settings, EvacuationTarget, ExpandBy,
};
use gluster_placement::Plan;

const WAIT: HealWait = HealWait {
    poll: Duration::from_millis(1),
    attempts: 3,
};

/// The support model with two volumes applied on the simulated hosts and in the model.
async fn two_volumes() -> (Model, Arc<SimulatedExecutor>, Vec<Plan>) {
    let mut model = support::model();
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let mut plans = Vec::new();
    for (i, d) in [Durability::replicate(3).unwrap(), Durability::Arbiter]
        .into_iter()
        .enumerate()
    {
        let plan = support::plan(&model, d, &format!("vol_{i}"));
        support::runner(&sim, &Arc::new(MemoryJournal::new()))
            .apply(&plan, &Cancel::new())
            .await
            .unwrap();
        plan.commit_to(&mut model).unwrap();
        plans.push(plan);
    }
    (model, sim, plans)
}

#[tokio::test]
async fn a_node_is_evacuated_wave_by_wave() {
    let (model, sim, plans) = two_volumes().await;
    let node = plans[0].bricks[0].node_id;
    let name = plans[0].bricks[0].node.clone();
    let plan = plan_evacuation(
        &model,
        EvacuationTarget::Node(node),
        &Day2Settings::default(),
        1,
    )
    .unwrap();
    assert!(!plan.steps.is_empty());
    apply_replace_waves(sim.as_ref(), "node1", &plan.steps, WAIT)
        .await
        .unwrap();
    let state = sim.snapshot();
    // No brick is left on the node, and every volume names the new bricks.
    let host = &state.hosts[name.as_str()];
    assert!(
        host.devices.values().all(|d| d.bricks.is_empty()),
        "{host:?}"
    );
    for s in &plan.steps {
        let volume = &state.volumes[&s.volume_name];
        let new = format!("{}:{}", s.new.storage_host, s.new.path);
        assert!(volume.bricks.iter().any(|b| b.to_string() == new));
        assert!(!volume
            .bricks
            .iter()
            .any(|b| b.to_string() == s.old.host_path));
    }
}

#[tokio::test]
async fn a_volume_that_cannot_report_heal_stops_the_wave_before_it_starts() {
    let (model, sim, plans) = two_volumes().await;
    let node = plans[0].bricks[0].node_id;
    let plan = plan_evacuation(
        &model,
        EvacuationTarget::Node(node),
        &Day2Settings::default(),
        1,
    )
    .unwrap();
    let before = sim.snapshot();
    sim.inject(Fault::HostDown("node1".into()));
    let err = apply_replace_waves(sim.as_ref(), "node1", &plan.steps, WAIT)
        .await
        .unwrap_err();
    assert_eq!(err.done, 0);
    assert!(err.what.contains("must be healed first"), "{err}");
    assert_eq!(sim.snapshot(), before);
}

#[tokio::test]
async fn an_expansion_is_applied_or_leaves_nothing() {
    let (model, sim, plans) = two_volumes().await;
    let id = plans[0].volume_id;
    let expand = plan_expand(
        &model,
        id,
        ExpandBy::Size(gluster_model::ByteSize::gib(10)),
        &Day2Settings::default(),
        2,
    )
    .unwrap();
    let host = plans[0].bricks[0].node.clone();

    let before = sim.snapshot();
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeExpand,
        nth: 1,
    });
    let err = apply_expand(
        sim.as_ref(),
        &host,
        Durability::replicate(3).unwrap(),
        &expand,
    )
    .await
    .unwrap_err();
    assert!(err.what.contains("new bricks removed"), "{err}");
    assert_eq!(sim.snapshot(), before);

    sim.restart();
    apply_expand(
        sim.as_ref(),
        &host,
        Durability::replicate(3).unwrap(),
        &expand,
    )
    .await
    .unwrap();
    let volume = &sim.snapshot().volumes["vol_0"];
    assert_eq!(
        volume.bricks.len(),
        plans[0].bricks.len() + expand.bricks.len()
    );
}

#[tokio::test]
async fn a_volume_grows_in_place_and_a_repeat_is_harmless() {
    use gluster_placement::day2::plan_grow;
    let (model, sim, plans) = two_volumes().await;
    let id = plans[0].volume_id;
    let grow = plan_grow(
        &model,
        id,
        gluster_model::ByteSize::gib(10),
        &Day2Settings::default(),
    )
    .unwrap();
    let free = |s: &gluster_exec::simulated::SimState| -> u64 {
        s.hosts
            .values()
            .flat_map(|h| h.devices.values())
            .map(|d| d.free().bytes())
            .sum()
    };
    let before = free(&sim.snapshot());
    gluster_exec::day2::apply_grow(sim.as_ref(), &grow)
        .await
        .unwrap();
    let after = free(&sim.snapshot());
    let extra: u64 = grow.bricks.iter().map(|b| b.extra_bytes.bytes()).sum();
    assert_eq!(before - after, extra);
    gluster_exec::day2::apply_grow(sim.as_ref(), &grow)
        .await
        .unwrap();
    assert_eq!(
        free(&sim.snapshot()),
        after,
        "growing again changes nothing"
    );
}

#[tokio::test]
async fn a_block_volume_gets_a_new_hosting_volume_then_reuses_it() {
    use gluster_placement::{plan_block_volume, BlockHost, BlockRequest, PlacementSettings};
    let mut model = support::model();
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let runner = support::runner(&sim, &Arc::new(MemoryJournal::new()));
    let request = BlockRequest::new(gluster_model::ByteSize::gib(10));
    let first = plan_block_volume(&model, &request, &PlacementSettings::default(), 1).unwrap();
    let BlockHost::New { plan, .. } = &first.host else {
        panic!("{first:?}")
    };
    let host = plan.bricks[0].node.clone();
    gluster_exec::day2::apply_block(&runner, sim.as_ref(), &host, &first)
        .await
        .unwrap();
    first.commit_to(&mut model).unwrap();
    let second = plan_block_volume(&model, &request, &PlacementSettings::default(), 2).unwrap();
    assert!(matches!(second.host, BlockHost::Existing { .. }));
    gluster_exec::day2::apply_block(&runner, sim.as_ref(), &host, &second)
        .await
        .unwrap();
    let state = sim.snapshot();
    assert_eq!(state.volumes.len(), 1, "one hosting volume");
    assert_eq!(state.block_volumes.len(), 2);
}

//! Evacuation through the provisioner on the memory store and simulated hosts: success, a
//! failure mid-run, and a crash recovered with either policy; the store equals the hosts.

use std::sync::Arc;

use gluster_exec::simulated::{Fault, SimOp, SimulatedExecutor};
use gluster_model::{ByteSize, Durability, EntityState, Model, NodeId};
use gluster_placement::day2::{Day2Settings, EvacuationTarget};
use gluster_placement::VolumeRequest;
use gluster_store::testing::{provisioner, topology};
use gluster_store::{
    HostReport, Kind, MemoryStore, Provisioner, RecoveryPolicy, Store, StoreError,
};

fn model() -> Model {
    topology(6, 2, ByteSize::gib(500))
}

/// A provisioner with six replica-3 volumes made through it (three bricks on node0).
async fn setup() -> (Arc<MemoryStore>, Arc<SimulatedExecutor>, Provisioner) {
    let model = model();
    let store = Arc::new(MemoryStore::new());
    gluster_store::ensure_format(store.as_ref()).await.unwrap();
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    for (i, gib) in [10, 20, 30, 40, 50, 60].into_iter().enumerate() {
        let request = VolumeRequest::new(ByteSize::gib(gib), Durability::replicate(3).unwrap());
        p.create(&format!("pvc-{i}"), &request).await.unwrap();
    }
    (store, sim, p)
}

fn node0() -> NodeId {
    NodeId::derived(&["node", "0"])
}

/// Bricks of the stored model on `node`.
fn bricks_on(model: &Model, node: NodeId) -> usize {
    model.bricks().filter(|b| b.node == node).count()
}

/// Store and hosts agree exactly, nothing pending, the model consistent.
async fn assert_agree(p: &Provisioner, store: &MemoryStore, sim: &SimulatedExecutor) {
    let report = HostReport::from_simulated(&sim.snapshot());
    let differences = p.reconcile(&report).await.unwrap();
    assert!(differences.is_empty(), "{differences:?}");
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());
    let model = p.model().await.unwrap();
    assert!(model.check().is_empty(), "{:?}", model.check());
    // Every stored brick is on the hosts and nothing else is.
    let on_hosts: usize = sim
        .snapshot()
        .hosts
        .values()
        .flat_map(|h| h.devices.values())
        .map(|d| d.bricks.len())
        .sum();
    assert_eq!(on_hosts, model.bricks().count());
}

fn device_states(model: &Model, node: NodeId) -> Vec<EntityState> {
    model.devices_of(node).map(|d| d.state).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evacuating_a_node_moves_every_brick_and_takes_it_offline() {
    let (store, sim, p) = setup().await;
    let before = p.model().await.unwrap();
    let on_node = bricks_on(&before, node0());
    assert!(on_node > 0, "the volumes use node0");
    let plan = p
        .evacuate(EvacuationTarget::Node(node0()), &Day2Settings::default())
        .await
        .unwrap();
    assert_eq!(plan.steps.len(), on_node);
    let after = p.model().await.unwrap();
    assert_eq!(bricks_on(&after, node0()), 0);
    assert_eq!(after.volumes().len(), 6);
    assert_eq!(after.bricks().count(), before.bricks().count());
    assert!(device_states(&after, node0())
        .iter()
        .all(|s| *s == EntityState::Offline));
    assert_agree(&p, &store, &sim).await;
    // A new volume does not land on the evacuated node.
    let request = VolumeRequest::new(ByteSize::gib(5), Durability::replicate(3).unwrap());
    p.create("pvc-after", &request).await.unwrap();
    assert_eq!(bricks_on(&p.model().await.unwrap(), node0()), 0);
    // Evacuating it again has nothing to move.
    let again = p
        .evacuate(EvacuationTarget::Node(node0()), &Day2Settings::default())
        .await
        .unwrap();
    assert!(again.steps.is_empty());
    assert_agree(&p, &store, &sim).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_replace_keeps_the_moved_bricks_and_rolls_back_the_others() {
    let (store, sim, p) = setup().await;
    let before = p.model().await.unwrap();
    let on_node = bricks_on(&before, node0());
    assert!(on_node >= 2, "at least two bricks to move");
    sim.inject(Fault::FailOp {
        op: SimOp::ReplaceBrick,
        nth: 2,
    });
    let err = p
        .evacuate(EvacuationTarget::Node(node0()), &Day2Settings::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Hosts {
                rolled_back: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("1 of"), "{err}");
    let after = p.model().await.unwrap();
    assert_eq!(bricks_on(&after, node0()), on_node - 1, "one brick moved");
    assert_eq!(
        device_states(&after, node0()),
        device_states(&before, node0()),
        "states restored"
    );
    assert_agree(&p, &store, &sim).await;
    // The rest moves on a retry.
    p.evacuate(EvacuationTarget::Node(node0()), &Day2Settings::default())
        .await
        .unwrap();
    assert_eq!(bricks_on(&p.model().await.unwrap(), node0()), 0);
    assert_agree(&p, &store, &sim).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_evacuation_is_settled_by_recovery_with_either_policy() {
    // How many host calls a whole evacuation makes: crash after each of them.
    let (_, sim, p) = setup().await;
    let start = sim.calls();
    let target = EvacuationTarget::Node(node0());
    p.evacuate(target, &Day2Settings::default()).await.unwrap();
    let total = sim.calls() - start;
    assert!(total >= 4, "{total} calls");
    for policy in [RecoveryPolicy::RollBack, RecoveryPolicy::Finish] {
        for after_calls in 1..=total {
            let (store, sim, p) = setup().await;
            let on_node = bricks_on(&p.model().await.unwrap(), node0());
            sim.inject(Fault::CrashAfterCall(sim.calls() + after_calls));
            let settings = Day2Settings::default();
            let run = p.evacuate(target, &settings);
            tokio::select! {
                r = run => panic!("the evacuation must crash: {r:?}"),
                () = sim.crashed() => {}
            }
            sim.restart();
            assert_eq!(store.list(Kind::Pending).await.unwrap().len(), 1);
            let p2 = provisioner(store.clone(), &model(), sim.clone())
                .await
                .unwrap();
            let report = p2.recover(policy).await.unwrap();
            assert!(
                report.failed.is_empty(),
                "{policy:?} {after_calls}: {report:?}"
            );
            assert_agree(&p2, &store, &sim).await;
            let left = bricks_on(&p2.model().await.unwrap(), node0());
            match policy {
                RecoveryPolicy::Finish => {
                    assert_eq!((left, report.finished.len()), (0, 1), "{report:?}")
                }
                // Bricks already moved stay moved; the others are rolled back.
                RecoveryPolicy::RollBack => {
                    let ended = (report.finished.len(), report.rolled_back.len());
                    assert_eq!(ended, if left == 0 { (1, 0) } else { (0, 1) });
                    if after_calls == 1 {
                        // The first call prepares a device: nothing was replaced yet.
                        assert_eq!(left, on_node);
                    }
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evacuation_of_an_unknown_node_is_refused_without_change() {
    let (store, _sim, p) = setup().await;
    let rev = store.revision().await.unwrap();
    let unknown = NodeId::derived(&["no such node"]);
    let err = p
        .evacuate(EvacuationTarget::Node(unknown), &Day2Settings::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert_eq!(store.revision().await.unwrap(), rev, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evacuation_waits_for_a_pending_operation_on_its_volumes() {
    let (store, sim, p) = setup().await;
    let model = p.model().await.unwrap();
    let on_node0 = model
        .bricks()
        .find(|b| b.node == node0())
        .map(|b| b.volume)
        .expect("a volume on node0");
    // A delete of that volume crashes mid-way: it stays pending.
    sim.inject(Fault::CrashAfterCall(sim.calls() + 1));
    tokio::select! {
        r = p.delete(on_node0) => panic!("the delete must crash: {r:?}"),
        () = sim.crashed() => {}
    }
    sim.restart();
    let p2 = provisioner(store.clone(), &self::model(), sim.clone())
        .await
        .unwrap();
    let rev = store.revision().await.unwrap();
    let err = p2
        .evacuate(EvacuationTarget::Node(node0()), &Day2Settings::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InProgress(_)), "{err}");
    assert_eq!(store.revision().await.unwrap(), rev, "nothing written");
    // Once recovery has finished the delete, the evacuation runs.
    let report = p2.recover(RecoveryPolicy::RollBack).await.unwrap();
    assert_eq!(report.finished.len(), 1, "{report:?}");
    p2.evacuate(EvacuationTarget::Node(node0()), &Day2Settings::default())
        .await
        .unwrap();
    assert_agree(&p2, &store, &sim).await;
}

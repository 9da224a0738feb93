//! A failure injected at any step leaves the hosts exactly as before the plan.

use std::sync::Arc;

use gluster_exec::journal::{Record, RunOutcome};
use gluster_exec::simulated::{Fault, SimOp, SimulatedExecutor};
use gluster_exec::{ApplyError, Cancel, Journal, MemoryJournal};

use super::support::*;

/// Changing calls a fault-free run of `plan` makes.
async fn calls_of(plan: &gluster_placement::Plan, prepared: bool) -> usize {
    let sim = Arc::new(SimulatedExecutor::from_model(&model(), prepared));
    runner(&sim, &Arc::new(MemoryJournal::new()))
        .apply(plan, &Cancel::new())
        .await
        .unwrap();
    sim.calls()
}

#[tokio::test]
async fn a_fault_free_run_creates_the_planned_volume() {
    for (layout, durability) in layouts() {
        let plan = plan(&model(), durability, "vol_a");
        let sim = Arc::new(SimulatedExecutor::from_model(&model(), false));
        let applied = runner(&sim, &Arc::new(MemoryJournal::new()))
            .apply(&plan, &Cancel::new())
            .await
            .unwrap_or_else(|e| panic!("{layout}: {e}"));
        assert_eq!(applied.volume, "vol_a");
        let state = sim.snapshot();
        let volume = &state.volumes["vol_a"];
        let planned: Vec<String> = plan
            .bricks
            .iter()
            .map(|b| format!("{}:{}", b.storage_host, b.path))
            .collect();
        let created: Vec<String> = volume.bricks.iter().map(|b| b.to_string()).collect();
        assert_eq!(created, planned, "{layout}: brick order");
        assert_eq!(volume.status, gluster_exec::ops::VolumeStatus::Started);
        let bricks: usize = state
            .hosts
            .values()
            .flat_map(|h| h.devices.values())
            .map(|d| d.bricks.len())
            .sum();
        assert_eq!(bricks, plan.bricks.len(), "{layout}");
    }
}

#[tokio::test]
async fn a_failure_at_any_step_leaves_the_hosts_as_before() {
    for prepared in [false, true] {
        for (layout, durability) in layouts() {
            let plan = plan(&model(), durability, "vol_f");
            let calls = calls_of(&plan, prepared).await;
            assert!(calls > plan.bricks.len(), "{layout}: {calls} calls");
            for k in 1..=calls {
                let sim = Arc::new(SimulatedExecutor::from_model(&model(), prepared));
                let before = sim.snapshot();
                sim.inject(Fault::FailCall(k));
                let journal = Arc::new(MemoryJournal::new());
                let err = runner(&sim, &journal)
                    .apply(&plan, &Cancel::new())
                    .await
                    .expect_err("an injected failure fails the run");
                let context = format!("{layout}, prepared {prepared}, failure at call {k}");
                assert!(err.rolled_back_cleanly(), "{context}: {err}");
                assert_eq!(sim.snapshot(), before, "{context}");
                let records = journal.records().unwrap();
                assert!(
                    matches!(
                        records.last(),
                        Some(Record::End {
                            outcome: RunOutcome::RolledBack,
                            ..
                        })
                    ),
                    "{context}: {:?}",
                    records.last()
                );
            }
        }
    }
}

#[tokio::test]
async fn the_error_names_the_failed_step_and_the_rollback() {
    let plan = plan(&model(), durability_r3(), "vol_e");
    let sim = Arc::new(SimulatedExecutor::from_model(&model(), true));
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeStart,
        nth: 1,
    });
    let err = runner(&sim, &Arc::new(MemoryJournal::new()))
        .apply(&plan, &Cancel::new())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("volume start vol_e"), "{text}");
    assert!(text.contains("rolled back completely"), "{text}");
    match err {
        ApplyError::Failed { cause, .. } => {
            assert!(matches!(
                cause,
                gluster_exec::runner::FailureCause::Step { .. }
            ))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_failed_undo_is_reported_and_recovery_finishes_the_rollback() {
    let plan = plan(&model(), durability_r3(), "vol_u");
    let sim = Arc::new(SimulatedExecutor::from_model(&model(), true));
    let before = sim.snapshot();
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeStart,
        nth: 1,
    });
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeDelete,
        nth: 1,
    });
    let journal = Arc::new(MemoryJournal::new());
    let err = runner(&sim, &journal)
        .apply(&plan, &Cancel::new())
        .await
        .unwrap_err();
    assert!(!err.rolled_back_cleanly(), "{err}");
    assert!(err.to_string().contains("recovery will retry"), "{err}");
    // The bricks under the volume that could not be deleted were left alone.
    assert!(sim.snapshot().volumes.contains_key("vol_u"));
    assert_ne!(sim.snapshot(), before);

    sim.restart();
    let recovered = runner(&sim, &journal)
        .recover(gluster_exec::RecoveryPolicy::Finish)
        .await
        .unwrap();
    assert_eq!(recovered.len(), 1);
    assert_eq!(
        recovered[0].outcome,
        RunOutcome::RolledBack,
        "{recovered:?}"
    );
    assert_eq!(sim.snapshot(), before);
}

#[tokio::test]
async fn cancelling_mid_run_rolls_back() {
    let plan = plan(&model(), durability_r3(), "vol_c");
    let sim = Arc::new(SimulatedExecutor::from_model(&model(), false));
    let before = sim.snapshot();
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    let runner = runner(&sim, &Arc::new(MemoryJournal::new())).with_progress(move |p| {
        // Cancel once bricks exist, so rollback has real work.
        if matches!(p, gluster_exec::Progress::StepDone { what, .. } if what.starts_with("brick")) {
            trigger.cancel();
        }
    });
    let err = runner.apply(&plan, &cancel).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::Failed {
                cause: gluster_exec::runner::FailureCause::Cancelled,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.rolled_back_cleanly());
    assert_eq!(sim.snapshot(), before);
}

fn durability_r3() -> gluster_model::Durability {
    gluster_model::Durability::replicate(3).unwrap()
}

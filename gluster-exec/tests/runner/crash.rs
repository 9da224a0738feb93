//! A crash at any step, then recovery: the full volume or nothing, never half.

use std::sync::Arc;

use gluster_exec::journal::RunOutcome;
use gluster_exec::simulated::{Fault, SimState, SimulatedExecutor};
use gluster_exec::{Cancel, FileJournal, HostLimits, Journal, RecoveryPolicy, Runner};
use gluster_placement::Plan;

use super::support::*;

/// The hosts after a fault-free run, and the number of changing calls it made.
async fn reference(plan: &Plan) -> (SimState, usize) {
    let sim = Arc::new(SimulatedExecutor::from_model(&model(), false));
    runner(&sim, &Default::default())
        .apply(plan, &Cancel::new())
        .await
        .unwrap();
    (sim.snapshot(), sim.calls())
}

/// Run `plan` until the armed crash fires; the run's future is dropped there, like a
/// process that died.
async fn run_until_crash(sim: &Arc<SimulatedExecutor>, journal: Arc<dyn Journal>, plan: &Plan) {
    let runner = Runner::new(sim.clone(), journal, HostLimits::new(2));
    let cancel = Cancel::new();
    tokio::select! {
        result = runner.apply(plan, &cancel) => panic!("no crash: {result:?}"),
        () = sim.crashed() => {}
    }
}

#[tokio::test]
async fn a_crash_at_any_step_then_recovery_ends_in_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (layout, durability) in layouts() {
        let plan = plan(&model(), durability, "vol_x");
        let (full, calls) = reference(&plan).await;
        for k in 1..=calls {
            for (policy, after) in [
                (RecoveryPolicy::RollBack, false),
                (RecoveryPolicy::RollBack, true),
                (RecoveryPolicy::Finish, false),
                (RecoveryPolicy::Finish, true),
            ] {
                let context = format!(
                    "{layout}: crash {} call {k}, {policy:?}",
                    if after { "after" } else { "before" }
                );
                let sim = Arc::new(SimulatedExecutor::from_model(&model(), false));
                let before = sim.snapshot();
                sim.inject(if after {
                    Fault::CrashAfterCall(k)
                } else {
                    Fault::CrashBeforeCall(k)
                });
                let path = dir
                    .path()
                    .join(format!("{layout}-{k}-{policy:?}-{after}.journal"));
                run_until_crash(&sim, Arc::new(FileJournal::open(&path).unwrap()), &plan).await;

                // A new process: a new journal handle on the same file.
                sim.restart();
                let journal: Arc<dyn Journal> = Arc::new(FileJournal::open(&path).unwrap());
                let recovered = Runner::new(sim.clone(), journal.clone(), HostLimits::new(2))
                    .recover(policy)
                    .await
                    .unwrap();
                assert_eq!(recovered.len(), 1, "{context}");
                let expected = match policy {
                    RecoveryPolicy::RollBack => (RunOutcome::RolledBack, &before),
                    RecoveryPolicy::Finish => (RunOutcome::Completed, &full),
                };
                assert_eq!(recovered[0].outcome, expected.0, "{context}: {recovered:?}");
                assert_eq!(&sim.snapshot(), expected.1, "{context}");

                // Recovery ended the run: a second recovery has nothing to do.
                let again = Runner::new(sim.clone(), journal, HostLimits::new(2))
                    .recover(policy)
                    .await
                    .unwrap();
                assert!(again.is_empty(), "{context}: {again:?}");
            }
        }
    }
}

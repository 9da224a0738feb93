//! The executor conformance suite against the simulated executor (the real-pool test runs
//! it against glusterd).

use gluster_exec::conformance::{run, Fixture};
use gluster_exec::simulated::SimulatedExecutor;

#[tokio::test]
async fn the_simulated_executor_conforms() {
    let (fixture, state) = Fixture::simulated(3);
    let sim = SimulatedExecutor::new(state);
    let report = run(&sim, &fixture).await;
    let failed: Vec<_> = report.iter().filter(|c| !c.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report.len(), 7);
    // Every case cleaned up: no brick and no volume remain.
    let after = sim.snapshot();
    assert!(after.volumes.is_empty(), "{:?}", after.volumes);
    assert!(after
        .hosts
        .values()
        .flat_map(|h| h.devices.values())
        .all(|d| d.bricks.is_empty()));
}

#[tokio::test]
async fn the_suite_catches_an_executor_that_is_not_idempotent() {
    use gluster_exec::simulated::{Fault, SimOp};
    let (fixture, state) = Fixture::simulated(3);
    let sim = SimulatedExecutor::new(state);
    // A second `volume start` that fails, as a non-idempotent executor would.
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeStart,
        nth: 2,
    });
    let report = run(&sim, &fixture).await;
    let failed: Vec<&str> = report
        .iter()
        .filter(|c| !c.passed())
        .map(|c| c.name)
        .collect();
    assert_eq!(failed, ["replica_3_volume_lifecycle"], "{report:#?}");
}

#[tokio::test]
async fn fewer_than_three_hosts_is_reported() {
    let (fixture, state) = Fixture::simulated(2);
    let report = run(&SimulatedExecutor::new(state), &fixture).await;
    assert_eq!(report.len(), 1);
    assert!(!report[0].passed());
}

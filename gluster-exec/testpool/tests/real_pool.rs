//! Proof on a real GlusterFS pool: plans from `gluster_placement` carried out by glusterd
//! 10 in network namespaces, and the failures the layouts promise to survive, survived.
//!
//! Needs root, glusterfs-server, xfsprogs, /dev/fuse (the harness fails loudly otherwise):
//! `cargo test -p gluster-testpool --test real_pool -- --test-threads=1 --nocapture`
//! (or `gluster-exec/testpool/tests/real-pool.sh`). One pool of 3 zones x 2 nodes serves every step;
//! each step prints its run time.

#[path = "real_pool/cli.rs"]
mod cli;
#[path = "real_pool/day2.rs"]
mod day2;
#[path = "real_pool/failures.rs"]
mod failures;
#[path = "real_pool/files.rs"]
mod files;
#[path = "real_pool/provisioner.rs"]
mod provisioner;
#[path = "real_pool/scenario.rs"]
mod scenario;
#[path = "real_pool/service.rs"]
mod service;
#[path = "real_pool/ssh.rs"]
mod ssh;
#[path = "real_pool/xml.rs"]
mod xml;

use std::time::{Duration, Instant};

use gluster_model::{ByteSize, Durability, ZoneChecking};
use gluster_testpool::{clean_stale_runs, PoolSpec, TestPool};

use cli::Cli;
use scenario::{Env, Loss, VolumeCase};

#[test]
fn real_gluster_pool() {
    let total = Instant::now();
    let mut times: Vec<(String, Duration)> = Vec::new();
    let mut timed = |label: &str, t: Instant| {
        eprintln!("[real_pool] {label}: {:.1} s", t.elapsed().as_secs_f64());
        times.push((label.to_string(), t.elapsed()));
    };

    let t = Instant::now();
    let pool = TestPool::start(&PoolSpec::new(3, 2)).unwrap_or_else(|e| panic!("{e}"));
    let trace = pool.trace();
    let cli = Cli::new(pool.transport());
    let mut env = Env { pool, cli };
    timed("pool up: 6 glusterd nodes in 3 zones, XFS loop disks", t);

    let t = Instant::now();
    scenario::transport_reaches_each_node(&env);
    timed(
        "NodeTransport: each node's namespaces; unreachable and timeout errors",
        t,
    );

    let t = Instant::now();
    scenario::peer_probe_all(&env);
    timed(
        "peer probe of every node through CommandExecutor, all connected on every node",
        t,
    );

    let cases = [
        VolumeCase {
            name: "rep3zones",
            durability: Durability::replicate(3).unwrap(),
            size: ByteSize::gib(1),
            zones: ZoneChecking::Strict,
            loss: Loss::ZoneOfFirstBrick,
            prove_limit: true,
        },
        VolumeCase {
            name: "arbiter",
            durability: Durability::Arbiter,
            size: ByteSize::gib(1),
            zones: ZoneChecking::Strict,
            loss: Loss::ZoneOfFirstBrick,
            prove_limit: false,
        },
        VolumeCase {
            name: "disperse42",
            durability: Durability::disperse(4, 2).unwrap(),
            size: ByteSize::gib(4),
            zones: ZoneChecking::Prefer,
            loss: Loss::NodesOfFirstBricks(2),
            prove_limit: true,
        },
    ];
    for case in &cases {
        let t = Instant::now();
        for (step, took) in scenario::run_volume_case(&mut env, case) {
            eprintln!(
                "[real_pool]   {}: {step}: {:.1} s",
                case.name,
                took.as_secs_f64()
            );
        }
        timed(
            &format!("{}: plan, apply, survive, heal, delete", case.name),
            t,
        );
    }

    let t = Instant::now();
    for (step, took) in day2::evacuate_node_under_mount(&mut env) {
        eprintln!("[real_pool]   evac: {step}: {:.1} s", took.as_secs_f64());
    }
    timed(
        "evacuate a node under a mounted replica-3 volume, data intact",
        t,
    );

    let t = Instant::now();
    failures::conformance(&env);
    timed("executor conformance suite against glusterd", t);

    let t = Instant::now();
    for (step, took) in ssh::over_ssh(&mut env) {
        eprintln!("[real_pool]   ssh: {step}: {:.1} s", took.as_secs_f64());
    }
    timed(
        "sshd in every node: conformance and a replica-3 plan over ssh",
        t,
    );

    let t = Instant::now();
    for (step, took) in failures::node_killed_mid_apply(&mut env) {
        eprintln!("[real_pool]   {step}: {:.1} s", took.as_secs_f64());
    }
    timed("node killed in the middle of apply: rollback, recovery", t);

    let t = Instant::now();
    for (step, took) in failures::crash_then_recover(&env) {
        eprintln!("[real_pool]   {step}: {:.1} s", took.as_secs_f64());
    }
    timed("caller crashed mid-run: recovery from the journal file", t);

    let t = Instant::now();
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    let left = trace.leftovers();
    assert!(left.is_empty(), "left behind: {left:#?}");
    timed("teardown, nothing left behind", t);

    eprintln!(
        "[real_pool] summary (total {:.1} s):",
        total.elapsed().as_secs_f64()
    );
    for (label, took) in &times {
        eprintln!("[real_pool]   {:>6.1} s  {label}", took.as_secs_f64());
    }
    assert!(
        total.elapsed() < Duration::from_secs(15 * 60),
        "over 15 minutes"
    );
}

/// The crashed-caller recovery alone, three rounds on one pool: it was flaky (a rollback's
/// brick removal raced a brick creation of the dropped run still in flight).
#[test]
fn crash_then_recover() {
    let t = Instant::now();
    let pool = TestPool::start(&PoolSpec::new(3, 2)).unwrap_or_else(|e| panic!("{e}"));
    let trace = pool.trace();
    let cli = Cli::new(pool.transport());
    let env = Env { pool, cli };
    scenario::peer_probe_all(&env);
    eprintln!("[real_pool] pool up: {:.1} s", t.elapsed().as_secs_f64());
    for round in 1..=3 {
        for (step, took) in failures::crash_then_recover(&env) {
            eprintln!(
                "[real_pool]   round {round}: {step}: {:.1} s",
                took.as_secs_f64()
            );
        }
    }
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    let left = trace.leftovers();
    assert!(left.is_empty(), "left behind: {left:#?}");
}

/// A burst of 30 creates through the gluster-store Provisioner with the embedded store, a
/// second burst in a child process killed with SIGKILL, recovery: pool and store agree.
/// (The child is this test binary again, told so by its environment.)
#[test]
fn provisioner_burst_sigkill_recover() {
    if std::env::var_os(provisioner::CHILD_STORE).is_some() {
        return provisioner::child();
    }
    let t = Instant::now();
    let pool = TestPool::start(&PoolSpec::new(3, 2)).unwrap_or_else(|e| panic!("{e}"));
    let trace = pool.trace();
    let cli = Cli::new(pool.transport());
    let env = Env { pool, cli };
    scenario::peer_probe_all(&env);
    eprintln!("[real_pool] pool up: {:.1} s", t.elapsed().as_secs_f64());
    for (step, took) in provisioner::burst_kill_recover(&env) {
        eprintln!(
            "[real_pool]   provisioner: {step}: {:.1} s",
            took.as_secs_f64()
        );
    }
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    let left = trace.leftovers();
    assert!(left.is_empty(), "left behind: {left:#?}");
}

/// Heketi's Python client -> `gluster-plan serve` (store, ssh) -> glusterd: a replica-3 volume
/// with strict zones created, mounted, written, expanded, deleted; then the service SIGKILLed
/// mid-create and restarted: the volume is complete or gone everywhere, and the store agrees.
/// Needs `GLUSTER_PLAN_BIN` (real-pool.sh sets it).
#[test]
fn heketi_client_through_the_service_over_ssh() {
    let t = Instant::now();
    let pool = TestPool::start(&PoolSpec::new(3, 2)).unwrap_or_else(|e| panic!("{e}"));
    let trace = pool.trace();
    let cli = Cli::new(pool.transport());
    let mut env = Env { pool, cli };
    scenario::peer_probe_all(&env);
    eprintln!("[real_pool] pool up: {:.1} s", t.elapsed().as_secs_f64());
    service::through_the_service(&mut env);
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    let left = trace.leftovers();
    assert!(left.is_empty(), "left behind: {left:#?}");
    eprintln!(
        "[real_pool] service: total {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// Teardown runs when a test panics, and a run whose test process died (no teardown at all)
/// is removed by `clean_stale_runs`: in both cases nothing of the run is left.
#[test]
fn a_panic_tears_down_and_a_crashed_run_is_cleaned() {
    let spec = PoolSpec {
        disk_size: ByteSize::gib(1),
        ..PoolSpec::new(1, 2)
    };
    let t = Instant::now();
    let slot = std::sync::Mutex::new(None);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let pool = TestPool::start(&spec).unwrap_or_else(|e| panic!("{e}"));
        *slot.lock().unwrap() = Some(pool.trace());
        panic!("a deliberate failure in the middle of a test");
    }));
    assert!(result.is_err());
    let trace = slot.lock().unwrap().take().expect("the pool started");
    let left = trace.leftovers();
    assert!(left.is_empty(), "left behind after a panic: {left:#?}");
    eprintln!(
        "[real_pool] panic: pool torn down on unwind: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let pool = TestPool::start(&spec).unwrap_or_else(|e| panic!("{e}"));
    let trace = pool.trace();
    // As if the test process had been killed: no teardown, and its owner pid is gone
    // (pids stay below pid_max, at most 2^22).
    std::fs::write(trace.dir.join("owner"), "4194304 0\n").unwrap();
    std::mem::forget(pool);
    assert!(!trace.leftovers().is_empty());
    let (cleaned, problems) = clean_stale_runs();
    assert!(cleaned.contains(&trace.prefix), "{cleaned:?}");
    assert!(problems.is_empty(), "{problems:?}");
    let left = trace.leftovers();
    assert!(
        left.is_empty(),
        "left behind by the stale-run cleanup: {left:#?}"
    );
    eprintln!(
        "[real_pool] crash: stale run cleaned: {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

//! The executor layer against glusterd: the conformance suite, a node killed in the middle
//! of `apply` (rollback, then recovery), and a caller that crashed mid-run (recovery from
//! the journal file finishes the volume, or removes it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gluster_exec::conformance::{self, Fixture, FixtureHost};
use gluster_exec::journal::RunOutcome;
use gluster_exec::ops::DeviceSetup;
use gluster_exec::{Cancel, DirectoryMounts, Progress, RecoveryPolicy};
use gluster_model::{ByteSize, Durability, ZoneChecking};
use gluster_placement::{plan_volume, Plan, VolumeRequest};
use gluster_testpool::BRICK_ROOT;

use super::cli::delete_volume_with_executor;
use super::scenario::{check_deleted, check_volume_info, wait_all_connected, Env};
use super::xml;

/// The conformance suite of gluster-exec, run by the command executor on nodes 0, 2 and 4
/// (one per zone).
pub fn conformance(env: &Env) {
    let model = env.pool.model().expect("model");
    let mounts = DirectoryMounts::under_root(BRICK_ROOT);
    let hosts = [0, 2, 4]
        .iter()
        .map(|&i| {
            let node = env.pool.node(i);
            let device = model.devices_of(node.id).next().expect("a device");
            FixtureHost {
                device: DeviceSetup {
                    host: node.name.clone(),
                    device_id: device.id,
                    device: device.name.clone(),
                },
                storage_host: node.address.clone(),
                brick_dir: mounts.mount_of(device.id).expect("mount point"),
            }
        })
        .collect();
    let fixture = Fixture {
        hosts,
        prefix: "conformance".into(),
    };
    let executor = env.cli.executor();
    let report = env
        .cli
        .block_on(conformance::run(executor.as_ref(), &fixture));
    for case in &report {
        eprintln!("[real_pool]   conformance {}: {:?}", case.name, case.result);
    }
    let failed: Vec<_> = report.iter().filter(|c| !c.passed()).collect();
    assert!(failed.is_empty(), "conformance failures: {failed:#?}");
}

fn replica3_plan(env: &Env, name: &str) -> Plan {
    let model = env.pool.model().expect("model");
    let mut request = VolumeRequest::new(ByteSize::gib(1), Durability::replicate(3).unwrap());
    request.name = Some(name.to_string());
    request.zone_checking = ZoneChecking::Strict;
    plan_volume(&model, &request, &env.pool.placement_settings(), 11).expect("plan")
}

fn node_index(env: &Env, name: &str) -> usize {
    env.pool
        .nodes()
        .iter()
        .position(|n| n.name == name)
        .expect("planned node is in the pool")
}

/// Whether `volume` exists, asked on `host`.
fn volume_exists(env: &Env, host: &str, volume: &str) -> bool {
    let out = env.cli.run(
        host,
        &[
            "gluster",
            "--mode=script",
            "--xml",
            "volume",
            "info",
            volume,
        ],
    );
    xml::first(&out.stdout, "opRet").as_deref() == Some("0")
}

/// The plan's brick directories that exist on `nodes`.
fn brick_dirs_left(env: &Env, plan: &Plan, nodes: &[String]) -> Vec<String> {
    plan.bricks
        .iter()
        .filter(|b| nodes.iter().any(|n| *n == b.node))
        .filter_map(|b| {
            let dir = b.path.trim_end_matches("/brick");
            (env.cli.run(&b.node, &["test", "-e", dir]).status == 0)
                .then(|| format!("{}:{dir}", b.node))
        })
        .collect()
}

/// Kill a node holding a brick as soon as its brick exists: the volume create fails, the
/// runner rolls back, and the surviving nodes keep no volume and no brick directory; after
/// the node is back, recovery from the journal leaves nothing anywhere.
pub fn node_killed_mid_apply(env: &mut Env) -> Vec<(String, Duration)> {
    let mut steps = Vec::new();
    let mut t = Instant::now();
    let plan = replica3_plan(env, "midkill");
    let victim = plan.bricks[1].node.clone();
    let victim_index = node_index(env, &victim);
    let killer = env.pool.killer(victim_index);
    let killed = Arc::new(AtomicBool::new(false));
    let flag = killed.clone();
    let suffix = format!(" on {victim}");
    let runner = env.cli.runner("midkill").with_progress(move |p| {
        if let Progress::StepDone { what, .. } = p {
            if what.starts_with("brick")
                && what.ends_with(&suffix)
                && !flag.swap(true, Ordering::SeqCst)
            {
                killer.kill().expect("kill the node");
            }
        }
    });
    let err = env
        .cli
        .block_on(runner.apply(&plan, &Cancel::new()))
        .expect_err("apply with a brick's node killed must fail");
    assert!(killed.load(Ordering::SeqCst), "the node was never killed");
    eprintln!("[real_pool]   midkill: apply failed as it must: {err}");
    assert!(err.rolled_back_cleanly(), "{err}");
    let survivors: Vec<String> = plan
        .bricks
        .iter()
        .map(|b| b.node.to_string())
        .filter(|n| *n != victim)
        .collect();
    assert!(!volume_exists(env, &plan.bricks[0].node, "midkill"));
    let left = brick_dirs_left(env, &plan, &survivors);
    assert!(
        left.is_empty(),
        "brick directories left on survivors: {left:?}"
    );
    steps.push((
        format!(
            "{victim} killed after its brick was made: apply failed, rolled back, survivors clean"
        ),
        t.elapsed(),
    ));
    t = Instant::now();

    env.pool
        .restart_node(victim_index)
        .expect("restart the node");
    wait_all_connected(env);
    let recovered = env
        .cli
        .block_on(env.cli.runner("midkill").recover(RecoveryPolicy::RollBack))
        .expect("recovery");
    assert!(recovered.is_empty(), "the run had ended: {recovered:?}");
    let all: Vec<String> = plan.bricks.iter().map(|b| b.node.to_string()).collect();
    assert!(!volume_exists(env, &plan.bricks[0].node, "midkill"));
    assert!(brick_dirs_left(env, &plan, &all).is_empty());
    steps.push((
        "node back; recovery finds the run ended, nothing left on any node".into(),
        t.elapsed(),
    ));
    steps
}

/// The caller dies after `crash_after` is done (the run's future is dropped, no journal
/// `End`); a new runner on the same journal file recovers with `policy`.
fn crash_and_recover(
    env: &Env,
    name: &str,
    crash_after: &'static str,
    policy: RecoveryPolicy,
) -> Plan {
    let plan = replica3_plan(env, name);
    let notify = Arc::new(tokio::sync::Notify::new());
    let signal = notify.clone();
    let runner = env.cli.runner(name).with_progress(move |p| {
        if matches!(p, Progress::StepDone { what, .. } if what.starts_with(crash_after)) {
            signal.notify_one();
        }
    });
    let cancel = Cancel::new();
    env.cli.block_on(async {
        tokio::select! {
            result = runner.apply(&plan, &cancel) => panic!("{name}: no crash: {result:?}"),
            () = notify.notified() => {}
        }
    });
    let recovered = env
        .cli
        .block_on(env.cli.runner(name).recover(policy))
        .expect("recovery");
    let expected = match policy {
        RecoveryPolicy::Finish => RunOutcome::Completed,
        RecoveryPolicy::RollBack => RunOutcome::RolledBack,
    };
    assert_eq!(recovered.len(), 1, "{recovered:?}");
    assert_eq!(recovered[0].outcome, expected, "{recovered:?}");
    plan
}

/// A crash after `volume create`, then recovery that finishes: the volume is started with the
/// planned bricks. A crash after the first brick, then recovery that rolls back: nothing left.
pub fn crash_then_recover(env: &Env) -> Vec<(String, Duration)> {
    let mut steps = Vec::new();
    let t = Instant::now();
    let plan = crash_and_recover(env, "crashfinish", "volume create", RecoveryPolicy::Finish);
    check_volume_info(env, &plan);
    let status = env
        .cli
        .gluster_xml(&plan.bricks[0].node, &["volume", "info", "crashfinish"]);
    assert_eq!(xml::first(&status, "statusStr").as_deref(), Some("Started"));
    delete_volume_with_executor(&env.cli, &plan);
    check_deleted(env, &plan);
    steps.push((
        "caller crashed after volume create; recovery finished it (started, planned bricks)".into(),
        t.elapsed(),
    ));

    let t = Instant::now();
    let plan = crash_and_recover(env, "crashundo", "brick", RecoveryPolicy::RollBack);
    check_deleted(env, &plan);
    steps.push((
        "caller crashed after a brick; recovery rolled back, nothing left".into(),
        t.elapsed(),
    ));
    steps
}

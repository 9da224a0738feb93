//! The ssh transport against real OpenSSH servers: every node runs sshd in its namespaces
//! (key authentication only), the client checks host keys strictly, and the command
//! executor carries out the conformance suite and a replica-3 plan over ssh, as Heketi drove
//! Gluster outside Kubernetes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gluster_exec::{Backend, CommandExecutor, DirectoryMounts, ExecError, SshTransport, Transport};
use gluster_model::{ByteSize, Durability, ZoneChecking};
use gluster_placement::{plan_volume, VolumeRequest};
use gluster_testpool::BRICK_ROOT;

use super::cli::{apply_plan_with_executor, delete_volume_with_executor, Cli};
use super::failures;
use super::scenario::{self, Env};

pub fn over_ssh(env: &mut Env) -> Vec<(String, Duration)> {
    let mut steps = Vec::new();
    let mut t = Instant::now();
    let mut step = |label: &str, t: &mut Instant| {
        steps.push((label.to_string(), t.elapsed()));
        *t = Instant::now();
    };

    let access = env.pool.enable_ssh().unwrap_or_else(|e| panic!("{e}"));
    let transport = access.transport();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for node in env.pool.nodes() {
        let out = rt
            .block_on(transport.run(&node.name, &argv(&["hostname", "-I"]), SECONDS_30))
            .unwrap_or_else(|e| panic!("ssh {}: {e}", node.name));
        assert!(out.success(), "{}: {out:?}", node.name);
        assert!(
            out.stdout.split_whitespace().any(|a| a == node.address),
            "ssh {} reached {:?}, not the node's address {}",
            node.name,
            out.stdout.trim(),
            node.address
        );
    }
    step(
        "sshd in every node; ssh by manage name reaches that node",
        &mut t,
    );

    // A host key that does not match is refused: strict checking is real.
    let mut wrong = std::fs::read_to_string(&access.known_hosts).expect("known hosts");
    let first = env.pool.node(0);
    let second = env.pool.node(1);
    let key_of = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .and_then(|l| l.split_once(' ').map(|(_, k)| k.to_string()))
            .expect("known host line")
    };
    let (k0, k1) = (key_of(&wrong, &first.name), key_of(&wrong, &second.name));
    wrong = wrong
        .replace(&k0, "SWAP")
        .replace(&k1, &k0)
        .replace("SWAP", &k1);
    let swapped = access.known_hosts.with_file_name("known_hosts_swapped");
    std::fs::write(&swapped, wrong).expect("write swapped known hosts");
    // Its own control directory: a shared connection from above would skip the key check.
    let fresh_control = tempfile::tempdir().expect("control directory");
    let strict = SshTransport::new(fresh_control.path())
        .config_file(&access.config)
        .option(format!("UserKnownHostsFile={}", swapped.display()));
    let refused = rt.block_on(strict.run(&first.address, &argv(&["true"]), SECONDS_30));
    assert!(
        matches!(refused, Err(ExecError::Unreachable { .. })),
        "a changed host key must be refused: {refused:?}"
    );
    step(
        "a changed host key is refused (strict host-key checking)",
        &mut t,
    );

    let backend = Backend::Directory(DirectoryMounts::under_root(BRICK_ROOT));
    let executor = Arc::new(CommandExecutor::new(transport, backend));
    // Checks still run inside the nodes; every executor call goes over ssh.
    let over_ssh = Cli::with_executor(env.pool.transport(), executor);
    let inside = std::mem::replace(&mut env.cli, over_ssh);

    failures::conformance(env);
    step(
        "executor conformance suite over ssh against glusterd",
        &mut t,
    );

    let model = env.pool.model().expect("model");
    let mut request = VolumeRequest::new(ByteSize::gib(1), Durability::replicate(3).unwrap());
    request.name = Some("overssh".into());
    request.zone_checking = ZoneChecking::Strict;
    let plan = plan_volume(&model, &request, &env.pool.placement_settings(), 5).expect("plan");
    apply_plan_with_executor(&env.cli, &plan);
    scenario::check_volume_info(env, &plan);
    step(
        "replica 3, strict zones: planned, applied over ssh, volume info shows the plan",
        &mut t,
    );
    delete_volume_with_executor(&env.cli, &plan);
    env.cli = inside;
    let gone = env.cli.run(
        &plan.bricks[0].node,
        &["gluster", "--mode=script", "volume", "info", "overssh"],
    );
    assert!(!gone.success(), "volume overssh still exists: {gone:?}");
    step(
        "volume stopped, deleted and its bricks removed over ssh",
        &mut t,
    );
    steps
}

const SECONDS_30: Duration = Duration::from_secs(30);

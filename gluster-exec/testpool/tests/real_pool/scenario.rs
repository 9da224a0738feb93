//! The steps of the proof: peer probe, then per volume layout plan, apply, check the brick
//! order, survive the loss the layout promises to survive, heal, delete.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gluster_model::{BrickRole, ByteSize, Durability, ZoneChecking};
use gluster_placement::{plan_volume, Plan, VolumeRequest};
use gluster_testpool::TestPool;

use super::cli::{
    apply_plan_with_executor, delete_volume_with_executor, planned_bricks, volume_bricks, Cli,
};
use super::{files, xml};

/// The pool and the way to run commands in it.
pub struct Env {
    pub pool: TestPool,
    pub cli: Cli,
}

/// Which nodes lose every process.
pub enum Loss {
    /// Every node of the zone of the plan's first brick.
    ZoneOfFirstBrick,
    /// The nodes of the plan's first `n` bricks.
    NodesOfFirstBricks(usize),
}

/// One volume layout to prove.
pub struct VolumeCase {
    pub name: &'static str,
    pub durability: Durability,
    pub size: ByteSize,
    pub zones: ZoneChecking,
    pub loss: Loss,
    /// Also lose one brick more than the layout tolerates and check that writes stop.
    pub prove_limit: bool,
}

/// Poll `check` every 250 ms until it holds; panic with `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    start.elapsed()
}

/// Probe every node from node 0 through the command executor (twice: probing a peer already
/// in the pool is fine), then check glusterd on every node and wait until every node sees every other as connected.
pub fn peer_probe_all(env: &Env) {
    let nodes = env.pool.nodes();
    let first = &nodes[0].name;
    for _ in 0..2 {
        for n in &nodes[1..] {
            env.cli.peer_probe(first, &n.address);
        }
    }
    for n in nodes {
        env.cli.check_glusterd(&n.name);
    }
    wait_all_connected(env);
}

/// Plan, apply, check, survive, heal, delete one volume; returns each step's run time.
pub fn run_volume_case(env: &mut Env, case: &VolumeCase) -> Vec<(String, Duration)> {
    let mut steps = Vec::new();
    let mut t = Instant::now();
    let mut step = |label: &str, t: &mut Instant| {
        steps.push((label.to_string(), t.elapsed()));
        *t = Instant::now();
    };

    let model = env.pool.model().expect("model of the pool");
    let mut request = VolumeRequest::new(case.size, case.durability);
    request.name = Some(case.name.to_string());
    request.zone_checking = case.zones;
    let plan = plan_volume(&model, &request, &env.pool.placement_settings(), 7)
        .unwrap_or_else(|e| panic!("{}: no plan: {e}", case.name));
    check_plan_shape(&plan, case);
    apply_plan_with_executor(&env.cli, &plan);
    step(
        "plan and apply through CommandExecutor (directory bricks, volume create, start)",
        &mut t,
    );
    apply_plan_with_executor(&env.cli, &plan);
    step(
        "applying the same plan again changes nothing (idempotent)",
        &mut t,
    );

    check_volume_info(env, &plan);
    step(
        "volume info --xml shows the planned bricks in order",
        &mut t,
    );

    let mount = env.pool.mount(case.name).expect("FUSE mount");
    let before = files::generate(&format!("{}-before", case.name), 24);
    files::write_all(&mount, &before);
    step("FUSE mount, 24 files written", &mut t);

    let victims = victims(&env.pool, &plan, &case.loss);
    for &i in &victims {
        env.pool.kill_node(i).expect("kill node");
    }
    step(
        &format!("every process of nodes {victims:?} killed"),
        &mut t,
    );

    files::verify_all(&mount, &before);
    let during = files::generate(&format!("{}-during", case.name), 12);
    files::write_all(&mount, &during);
    files::verify_all(&mount, &during);
    let fresh = env
        .pool
        .mount(case.name)
        .expect("fresh FUSE mount through a live node");
    files::verify_all(&fresh, &before);
    files::verify_all(&fresh, &during);
    env.pool.unmount(&fresh).expect("unmount the fresh mount");
    step(
        "old files intact and new writes succeed (also through a fresh mount)",
        &mut t,
    );

    let mut victims = victims;
    if case.prove_limit {
        let extra = beyond_tolerance(&env.pool, &plan, &victims);
        env.pool.kill_node(extra).expect("kill one node more");
        let refused = std::fs::write(mount.join("beyond-tolerance"), b"must not be written");
        assert!(
            refused.is_err(),
            "a write succeeded with more bricks lost than tolerated"
        );
        victims.push(extra);
        step(
            &format!("node {extra} killed too: one brick beyond tolerance, the write is refused"),
            &mut t,
        );
    }

    for &i in &victims {
        env.pool.restart_node(i).expect("restart glusterd");
    }
    env.pool.force_start(case.name).expect("volume start force");
    let healed = wait_for_heal(env, &plan);
    step(
        &format!(
            "nodes back; heal finished after {:.1} s",
            healed.as_secs_f64()
        ),
        &mut t,
    );

    check_healed_copies(env, &plan, &victims, &during);
    files::verify_all(&mount, &before);
    files::verify_all(&mount, &during);
    env.pool.unmount(&mount).expect("unmount");
    step(
        "the restarted bricks hold the files written while they were down",
        &mut t,
    );

    // Restarted glusterds must have rejoined before the delete: a peer that misses it keeps
    // the volume, and glusterd then refuses every new brick on that node ("Brick may be
    // containing or be contained by an existing brick"), as seen once in this test.
    wait_all_connected(env);
    delete_volume_with_executor(&env.cli, &plan);
    check_deleted(env, &plan);
    check_model_capacity(&model, &plan);
    step(
        "volume delete removes the volume and its bricks; the model gets the space back",
        &mut t,
    );
    steps
}

fn check_plan_shape(plan: &Plan, case: &VolumeCase) {
    let set_size = case.durability.set_size();
    assert_eq!(plan.bricks.len(), plan.set_count * set_size, "{plan:#?}");
    for set in 0..plan.set_count {
        let bricks: Vec<_> = plan.set(set).collect();
        let nodes: BTreeSet<_> = bricks.iter().map(|b| b.node_id).collect();
        assert_eq!(nodes.len(), set_size, "set {set} on distinct nodes");
        if case.zones == ZoneChecking::Strict {
            let zones: BTreeSet<_> = bricks.iter().map(|b| b.zone).collect();
            assert_eq!(zones.len(), set_size, "set {set} in distinct zones");
        }
    }
}

pub fn check_volume_info(env: &Env, plan: &Plan) {
    let host = &plan.bricks[0].node;
    let (info, bricks) = volume_bricks(&env.cli, host, &plan.volume_name);
    assert_eq!(
        bricks,
        planned_bricks(plan),
        "brick order of {}",
        plan.volume_name
    );
    let count = |tag: &str| xml::first(&info, tag).unwrap_or_default();
    assert_eq!(count("statusStr"), "Started");
    assert_eq!(count("brickCount"), plan.bricks.len().to_string());
    match plan.durability {
        Durability::Replicate(replica) => {
            assert_eq!(count("replicaCount"), replica.to_string());
            assert_eq!(count("arbiterCount"), "0");
        }
        Durability::Arbiter => {
            assert_eq!(
                (count("replicaCount"), count("arbiterCount")),
                ("3".into(), "1".into())
            );
            assert!(
                bricks.iter().enumerate().all(|(i, b)| b.1 == (i % 3 == 2)),
                "{bricks:?}"
            );
        }
        Durability::Disperse(layout) => {
            assert_eq!(count("disperseCount"), layout.count().to_string());
            assert_eq!(count("redundancyCount"), layout.redundancy().to_string());
        }
        Durability::None => {}
    }
}

/// A node holding a brick of set 0 that is still up.
fn beyond_tolerance(pool: &TestPool, plan: &Plan, victims: &[usize]) -> usize {
    plan.set(0)
        .map(|b| pool.nodes().iter().position(|n| n.name == b.node).unwrap())
        .find(|i| !victims.contains(i))
        .expect("a set brick still up")
}

fn victims(pool: &TestPool, plan: &Plan, loss: &Loss) -> Vec<usize> {
    let index_of = |name: &str| pool.nodes().iter().position(|n| n.name == name).unwrap();
    match loss {
        Loss::ZoneOfFirstBrick => pool.zone_nodes(plan.bricks[0].zone),
        Loss::NodesOfFirstBricks(n) => plan.bricks[..*n]
            .iter()
            .map(|b| index_of(&b.node))
            .collect(),
    }
}

/// Trigger heal until every brick is connected and no brick lists an entry to heal.
fn wait_for_heal(env: &Env, plan: &Plan) -> Duration {
    let host = &plan.bricks[0].node;
    let name = &plan.volume_name;
    wait_until(&format!("heal of {name}"), Duration::from_secs(300), || {
        let _ = env
            .cli
            .run(host, &["gluster", "--mode=script", "volume", "heal", name]);
        let out = env.cli.run(
            host,
            &[
                "gluster",
                "--mode=script",
                "--xml",
                "volume",
                "heal",
                name,
                "info",
            ],
        );
        let bricks = xml::all(&out.stdout, "brick");
        bricks.len() == plan.bricks.len()
            && bricks.iter().all(|b| {
                xml::first(b, "status").as_deref() == Some("Connected")
                    && xml::first(b, "numberOfEntries").as_deref() == Some("0")
            })
    })
}

/// On every brick of a restarted node, the files written while it was down exist now
/// (full size on replica data bricks; arbiter bricks and disperse fragments only exist).
fn check_healed_copies(env: &Env, plan: &Plan, victims: &[usize], during: &[files::Known]) {
    let names: Vec<&str> = victims
        .iter()
        .map(|&i| env.pool.node(i).name.as_str())
        .collect();
    for b in plan
        .bricks
        .iter()
        .filter(|b| names.contains(&b.node.as_str()))
    {
        for f in during {
            let path = format!("{}/{}", b.path, f.name);
            let size = env.cli.ok(&b.node, &["stat", "--format=%s", &path]);
            if matches!(plan.durability, Durability::Replicate(_))
                || (plan.durability == Durability::Arbiter && b.role == BrickRole::Data)
            {
                assert_eq!(
                    size.trim(),
                    f.data.len().to_string(),
                    "healed copy {}:{path}",
                    b.node
                );
            }
        }
    }
}

pub fn check_deleted(env: &Env, plan: &Plan) {
    for node in env.pool.nodes() {
        let out = env.cli.run(
            &node.name,
            &[
                "gluster",
                "--mode=script",
                "--xml",
                "volume",
                "info",
                &plan.volume_name,
            ],
        );
        assert_ne!(
            xml::first(&out.stdout, "opRet").as_deref(),
            Some("0"),
            "volume {} still exists on {}",
            plan.volume_name,
            node.name
        );
    }
    for b in &plan.bricks {
        let dir = b.path.trim_end_matches("/brick");
        let gone = env.cli.run(&b.node, &["test", "-e", dir]);
        assert_eq!(gone.status, 1, "{}:{dir} still exists", b.node);
    }
}

/// Committing the plan books space on its devices; deleting the volume returns all of it.
fn check_model_capacity(model: &gluster_model::Model, plan: &Plan) {
    let mut m = model.clone();
    plan.commit_to(&mut m)
        .expect("commit the plan to the model");
    for b in &plan.bricks {
        assert!(m.device(b.device_id).unwrap().used > ByteSize::ZERO);
    }
    m.delete_volume(plan.volume_id)
        .expect("delete the volume in the model");
    for d in model.devices() {
        assert_eq!(
            m.device(d.id).unwrap().used,
            d.used,
            "device {} got its space back",
            d.name
        );
    }
    assert!(m.check().is_empty());
}

/// The transport runs in each node's own network namespace; an unknown host is unreachable
/// and a command that outlives its timeout is killed.
pub fn transport_reaches_each_node(env: &Env) {
    use gluster_exec::{ExecError, Transport};
    for n in env.pool.nodes() {
        let addr = env
            .cli
            .ok(&n.name, &["ip", "-o", "-4", "addr", "show", "dev", "eth0"]);
        assert!(
            addr.contains(&format!(" {}/24 ", n.address)),
            "{}: {addr}",
            n.name
        );
        let by_address = env.cli.ok(&n.address, &["cat", "/proc/self/mountinfo"]);
        assert!(
            by_address.contains(" /var/lib/glusterd "),
            "private glusterd state on {}",
            n.name
        );
    }
    let transport = env.pool.transport();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let unknown =
        rt.block_on(transport.run("nosuchnode", &argv(&["true"]), Duration::from_secs(5)));
    assert!(
        matches!(unknown, Err(ExecError::Unreachable { .. })),
        "{unknown:?}"
    );
    let node = &env.pool.node(0).name;
    let slow =
        rt.block_on(transport.run(node, &argv(&["sleep", "30"]), Duration::from_millis(300)));
    assert!(matches!(slow, Err(ExecError::Timeout { .. })), "{slow:?}");
}

/// Wait until every node sees every other as a connected peer.
pub fn wait_all_connected(env: &Env) {
    let nodes = env.pool.nodes();
    wait_until(
        "every peer connected on every node",
        Duration::from_secs(60),
        || {
            nodes.iter().all(|n| {
                let out = env.cli.run(
                    &n.name,
                    &["gluster", "--mode=script", "--xml", "peer", "status"],
                );
                let peers = xml::all(&out.stdout, "peer");
                peers.len() == nodes.len() - 1
                    && peers.iter().all(|p| {
                        xml::first(p, "connected").as_deref() == Some("1")
                            && xml::first(p, "stateStr").as_deref() == Some("Peer in Cluster")
                    })
            })
        },
    );
}

//! Raw gluster CLI calls through the pool's `NodeTransport`, and the plan applied with them.
//!
//! Stand-in until the command executor and the runner land: `apply_plan_with_cli` and
//! `delete_volume_with_cli` are the two places to switch to `CommandExecutor` + runner.

use std::time::Duration;

use gluster_exec::testpool::NodeTransport;
use gluster_exec::{CommandOutput, Transport};
use gluster_model::{BrickRole, Durability};
use gluster_placement::Plan;

use super::xml;

/// Runs commands inside nodes, blocking on a private runtime.
pub struct Cli {
    rt: tokio::runtime::Runtime,
    transport: NodeTransport,
}

impl Cli {
    pub fn new(transport: NodeTransport) -> Cli {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        Cli { rt, transport }
    }

    /// Run `argv` on `host`; a transport error panics.
    pub fn run(&self, host: &str, argv: &[&str]) -> CommandOutput {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        self.rt
            .block_on(self.transport.run(host, &argv, Duration::from_secs(120)))
            .unwrap_or_else(|e| panic!("{host}: {argv:?}: {e}"))
    }

    /// Run `argv` on `host` and require exit status 0; returns stdout.
    pub fn ok(&self, host: &str, argv: &[&str]) -> String {
        let out = self.run(host, argv);
        assert!(out.success(), "{host}: {argv:?} failed: {out:?}");
        out.stdout
    }

    /// `gluster --mode=script --xml ARGS` on `host`, requiring `opRet` 0; returns the XML.
    pub fn gluster_xml(&self, host: &str, args: &[&str]) -> String {
        let mut argv = vec!["gluster", "--mode=script", "--xml"];
        argv.extend_from_slice(args);
        let out = self.run(host, &argv);
        let ret = xml::first(&out.stdout, "opRet");
        assert_eq!(ret.as_deref(), Some("0"), "{host}: {argv:?}: {out:?}");
        out.stdout
    }
}

/// The layout words of `gluster volume create` for a durability.
pub fn layout_args(d: Durability) -> Vec<String> {
    match d {
        Durability::None => Vec::new(),
        Durability::Replicate { replica } => vec!["replica".into(), replica.to_string()],
        Durability::Arbiter => ["replica", "3", "arbiter", "1"].map(String::from).to_vec(),
        Durability::Disperse { data, redundancy } => vec![
            "disperse".into(),
            (data + redundancy).to_string(),
            "redundancy".into(),
            redundancy.to_string(),
        ],
    }
}

/// Carry out a plan in its order: every brick directory on its node, `volume create` with
/// the bricks in plan order, the options, `volume start`. Runs on the first brick's node.
pub fn apply_plan_with_cli(cli: &Cli, plan: &Plan) {
    for b in &plan.bricks {
        cli.ok(&b.node, &["mkdir", "-p", &b.path]);
    }
    let host = &plan.bricks[0].node;
    let mut args: Vec<String> = vec!["volume".into(), "create".into(), plan.volume_name.clone()];
    args.extend(layout_args(plan.durability));
    args.extend(
        plan.bricks
            .iter()
            .map(|b| format!("{}:{}", b.storage_host, b.path)),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cli.gluster_xml(host, &args);
    for (key, value) in &plan.options {
        cli.gluster_xml(host, &["volume", "set", &plan.volume_name, key, value]);
    }
    cli.gluster_xml(host, &["volume", "start", &plan.volume_name]);
}

/// Stop and delete the volume, then remove every brick directory (`brick_<id>`, the parent
/// of the served `brick` directory), as a brick destroy does.
pub fn delete_volume_with_cli(cli: &Cli, plan: &Plan) {
    let host = &plan.bricks[0].node;
    cli.gluster_xml(host, &["volume", "stop", &plan.volume_name]);
    cli.gluster_xml(host, &["volume", "delete", &plan.volume_name]);
    for b in &plan.bricks {
        let dir = b.path.trim_end_matches("/brick");
        cli.ok(&b.node, &["rm", "-rf", "--one-file-system", "--", dir]);
    }
}

/// What `volume info --xml` says about a volume's bricks: `(host:path, is arbiter)` in order.
pub fn volume_bricks(cli: &Cli, host: &str, volume: &str) -> (String, Vec<(String, bool)>) {
    let info = cli.gluster_xml(host, &["volume", "info", volume]);
    let bricks = xml::all(&info, "brick")
        .iter()
        .map(|b| {
            let name = xml::first(b, "name").expect("brick name");
            (name, xml::first(b, "isArbiter").as_deref() == Some("1"))
        })
        .collect();
    (info, bricks)
}

/// The bricks a plan promises, as `volume info` names them.
pub fn planned_bricks(plan: &Plan) -> Vec<(String, bool)> {
    plan.bricks
        .iter()
        .map(|b| {
            (
                format!("{}:{}", b.storage_host, b.path),
                b.role == BrickRole::Arbiter,
            )
        })
        .collect()
}

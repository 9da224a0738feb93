//! `gluster-plan commands`: a dry run printing every command a plan would run.

use std::fmt::Write;

use gluster_exec::dry_run::{plan_commands, PlannedCommand};
use gluster_exec::render::Guard;
use gluster_exec::transport::quote_command;
use gluster_placement::plan_volume;

use super::apply::{backend, mount_root};
use super::args::{BackendArg, CommandsArgs, OutputFormat};
use super::{refusal, resolve, to_json, EXIT_PLACED};

pub(crate) fn run(args: &CommandsArgs) -> Result<i32, String> {
    let (model, request, mut settings) = resolve(&args.placement)?;
    let root = mount_root(&args.brick_mount_root)?;
    settings.brick_mount_root = root.clone();
    let backend = backend(args.backend, &root);
    let plan = match plan_volume(&model, &request, &settings, args.placement.seed) {
        Ok(plan) => plan,
        Err(e) => return refusal(e, args.placement.output),
    };
    let commands = plan_commands(&plan, &backend).map_err(|e| e.to_string())?;
    let hosts = by_host(&commands);
    match args.placement.output {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "volume": plan.volume_name,
                "backend": match args.backend {
                    BackendArg::Lvm => "lvm",
                    BackendArg::Directory => "directory",
                },
                "hosts": hosts
                    .iter()
                    .map(|(host, cmds)| serde_json::json!({"host": host, "commands": cmds}))
                    .collect::<Vec<_>>(),
            });
            outln!("{}", to_json(&doc));
        }
        OutputFormat::Table => out!("{}", table(&hosts)),
    }
    Ok(EXIT_PLACED)
}

/// Commands grouped per host, hosts in order of their first command.
fn by_host(commands: &[PlannedCommand]) -> Vec<(String, Vec<&PlannedCommand>)> {
    let mut hosts: Vec<(String, Vec<&PlannedCommand>)> = Vec::new();
    for c in commands {
        match hosts.iter_mut().find(|(h, _)| *h == c.host) {
            Some((_, list)) => list.push(c),
            None => hosts.push((c.host.clone(), vec![c])),
        }
    }
    hosts
}

fn table(hosts: &[(String, Vec<&PlannedCommand>)]) -> String {
    let mut out = String::new();
    for (host, cmds) in hosts {
        let _ = writeln!(out, "host {host}:");
        for c in cmds {
            let guard = match &c.guard {
                Guard::Always => String::new(),
                Guard::SkipIfOk(p) => format!("  # unless `{}`", quote_command(p)),
                Guard::OnlyIfOk(p) => format!("  # only if `{}`", quote_command(p)),
            };
            let _ = writeln!(
                out,
                "  {:>4}  {:<14} {}{guard}",
                c.seq,
                c.operation,
                quote_command(&c.argv)
            );
        }
    }
    out
}

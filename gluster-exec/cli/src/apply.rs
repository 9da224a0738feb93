//! `gluster-plan apply` and `gluster-plan recover`: run a plan, or finish or roll back
//! interrupted runs, through a transport with a journal file, printing progress.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gluster_model::Model;
use gluster_placement::plan_volume;

use gluster_exec::journal::RunOutcome;
use gluster_exec::simulated::{Fault, SimulatedExecutor};
use gluster_exec::{
    Backend, Cancel, CommandExecutor, DirectoryMounts, Executor, FileJournal, HostLimits,
    KubectlTransport, LocalTransport, Progress, RecoveryPolicy, Runner, SshTransport,
};

use super::args::{ApplyArgs, BackendArg, ExecArgs, OutputFormat, RecoverArgs, TransportArg};
use super::{output, refusal, resolve, to_json, topology, EXIT_PLACED};

/// Exit status when a run failed and was rolled back completely.
pub const EXIT_ROLLED_BACK: i32 = 3;
/// Exit status when a run failed and its rollback is incomplete (`recover` retries it).
pub const EXIT_ROLLBACK_INCOMPLETE: i32 = 4;

/// Heketi's mount root, the default of plans.
pub(crate) const DEFAULT_MOUNT_ROOT: &str = "/var/lib/heketi/mounts";

pub(crate) fn mount_root(arg: &Option<String>) -> Result<String, String> {
    let root = arg
        .clone()
        .unwrap_or_else(|| DEFAULT_MOUNT_ROOT.to_string());
    gluster_model::MountRoot::new(root)
        .map(String::from)
        .map_err(|e| format!("--brick-mount-root: {e}"))
}

pub(crate) fn backend(arg: BackendArg, root: &str) -> Backend {
    match arg {
        BackendArg::Lvm => Backend::LvmThin,
        BackendArg::Directory => Backend::Directory(DirectoryMounts::under_root(root)),
    }
}

/// Whether `--simulate-failure-at N` asked for a call the run never made.
fn missed_fault(sim: &SimulatedExecutor, args: &ExecArgs) -> bool {
    args.simulate_failure_at
        .is_some_and(|n| usize::from(n) > sim.calls())
}

/// The executor, and the simulated one when that is it.
type Exec = (Arc<dyn Executor>, Option<Arc<SimulatedExecutor>>);

pub(crate) fn executor(args: &ExecArgs, model: &Model, root: &str) -> Result<Exec, String> {
    let backend = backend(args.backend, root);
    let real = |e: Arc<dyn Executor>| (e, None);
    Ok(match args.transport {
        TransportArg::Simulated => {
            let sim = Arc::new(SimulatedExecutor::from_model(model, false));
            if let Some(n) = args.simulate_failure_at {
                sim.inject(Fault::FailCall(usize::from(n)));
            }
            (sim.clone(), Some(sim))
        }
        TransportArg::Local => real(Arc::new(CommandExecutor::new(
            LocalTransport::new(),
            backend,
        ))),
        TransportArg::Ssh => {
            let dir = args
                .ssh_control_dir
                .clone()
                .unwrap_or_else(std::env::temp_dir);
            let mut ssh = SshTransport::new(dir);
            if let Some(user) = &args.ssh_user {
                ssh = ssh.user(user.clone());
            }
            if let Some(key) = &args.ssh_identity {
                ssh = ssh.identity(key.clone());
            }
            real(Arc::new(CommandExecutor::new(ssh, backend)))
        }
        TransportArg::Kubectl => {
            let namespace = args
                .kubectl_namespace
                .clone()
                .ok_or_else(|| "--transport kubectl needs --kubectl-namespace".to_string())?;
            let kubectl = KubectlTransport::new(namespace, args.kubectl_container.clone());
            real(Arc::new(CommandExecutor::new(kubectl, backend)))
        }
    })
}

/// `--journal`, which every command but `apply --store` needs.
fn journal_path(args: &ExecArgs) -> Result<&std::path::Path, String> {
    args.journal
        .as_deref()
        .ok_or_else(|| "--journal FILE is required (unless `apply --store`)".to_string())
}

/// The runner of `apply` (which creates the journal if missing) or `recover` (which needs
/// it to exist).
fn runner(
    args: &ExecArgs,
    model: &Model,
    root: &str,
    create: bool,
) -> Result<(Runner, Option<Arc<SimulatedExecutor>>), String> {
    let path = journal_path(args)?;
    let journal = if create {
        FileJournal::open(path)
    } else {
        FileJournal::open_existing(path)
    }
    .map_err(|e| e.to_string())?;
    let done = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let (executor, sim) = executor(args, model, root)?;
    let runner = Runner::new(
        executor,
        Arc::new(journal),
        HostLimits::new(usize::from(args.host_limit)),
    )
    .with_progress(move |p| print_progress(p, &done, &total));
    Ok((runner, sim))
}

/// One line per event on stderr: `[ 3/11] done brick create brick_... on node1`.
fn print_progress(p: &Progress, done: &AtomicUsize, total: &AtomicUsize) {
    match p {
        Progress::Begin { run, volume, steps } => {
            total.store(*steps, Ordering::SeqCst);
            done.store(0, Ordering::SeqCst);
            eprintln!("run {run}: volume {volume}, {steps} steps");
        }
        Progress::StepStarted { .. } => {}
        Progress::StepDone { what, .. } => {
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            let total = total.load(Ordering::SeqCst);
            eprintln!("[{n:>3}/{total}] done     {what}");
        }
        Progress::StepFailed { what, error, .. } => eprintln!("          FAILED   {what}: {error}"),
        Progress::RollbackStarted { steps, .. } => eprintln!("rolling back {steps} steps"),
        Progress::StepUndone { what, .. } => eprintln!("          undone   {what}"),
        Progress::UndoFailed { what, error, .. } => {
            eprintln!("          UNDO FAILED {what}: {error}")
        }
        Progress::End { run, outcome } => eprintln!("run {run}: {}", outcome_name(*outcome)),
    }
}

fn outcome_name(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Completed => "completed",
        RunOutcome::RolledBack => "rolled back",
        RunOutcome::RollbackFailed => "rollback incomplete",
    }
}

/// The line `apply` and `recover` print first and last on the simulated transport.
const REHEARSAL: &str =
    "rehearsal on simulated hosts (--transport simulated): nothing runs on real hosts";

fn rehearsal_note(args: &ExecArgs) {
    if args.transport == TransportArg::Simulated {
        eprintln!("gluster-plan: {REHEARSAL}");
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

pub(crate) fn apply(args: &ApplyArgs) -> Result<i32, String> {
    if let Some(path) = &args.placement.store {
        return super::store_cmd::apply(path, args);
    }
    let (model, request, mut settings) = resolve(&args.placement)?;
    let root = mount_root(&args.exec.brick_mount_root)?;
    settings.brick_mount_root = root.clone();
    let plan = match plan_volume(&model, &request, &settings, args.placement.seed) {
        Ok(plan) => plan,
        Err(e) => return refusal(e, args.placement.output),
    };
    let (runner, sim) = runner(&args.exec, &model, &root, true)?;
    let cancel = Cancel::new();
    rehearsal_note(&args.exec);
    let result = runtime()?.block_on(runner.apply(&plan, &cancel));
    rehearsal_note(&args.exec);
    match result {
        Ok(_) if sim.as_ref().is_some_and(|s| missed_fault(s, &args.exec)) => Err(format!(
            "--simulate-failure-at {}: the run made only {} changing calls, so nothing failed",
            args.exec.simulate_failure_at.unwrap_or_default(),
            sim.map_or(0, |s| s.calls())
        )),
        Ok(_) => {
            match args.placement.output {
                OutputFormat::Json => outln!("{}", to_json(&plan)),
                OutputFormat::Table => out!("{}", output::plan_table(&plan)),
            }
            Ok(EXIT_PLACED)
        }
        Err(e) => {
            eprintln!("gluster-plan: apply failed: {e}");
            if !e.rolled_back_cleanly() {
                eprintln!(
                    "gluster-plan: run `gluster-plan recover --journal {}` to finish the rollback",
                    journal_path(&args.exec)?.display()
                );
            }
            Ok(if e.rolled_back_cleanly() {
                EXIT_ROLLED_BACK
            } else {
                EXIT_ROLLBACK_INCOMPLETE
            })
        }
    }
}

pub(crate) fn recover(args: &RecoverArgs) -> Result<i32, String> {
    let model = topology::load(args.topology.as_deref(), args.device_size)?;
    let root = mount_root(&args.exec.brick_mount_root)?;
    let policy = if args.finish {
        RecoveryPolicy::Finish
    } else {
        RecoveryPolicy::RollBack
    };
    let (runner, _) = runner(&args.exec, &model, &root, false)?;
    if std::fs::metadata(journal_path(&args.exec)?).is_ok_and(|m| m.len() == 0) {
        eprintln!(
            "nothing to recover: the journal {} is empty",
            journal_path(&args.exec)?.display()
        );
        return Ok(EXIT_PLACED);
    }
    rehearsal_note(&args.exec);
    let recovered = runtime()?
        .block_on(runner.recover(policy))
        .map_err(|e| e.to_string())?;
    if recovered.is_empty() {
        eprintln!("nothing to recover: every run in the journal has ended");
    }
    let mut code = EXIT_PLACED;
    for r in &recovered {
        let (what, status) = recovered_outcome(r.outcome, args.finish);
        let line = format!("run {} (volume {}): {what}", r.run, r.volume);
        match &r.error {
            Some(e) => outln!("{line}: {e}"),
            None => outln!("{line}"),
        }
        code = code.max(status);
    }
    if !recovered.is_empty() {
        rehearsal_note(&args.exec);
    }
    Ok(code)
}

/// What `recover` says of a run and its exit status: a `--finish` that rolled back instead
/// did not do what was asked (3, or 4 when the rollback is incomplete too).
fn recovered_outcome(outcome: RunOutcome, finish: bool) -> (&'static str, i32) {
    match (outcome, finish) {
        (RunOutcome::Completed, _) => ("completed", EXIT_PLACED),
        (RunOutcome::RolledBack, false) => ("rolled back", EXIT_PLACED),
        (RunOutcome::RolledBack, true) => (
            "could not finish: rolled back completely instead",
            EXIT_ROLLED_BACK,
        ),
        (RunOutcome::RollbackFailed, false) => (
            "rollback incomplete (run this `recover` again once the hosts answer)",
            EXIT_ROLLBACK_INCOMPLETE,
        ),
        (RunOutcome::RollbackFailed, true) => (
            "could not finish, and its rollback is incomplete (run `recover` again once the hosts answer)",
            EXIT_ROLLBACK_INCOMPLETE,
        ),
    }
}

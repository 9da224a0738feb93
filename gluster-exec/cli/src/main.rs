//! `gluster-plan`: plan GlusterFS volumes on a topology, rehearse or carry them out, and
//! recover interrupted runs, from the command line.
//!
//! Exit status: 0 when placed (and, for `apply`, carried out), 2 when infeasible (reasons on
//! stderr, and as JSON on stdout with `--output json`), 1 on bad input (a message naming the
//! file and field), 3 when `apply` failed and rolled back completely, 4 when its rollback is
//! incomplete (`recover` retries it).

/// `println!` through [`stdout::write`]: a closed pipe stops output instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`stdout::write`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::write(format_args!($($arg)*))
    };
}

mod apply;
mod args;
mod commands;
mod data;
mod data_run;
mod day2;
mod output;
mod progress;
mod resync;
mod serve;
mod serve_store;
mod sim_hosts;
mod stdout;
mod store_cmd;
mod topology;

use std::ffi::OsString;

use clap::Parser;

use gluster_placement::{plan_volume, Engine, PlacementError};

use args::{Cli, Command, OutputFormat, PlacementArgs};

/// Exit status when a plan was made.
const EXIT_PLACED: i32 = 0;
/// Exit status on bad input.
const EXIT_BAD_INPUT: i32 = 1;
/// Exit status when no placement exists.
const EXIT_INFEASIBLE: i32 = 2;

fn main() {
    std::process::exit(main_with_args(std::env::args_os()));
}

/// Runs the program with these arguments (the first is the program name) and returns the exit
/// status. Output goes to stdout and stderr.
fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_PLACED
            };
            let _ = e.print();
            return code;
        }
    };
    let output = output_of(&cli.command);
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("gluster-plan: {message}");
            if output == OutputFormat::Json {
                outln!(
                    "{}",
                    serde_json::json!({"error": "invalid", "message": message})
                );
            }
            EXIT_BAD_INPUT
        }
    }
}

/// The `--output` of a command (`recover` has none: table).
fn output_of(command: &Command) -> OutputFormat {
    match command {
        Command::Plan(p) => p.output,
        Command::Simulate(s) => s.placement.output,
        Command::Forecast(f) => f.placement.output,
        Command::Commands(c) => c.placement.output,
        Command::Apply(a) => a.placement.output,
        Command::Evacuate(e) => e.common.output,
        Command::Expand(e) => e.common.output,
        Command::Rebalance(r) => r.common.output,
        Command::Recover(_) | Command::Serve(_) | Command::Import(_) => OutputFormat::Table,
        Command::Snapshot(_) | Command::Subvolume(_) | Command::Resync(_) => OutputFormat::Table,
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    match cli.command {
        Command::Plan(args) => {
            let (model, request, settings) = resolve(&args)?;
            match plan_volume(&model, &request, &settings, args.seed) {
                Ok(plan) => {
                    match args.output {
                        OutputFormat::Json => outln!("{}", to_json(&plan)),
                        OutputFormat::Table => out!("{}", output::plan_table(&plan)),
                    }
                    Ok(EXIT_PLACED)
                }
                Err(e) => refusal(e, args.output),
            }
        }
        Command::Commands(args) => commands::run(&args),
        Command::Forecast(f) => {
            let (model, request, settings) = resolve(&f.placement)?;
            // 0 means "until refused", as simulate's --count 0 does.
            let limit = f.limit.filter(|&l| l > 0);
            let result = progress::counted("forecasting", "volumes", |progress| {
                Engine::new(model, settings).forecast_with_progress(
                    &request,
                    f.placement.seed,
                    limit,
                    progress,
                )
            });
            match result {
                Ok(report) => {
                    match f.placement.output {
                        OutputFormat::Json => outln!("{}", to_json(&report)),
                        OutputFormat::Table => out!("{}", output::forecast_table(&report)),
                    }
                    Ok(EXIT_PLACED)
                }
                Err(e) => refusal(e, f.placement.output),
            }
        }
        Command::Evacuate(args) => day2::evacuate(&args),
        Command::Expand(args) => day2::expand(&args),
        Command::Rebalance(args) => day2::rebalance(&args),
        Command::Apply(args) => apply::apply(&args),
        Command::Recover(args) => match &args.store {
            Some(path) => store_cmd::recover(path, &args),
            None => apply::recover(&args),
        },
        Command::Serve(args) => serve::run(&args),
        Command::Import(args) => store_cmd::import(&args),
        Command::Snapshot(c) => data::snapshot(&c),
        Command::Subvolume(c) => data::subvolume(&c),
        Command::Resync(args) => data::resync(&args),
        Command::Simulate(sim) => {
            let (model, request, settings) = resolve(&sim.placement)?;
            // 0 means "until refused", as the C ABI's count 0 does.
            let count = sim.count.filter(|&c| c > 0);
            let result = progress::counted("simulating", "volumes", |progress| {
                Engine::new(model, settings).simulate_with_progress(
                    &request,
                    sim.placement.seed,
                    count,
                    progress,
                )
            });
            match result {
                Ok(report) => {
                    match sim.placement.output {
                        OutputFormat::Json => outln!("{}", to_json(&report)),
                        OutputFormat::Table => out!("{}", output::simulation_table(&report)),
                    }
                    // Not one volume fits: the request is infeasible, whatever the count.
                    Ok(if report.placed == 0 {
                        EXIT_INFEASIBLE
                    } else {
                        EXIT_PLACED
                    })
                }
                Err(e) => refusal(e, sim.placement.output),
            }
        }
    }
}

pub(crate) type Resolved = (
    gluster_model::Model,
    gluster_placement::VolumeRequest,
    gluster_placement::PlacementSettings,
);

pub(crate) fn resolve(args: &PlacementArgs) -> Result<Resolved, String> {
    let model = match &args.store {
        Some(path) => store_cmd::stored_model(path)?,
        None => topology::load(args.topology.as_deref(), args.device_size)?,
    };
    let (request, settings) = args.spec().resolve().map_err(|e| e.to_string())?;
    Ok((model, request, settings))
}

pub(crate) fn refusal(e: PlacementError, output: OutputFormat) -> Result<i32, String> {
    match e {
        PlacementError::Infeasible(inf) => {
            eprintln!("gluster-plan: no placement:");
            for r in &inf.reasons {
                eprintln!("  - {r}");
            }
            if output == OutputFormat::Json {
                let doc = serde_json::json!({
                    "error": "infeasible",
                    "message": inf.to_string(),
                    "reasons": inf.reasons,
                });
                outln!("{doc}");
            }
            Ok(EXIT_INFEASIBLE)
        }
        other => Err(other.to_string()),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

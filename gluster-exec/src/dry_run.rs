//! A dry run: every command a plan would run, per host and in order, without running any.
//!
//! The order is the one a runner follows: prepare each device the plan uses (skipped by its
//! probes when already prepared), create every brick, then create the volume (with its
//! options) and start it on the host of the first brick.

use gluster_placement::Plan;
use serde::Serialize;

use crate::error::ExecError;
use crate::ops::*;
use crate::plan_requests::plan_requests;
use crate::render::{self, gluster, Backend, Guard, Step};

/// One command of a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedCommand {
    /// Position in the whole run (1-based).
    pub seq: usize,
    /// Host it runs on.
    pub host: String,
    /// The executor operation it belongs to, e.g. `brick_create`.
    pub operation: &'static str,
    /// The command.
    pub argv: Vec<String>,
    /// When it runs (storage steps have probes; gluster commands always run).
    pub guard: Guard,
}

/// Every command `plan` would run with `backend`, in order.
pub fn plan_commands(plan: &Plan, backend: &Backend) -> Result<Vec<PlannedCommand>, ExecError> {
    let requests = plan_requests(plan)?;
    let mut out = Vec::new();
    let mut push = |host: &str, operation: &'static str, steps: Vec<Step>| {
        for step in steps {
            out.push(PlannedCommand {
                seq: out.len() + 1,
                host: host.to_string(),
                operation,
                argv: step.argv,
                guard: step.guard,
            });
        }
    };
    for d in &requests.devices {
        push(&d.host, "device_setup", render::device_setup(backend, d)?);
    }
    for b in &requests.bricks {
        push(&b.host, "brick_create", render::brick_create(backend, b)?);
    }
    let v = &requests.volume;
    push(
        &v.host,
        "volume_create",
        vec![Step::always(gluster::volume_create(v)?)],
    );
    let set = SetOptions {
        host: v.host.clone(),
        name: v.name.clone(),
        options: v.options.clone(),
    };
    push(
        &v.host,
        "set_options",
        gluster::volume_set(&set)?
            .into_iter()
            .map(Step::always)
            .collect(),
    );
    push(
        &v.host,
        "volume_start",
        vec![Step::always(gluster::volume_start(&requests.start())?)],
    );
    Ok(out)
}

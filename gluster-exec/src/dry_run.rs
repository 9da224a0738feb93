//! A dry run: every command a plan would run, per host and in order, without running any.
//!
//! The order is the one a runner follows: prepare each device the plan uses (skipped by its
//! probes when already prepared), create every brick, then create the volume (with its
//! options) and start it on the host of the first brick.

use std::collections::BTreeSet;

use gluster_model::BrickRole;
use gluster_placement::{Plan, PlannedBrick};
use serde::Serialize;

use crate::error::ExecError;
use crate::ops::*;
use crate::render::{self, gluster, Backend, Guard, Step};

/// The executor requests that carry out a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRequests {
    /// Every device the plan puts a brick on, in order of first use.
    pub devices: Vec<DeviceSetup>,
    /// Every brick, in the plan's order.
    pub bricks: Vec<BrickCreate>,
    /// The volume, with its options.
    pub volume: VolumeCreate,
}

impl PlanRequests {
    /// The volume to start once created.
    pub fn start(&self) -> VolumeRef {
        VolumeRef {
            host: self.volume.host.clone(),
            name: self.volume.name.clone(),
        }
    }
}

/// The brick request of one planned brick.
pub fn brick_request(b: &PlannedBrick) -> BrickCreate {
    BrickCreate {
        host: b.node.to_string(),
        device_id: b.device_id,
        device: b.device.to_string(),
        brick_id: b.id,
        size: b.size_bytes,
        pool_size: b.pool_bytes,
        metadata_size: b.metadata_bytes,
        arbiter: b.role == BrickRole::Arbiter,
        path: b.path.clone(),
    }
}

/// The requests that carry out `plan`.
pub fn plan_requests(plan: &Plan) -> Result<PlanRequests, ExecError> {
    let first = plan
        .bricks
        .first()
        .ok_or_else(|| ExecError::InvalidRequest("the plan has no bricks".into()))?;
    let mut seen = BTreeSet::new();
    let devices = plan
        .bricks
        .iter()
        .filter(|b| seen.insert(b.device_id))
        .map(|b| DeviceSetup {
            host: b.node.to_string(),
            device_id: b.device_id,
            device: b.device.to_string(),
        })
        .collect();
    Ok(PlanRequests {
        devices,
        bricks: plan.bricks.iter().map(brick_request).collect(),
        volume: VolumeCreate {
            host: first.node.to_string(),
            name: plan.volume_name.clone(),
            durability: plan.durability,
            bricks: plan
                .bricks
                .iter()
                .map(|b| BrickAddress {
                    host: b.storage_host.to_string(),
                    path: b.path.clone(),
                })
                .collect(),
            options: plan.options.clone(),
        },
    })
}

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

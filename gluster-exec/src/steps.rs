//! A plan as ordered, idempotent, undoable steps.
//!
//! Phases run in order (devices, bricks, volume create, volume start); the steps of one
//! phase are independent and may run in parallel. Every step has an undo, so a failed or
//! interrupted plan can be taken back in reverse order.

use gluster_placement::Plan;
use serde::{Deserialize, Serialize};

use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;
use crate::plan_requests::plan_requests;

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepOp {
    /// Prepare a device (skipped, and never undone, when it was prepared before the plan).
    DeviceSetup(DeviceSetup),
    /// Create a brick.
    BrickCreate(BrickCreate),
    /// Create the volume with its options.
    VolumeCreate(VolumeCreate),
    /// Start the volume.
    VolumeStart(VolumeRef),
}

/// The kind of a step, for progress reports and fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// [`StepOp::DeviceSetup`].
    DeviceSetup,
    /// [`StepOp::BrickCreate`].
    BrickCreate,
    /// [`StepOp::VolumeCreate`].
    VolumeCreate,
    /// [`StepOp::VolumeStart`].
    VolumeStart,
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StepKind::DeviceSetup => "device setup",
            StepKind::BrickCreate => "brick create",
            StepKind::VolumeCreate => "volume create",
            StepKind::VolumeStart => "volume start",
        })
    }
}

/// One step of a plan: its position and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Position in the plan's steps (0-based); the journal refers to steps by it.
    pub index: usize,
    /// What it does.
    pub op: StepOp,
}

/// The phases of a run, in the order they run (rollback undoes them in reverse). Steps of one
/// phase are independent and run in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Devices prepared (physical volume and volume group, or a mounted filesystem).
    Devices,
    /// Bricks carved and mounted.
    Bricks,
    /// `gluster volume create`.
    VolumeCreate,
    /// `gluster volume start`.
    VolumeStart,
}

impl Phase {
    /// Every phase, in run order.
    pub const ALL: [Phase; 4] = [
        Phase::Devices,
        Phase::Bricks,
        Phase::VolumeCreate,
        Phase::VolumeStart,
    ];
}

impl StepOp {
    /// The kind of step.
    pub fn kind(&self) -> StepKind {
        match self {
            StepOp::DeviceSetup(_) => StepKind::DeviceSetup,
            StepOp::BrickCreate(_) => StepKind::BrickCreate,
            StepOp::VolumeCreate(_) => StepKind::VolumeCreate,
            StepOp::VolumeStart(_) => StepKind::VolumeStart,
        }
    }

    /// The host the step runs on (its per-host limit applies).
    pub fn host(&self) -> &str {
        match self {
            StepOp::DeviceSetup(r) => &r.host,
            StepOp::BrickCreate(r) => &r.host,
            StepOp::VolumeCreate(r) => &r.host,
            StepOp::VolumeStart(r) => &r.host,
        }
    }

    /// The phase the step belongs to: every step of an earlier phase finishes before a later
    /// phase starts.
    pub fn phase(&self) -> Phase {
        match self.kind() {
            StepKind::DeviceSetup => Phase::Devices,
            StepKind::BrickCreate => Phase::Bricks,
            StepKind::VolumeCreate => Phase::VolumeCreate,
            StepKind::VolumeStart => Phase::VolumeStart,
        }
    }

    /// A short description for progress and errors, e.g. `brick create on node1`.
    pub fn describe(&self) -> String {
        let what = match self {
            StepOp::DeviceSetup(r) => format!("{} ({})", r.device, r.device_id),
            StepOp::BrickCreate(r) => format!("brick_{}", r.brick_id),
            StepOp::VolumeCreate(r) => r.name.clone(),
            StepOp::VolumeStart(r) => r.name.clone(),
        };
        format!("{} {what} on {}", self.kind(), self.host())
    }

    /// Whether the step's result exists already (then it is not undone on rollback).
    /// Only a device can exist before the plan; bricks and the volume are new.
    pub async fn existed_before(&self, executor: &dyn Executor) -> Result<bool, ExecError> {
        match self {
            StepOp::DeviceSetup(r) => match executor.device_info(r).await {
                Ok(_) => Ok(true),
                Err(ExecError::NotFound { .. }) => Ok(false),
                Err(e) => Err(e),
            },
            _ => Ok(false),
        }
    }

    /// Carry the step out (idempotent).
    pub async fn run(&self, executor: &dyn Executor) -> Result<(), ExecError> {
        match self {
            StepOp::DeviceSetup(r) => executor.device_setup(r).await.map(drop),
            StepOp::BrickCreate(r) => executor.brick_create(r).await,
            StepOp::VolumeCreate(r) => executor.volume_create(r).await,
            StepOp::VolumeStart(r) => executor.volume_start(r).await,
        }
    }

    /// Take the step back (idempotent: undoing what never happened succeeds).
    pub async fn undo(&self, executor: &dyn Executor) -> Result<(), ExecError> {
        match self {
            StepOp::DeviceSetup(r) => executor.device_teardown(r).await,
            StepOp::BrickCreate(r) => executor.brick_destroy(r).await,
            StepOp::VolumeCreate(r) => {
                let volume = VolumeRef {
                    host: r.host.clone(),
                    name: r.name.clone(),
                };
                executor.volume_stop(&volume).await?;
                executor.volume_delete(&volume).await
            }
            StepOp::VolumeStart(r) => executor.volume_stop(r).await,
        }
    }
}

/// The steps that carry out `plan`, phase after phase.
pub(crate) fn plan_steps(plan: &Plan) -> Result<Vec<Step>, ExecError> {
    let requests = plan_requests(plan)?;
    let start = requests.start();
    let ops = requests
        .devices
        .into_iter()
        .map(StepOp::DeviceSetup)
        .chain(requests.bricks.into_iter().map(StepOp::BrickCreate))
        .chain([
            StepOp::VolumeCreate(requests.volume),
            StepOp::VolumeStart(start),
        ]);
    Ok(ops
        .enumerate()
        .map(|(index, op)| Step { index, op })
        .collect())
}

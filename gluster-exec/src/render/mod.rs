//! Pure rendering of typed requests into argv vectors: no IO, no shell strings from data.
//!
//! Storage work (LVM thin or directory bricks) is a list of [`Step`]s, each with a [`Guard`]
//! that makes re-running it harmless; gluster commands are single argv vectors whose XML
//! answer the executor reads. Every function validates its request first
//! ([`crate::validate`]).

use serde::Serialize;

use crate::error::ExecError;
use crate::ops::{BrickCreate, DeviceSetup};

pub mod block;
pub mod clone;
pub mod directory;
pub mod gluster;
pub mod lvm;
pub mod quota;
pub mod resync;
pub mod snapshot;

mod backend;

pub use backend::{Backend, DirectoryMounts};

/// When a step needs to run: what makes it idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "probe")]
pub enum Guard {
    /// Always run (the command is idempotent itself, e.g. `mkdir -p`).
    Always,
    /// Skip when this probe exits 0: the step's work is already done (e.g. the LV exists).
    SkipIfOk(Vec<String>),
    /// Run only when this probe exits 0: there is something to undo (e.g. it is mounted).
    OnlyIfOk(Vec<String>),
}

/// One command of a storage recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The command.
    pub argv: Vec<String>,
    /// When it needs to run.
    pub guard: Guard,
}

impl Step {
    /// A step that always runs.
    pub fn always(argv: Vec<String>) -> Self {
        Step {
            argv,
            guard: Guard::Always,
        }
    }

    /// A step skipped when `probe` exits 0.
    pub fn skip_if_ok(argv: Vec<String>, probe: Vec<String>) -> Self {
        Step {
            argv,
            guard: Guard::SkipIfOk(probe),
        }
    }

    /// A step run only when `probe` exits 0.
    pub fn only_if_ok(argv: Vec<String>, probe: Vec<String>) -> Self {
        Step {
            argv,
            guard: Guard::OnlyIfOk(probe),
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shell = crate::transport::quote_command;
        match &self.guard {
            Guard::Always => write!(f, "{}", shell(&self.argv)),
            Guard::SkipIfOk(p) => write!(f, "{}  # unless: {}", shell(&self.argv), shell(p)),
            Guard::OnlyIfOk(p) => write!(f, "{}  # only if: {}", shell(&self.argv), shell(p)),
        }
    }
}

/// Build an argv from string-like parts.
pub(crate) fn argv<I, S>(parts: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    parts.into_iter().map(Into::into).collect()
}

/// Steps that prepare a device for bricks.
pub fn device_setup(backend: &Backend, r: &DeviceSetup) -> Result<Vec<Step>, ExecError> {
    match backend {
        Backend::LvmThin => lvm::device_setup(r),
        Backend::Directory(m) => directory::device_setup(&m.mount_for(r)?, r),
    }
}

/// Steps that undo [`device_setup`].
pub fn device_teardown(backend: &Backend, r: &DeviceSetup) -> Result<Vec<Step>, ExecError> {
    match backend {
        Backend::LvmThin => lvm::device_teardown(r),
        Backend::Directory(m) => directory::device_teardown(&m.mount_for(r)?, r),
    }
}

/// The command whose output tells a prepared device's size and free space.
pub fn device_info(backend: &Backend, r: &DeviceSetup) -> Result<Vec<String>, ExecError> {
    match backend {
        Backend::LvmThin => lvm::device_info(r),
        Backend::Directory(m) => directory::device_info(&m.mount_for(r)?, r),
    }
}

/// Steps that create a brick.
pub fn brick_create(backend: &Backend, r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    match backend {
        Backend::LvmThin => lvm::brick_create(r),
        Backend::Directory(m) => directory::brick_create(&m.mount_for_brick(r)?, r),
    }
}

/// Steps that grow a brick in place (none for a directory brick).
pub fn brick_grow(backend: &Backend, r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    match backend {
        Backend::LvmThin => lvm::brick_grow(r),
        Backend::Directory(m) => {
            directory::brick_create(&m.mount_for_brick(r)?, r)?;
            Ok(Vec::new())
        }
    }
}

/// Steps that destroy a brick.
pub fn brick_destroy(backend: &Backend, r: &BrickCreate) -> Result<Vec<Step>, ExecError> {
    match backend {
        Backend::LvmThin => lvm::brick_destroy(r),
        Backend::Directory(m) => directory::brick_destroy(&m.mount_for_brick(r)?, r),
    }
}

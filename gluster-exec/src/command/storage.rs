//! Device and brick operations: guarded storage steps of the configured backend.

use std::time::Duration;

use crate::error::ExecError;
use crate::ops::{BrickCreate, DeviceInfo, DeviceSetup};
use crate::render::{self, directory, lvm, Backend, Guard, Step};
use crate::transport::Transport;

use super::CommandExecutor;

impl<T: Transport> CommandExecutor<T> {
    /// Run steps in order, each behind its guard; the first failure stops.
    pub(super) async fn run_steps(&self, host: &str, steps: &[Step]) -> Result<(), ExecError> {
        for step in steps {
            let needed = match &step.guard {
                Guard::Always => true,
                Guard::SkipIfOk(probe) => !self.probe(host, probe).await?,
                Guard::OnlyIfOk(probe) => self.probe(host, probe).await?,
            };
            if needed {
                self.run_ok(host, &step.argv, self.timeouts.storage).await?;
            }
        }
        Ok(())
    }

    async fn probe(&self, host: &str, argv: &[String]) -> Result<bool, ExecError> {
        Ok(self
            .transport
            .run(host, argv, self.timeouts.probe)
            .await?
            .success())
    }

    /// A directory-backend check that failed: the device's filesystem is not mounted.
    fn not_mounted(&self, host: &str, device: &DeviceSetup, e: ExecError) -> ExecError {
        match (&self.backend, e) {
            (Backend::Directory(m), ExecError::CommandFailed { .. }) => ExecError::NotFound {
                host: host.to_string(),
                what: format!(
                    "XFS filesystem of {} mounted at {}",
                    device.device,
                    m.mount_of(device.device_id).unwrap_or_default()
                ),
            },
            (_, e) => e,
        }
    }

    pub(super) async fn device_setup_impl(&self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        let steps = render::device_setup(&self.backend, r)?;
        self.run_steps(&r.host, &steps)
            .await
            .map_err(|e| self.not_mounted(&r.host, r, e))?;
        self.device_info_impl(r).await
    }

    pub(super) async fn device_teardown_impl(&self, r: &DeviceSetup) -> Result<(), ExecError> {
        let steps = render::device_teardown(&self.backend, r)?;
        self.run_steps(&r.host, &steps).await
    }

    pub(super) async fn device_info_impl(&self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        let argv = render::device_info(&self.backend, r)?;
        let out = self
            .run_ok(&r.host, &argv, self.timeouts.probe)
            .await
            .map_err(|e| match e {
                ExecError::CommandFailed { .. } => ExecError::NotFound {
                    host: r.host.clone(),
                    what: format!("prepared device {} ({})", r.device, r.device_id),
                },
                e => e,
            })?;
        let parsed = match self.backend {
            Backend::LvmThin => lvm::parse_device_info(&out.stdout),
            Backend::Directory(_) => directory::parse_device_info(&out.stdout),
        };
        parsed.ok_or_else(|| ExecError::CommandFailed {
            host: r.host.clone(),
            command: crate::transport::display_command(&argv),
            status: out.status,
            stdout: out.stdout,
            stderr: "unreadable device size output".into(),
        })
    }

    pub(super) async fn brick_create_impl(&self, r: &BrickCreate) -> Result<(), ExecError> {
        let steps = render::brick_create(&self.backend, r)?;
        let device = DeviceSetup {
            host: r.host.clone(),
            device_id: r.device_id,
            device: r.device.clone(),
        };
        self.run_steps(&r.host, &steps).await.map_err(|e| {
            // The directory backend's first step checks the device is mounted.
            match (&self.backend, &e) {
                (Backend::Directory(_), ExecError::CommandFailed { command, .. })
                    if command.starts_with("mountpoint") =>
                {
                    self.not_mounted(&r.host, &device, e)
                }
                _ => e,
            }
        })
    }

    pub(super) async fn brick_grow_impl(&self, r: &BrickCreate) -> Result<(), ExecError> {
        for step in render::brick_grow(&self.backend, r)? {
            match self
                .run_ok(&r.host, &step.argv, self.timeouts.storage)
                .await
            {
                Err(ExecError::CommandFailed { stdout, stderr, .. })
                    if already_that_size(&format!("{stdout}{stderr}")) => {}
                other => other.map(drop)?,
            }
        }
        Ok(())
    }

    /// Remove a brick (every step idempotent). A removal racing a command still creating
    /// the brick (a crashed caller's run, still in flight on the host) fails with `rm`'s
    /// "Is a directory" or "Directory not empty": the steps are run again, a few times.
    pub(super) async fn brick_destroy_impl(&self, r: &BrickCreate) -> Result<(), ExecError> {
        let steps = render::brick_destroy(&self.backend, r)?;
        let mut attempt = 0;
        loop {
            match self.run_steps(&r.host, &steps).await {
                Err(ExecError::CommandFailed { ref stderr, .. })
                    if attempt < DESTROY_RETRIES && raced(stderr) =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100) * attempt).await;
                }
                other => return other,
            }
        }
    }
}

/// How many times a brick removal that raced a creation is tried again.
const DESTROY_RETRIES: u32 = 5;

/// `rm -rf`'s answers when a directory appeared or filled up while it removed it.
fn raced(stderr: &str) -> bool {
    stderr.contains("Is a directory") || stderr.contains("Directory not empty")
}

/// `lvextend`'s answer when the volume already has (at least) the size asked for.
fn already_that_size(output: &str) -> bool {
    output.contains("matches existing size") || output.contains("not larger than existing size")
}

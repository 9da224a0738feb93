//! Peer, volume and block volume operations: gluster commands and their XML answers.

use crate::error::ExecError;
use crate::ops::*;
use crate::render::{block, gluster};
use crate::transport::{display_command, CommandOutput, Transport};
use crate::validate;
use crate::xml::{self, parse_cli_output};

use super::{failure, CommandExecutor};

/// Why the gluster CLI printed no XML: glusterd down, CLI missing, or something else.
fn no_answer(host: &str, argv: &[String], out: CommandOutput) -> ExecError {
    let text = format!("{}{}", out.stdout, out.stderr);
    if text.contains("Connection failed") || text.contains("gluster daemon is operational") {
        return ExecError::Unreachable {
            host: host.to_string(),
            message: format!("glusterd does not answer: {}", text.trim()),
        };
    }
    if out.success() {
        return ExecError::CommandFailed {
            host: host.to_string(),
            command: display_command(argv),
            status: out.status,
            stdout: out.stdout,
            stderr: format!("no XML answer {}", out.stderr),
        };
    }
    failure(host, argv, out)
}

/// glusterd's message of a failed operation, when the error is one.
pub(super) fn gluster_message(e: &ExecError) -> Option<&str> {
    match e {
        ExecError::Gluster { message, .. } => Some(message),
        _ => None,
    }
}

/// "Volume X does not exist" (volume info says "Volume does not exist").
pub(super) fn is_missing_volume(e: &ExecError) -> bool {
    gluster_message(e).is_some_and(|m| m.starts_with("Volume ") && m.contains("does not exist"))
}

pub(super) fn has_message(e: &ExecError, needle: &str) -> bool {
    gluster_message(e).is_some_and(|m| m.contains(needle))
}

/// Whether a failed command's output mentions one of `needles` (case-insensitive).
fn output_mentions(e: &ExecError, needles: &[&str]) -> bool {
    match e {
        ExecError::CommandFailed { stdout, stderr, .. } => {
            let text = format!("{stdout}{stderr}").to_lowercase();
            needles.iter().any(|n| text.contains(n))
        }
        _ => false,
    }
}

pub(super) fn missing_volume(host: &str, name: &str) -> ExecError {
    ExecError::NotFound {
        host: host.to_string(),
        what: format!("volume {name}"),
    }
}

impl<T: Transport> CommandExecutor<T> {
    /// Run a gluster command; `Ok(stdout)` when glusterd reports success.
    pub(super) async fn gluster(
        &self,
        host: &str,
        argv: &[String],
        operation: &str,
    ) -> Result<String, ExecError> {
        let out = self
            .transport
            .run(host, argv, self.timeouts.gluster)
            .await?;
        match parse_cli_output(&out.stdout) {
            Ok(status) => {
                status
                    .check()
                    .map_err(|e| e.into_exec(host, operation, &out.stdout, &out.stderr))?;
                Ok(out.stdout)
            }
            Err(_) => Err(no_answer(host, argv, out)),
        }
    }

    pub(super) async fn check_glusterd_impl(&self, host: &str) -> Result<(), ExecError> {
        validate::hostname(host)?;
        self.gluster(host, &gluster::pool_list(), "pool list")
            .await
            .map(drop)
    }

    pub(super) async fn peer_probe_impl(&self, r: &PeerRequest) -> Result<(), ExecError> {
        let argv = gluster::peer_probe(r)?;
        // "already in peer list" and "localhost not needed" are successes (opRet 0).
        self.gluster(&r.host, &argv, "peer probe").await.map(drop)
    }

    pub(super) async fn peer_detach_impl(&self, r: &PeerRequest) -> Result<(), ExecError> {
        let argv = gluster::peer_detach(r)?;
        match self.gluster(&r.host, &argv, "peer detach").await {
            Err(e) if has_message(&e, "not part of cluster") => Ok(()),
            other => other.map(drop),
        }
    }

    pub(super) async fn volume_create_impl(&self, r: &VolumeCreate) -> Result<(), ExecError> {
        let argv = gluster::volume_create(r)?;
        if let Err(e) = self.gluster(&r.host, &argv, "volume create").await {
            if !has_message(&e, "already exists") {
                return Err(e);
            }
            // Idempotent only when the existing volume has exactly these bricks.
            let existing = self.volume_info_impl(&self.volume_ref(r)).await?;
            let bricks: Vec<&BrickAddress> = existing.bricks.iter().map(|b| &b.address).collect();
            if bricks != r.bricks.iter().collect::<Vec<_>>() {
                return Err(e);
            }
        }
        if r.options.is_empty() {
            return Ok(());
        }
        self.set_options_impl(&SetOptions {
            host: r.host.clone(),
            name: r.name.clone(),
            options: r.options.clone(),
        })
        .await
    }

    fn volume_ref(&self, r: &VolumeCreate) -> VolumeRef {
        VolumeRef {
            host: r.host.clone(),
            name: r.name.clone(),
        }
    }

    pub(super) async fn volume_start_impl(&self, r: &VolumeRef) -> Result<(), ExecError> {
        let argv = gluster::volume_start(r)?;
        match self.gluster(&r.host, &argv, "volume start").await {
            Err(e) if has_message(&e, "already started") => Ok(()),
            Err(e) if is_missing_volume(&e) => Err(missing_volume(&r.host, &r.name)),
            other => other.map(drop),
        }
    }

    pub(super) async fn volume_stop_impl(&self, r: &VolumeRef) -> Result<(), ExecError> {
        let argv = gluster::volume_stop(r)?;
        match self.gluster(&r.host, &argv, "volume stop").await {
            Err(e) if has_message(&e, "not in the started state") || is_missing_volume(&e) => {
                Ok(())
            }
            other => other.map(drop),
        }
    }

    pub(super) async fn volume_delete_impl(&self, r: &VolumeRef) -> Result<(), ExecError> {
        let argv = gluster::volume_delete(r)?;
        match self.gluster(&r.host, &argv, "volume delete").await {
            Err(e) if is_missing_volume(&e) => Ok(()),
            other => other.map(drop),
        }
    }

    pub(super) async fn volume_expand_impl(&self, r: &VolumeExpand) -> Result<(), ExecError> {
        let argv = gluster::volume_add_brick(r)?;
        let Err(e) = self.gluster(&r.host, &argv, "volume add-brick").await else {
            return Ok(());
        };
        if is_missing_volume(&e) {
            return Err(missing_volume(&r.host, &r.name));
        }
        // Done before (e.g. a retry after a crash): every new brick is in the volume.
        let vref = VolumeRef {
            host: r.host.clone(),
            name: r.name.clone(),
        };
        let info = self.volume_info_impl(&vref).await?;
        let present = |b: &BrickAddress| info.bricks.iter().any(|i| &i.address == b);
        if r.bricks.iter().all(present) {
            Ok(())
        } else {
            Err(e)
        }
    }

    pub(super) async fn replace_brick_impl(&self, r: &ReplaceBrick) -> Result<(), ExecError> {
        let argv = gluster::volume_replace_brick(r)?;
        let Err(e) = self.gluster(&r.host, &argv, "volume replace-brick").await else {
            return Ok(());
        };
        if is_missing_volume(&e) {
            return Err(missing_volume(&r.host, &r.name));
        }
        let vref = VolumeRef {
            host: r.host.clone(),
            name: r.name.clone(),
        };
        let info = self.volume_info_impl(&vref).await?;
        let has = |b: &BrickAddress| info.bricks.iter().any(|i| &i.address == b);
        if has(&r.new) && !has(&r.old) {
            Ok(())
        } else {
            Err(e)
        }
    }

    pub(super) async fn set_options_impl(&self, r: &SetOptions) -> Result<(), ExecError> {
        for argv in gluster::volume_set(r)? {
            match self.gluster(&r.host, &argv, "volume set").await {
                Err(e) if is_missing_volume(&e) => return Err(missing_volume(&r.host, &r.name)),
                other => other.map(drop)?,
            }
        }
        Ok(())
    }

    pub(super) async fn volume_info_impl(&self, r: &VolumeRef) -> Result<VolumeInfo, ExecError> {
        let argv = gluster::volume_info(r)?;
        let stdout = match self.gluster(&r.host, &argv, "volume info").await {
            Err(e) if is_missing_volume(&e) => return Err(missing_volume(&r.host, &r.name)),
            other => other?,
        };
        let volumes = xml::parse_volume_info(&stdout)
            .map_err(|e| e.into_exec(&r.host, "volume info", &stdout, ""))?;
        volumes
            .into_iter()
            .find(|v| v.name == r.name)
            .ok_or_else(|| missing_volume(&r.host, &r.name))
    }

    pub(super) async fn heal_info_impl(&self, r: &VolumeRef) -> Result<HealInfo, ExecError> {
        let argv = gluster::heal_info(r)?;
        let stdout = match self.gluster(&r.host, &argv, "volume heal info").await {
            Err(e) if is_missing_volume(&e) => return Err(missing_volume(&r.host, &r.name)),
            other => other?,
        };
        xml::parse_heal_info(&stdout)
            .map_err(|e| e.into_exec(&r.host, "volume heal info", &stdout, ""))
    }

    pub(super) async fn block_volume_create_impl(
        &self,
        r: &BlockVolumeCreate,
    ) -> Result<(), ExecError> {
        let argv = block::create(r)?;
        match self.run_ok(&r.host, &argv, self.timeouts.gluster).await {
            Err(e) if output_mentions(&e, &["already exist"]) => Ok(()),
            other => other.map(drop),
        }
    }

    pub(super) async fn block_volume_delete_impl(
        &self,
        r: &BlockVolumeDelete,
    ) -> Result<(), ExecError> {
        let argv = block::delete(r)?;
        match self.run_ok(&r.host, &argv, self.timeouts.gluster).await {
            Err(e) if output_mentions(&e, &["doesn't exist", "does not exist"]) => Ok(()),
            other => other.map(drop),
        }
    }
}

//! Carrying out day-2 plans: an expansion (new bricks, then `add-brick`), an in-place growth
//! (every brick grown), and replace-brick waves (evacuation, rebalance) that respect
//! Gluster's quorum and heal preconditions.
//!
//! Replace waves: before a wave, every volume it touches must be fully healed (no brick
//! down, nothing pending): replacing a brick of a set that is still healing could leave the
//! set without a complete copy. Each step creates the new brick, then replaces the old one;
//! after the wave, the runner waits until the touched volumes have healed again, and only
//! then removes the old bricks. A wave never holds two bricks of one set (the planner's
//! guarantee, checked again here).

use std::collections::BTreeSet;
use std::time::Duration;

use gluster_model::BrickRole;
use gluster_placement::day2::{ExpandPlan, GrowPlan, ReplaceStep};
use gluster_placement::{BlockHost, BlockPlan};

use crate::runner::{Cancel, Runner};

use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;
use crate::plan_requests::brick_request;

/// How long to wait for heals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealWait {
    /// Pause between two `heal info` polls.
    pub poll: Duration,
    /// Polls before giving up.
    pub attempts: usize,
}

impl Default for HealWait {
    /// Every 2 s for 10 minutes.
    fn default() -> Self {
        HealWait {
            poll: Duration::from_secs(2),
            attempts: 300,
        }
    }
}

/// Why a day-2 run stopped, and what it had done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {error} ({done} of {total} steps done)")]
pub struct Day2Error {
    /// The step or check that failed.
    pub what: String,
    /// Why.
    pub error: ExecError,
    /// Steps completed before it.
    pub done: usize,
    /// Steps in the plan.
    pub total: usize,
}

/// The old brick of a step as a destroy request.
fn old_brick(step: &ReplaceStep, new: &BrickCreate) -> BrickCreate {
    BrickCreate {
        host: step.old.node.clone(),
        device_id: step.old.device_id,
        device: step.old.device.clone(),
        brick_id: step.old.id,
        path: step.old.path.clone(),
        ..new.clone()
    }
}

fn address(host: &str, path: &str) -> BrickAddress {
    BrickAddress {
        host: host.to_string(),
        path: path.to_string(),
    }
}

/// Poll `heal info` of `volume` until it is healed; [`ExecError::HealTimeout`] says how many
/// entries were still pending and how many bricks were down when `wait` ran out.
pub async fn wait_healed(
    executor: &dyn Executor,
    volume: &VolumeRef,
    wait: HealWait,
) -> Result<(), ExecError> {
    for attempt in 0..wait.attempts.max(1) {
        let heal = executor.heal_info(volume).await?;
        if heal.is_healed() {
            return Ok(());
        }
        if attempt + 1 < wait.attempts {
            tokio::time::sleep(wait.poll).await;
        } else {
            let pending: u64 = heal.bricks.iter().filter_map(|b| b.pending).sum();
            let down = heal.bricks.iter().filter(|b| !b.connected).count();
            return Err(ExecError::HealTimeout {
                host: volume.host.clone(),
                volume: volume.name.clone(),
                pending,
                down,
                seconds: (wait.poll * wait.attempts as u32).as_secs(),
            });
        }
    }
    Ok(())
}

/// Run replace-brick `steps` (sorted by wave) through `executor`; `host` is where gluster
/// commands run. Stops at the first failure and says how far it got.
pub async fn apply_replace_waves(
    executor: &dyn Executor,
    host: &str,
    steps: &[ReplaceStep],
    wait: HealWait,
) -> Result<(), Day2Error> {
    let total = steps.len();
    let mut done = 0;
    let fail = |what: String, error: ExecError, done: usize| Day2Error {
        what,
        error,
        done,
        total,
    };
    let waves: BTreeSet<usize> = steps.iter().map(|s| s.wave).collect();
    for wave in waves {
        let in_wave: Vec<&ReplaceStep> = steps.iter().filter(|s| s.wave == wave).collect();
        let mut sets = BTreeSet::new();
        for s in &in_wave {
            if !sets.insert((s.volume_id, s.set)) {
                let e = ExecError::InvalidRequest(format!(
                    "wave {wave} replaces two bricks of set {} of volume {}",
                    s.set, s.volume_name
                ));
                return Err(fail(format!("wave {wave}"), e, done));
            }
        }
        let volumes: BTreeSet<&str> = in_wave.iter().map(|s| s.volume_name.as_str()).collect();
        let refs: Vec<VolumeRef> = volumes
            .iter()
            .map(|v| VolumeRef {
                host: host.to_string(),
                name: v.to_string(),
            })
            .collect();
        for v in &refs {
            let check = HealWait {
                attempts: 1,
                ..wait
            };
            wait_healed(executor, v, check).await.map_err(|e| {
                fail(
                    format!("wave {wave}: volume {} must be healed first", v.name),
                    e,
                    done,
                )
            })?;
        }
        let mut old = Vec::new();
        for s in &in_wave {
            let new = brick_request(&s.new);
            let what = format!(
                "wave {wave}: {} set {} position {}",
                s.volume_name, s.set, s.position
            );
            executor
                .brick_create(&new)
                .await
                .map_err(|e| fail(format!("{what}: brick create"), e, done))?;
            let replace = ReplaceBrick {
                host: host.to_string(),
                name: s.volume_name.clone(),
                old: address(&s.old.storage_host, &old_brick(s, &new).path),
                new: address(&s.new.storage_host, &s.new.path),
            };
            executor
                .replace_brick(&replace)
                .await
                .map_err(|e| fail(format!("{what}: replace-brick"), e, done))?;
            old.push(old_brick(s, &new));
            done += 1;
        }
        for v in &refs {
            wait_healed(executor, v, wait).await.map_err(|e| {
                fail(
                    format!("wave {wave}: heal of {} after the wave", v.name),
                    e,
                    done,
                )
            })?;
        }
        for b in &old {
            executor.brick_destroy(b).await.map_err(|e| {
                fail(
                    format!("wave {wave}: removing the old brick {}", b.path),
                    e,
                    done,
                )
            })?;
        }
    }
    Ok(())
}

/// Carry out an expansion: create every new brick, then `add-brick` them. On a failure, the
/// bricks made so far are removed again, so the volume and hosts are as before.
pub async fn apply_expand(
    executor: &dyn Executor,
    host: &str,
    durability: gluster_model::Durability,
    plan: &ExpandPlan,
) -> Result<(), Day2Error> {
    let total = plan.bricks.len() + 1;
    let requests: Vec<BrickCreate> = plan.bricks.iter().map(brick_request).collect();
    let mut made = Vec::new();
    let result = async {
        for b in &requests {
            executor
                .brick_create(b)
                .await
                .map_err(|e| (format!("brick create on {}", b.host), e))?;
            made.push(b);
        }
        let expand = VolumeExpand {
            host: host.to_string(),
            name: plan.volume_name.clone(),
            durability,
            bricks: plan
                .bricks
                .iter()
                .map(|b| address(&b.storage_host, &b.path))
                .collect(),
        };
        executor
            .volume_expand(&expand)
            .await
            .map_err(|e| ("add-brick".to_string(), e))
    }
    .await;
    match result {
        Ok(()) => Ok(()),
        Err((what, error)) => {
            let done = made.len();
            for b in made.iter().rev() {
                let _ = executor.brick_destroy(b).await;
            }
            Err(Day2Error {
                what: format!("expand {}: {what} (new bricks removed)", plan.volume_name),
                error,
                done,
                total,
            })
        }
    }
}

/// Grow every brick of a [`GrowPlan`] in place. A brick's filesystem cannot shrink back, so
/// a failure stops and reports how many bricks were grown; running the plan again finishes
/// it (growing to the same size is a success).
pub async fn apply_grow(executor: &dyn Executor, plan: &GrowPlan) -> Result<(), Day2Error> {
    let total = plan.bricks.len();
    for (done, b) in plan.bricks.iter().enumerate() {
        let request = BrickGrow {
            host: b.brick.node.clone(),
            device_id: b.brick.device_id,
            device: b.brick.device.clone(),
            brick_id: b.brick.id,
            size: b.size_bytes,
            pool_size: b.pool_bytes,
            metadata_size: b.metadata_bytes,
            arbiter: b.role == BrickRole::Arbiter,
            path: b.path.clone(),
        };
        executor
            .brick_grow(&request)
            .await
            .map_err(|error| Day2Error {
                what: format!(
                    "grow {}: brick {} on {}",
                    plan.volume_name, b.brick.id, b.brick.node
                ),
                error,
                done,
                total,
            })?;
    }
    Ok(())
}

/// Carry out a block volume plan: a new hosting volume first (through `runner`, journaled and
/// rolled back on failure), then the block volume on `host` (a node of the hosting volume).
pub async fn apply_block(
    runner: &Runner,
    executor: &dyn Executor,
    host: &str,
    plan: &BlockPlan,
) -> Result<(), Day2Error> {
    let hosting = match &plan.host {
        BlockHost::Existing { volume_name, .. } => volume_name.clone(),
        BlockHost::New { plan: hosting, .. } => {
            runner
                .apply(hosting, &Cancel::new())
                .await
                .map_err(|e| Day2Error {
                    what: format!("hosting volume {}", hosting.volume_name),
                    error: ExecError::CommandFailed {
                        host: host.to_string(),
                        command: "apply".into(),
                        status: -1,
                        stdout: String::new(),
                        stderr: e.to_string(),
                    },
                    done: 0,
                    total: 2,
                })?;
            hosting.volume_name.clone()
        }
    };
    let request = BlockVolumeCreate {
        host: host.to_string(),
        hosting_volume: hosting,
        name: plan.name.clone(),
        size: plan.size,
        ha_hosts: plan.ha_hosts.clone(),
    };
    let done = usize::from(matches!(plan.host, BlockHost::New { .. }));
    executor
        .block_volume_create(&request)
        .await
        .map_err(|error| Day2Error {
            what: format!("block volume {}", plan.name),
            error,
            done,
            total: done + 1,
        })
}

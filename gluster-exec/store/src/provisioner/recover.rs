//! Recovery on start: every pending operation is finished or rolled back.

use gluster_exec::runner::{plan_steps, Phase};
use gluster_exec::{Cancel, MemoryJournal};

use super::records::{parse, PendingOp};
use super::{apply_source, Provisioner};
use crate::error::StoreError;
use crate::key::Kind;

/// What recovery does with a create or an evacuation that never ended. Deletes are always
/// finished (a volume half-deleted cannot be given back its data); expansions are finished
/// when they can be. An evacuation's bricks already moved stay moved under either policy
/// (a replace-brick is not undone): `Finish` runs the other steps, `RollBack` undoes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecoveryPolicy {
    /// Undo what the create did on the hosts and release its reservation (the default:
    /// the caller retries with the same request name if it still wants the volume).
    #[default]
    RollBack,
    /// Run the create's steps again (all idempotent); roll back if one fails.
    Finish,
}

/// What recovery did, by pending key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Operations carried to their end.
    pub finished: Vec<String>,
    /// Operations undone, their reservation released.
    pub rolled_back: Vec<String>,
    /// Operations still pending, with why (run recovery again).
    pub failed: Vec<(String, String)>,
}

impl Provisioner {
    /// Finish or roll back every pending operation in the store.
    ///
    /// Call it on start, while no other provisioner runs operations on the same store (a
    /// pending operation of a live provisioner would be taken from under it).
    pub async fn recover(&self, policy: RecoveryPolicy) -> Result<RecoveryReport, StoreError> {
        self.refresh().await?;
        let pending: Vec<_> = self
            .inner
            .store
            .list(Kind::Pending)
            .await?
            .into_iter()
            .collect();
        let location = self.location();
        let mut report = RecoveryReport::default();
        for entry in pending {
            let key = entry.key.clone();
            let op: PendingOp = parse(&entry, &location)?;
            let outcome = match op {
                PendingOp::Create { request, plan } => match policy {
                    RecoveryPolicy::Finish => {
                        let (runner, journal) = self.runner();
                        match runner.apply(&plan, &Cancel::new()).await {
                            Ok(_) => self
                                .finish_create(&request, &plan, journal.as_ref())
                                .await
                                .map(|()| true),
                            Err(e) if e.rolled_back_cleanly() => self
                                .release(&key, &plan, journal.as_ref())
                                .await
                                .map(|()| false),
                            Err(e) => Err(StoreError::Hosts {
                                what: format!("finishing {key}"),
                                rolled_back: false,
                                source: Box::new(apply_source(e)),
                            }),
                        }
                    }
                    RecoveryPolicy::RollBack => match self.undo_create(&plan).await {
                        Ok(()) => self
                            .release(&key, &plan, &MemoryJournal::new())
                            .await
                            .map(|()| false),
                        Err(e) => Err(StoreError::Hosts {
                            what: format!("rolling back {key}"),
                            rolled_back: false,
                            source: Box::new(e),
                        }),
                    },
                },
                PendingOp::Expand { plan, before } => {
                    self.recover_expand(&key, &plan, &before).await
                }
                PendingOp::Evacuate {
                    plan,
                    before,
                    old,
                    devices,
                } => {
                    let e = super::evacuate::Evacuation {
                        plan,
                        before,
                        old,
                        devices,
                    };
                    let finish = policy == RecoveryPolicy::Finish;
                    self.recover_evacuation(&key, e, finish).await
                }
                PendingOp::BlockCreate {
                    block,
                    hosting,
                    host,
                } => match policy {
                    RecoveryPolicy::Finish => {
                        match self.block_create_on_hosts(&block, &hosting, &host).await {
                            Ok(()) => self.end_pending(&key).await.map(|()| true),
                            Err(e) => Err(StoreError::Hosts {
                                what: format!("finishing {key}"),
                                rolled_back: false,
                                source: Box::new(e),
                            }),
                        }
                    }
                    RecoveryPolicy::RollBack => self
                        .recover_block_delete(&key, &block, &hosting, &host)
                        .await
                        .map(|()| false),
                },
                PendingOp::BlockDelete {
                    block,
                    hosting,
                    host,
                } => self
                    .recover_block_delete(&key, &block, &hosting, &host)
                    .await
                    .map(|()| true),
                PendingOp::Delete { plan } => match self.delete_on_hosts(&plan).await {
                    Ok(()) => self
                        .release(&key, &plan, &MemoryJournal::new())
                        .await
                        .map(|()| true),
                    Err((e, _)) => Err(StoreError::Hosts {
                        what: format!("finishing {key}"),
                        rolled_back: false,
                        source: Box::new(e),
                    }),
                },
            };
            match outcome {
                Ok(true) => report.finished.push(key.id),
                Ok(false) => report.rolled_back.push(key.id),
                Err(e) => report.failed.push((key.id, error_chain(&e))),
            }
        }
        Ok(report)
    }

    /// Finish an expansion (every step is idempotent); when that fails and the volume on
    /// the hosts has none of the new bricks, give the reservation back. Ok(true): finished.
    async fn recover_expand(
        &self,
        key: &crate::Key,
        plan: &gluster_placement::day2::ExpandPlan,
        before: &gluster_model::Volume,
    ) -> Result<bool, StoreError> {
        let host = self.first_host(before)?;
        let ex = self.inner.executor.as_ref();
        match gluster_exec::day2::apply_expand(ex, &host, before.durability, plan).await {
            Ok(()) => self.end_pending(key).await.map(|()| true),
            Err(e) => {
                let info = ex
                    .volume_info(&gluster_exec::ops::VolumeRef {
                        host,
                        name: before.name.clone(),
                    })
                    .await;
                let added = info.map(|i| {
                    i.bricks
                        .iter()
                        .any(|b| plan.bricks.iter().any(|n| n.path == b.address.path))
                });
                match added {
                    Ok(false) => match self.destroy_new_bricks(plan).await {
                        Ok(()) => self.release_expand(key, plan, before).await.map(|()| false),
                        Err(e) => Err(StoreError::Hosts {
                            what: format!("rolling back {key}"),
                            rolled_back: false,
                            source: Box::new(e),
                        }),
                    },
                    _ => Err(StoreError::Hosts {
                        what: format!("finishing {key}"),
                        rolled_back: false,
                        source: Box::new(e.error),
                    }),
                }
            }
        }
    }

    /// Delete a block volume on the hosts (idempotent) and release it in the store.
    async fn recover_block_delete(
        &self,
        key: &crate::Key,
        block: &gluster_model::BlockVolume,
        hosting: &str,
        host: &str,
    ) -> Result<(), StoreError> {
        match self.block_delete_on_hosts(block, hosting, host).await {
            Ok(()) => self.release_block(key, block).await,
            Err(e) => Err(StoreError::Hosts {
                what: format!("finishing {key}"),
                rolled_back: false,
                source: Box::new(e),
            }),
        }
    }

    /// Undo a create's volume and bricks on the hosts, latest phase first (devices stay:
    /// other volumes may use them). Every undo is idempotent.
    async fn undo_create(
        &self,
        plan: &gluster_placement::Plan,
    ) -> Result<(), gluster_exec::ExecError> {
        let steps = plan_steps(plan)?;
        let ex = self.inner.executor.as_ref();
        for phase in [Phase::VolumeStart, Phase::VolumeCreate, Phase::Bricks] {
            let undos = steps
                .iter()
                .filter(|s| s.op.phase() == phase)
                .map(|s| s.op.undo(ex));
            for r in futures_util::future::join_all(undos).await {
                r?;
            }
        }
        Ok(())
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

//! `--run` of the data-service commands: carry a decision out on the hosts, through the
//! executor `apply` builds for `--transport` (and its flags). The simulated transport
//! rehearses on hosts rebuilt from the topology: its volumes made and started
//! (`sim_hosts`), its snapshots taken and its subvolumes' directories and quotas made.

use std::sync::Arc;

use gluster_exec::ops::{SnapshotClone, SnapshotCreate, SnapshotRef, VolumeRef};
use gluster_exec::simulated::Fault;
use gluster_exec::subvolume::{self, Subvolume};
use gluster_exec::Executor;
use gluster_model::{ByteSize, Model};

use crate::apply;
use crate::args::TransportArg;
use crate::data::{exec_subvolume, host_of, DataCommon};

/// One change on the hosts, as the executor's typed requests.
#[derive(Debug, Clone)]
pub(crate) enum HostOp {
    /// `snapshot create`, then `snapshot activate` (the snapshot deleted again if that fails).
    SnapshotCreate(SnapshotCreate),
    /// `snapshot delete`.
    SnapshotDelete(SnapshotRef),
    /// `snapshot clone`, then `volume start` (the clone removed again if that fails).
    SnapshotClone(SnapshotClone),
    /// A subvolume's directory and quota.
    SubvolumeCreate(Subvolume, ByteSize),
    /// A subvolume's new quota.
    SubvolumeExpand(Subvolume, ByteSize),
    /// A subvolume's quota and directory removed.
    SubvolumeDelete(Subvolume),
}

/// The simulated hosts as the topology says they are; `fail_at` fails the Nth change of
/// the run that follows (from 1).
async fn rehearsal_hosts(model: &Model, fail_at: Option<u16>) -> Result<Arc<dyn Executor>, String> {
    // The volumes first (clones are made from their snapshots below), then the data.
    let mut bare = model.clone();
    let fail = |e: gluster_model::ModelError| format!("rebuilding the simulated hosts: {e}");
    let names: Vec<String> = model.subvolumes().map(|s| s.name.clone()).collect();
    for name in names {
        bare.remove_subvolume(&name).map_err(fail)?;
    }
    let clones: Vec<gluster_model::VolumeId> = model.clones().map(|c| c.volume).collect();
    for id in &clones {
        bare.delete_volume(*id).map_err(fail)?;
    }
    let names: Vec<String> = model.snapshots().map(|s| s.name.clone()).collect();
    for name in names {
        bare.remove_snapshot(&name).map_err(fail)?;
    }
    let sim = crate::sim_hosts::from_store(&bare).await?;
    let ex: &dyn Executor = sim.as_ref();
    for s in model.snapshots() {
        let host = host_of(model, s.volume)?;
        let volume = model
            .volume(s.volume)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        let sref = SnapshotRef {
            host: host.clone(),
            name: s.name.clone(),
        };
        let create = SnapshotCreate {
            host,
            name: s.name.clone(),
            volume,
        };
        ex.snapshot_create(&create)
            .await
            .map_err(|e| e.to_string())?;
        ex.snapshot_activate(&sref)
            .await
            .map_err(|e| e.to_string())?;
    }
    for c in model.clones() {
        // A clone whose snapshot is gone cannot be made again here: the rehearsal lacks it.
        let (Some(v), Some(_)) = (model.volume(c.volume), model.snapshot(&c.snapshot)) else {
            continue;
        };
        let clone = SnapshotClone {
            host: host_of(model, c.origin)?,
            clone: v.name.clone(),
            snapshot: c.snapshot.clone(),
        };
        run_op(ex, &HostOp::SnapshotClone(clone))
            .await
            .map_err(|e| e.to_string())?;
    }
    for s in model.subvolumes() {
        subvolume::create(ex, &exec_subvolume(model, s)?, s.quota)
            .await
            .map_err(|e| e.to_string())?;
    }
    if let Some(n) = fail_at {
        sim.inject(Fault::FailCall(sim.calls() + usize::from(n)));
    }
    Ok(sim)
}

async fn run_op(ex: &dyn Executor, op: &HostOp) -> Result<(), gluster_exec::ExecError> {
    match op {
        HostOp::SnapshotCreate(create) => {
            let sref = SnapshotRef {
                host: create.host.clone(),
                name: create.name.clone(),
            };
            ex.snapshot_create(create).await?;
            if let Err(e) = ex.snapshot_activate(&sref).await {
                let _ = ex.snapshot_delete(&sref).await;
                return Err(e);
            }
            Ok(())
        }
        HostOp::SnapshotDelete(sref) => ex.snapshot_delete(sref).await,
        HostOp::SnapshotClone(clone) => {
            let vref = VolumeRef {
                host: clone.host.clone(),
                name: clone.clone.clone(),
            };
            ex.snapshot_clone(clone).await?;
            if let Err(e) = ex.volume_start(&vref).await {
                let _ = ex.volume_stop(&vref).await;
                let _ = ex.volume_delete(&vref).await;
                return Err(e);
            }
            Ok(())
        }
        HostOp::SubvolumeCreate(s, size) => subvolume::create(ex, s, *size).await,
        HostOp::SubvolumeExpand(s, size) => subvolume::expand(ex, s, *size).await,
        HostOp::SubvolumeDelete(s) => subvolume::delete(ex, s).await,
    }
}

/// Carry `ops` out in order; the line to print.
pub(crate) fn run(common: &DataCommon, ops: &[HostOp]) -> Result<String, String> {
    let exec = &common.exec;
    // The state before the change: what the hosts hold now.
    let model = crate::topology::load(common.topology.as_deref(), None)?;
    let root = apply::mount_root(&exec.brick_mount_root)?;
    apply::runtime()?.block_on(async {
        let ex = match exec.transport {
            TransportArg::Simulated => rehearsal_hosts(&model, exec.simulate_failure_at).await?,
            _ => apply::executor(exec, &model, &root)?.0,
        };
        for op in ops {
            run_op(ex.as_ref(), op)
                .await
                .map_err(|e| format!("on the hosts: {e} (nothing saved)"))?;
        }
        let transport = format!("{:?}", exec.transport).to_lowercase();
        Ok(format!(
            "carried out on the hosts (--transport {transport})"
        ))
    })
}

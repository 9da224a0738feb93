//! Conformance cases of the data services: snapshots and clones (LVM thin pools only),
//! pool-wide options, quotas and subvolume directories, device resync.

use gluster_model::{ByteSize, Durability};

use super::{check, ctx, CaseReport, CaseResult, Fixture};
use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;

/// Run the data-service cases; `snapshots: false` skips the snapshot case (directory bricks
/// or no device-mapper: glusterd cannot snapshot there). Each case cleans up after itself.
pub async fn run_data(ex: &dyn Executor, f: &Fixture, snapshots: bool) -> Vec<CaseReport> {
    let mut out = Vec::new();
    if f.hosts.len() < 3 {
        out.push(CaseReport {
            name: "fixture",
            result: Err("the suite needs at least three hosts".into()),
        });
        return out;
    }
    macro_rules! case {
        ($name:ident) => {
            out.push(CaseReport {
                name: stringify!($name),
                result: $name(ex, f).await,
            });
        };
    }
    if snapshots {
        case!(snapshot_create_activate_clone_delete_are_idempotent);
    }
    case!(cluster_options_apply);
    case!(subvolume_directories_and_quotas_are_idempotent);
    case!(subvolume_clone_is_idempotent);
    case!(device_resync_reports_the_size_and_refuses_a_shrink);
    out
}

/// A started replica-3 volume of one brick per host, thin pools twice the brick size; `run`
/// gets it, then it is stopped, deleted and its bricks removed whatever `run` returned.
async fn with_volume<F, Fut>(ex: &dyn Executor, f: &Fixture, suffix: &str, run: F) -> CaseResult
where
    F: FnOnce(VolumeRef) -> Fut,
    Fut: std::future::Future<Output = CaseResult>,
{
    let bricks: Vec<BrickCreate> = (0..3)
        .map(|i| BrickCreate {
            pool_size: ByteSize::mib(128),
            ..f.brick(i, 20)
        })
        .collect();
    let volume = VolumeRef {
        host: f.hosts[0].device.host.clone(),
        name: format!("{}_{suffix}", f.prefix),
    };
    let setup = async {
        for h in &f.hosts[..3] {
            ctx("device setup", ex.device_setup(&h.device).await)?;
        }
        for b in &bricks {
            ctx("brick create", ex.brick_create(b).await)?;
        }
        let create = VolumeCreate {
            host: volume.host.clone(),
            name: volume.name.clone(),
            durability: Durability::replicate(3).map_err(|e| e.to_string())?,
            bricks: bricks
                .iter()
                .enumerate()
                .map(|(i, b)| f.address(b, i))
                .collect(),
            options: Vec::new(),
        };
        ctx("volume create", ex.volume_create(&create).await)?;
        ctx("volume start", ex.volume_start(&volume).await)
    }
    .await;
    let result = match setup {
        Ok(()) => run(volume.clone()).await,
        Err(e) => Err(e),
    };
    let _ = ex.volume_stop(&volume).await;
    let _ = ex.volume_delete(&volume).await;
    let mut cleanup = Ok(());
    for b in &bricks {
        if let Err(e) = ex.brick_destroy(b).await {
            cleanup = Err(format!("brick destroy after the case: {e}"));
        }
    }
    result.and(cleanup)
}

async fn snapshot_create_activate_clone_delete_are_idempotent(
    ex: &dyn Executor,
    f: &Fixture,
) -> CaseResult {
    with_volume(ex, f, "snap", |volume| async move {
        let snap = SnapshotRef {
            host: volume.host.clone(),
            name: format!("{}_s1", volume.name),
        };
        let create = SnapshotCreate {
            host: volume.host.clone(),
            name: snap.name.clone(),
            volume: volume.name.clone(),
        };
        let clone = SnapshotClone {
            host: volume.host.clone(),
            clone: format!("{}_c1", volume.name),
            snapshot: snap.name.clone(),
        };
        let clone_ref = VolumeRef {
            host: volume.host.clone(),
            name: clone.clone.clone(),
        };
        let steps = async {
            ctx("snapshot create", ex.snapshot_create(&create).await)?;
            ctx("snapshot create again", ex.snapshot_create(&create).await)?;
            let info = ctx("snapshot info", ex.snapshot_info(&snap).await)?;
            check(info.volume == volume.name && !info.activated, || {
                format!("snapshot info after create: {info:?}")
            })?;
            ctx("snapshot activate", ex.snapshot_activate(&snap).await)?;
            ctx("snapshot activate again", ex.snapshot_activate(&snap).await)?;
            let info = ctx("snapshot info", ex.snapshot_info(&snap).await)?;
            check(info.activated, || format!("not activated: {info:?}"))?;
            ctx("snapshot clone", ex.snapshot_clone(&clone).await)?;
            ctx("snapshot clone again", ex.snapshot_clone(&clone).await)?;
            let cloned = ctx("clone volume info", ex.volume_info(&clone_ref).await)?;
            check(cloned.bricks.len() == 3, || {
                format!("clone has {} bricks", cloned.bricks.len())
            })?;
            // The origin's bricks stay while the snapshot lives in their pools: deleting the
            // clone and the snapshot frees them.
            ctx("clone stop", ex.volume_stop(&clone_ref).await)?;
            ctx("clone delete", ex.volume_delete(&clone_ref).await)?;
            ctx("snapshot delete", ex.snapshot_delete(&snap).await)?;
            ctx("snapshot delete again", ex.snapshot_delete(&snap).await)?;
            match ex.snapshot_info(&snap).await {
                Err(ExecError::NotFound { .. }) => Ok(()),
                other => Err(format!("snapshot info after delete: {other:?}")),
            }
        }
        .await;
        if steps.is_err() {
            let _ = ex.volume_stop(&clone_ref).await;
            let _ = ex.volume_delete(&clone_ref).await;
            let _ = ex.snapshot_delete(&snap).await;
        }
        steps
    })
    .await
}

async fn cluster_options_apply(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    let r = ClusterOptions {
        host: f.hosts[0].device.host.clone(),
        options: vec![("cluster.brick-multiplex".into(), "off".into())],
    };
    ctx("volume set all", ex.cluster_set(&r).await)?;
    ctx("volume set all again", ex.cluster_set(&r).await)?;
    let bad = ClusterOptions {
        options: vec![("cluster.brick-multiplex".into(), "on;reboot".into())],
        ..r
    };
    match ex.cluster_set(&bad).await {
        Err(ExecError::InvalidRequest(_)) => Ok(()),
        other => Err(format!("an unsafe option value was not refused: {other:?}")),
    }
}

async fn subvolume_directories_and_quotas_are_idempotent(
    ex: &dyn Executor,
    f: &Fixture,
) -> CaseResult {
    with_volume(ex, f, "subvol", |volume| async move {
        let dir = VolumeDir {
            host: volume.host.clone(),
            volume: volume.name.clone(),
            dir: "/subvol_1".into(),
            mount: format!("/run/gluster-exec-conformance/{}", volume.name),
        };
        let limit = |size| QuotaLimit {
            host: volume.host.clone(),
            volume: volume.name.clone(),
            dir: dir.dir.clone(),
            size,
        };
        let steps = async {
            ctx("directory create", ex.volume_dir_create(&dir).await)?;
            ctx("directory create again", ex.volume_dir_create(&dir).await)?;
            ctx("quota enable", ex.quota_enable(&volume).await)?;
            ctx("quota enable again", ex.quota_enable(&volume).await)?;
            ctx(
                "quota limit",
                ex.quota_limit(&limit(ByteSize::mib(8))).await,
            )?;
            ctx(
                "quota raise",
                ex.quota_limit(&limit(ByteSize::mib(16))).await,
            )?;
            ctx(
                "quota raise again",
                ex.quota_limit(&limit(ByteSize::mib(16))).await,
            )?;
            ctx("quota remove", ex.quota_remove(&dir).await)?;
            ctx("quota remove again", ex.quota_remove(&dir).await)?;
            ctx("directory delete", ex.volume_dir_delete(&dir).await)?;
            ctx("directory delete again", ex.volume_dir_delete(&dir).await)
        }
        .await;
        let unmounted = ctx("unmount", ex.volume_unmount(&dir).await);
        steps.and(unmounted)
    })
    .await
}

async fn device_resync_reports_the_size_and_refuses_a_shrink(
    ex: &dyn Executor,
    f: &Fixture,
) -> CaseResult {
    let device = f.hosts[0].device.clone();
    let info = ctx("device setup", ex.device_setup(&device).await)?;
    let same = DeviceResync {
        device: device.clone(),
        known_total: info.total,
        used: ByteSize::ZERO,
    };
    let report = ctx("resync", ex.device_resync(&same).await)?;
    check(report.change == SizeChange::Unchanged, || {
        format!("an unchanged device: {report:?}")
    })?;
    let smaller_known = DeviceResync {
        known_total: info.total.saturating_sub(ByteSize::mib(4)),
        ..same.clone()
    };
    let report = ctx("resync", ex.device_resync(&smaller_known).await)?;
    check(report.change == SizeChange::Grown(ByteSize::mib(4)), || {
        format!("a device 4 MiB larger than known: {report:?}")
    })?;
    let overfull = DeviceResync {
        used: info
            .total
            .checked_add(ByteSize::mib(4))
            .unwrap_or(info.total),
        ..same
    };
    match ex.device_resync(&overfull).await {
        Err(ExecError::DeviceShrunk { .. }) => Ok(()),
        other => Err(format!("a device below its bricks was accepted: {other:?}")),
    }
}

async fn subvolume_clone_is_idempotent(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    use crate::subvolume::{self, HostingBrick, Subvolume};
    with_volume(ex, f, "clone", |volume| async move {
        let source = Subvolume {
            host: volume.host.clone(),
            volume: volume.name.clone(),
            dir: "/src".into(),
            mount: format!("/run/gluster-exec-conformance/{}", volume.name),
        };
        let copy = Subvolume {
            dir: "/copy".into(),
            ..source.clone()
        };
        let bricks: Vec<HostingBrick> = (0..3)
            .map(|i| HostingBrick {
                host: f.hosts[i].device.host.clone(),
                path: f.brick(i, 20).path,
            })
            .collect();
        let steps = async {
            let size = ByteSize::mib(16);
            ctx("source", subvolume::create(ex, &source, size).await)?;
            for what in ["clone", "clone again"] {
                let report = ctx(
                    what,
                    subvolume::clone(ex, &source, &copy.dir, size, &bricks, &mut |_| {}).await,
                )?;
                check(report.files == 0 && report.fallback.is_none(), || {
                    format!("{what} of an empty subvolume: {report:?}")
                })?;
            }
            ctx("delete the clone", subvolume::delete(ex, &copy).await)?;
            ctx("delete the source", subvolume::delete(ex, &source).await)
        }
        .await;
        let unmounted = ctx(
            "unmount",
            ex.volume_unmount(&VolumeDir {
                host: source.host.clone(),
                volume: source.volume.clone(),
                dir: source.dir.clone(),
                mount: source.mount.clone(),
            })
            .await,
        );
        steps.and(unmounted)
    })
    .await
}

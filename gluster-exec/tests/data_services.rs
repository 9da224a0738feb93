//! Data services on the simulated executor and as rendered commands: snapshot, clone,
//! subvolume (quota), multiplex, resync; the CSI helper's idempotency and rollback.

use gluster_exec::conformance::{run_data, Fixture};
use gluster_exec::csi::{self, CsiError};
use gluster_exec::ops::*;
use gluster_exec::render::{quota, resync, snapshot};
use gluster_exec::simulated::{Fault, SimOp, SimState, SimulatedExecutor};
use gluster_exec::subvolume::{self, Subvolume};
use gluster_exec::{Backend, DirectoryMounts, ExecError, Executor};
use gluster_model::{BrickId, ByteSize, Durability};
use gluster_placement::snapshot::ThinPoolUse;

fn joined(argv: &[String]) -> String {
    argv.join(" ")
}

#[test]
fn snapshot_commands_render_without_timestamp_and_refuse_hostile_names() {
    let create = SnapshotCreate {
        host: "node1".into(),
        name: "snap_1".into(),
        volume: "vol_1".into(),
    };
    assert_eq!(
        joined(&snapshot::create(&create).unwrap()),
        "gluster --mode=script --xml snapshot create snap_1 vol_1 no-timestamp"
    );
    let r = SnapshotRef {
        host: "node1".into(),
        name: "snap_1".into(),
    };
    assert_eq!(
        joined(&snapshot::activate(&r).unwrap()),
        "gluster --mode=script --xml snapshot activate snap_1"
    );
    assert_eq!(
        joined(&snapshot::delete(&r).unwrap()),
        "gluster --mode=script --xml snapshot delete snap_1"
    );
    let clone = SnapshotClone {
        host: "node1".into(),
        clone: "vol_2".into(),
        snapshot: "snap_1".into(),
    };
    assert_eq!(
        joined(&snapshot::clone(&clone).unwrap()),
        "gluster --mode=script --xml snapshot clone vol_2 snap_1"
    );
    for evil in ["a;b", "-all", "x y", ""] {
        let bad = SnapshotCreate {
            name: evil.into(),
            ..create.clone()
        };
        assert!(matches!(
            snapshot::create(&bad),
            Err(ExecError::InvalidRequest(_))
        ));
    }
}

#[test]
fn multiplex_and_quota_commands_render() {
    let set = ClusterOptions {
        host: "node1".into(),
        options: vec![
            ("cluster.brick-multiplex".into(), "on".into()),
            ("cluster.max-bricks-per-process".into(), "50".into()),
        ],
    };
    let cmds: Vec<String> = snapshot::cluster_set(&set)
        .unwrap()
        .iter()
        .map(|a| joined(a))
        .collect();
    assert_eq!(
        cmds,
        [
            "gluster --mode=script --xml volume set all cluster.brick-multiplex on",
            "gluster --mode=script --xml volume set all cluster.max-bricks-per-process 50",
        ]
    );
    let limit = QuotaLimit {
        host: "node1".into(),
        volume: "hosting_1".into(),
        dir: "/subvol_a".into(),
        size: ByteSize::mib(10),
    };
    assert_eq!(
        joined(&quota::limit(&limit).unwrap()),
        "gluster --mode=script --xml volume quota hosting_1 limit-usage /subvol_a 10485760"
    );
    let dir = VolumeDir {
        host: "node1".into(),
        volume: "hosting_1".into(),
        dir: "/subvol_a".into(),
        mount: "/run/gluster-exec/hosting_1".into(),
    };
    let steps: Vec<String> = quota::dir_create(&dir)
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        steps,
        [
            "mkdir -p /run/gluster-exec/hosting_1",
            "mount -t glusterfs localhost:/hosting_1 /run/gluster-exec/hosting_1  \
             # unless: mountpoint -q /run/gluster-exec/hosting_1",
            "mkdir -p /run/gluster-exec/hosting_1/subvol_a",
        ]
    );
    for evil in ["/../etc", "relative", "/a/../../b", "/-rf"] {
        let bad = VolumeDir {
            dir: evil.into(),
            ..dir.clone()
        };
        assert!(quota::dir_delete(&bad).is_err(), "{evil}");
    }
    let zero = QuotaLimit {
        size: ByteSize::ZERO,
        ..limit
    };
    assert!(quota::limit(&zero).is_err());
}

#[test]
fn resync_renders_pvresize_or_xfs_growfs() {
    let device = DeviceSetup {
        host: "node1".into(),
        device_id: gluster_model::DeviceId::derived(&["resync"]),
        device: "/dev/vdb".into(),
    };
    let r = DeviceResync {
        device: device.clone(),
        known_total: ByteSize::gib(10),
        used: ByteSize::ZERO,
    };
    let lvm = resync::resync(&Backend::LvmThin, &r).unwrap();
    assert_eq!(lvm[0].to_string(), "pvresize /dev/vdb");
    let dirs = Backend::Directory(DirectoryMounts::under_root("/bricks"));
    let xfs = resync::resync(&dirs, &r).unwrap();
    assert_eq!(
        xfs[0].to_string(),
        format!("xfs_growfs /bricks/vg_{}", device.device_id)
    );
}

#[tokio::test]
async fn the_simulated_executor_passes_the_data_service_cases() {
    let (fixture, state) = Fixture::simulated(3);
    let sim = SimulatedExecutor::new(state);
    let report = run_data(&sim, &fixture, true).await;
    let failed: Vec<_> = report.iter().filter(|c| !c.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report.len(), 5);
    let after = sim.snapshot();
    assert!(after.volumes.is_empty(), "{:?}", after.volumes);
    assert!(after.data.snapshots.is_empty() && after.data.clones.is_empty());
    assert!(after
        .hosts
        .values()
        .flat_map(|h| h.devices.values())
        .all(|d| d.bricks.is_empty()));
}

#[tokio::test]
async fn the_data_cases_catch_a_snapshot_create_that_is_not_idempotent() {
    let (fixture, state) = Fixture::simulated(3);
    let sim = SimulatedExecutor::new(state);
    sim.inject(Fault::FailOp {
        op: SimOp::SnapshotCreate,
        nth: 2,
    });
    let report = run_data(&sim, &fixture, true).await;
    let failed: Vec<&str> = report
        .iter()
        .filter(|c| !c.passed())
        .map(|c| c.name)
        .collect();
    assert_eq!(
        failed,
        ["snapshot_create_activate_clone_delete_are_idempotent"]
    );
    // The failing case still cleaned up.
    assert!(sim.snapshot().data.snapshots.is_empty());
    assert!(sim.snapshot().volumes.is_empty());
}

/// A started replica-3 volume `vol` on three simulated hosts; bricks of 64 MiB in pools of
/// `pool` MiB.
async fn started_volume(pool: u64) -> (SimulatedExecutor, Fixture, Vec<BrickCreate>) {
    let (fixture, state) = Fixture::simulated(3);
    let sim = SimulatedExecutor::new(state);
    let mut bricks = Vec::new();
    for (i, h) in fixture.hosts.iter().enumerate() {
        sim.device_setup(&h.device).await.unwrap();
        let id = BrickId::derived(&["data", &i.to_string()]);
        let b = BrickCreate {
            host: h.device.host.clone(),
            device_id: h.device.device_id,
            device: h.device.device.clone(),
            brick_id: id,
            size: ByteSize::mib(64),
            pool_size: ByteSize::mib(pool),
            metadata_size: ByteSize::mib(4),
            arbiter: false,
            path: format!("{}/brick_{id}/brick", h.brick_dir),
        };
        sim.brick_create(&b).await.unwrap();
        bricks.push(b);
    }
    let create = VolumeCreate {
        host: "sim0".into(),
        name: "vol".into(),
        durability: Durability::replicate(3).unwrap(),
        bricks: bricks
            .iter()
            .zip(&fixture.hosts)
            .map(|(b, h)| BrickAddress {
                host: h.storage_host.clone(),
                path: b.path.clone(),
            })
            .collect(),
        options: vec![],
    };
    sim.volume_create(&create).await.unwrap();
    sim.volume_start(&VolumeRef {
        host: "sim0".into(),
        name: "vol".into(),
    })
    .await
    .unwrap();
    (sim, fixture, bricks)
}

fn pools(state: &SimState, used: ByteSize) -> Vec<ThinPoolUse> {
    state
        .hosts
        .values()
        .flat_map(|h| h.devices.values())
        .flat_map(|d| d.bricks.values())
        .map(|b| ThinPoolUse {
            brick: b.path.clone(),
            brick_size: b.size,
            pool_size: b.pool,
            data_used: used,
            // The simulated pools charge each thin LV the data used (here: `used`).
            reserved: ByteSize::b(used.bytes() * b.thin.len() as u64),
        })
        .collect()
}

#[tokio::test]
async fn snapshot_and_clone_are_charged_to_the_thin_pools() {
    let (sim, _, bricks) = started_volume(128).await;
    let snap = csi::create_snapshot(
        &sim,
        "sim0",
        "s1",
        "vol",
        &pools(&sim.snapshot(), ByteSize::mib(20)),
    )
    .await
    .unwrap();
    assert!(snap.ready);
    assert_eq!(snap.charge.unwrap().per_brick, vec![ByteSize::mib(20); 3]);
    // Create again by name: the same snapshot, nothing new charged.
    let again = csi::create_snapshot(&sim, "sim0", "s1", "vol", &[])
        .await
        .unwrap();
    assert!(again.ready && again.charge.is_none());
    csi::restore_snapshot(
        &sim,
        "sim0",
        "s1",
        "vol_restored",
        &pools(&sim.snapshot(), ByteSize::mib(20)),
    )
    .await
    .unwrap();
    let state = sim.snapshot();
    assert_eq!(state.volumes["vol_restored"].status, VolumeStatus::Started);
    for b in state
        .hosts
        .values()
        .flat_map(|h| h.devices.values())
        .flat_map(|d| d.bricks.values())
    {
        let tags: Vec<&str> = b.thin.iter().map(String::as_str).collect();
        assert_eq!(tags, ["clone:vol_restored", "snap:s1"]);
    }
    // A third thin LV would not fit the reserve (64 + 3 x 20 > 128 is false; 64 + 3 x 24 > 128).
    let err = csi::create_snapshot(&sim, "sim0", "s2", "vol", &pools(&state, ByteSize::mib(24)))
        .await
        .unwrap_err();
    assert!(matches!(err, CsiError::Refused { .. }), "{err}");
    assert_eq!(csi::snapshot_ready(&sim, "sim0", "s2").await.unwrap(), None);
    // The origin's bricks cannot go while snapshots live in their pools.
    let vref = VolumeRef {
        host: "sim0".into(),
        name: "vol".into(),
    };
    sim.volume_stop(&vref).await.unwrap();
    sim.volume_delete(&vref).await.unwrap();
    assert!(sim.brick_destroy(&bricks[0]).await.is_err());
    let clone = VolumeRef {
        host: "sim0".into(),
        name: "vol_restored".into(),
    };
    sim.volume_stop(&clone).await.unwrap();
    sim.volume_delete(&clone).await.unwrap();
    csi::delete_snapshot(&sim, "sim0", "s1").await.unwrap();
    for b in &bricks {
        sim.brick_destroy(b).await.unwrap();
    }
}

#[tokio::test]
async fn snapshot_name_of_another_volume_is_refused_and_a_failed_activate_rolls_back() {
    let (sim, _, _) = started_volume(128).await;
    let p = pools(&sim.snapshot(), ByteSize::ZERO);
    csi::create_snapshot(&sim, "sim0", "s1", "vol", &p)
        .await
        .unwrap();
    let taken = csi::create_snapshot(&sim, "sim0", "s1", "other", &p)
        .await
        .unwrap_err();
    assert!(matches!(taken, CsiError::NameTaken { .. }), "{taken}");
    sim.inject(Fault::FailOp {
        op: SimOp::SnapshotActivate,
        nth: 2, // the first activated s1
    });
    assert!(csi::create_snapshot(&sim, "sim0", "s2", "vol", &p)
        .await
        .is_err());
    assert_eq!(csi::snapshot_ready(&sim, "sim0", "s2").await.unwrap(), None);
    // A clone that fails to start is removed again.
    sim.inject(Fault::FailOp {
        op: SimOp::VolumeStart,
        nth: 2, // the first started vol
    });
    assert!(csi::restore_snapshot(&sim, "sim0", "s1", "vol_c", &p)
        .await
        .is_err());
    assert!(!sim.snapshot().volumes.contains_key("vol_c"));
    let tags = sim
        .snapshot()
        .hosts
        .values()
        .flat_map(|h| h.devices.values())
        .flat_map(|d| d.bricks.values())
        .all(|b| !b.thin.contains("clone:vol_c"));
    assert!(tags);
}

#[tokio::test]
async fn fifty_subvolumes_with_quotas_in_one_hosting_volume() {
    let (sim, _, _) = started_volume(64).await;
    let sub = |i: usize| Subvolume {
        host: "sim0".into(),
        volume: "vol".into(),
        dir: format!("/subvol_{i}"),
        mount: "/run/gluster-exec/vol".into(),
    };
    for i in 0..50 {
        subvolume::create(&sim, &sub(i), ByteSize::mib(1))
            .await
            .unwrap();
    }
    subvolume::expand(&sim, &sub(7), ByteSize::mib(2))
        .await
        .unwrap();
    let state = sim.snapshot();
    assert_eq!(state.data.quotas["vol"].len(), 50);
    assert_eq!(state.data.quotas["vol"]["/subvol_7"], ByteSize::mib(2));
    subvolume::delete(&sim, &sub(7)).await.unwrap();
    subvolume::delete(&sim, &sub(7)).await.unwrap();
    let state = sim.snapshot();
    assert_eq!(state.data.quotas["vol"].len(), 49);
    assert!(!state
        .data
        .dirs
        .contains(&("vol".into(), "/subvol_7".into())));
    // A limit that cannot be set leaves no directory behind.
    // 50 x (enable, limit) + 1 raise + 2 removes: the next limit is quota call 105.
    sim.inject(Fault::FailOp {
        op: SimOp::Quota,
        nth: 105,
    });
    assert!(subvolume::create(&sim, &sub(99), ByteSize::mib(1))
        .await
        .is_err());
    assert!(!sim
        .snapshot()
        .data
        .dirs
        .contains(&("vol".into(), "/subvol_99".into())));
}

#[tokio::test]
async fn multiplex_setting_changes_the_brick_processes() {
    let (sim, fixture, _) = started_volume(64).await;
    // Four more started volumes: five bricks per host.
    for v in 0..4 {
        let mut addresses = Vec::new();
        for (i, h) in fixture.hosts.iter().enumerate() {
            let id = BrickId::derived(&["mux", &v.to_string(), &i.to_string()]);
            let b = BrickCreate {
                host: h.device.host.clone(),
                device_id: h.device.device_id,
                device: h.device.device.clone(),
                brick_id: id,
                size: ByteSize::mib(64),
                pool_size: ByteSize::mib(64),
                metadata_size: ByteSize::mib(4),
                arbiter: false,
                path: format!("{}/brick_{id}/brick", h.brick_dir),
            };
            sim.brick_create(&b).await.unwrap();
            addresses.push(BrickAddress {
                host: h.storage_host.clone(),
                path: b.path,
            });
        }
        let name = format!("mux_{v}");
        sim.volume_create(&VolumeCreate {
            host: "sim0".into(),
            name: name.clone(),
            durability: Durability::replicate(3).unwrap(),
            bricks: addresses,
            options: vec![],
        })
        .await
        .unwrap();
        sim.volume_start(&VolumeRef {
            host: "sim0".into(),
            name,
        })
        .await
        .unwrap();
    }
    assert_eq!(sim.brick_processes("sim0"), 5);
    let set = |k: &str, v: &str| ClusterOptions {
        host: "sim0".into(),
        options: vec![(k.into(), v.into())],
    };
    sim.cluster_set(&set("cluster.brick-multiplex", "on"))
        .await
        .unwrap();
    assert_eq!(sim.brick_processes("sim0"), 1);
    sim.cluster_set(&set("cluster.max-bricks-per-process", "2"))
        .await
        .unwrap();
    assert_eq!(sim.brick_processes("sim0"), 3);
    sim.cluster_set(&set("cluster.brick-multiplex", "off"))
        .await
        .unwrap();
    assert_eq!(sim.brick_processes("sim0"), 5);
    assert_eq!(sim.brick_processes("nowhere"), 0);
}

#[tokio::test]
async fn resync_reports_a_grown_device_and_refuses_a_shrink_below_its_bricks() {
    let (sim, fixture, _) = started_volume(64).await;
    let device = fixture.hosts[0].device.clone();
    let r = DeviceResync {
        device: device.clone(),
        known_total: ByteSize::gib(100),
        used: ByteSize::mib(68),
    };
    sim.set_device_total("sim0", device.device_id, ByteSize::gib(150))
        .unwrap();
    let report = sim.device_resync(&r).await.unwrap();
    assert_eq!(report.change, SizeChange::Grown(ByteSize::gib(50)));
    assert_eq!(
        report.info.free,
        ByteSize::gib(150).saturating_sub(ByteSize::mib(68))
    );
    sim.set_device_total("sim0", device.device_id, ByteSize::gib(50))
        .unwrap();
    let report = sim.device_resync(&r).await.unwrap();
    assert_eq!(report.change, SizeChange::Shrunk(ByteSize::gib(50)));
    sim.set_device_total("sim0", device.device_id, ByteSize::mib(32))
        .unwrap();
    match sim.device_resync(&r).await {
        Err(ExecError::DeviceShrunk { total, used, .. }) => {
            assert_eq!((total, used), (ByteSize::mib(32), ByteSize::mib(68)));
        }
        other => panic!("a shrink below the bricks was accepted: {other:?}"),
    }
}

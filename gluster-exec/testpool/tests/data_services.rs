//! Data services on a real GlusterFS pool (root; glusterfs-server, xfsprogs, /dev/fuse):
//! brick multiplexing measured, 50 subvolumes with quotas (EDQUOT past a limit), a grown
//! loop device resynced, the data conformance cases against glusterd, and the snapshot
//! proof, which needs device-mapper and says so when it is missing.
//!
//! `gluster-exec/testpool/tests/data-services.sh` runs it (one test at a time).

#[path = "data_services/common.rs"]
mod common;
#[path = "data_services/measure.rs"]
mod measure;

use std::time::{Duration, Instant};

use gluster_exec::conformance::{run_data, Fixture, FixtureHost};
use gluster_exec::ops::*;
use gluster_exec::subvolume::{self, Subvolume};
use gluster_exec::{DirectoryMounts, ExecError, Executor};
use gluster_model::ByteSize;
use gluster_testpool::{PoolSpec, BRICK_ROOT};

use common::{wait_until, Env};

fn small_pool(nodes: usize) -> PoolSpec {
    PoolSpec {
        disk_size: ByteSize::gib(4),
        ..PoolSpec::new(1, nodes)
    }
}

#[test]
fn multiplex_thirty_replica3_volumes_on_six_nodes_processes_and_memory() {
    let t = Instant::now();
    let env = Env::start(&PoolSpec {
        disk_size: ByteSize::gib(4),
        ..PoolSpec::new(3, 2)
    });
    eprintln!(
        "[data] pool of 6 nodes up: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let host = env.pool.node(0).name.clone();
    let set = |key: &str, value: &str| ClusterOptions {
        host: host.clone(),
        options: vec![(key.into(), value.into())],
    };
    let volumes: Vec<VolumeRef> = (0..30)
        .map(|i| {
            let base = i % 2;
            env.replica3(&format!("mux{i}"), [base, base + 2, base + 4])
        })
        .collect();
    let mut figures = Vec::new();
    for mode in ["off", "on"] {
        env.block(env.ex.cluster_set(&set("cluster.brick-multiplex", mode)))
            .unwrap_or_else(|e| panic!("brick-multiplex {mode}: {e}"));
        let t = Instant::now();
        for v in &volumes {
            env.block(env.ex.volume_start(v)).expect("volume start");
        }
        // `volume status all` leaves volumes out while glusterd is busy: ask each volume.
        for v in &volumes {
            wait_until(
                &format!("3 bricks of {} online", v.name),
                Duration::from_secs(300),
                || {
                    let status = env.sh(0, &format!("gluster --xml volume status {}", v.name));
                    measure::bricks_online(&status) == 3
                },
            );
        }
        let started = t.elapsed();
        let per_node = measure::brick_processes(&env.pool);
        for (i, n) in per_node.iter().enumerate() {
            eprintln!(
                "[data] multiplex {mode}: node{i}: {} glusterfsd, {:.1} MiB resident",
                n.processes,
                n.rss_kib as f64 / 1024.0
            );
        }
        eprintln!(
            "[data] multiplex {mode}: 30 volumes started, 90 bricks online in {:.1} s",
            started.as_secs_f64()
        );
        figures.push((mode, per_node));
        for v in &volumes {
            env.block(env.ex.volume_stop(v)).expect("volume stop");
        }
        wait_until("every brick process gone", Duration::from_secs(120), || {
            measure::brick_processes(&env.pool)
                .iter()
                .all(|n| n.processes == 0)
        });
    }
    let (off, on) = (&figures[0].1, &figures[1].1);
    // Without multiplexing each of a node's 15 bricks is its own process; with it, the
    // node's bricks share one (15 < the default 250 per process).
    assert!(off.iter().all(|n| n.processes == 15), "{off:?}");
    assert!(on.iter().all(|n| n.processes == 1), "{on:?}");
    let sum = |v: &[measure::NodeBricks]| v.iter().map(|n| n.rss_kib).sum::<u64>();
    eprintln!(
        "[data] multiplex summary: off {} processes, {:.0} MiB; on {} processes, {:.0} MiB \
         (6 nodes, 30 replica-3 volumes)",
        off.iter().map(|n| n.processes).sum::<usize>(),
        sum(off) as f64 / 1024.0,
        on.iter().map(|n| n.processes).sum::<usize>(),
        sum(on) as f64 / 1024.0
    );
    assert!(sum(on) < sum(off), "multiplexing did not save memory");
    env.block(env.ex.cluster_set(&set("cluster.brick-multiplex", "off")))
        .expect("multiplex off");
    let trace = env.pool.trace();
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    assert!(trace.leftovers().is_empty(), "{:?}", trace.leftovers());
}

#[test]
fn subvolume_fifty_quota_directories_and_a_write_past_a_quota_fails_with_edquot() {
    let env = Env::start(&small_pool(3));
    let volume = env.replica3("hosting", [0, 1, 2]);
    env.block(env.ex.volume_start(&volume)).expect("start");
    let mount = "/run/gluster-exec/hosting".to_string();
    let sub = |i: usize| Subvolume {
        host: volume.host.clone(),
        volume: volume.name.clone(),
        dir: format!("/subvol_{i}"),
        mount: mount.clone(),
    };
    let t = Instant::now();
    for i in 0..50 {
        env.block(subvolume::create(&env.ex, &sub(i), ByteSize::mib(8)))
            .unwrap_or_else(|e| panic!("subvolume {i}: {e}"));
    }
    eprintln!(
        "[data] 50 subvolumes with quotas: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // Enforce at once (the defaults let a write overshoot for a few seconds).
    let strict = SetOptions {
        host: volume.host.clone(),
        name: volume.name.clone(),
        options: vec![
            ("features.soft-timeout".into(), "0".into()),
            ("features.hard-timeout".into(), "0".into()),
        ],
    };
    env.block(env.ex.set_options(&strict))
        .expect("quota timeouts");
    let list = env.sh(0, "gluster --xml volume quota hosting list");
    assert_eq!(list.matches("<path>/subvol_").count(), 50, "{list}");
    // A 4 MiB write fits in subvol_0; 16 MiB more does not.
    let ok = env.sh_out(
        0,
        &format!("dd if=/dev/zero of={mount}/subvol_0/a bs=1M count=4 conv=fsync"),
    );
    assert!(ok.success(), "{ok:?}");
    let over = env.sh_out(
        0,
        &format!("dd if=/dev/zero of={mount}/subvol_0/b bs=1M count=16 conv=fsync"),
    );
    let text = format!("{}{}", over.stdout, over.stderr);
    assert!(
        !over.success() && text.contains("Disk quota exceeded"),
        "{over:?}"
    );
    eprintln!(
        "[data] write past the 8 MiB quota: {}",
        text.lines().next().unwrap_or("")
    );
    // Raising the quota lets the write through; another subvolume was never affected.
    env.block(subvolume::expand(&env.ex, &sub(0), ByteSize::mib(64)))
        .expect("expand");
    let after = env.sh_out(
        0,
        &format!("rm -f {mount}/subvol_0/b; dd if=/dev/zero of={mount}/subvol_0/b bs=1M count=16 conv=fsync"),
    );
    assert!(after.success(), "after raising the quota: {after:?}");
    env.block(subvolume::delete(&env.ex, &sub(0)))
        .expect("delete");
    env.block(subvolume::delete(&env.ex, &sub(0)))
        .expect("delete again");
    let list = env.sh(0, "gluster --xml volume quota hosting list");
    assert_eq!(list.matches("<path>/subvol_").count(), 49, "{list}");
    assert!(env.sh_out(0, &format!("test -e {mount}/subvol_0")).status != 0);
    env.block(env.ex.volume_unmount(&dir_of(&volume, &mount, "/subvol_1")))
        .expect("unmount");
    let trace = env.pool.trace();
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    assert!(trace.leftovers().is_empty(), "{:?}", trace.leftovers());
}

fn dir_of(volume: &VolumeRef, mount: &str, dir: &str) -> VolumeDir {
    VolumeDir {
        host: volume.host.clone(),
        volume: volume.name.clone(),
        dir: dir.into(),
        mount: mount.to_string(),
    }
}

#[test]
fn resync_of_a_grown_loop_device_and_data_conformance_against_glusterd() {
    let env = Env::start(&small_pool(3));
    let node = env.pool.node(0);
    let disk = node.disks[0].clone();
    let device = DeviceSetup {
        host: node.name.clone(),
        device_id: disk.id,
        device: disk.loop_device.clone(),
    };
    let r = DeviceResync {
        device: device.clone(),
        known_total: disk.size,
        used: ByteSize::ZERO,
    };
    let same = env.block(env.ex.device_resync(&r)).expect("resync");
    assert_eq!(same.change, SizeChange::Unchanged, "{same:?}");
    // Grow the disk by 1 GiB under the filesystem, as a grown LUN would.
    let image = disk.image.display().to_string();
    let grow = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("truncate -s +1G {image} && losetup -c {}", disk.loop_device),
        ])
        .status()
        .expect("grow the image");
    assert!(grow.success());
    let grown = env
        .block(env.ex.device_resync(&r))
        .expect("resync after growth");
    let SizeChange::Grown(by) = grown.change else {
        panic!("not reported as grown: {grown:?}");
    };
    eprintln!(
        "[data] resync: {} grew by {by} (xfs_growfs), now {}",
        disk.loop_device, grown.info.total
    );
    assert!(by > ByteSize::mib(900) && by <= ByteSize::gib(1), "{by}");
    let again = DeviceResync {
        known_total: grown.info.total,
        ..r.clone()
    };
    assert_eq!(
        env.block(env.ex.device_resync(&again))
            .expect("again")
            .change,
        SizeChange::Unchanged
    );
    let overfull = DeviceResync {
        used: grown.info.total.checked_add(ByteSize::gib(1)).unwrap(),
        ..r
    };
    assert!(matches!(
        env.block(env.ex.device_resync(&overfull)),
        Err(ExecError::DeviceShrunk { .. })
    ));

    let mounts = DirectoryMounts::under_root(BRICK_ROOT);
    let fixture = Fixture {
        hosts: env
            .pool
            .nodes()
            .iter()
            .map(|n| FixtureHost {
                device: DeviceSetup {
                    host: n.name.clone(),
                    device_id: n.disks[0].id,
                    device: n.disks[0].loop_device.clone(),
                },
                storage_host: n.address.clone(),
                brick_dir: mounts.mount_of(n.disks[0].id).expect("mount"),
            })
            .collect(),
        prefix: "dataconf".into(),
    };
    let report = env.block(run_data(&env.ex, &fixture, false));
    for case in &report {
        eprintln!("[data] conformance {}: {:?}", case.name, case.result);
    }
    assert!(report.iter().all(|c| c.passed()), "{report:#?}");
    let trace = env.pool.trace();
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    assert!(trace.leftovers().is_empty(), "{:?}", trace.leftovers());
}

/// Snapshots need LVM thin bricks, hence device-mapper; this kernel may have none.
fn device_mapper() -> Result<(), String> {
    if std::path::Path::new("/sys/module/dm_mod").exists() {
        return Ok(());
    }
    match std::process::Command::new("dmsetup")
        .arg("version")
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
        Err(e) => Err(format!("dmsetup: {e}")),
    }
}

#[test]
fn snapshot_clone_on_lvm_thin_needs_device_mapper() {
    if let Err(why) = device_mapper() {
        eprintln!(
            "[data] SKIPPED snapshot proof: no device-mapper in this kernel ({why}); \
             gluster snapshots need LVM thin bricks. Run where /sys/module/dm_mod exists."
        );
        return;
    }
    // Where device-mapper exists, the proof runs the snapshot case of the data conformance
    // suite against glusterd with LVM thin bricks on loop devices.
    let env = Env::start(&small_pool(3));
    let lvm =
        gluster_exec::CommandExecutor::new(env.pool.transport(), gluster_exec::Backend::LvmThin);
    let fixture = Fixture {
        hosts: env
            .pool
            .nodes()
            .iter()
            .map(|n| FixtureHost {
                device: DeviceSetup {
                    host: n.name.clone(),
                    device_id: n.disks[0].id,
                    device: n.disks[0].loop_device.clone(),
                },
                storage_host: n.address.clone(),
                brick_dir: format!("/var/lib/heketi/mounts/vg_{}", n.disks[0].id),
            })
            .collect(),
        prefix: "snapconf".into(),
    };
    for n in env.pool.nodes() {
        n.exec(&["umount", &n.disks[0].mount])
            .expect("free the loop device for LVM");
        n.exec(&["wipefs", "-a", &n.disks[0].loop_device])
            .expect("wipefs");
    }
    let report = env.block(run_data(&lvm, &fixture, true));
    for case in &report {
        eprintln!("[data] conformance {}: {:?}", case.name, case.result);
    }
    assert!(report.iter().all(|c| c.passed()), "{report:#?}");
}

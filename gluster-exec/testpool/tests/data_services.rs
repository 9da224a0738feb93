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
use gluster_exec::day2::{self, HealWait};
use gluster_exec::ops::*;
use gluster_exec::subvolume::{self, HostingBrick, Subvolume};
use gluster_exec::{DirectoryMounts, ExecError, Executor};
use gluster_model::ByteSize;
use gluster_testpool::{PoolSpec, BRICK_ROOT};

use common::{wait_until, Env};

/// How long a test waits for the self-heal daemon: every 500 ms for up to a minute.
fn heal_wait() -> HealWait {
    HealWait {
        poll: Duration::from_millis(500),
        attempts: 120,
    }
}

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
fn resync_of_a_grown_loop_device_snapshot_refusal_and_data_conformance_against_glusterd() {
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

    // Snapshots here: glusterd without LVM disables them ("LVM commands not found"), and
    // the executor says so as Unsupported, for create and for info alike.
    let volume = env.replica3("nosnap", [0, 1, 2]);
    env.block(env.ex.volume_start(&volume)).expect("start");
    let create = SnapshotCreate {
        host: volume.host.clone(),
        name: "snap1".into(),
        volume: volume.name.clone(),
    };
    let refused = env.block(env.ex.snapshot_create(&create));
    eprintln!("[data] snapshot on this pool: {refused:?}");
    assert!(
        matches!(
            refused,
            Err(ExecError::Unsupported(_)) | Err(ExecError::Gluster { .. })
        ),
        "{refused:?}"
    );
    let snap = SnapshotRef {
        host: volume.host.clone(),
        name: "snap1".into(),
    };
    let info = env.block(env.ex.snapshot_info(&snap));
    assert!(
        matches!(
            info,
            Err(ExecError::NotFound { .. }) | Err(ExecError::Unsupported(_))
        ),
        "{info:?}"
    );
    env.block(env.ex.volume_stop(&volume)).expect("stop");
    env.block(env.ex.volume_delete(&volume)).expect("delete");

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

/// Used bytes of the filesystem at `mount` inside node `i`.
fn fs_used(env: &Env, i: usize, mount: &str) -> u64 {
    let out = env.sh(i, &format!("stat -f -c '%S %b %f' {mount}"));
    let v: Vec<u64> = out
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(v.len(), 3, "{out}");
    v[0] * (v[1] - v[2])
}

#[test]
fn subvolume_clone_of_200_mib_by_reflink_on_the_bricks_measured() {
    let env = Env::start(&small_pool(3));
    let volume = env.replica3("hosting", [0, 1, 2]);
    env.block(env.ex.volume_start(&volume)).expect("start");
    let mount = "/run/gluster-exec/hosting".to_string();
    let source = Subvolume {
        host: volume.host.clone(),
        volume: volume.name.clone(),
        dir: "/pvc_src".into(),
        mount: mount.clone(),
    };
    env.block(subvolume::create(&env.ex, &source, ByteSize::gib(1)))
        .expect("source subvolume");
    let xfs = env.sh(0, &format!("xfs_info {}", env.pool.node(0).disks[0].mount));
    eprintln!(
        "[data] brick filesystem: {}",
        xfs.lines()
            .find(|l| l.contains("reflink"))
            .unwrap_or("?")
            .trim()
    );
    // 200 MiB in 4 files and a subdirectory, random data.
    let write = env.sh_out(
        0,
        &format!(
            "mkdir -p {m}/pvc_src/d && for i in 1 2 3; do dd if=/dev/urandom of={m}/pvc_src/f$i \
             bs=1M count=50 status=none || exit 1; done && dd if=/dev/urandom \
             of={m}/pvc_src/d/g bs=1M count=50 status=none && sync",
            m = mount
        ),
    );
    assert!(write.success(), "{write:?}");
    let sums = |dir: &str| env.sh(0, &format!("cd {mount}/{dir} && md5sum f1 f2 f3 d/g"));
    let before_src = sums("pvc_src");
    let bricks: Vec<HostingBrick> = (0..3)
        .map(|i| HostingBrick {
            host: env.pool.node(i).name.clone(),
            path: env.brick("hosting", i, ByteSize::gib(1)).path,
        })
        .collect();
    let disks: Vec<String> = (0..3)
        .map(|i| env.pool.node(i).disks[0].mount.clone())
        .collect();
    let used_before: Vec<u64> = (0..3).map(|i| fs_used(&env, i, &disks[i])).collect();

    let t = Instant::now();
    let mut last = None;
    let report = env
        .block(subvolume::clone(
            &env.ex,
            &source,
            "/pvc_clone",
            ByteSize::gib(1),
            &bricks,
            &mut |p| last = Some(p),
        ))
        .expect("clone");
    let took = t.elapsed();
    env.sh(0, "sync");
    let used_after: Vec<u64> = (0..3).map(|i| fs_used(&env, i, &disks[i])).collect();
    let growth: Vec<f64> = used_before
        .iter()
        .zip(&used_after)
        .map(|(b, a)| a.saturating_sub(*b) as f64 / (1 << 20) as f64)
        .collect();
    eprintln!(
        "[data] clone of {} in {} files: {:.2} s, reflinked {}, copied {}, fallback {:?}; \
         brick space taken per brick: {:?} MiB ({:.1} % of 200 MiB at most); progress {last:?}",
        report.bytes,
        report.files,
        took.as_secs_f64(),
        report.reflinked,
        report.copied,
        report.fallback,
        growth,
        growth.iter().cloned().fold(0.0, f64::max) / 200.0 * 100.0
    );
    assert_eq!(
        (report.files, report.reflinked, report.copied),
        (4, 4, 0),
        "{report:?}"
    );
    assert!(
        growth.iter().all(|g| *g < 10.0),
        "clone took {growth:?} MiB per brick (goal < 5 %)"
    );
    // Quota accounting of data written behind Gluster's back (reported, not asserted).
    let usage = env.sh(0, "gluster volume quota hosting list /pvc_clone /pvc_src");
    eprintln!("[data] quota usage after the clone:\n{}", usage.trim());
    let xml = env.sh(0, "gluster --xml volume quota hosting list /pvc_clone");
    let used: u64 = xml
        .split("<used_space>")
        .nth(1)
        .and_then(|r| r.split('<').next()?.trim().parse().ok())
        .unwrap_or(0);
    assert!(
        used >= 190 << 20,
        "the clone's quota counts {used} bytes, not its 200 MiB: {xml}"
    );
    let shared = env.sh(0, &format!("filefrag -v {}/pvc_clone/f1", bricks[0].path));
    eprintln!(
        "[data] filefrag of a cloned brick file: {} extents marked shared",
        shared.matches("shared").count()
    );
    // Each clone file keeps its own gfid, the same on all three bricks, hard-linked under
    // .glusterfs.
    let gfids: Vec<String> = bricks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            env.sh(
                i,
                &format!(
                    "getfattr -n trusted.gfid -e hex --only-values {}/pvc_clone/f1 | od -An -tx1",
                    b.path
                ),
            )
        })
        .collect();
    assert!(
        gfids.iter().all(|g| g == &gfids[0] && !g.trim().is_empty()),
        "{gfids:?}"
    );
    let links = env.sh(0, &format!("stat -c %h {}/pvc_clone/f1", bricks[0].path));
    assert_eq!(links.trim(), "2", "the .glusterfs hard link");

    // A fresh mount reads the clone back identical; heal info is empty.
    env.block(env.ex.volume_unmount(&dir_of(&volume, &mount, "/pvc_src")))
        .expect("unmount");
    let fresh = "/run/gluster-exec/fresh".to_string();
    let fresh_dir = dir_of(&volume, &fresh, "/pvc_clone");
    env.block(env.ex.volume_dir_create(&fresh_dir))
        .expect("fresh mount");
    let clone_sums = env.sh(0, &format!("cd {fresh}/pvc_clone && md5sum f1 f2 f3 d/g"));
    assert_eq!(clone_sums, before_src, "the clone reads back identical");
    // The fresh mount's lookups may mark entries for the self-heal daemon for a moment (the
    // clone's data was written beside glusterfs, on the bricks); they must converge.
    env.block(day2::wait_healed(&env.ex, &volume, heal_wait()))
        .expect("the clone heals to an empty heal info");
    // A write to the clone leaves the source unchanged.
    let w = env.sh_out(
        0,
        &format!(
            "dd if=/dev/zero of={fresh}/pvc_clone/f1 bs=1M count=1 conv=notrunc,fsync status=none"
        ),
    );
    assert!(w.success(), "{w:?}");
    let src_now = env.sh(0, &format!("cd {fresh}/pvc_src && md5sum f1 f2 f3 d/g"));
    assert_eq!(
        src_now, before_src,
        "the source changed under a write to its clone"
    );
    let clone_now = env.sh(0, &format!("cd {fresh}/pvc_clone && md5sum f1"));
    assert_ne!(
        clone_now.split_whitespace().next(),
        before_src.split_whitespace().next()
    );
    env.block(day2::wait_healed(&env.ex, &volume, heal_wait()))
        .expect("heal info empties after a write to the clone");
    eprintln!("[data] clone: fresh mount identical, heal info empty, source unchanged by a write to the clone");
    env.block(env.ex.volume_unmount(&fresh_dir))
        .expect("unmount");
    let trace = env.pool.trace();
    env.pool.teardown().unwrap_or_else(|e| panic!("{e}"));
    assert!(trace.leftovers().is_empty(), "{:?}", trace.leftovers());
}

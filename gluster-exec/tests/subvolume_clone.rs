//! Subvolume clones that share blocks: the commands (tree through the mount, reflink on
//! every brick, copy through the mount as the fallback) and the orchestration on the
//! simulated executor (reflink, fallback with progress, own quota, rollback).

use gluster_exec::ops::*;
use gluster_exec::render::clone;
use gluster_exec::simulated::{Fault, SimOp, SimulatedExecutor};
use gluster_exec::subvolume::{self, CloneProgress, HostingBrick, Subvolume};
use gluster_exec::{ExecError, Executor};
use gluster_model::{BrickId, ByteSize, Durability};

#[test]
fn clone_commands_render_and_refuse_escapes() {
    let tree = SubvolumeTree {
        host: "node1".into(),
        volume: "hosting".into(),
        mount: "/run/m".into(),
        source: "/subvol_a".into(),
        dest: "/subvol_b".into(),
    };
    let steps: Vec<String> = clone::tree(&tree)
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(steps.last().unwrap().starts_with("sh -c"), "{steps:?}");
    assert_eq!(
        steps[steps.len() - 2],
        "cp -r --no-target-directory --preserve=mode,timestamps --attributes-only -- \
         /run/m/subvol_a /run/m/subvol_b"
    );
    let inside = SubvolumeTree {
        dest: "/subvol_a/copy".into(),
        ..tree.clone()
    };
    assert!(clone::tree(&inside).is_err());
    let r = BrickReflink {
        host: "node1".into(),
        brick: "/bricks/b1/brick".into(),
        source: "/subvol_a".into(),
        dest: "/subvol_b".into(),
    };
    let argv = clone::brick_reflink(&r).unwrap();
    assert_eq!(argv[..2], ["sh", "-c"]);
    assert_eq!(argv[2], clone::REFLINK_SCRIPT);
    assert_eq!(
        argv[4..],
        ["/bricks/b1/brick/subvol_a", "/bricks/b1/brick/subvol_b"]
    );
    let copy = FileCopy {
        host: "node1".into(),
        volume: "hosting".into(),
        mount: "/run/m".into(),
        source: "/subvol_a".into(),
        dest: "/subvol_b".into(),
        file: "d/file one".into(),
    };
    assert_eq!(
        clone::file_copy(&copy).unwrap(),
        [
            "cp",
            "--reflink=never",
            "--",
            "/run/m/subvol_a/d/file one",
            "/run/m/subvol_b/d/file one"
        ]
    );
    for evil in ["../x", "/abs", "a/../../b", "a//b", ""] {
        let bad = FileCopy {
            file: evil.into(),
            ..copy.clone()
        };
        assert!(clone::file_copy(&bad).is_err(), "{evil}");
    }
}

#[test]
fn reflink_and_listing_outputs_parse() {
    let report = clone::parse_reflink("c a\0c d/b c\0m x\0").unwrap();
    assert_eq!(report.cloned, ["a", "d/b c"]);
    assert_eq!(report.missing, ["x"]);
    assert!(clone::parse_reflink("zz\0").is_none());
    let files = clone::parse_files("10 a\x000 d/e f\0").unwrap();
    assert_eq!(
        files[1],
        TreeFile {
            path: "d/e f".into(),
            size: ByteSize::ZERO
        }
    );
    assert!(clone::parse_files("x a\0").is_none());
}

/// A started replica-3 hosting volume `hosting` on three simulated hosts, with
/// `/subvol_a` holding three files; returns the executor, the source and the bricks.
async fn hosting() -> (SimulatedExecutor, Subvolume, Vec<HostingBrick>) {
    let (fixture, state) = gluster_exec::conformance::Fixture::simulated(3);
    let sim = SimulatedExecutor::new(state);
    let mut bricks = Vec::new();
    let mut addresses = Vec::new();
    for (i, h) in fixture.hosts.iter().enumerate() {
        sim.device_setup(&h.device).await.unwrap();
        let id = BrickId::derived(&["clone", &i.to_string()]);
        let path = format!("{}/brick_{id}/brick", h.brick_dir);
        sim.brick_create(&BrickCreate {
            host: h.device.host.clone(),
            device_id: h.device.device_id,
            device: h.device.device.clone(),
            brick_id: id,
            size: ByteSize::gib(1),
            pool_size: ByteSize::gib(1),
            metadata_size: ByteSize::mib(8),
            arbiter: false,
            path: path.clone(),
        })
        .await
        .unwrap();
        bricks.push(HostingBrick {
            host: h.device.host.clone(),
            path: path.clone(),
        });
        addresses.push(BrickAddress {
            host: h.storage_host.clone(),
            path,
        });
    }
    sim.volume_create(&VolumeCreate {
        host: "sim0".into(),
        name: "hosting".into(),
        durability: Durability::replicate(3).unwrap(),
        bricks: addresses,
        options: vec![],
    })
    .await
    .unwrap();
    let vref = VolumeRef {
        host: "sim0".into(),
        name: "hosting".into(),
    };
    sim.volume_start(&vref).await.unwrap();
    let files = (0..3)
        .map(|i| TreeFile {
            path: format!("f{i}"),
            size: ByteSize::mib(10 * (i + 1)),
        })
        .collect();
    sim.put_files("hosting", "/subvol_a", files);
    let source = Subvolume {
        host: "sim0".into(),
        volume: "hosting".into(),
        dir: "/subvol_a".into(),
        mount: "/run/m".into(),
    };
    (sim, source, bricks)
}

#[tokio::test]
async fn clone_reflinks_on_every_brick_and_gets_its_own_quota() {
    let (sim, source, bricks) = hosting().await;
    let mut seen = Vec::new();
    let report = subvolume::clone(
        &sim,
        &source,
        "/subvol_b",
        ByteSize::gib(1),
        &bricks,
        &mut |p| seen.push(p),
    )
    .await
    .unwrap();
    assert_eq!((report.files, report.reflinked, report.copied), (3, 3, 0));
    assert_eq!(report.bytes, ByteSize::mib(60));
    assert_eq!(report.fallback, None);
    // Nothing to copy: one progress report, everything done.
    assert_eq!(
        seen,
        [CloneProgress {
            files_done: 3,
            files: 3,
            bytes_copied: ByteSize::ZERO,
            bytes_to_copy: ByteSize::ZERO
        }]
    );
    let state = sim.snapshot();
    assert_eq!(state.data.quotas["hosting"]["/subvol_b"], ByteSize::gib(1));
    for f in ["f0", "f1", "f2"] {
        assert!(state
            .data
            .filled
            .contains(&("hosting".into(), "/subvol_b".into(), f.into())));
    }
}

#[tokio::test]
async fn clone_falls_back_to_the_copy_through_the_mount_with_progress() {
    let (sim, source, bricks) = hosting().await;
    sim.disable_reflink("198.51.100.2");
    let mut seen = Vec::new();
    let report = subvolume::clone(
        &sim,
        &source,
        "/subvol_b",
        ByteSize::gib(1),
        &bricks,
        &mut |p| seen.push(p),
    )
    .await
    .unwrap();
    assert_eq!((report.reflinked, report.copied), (0, 3));
    assert!(report.fallback.unwrap().contains("cannot reflink"));
    let copied: Vec<u64> = seen.iter().map(|p| p.bytes_copied.bytes() >> 20).collect();
    assert_eq!(copied, [0, 10, 30, 60]);
    assert!(seen.iter().all(|p| p.bytes_to_copy == ByteSize::mib(60)));
    assert_eq!(seen.last().unwrap().files_done, 3);
}

#[tokio::test]
async fn a_failed_clone_leaves_no_directory() {
    let (sim, source, bricks) = hosting().await;
    sim.inject(Fault::FailOp {
        op: SimOp::BrickReflink,
        nth: 2,
    });
    let err = subvolume::clone(
        &sim,
        &source,
        "/subvol_b",
        ByteSize::gib(1),
        &bricks,
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::CommandFailed { .. }), "{err}");
    let state = sim.snapshot();
    assert!(!state
        .data
        .dirs
        .contains(&("hosting".into(), "/subvol_b".into())));
    assert!(!state
        .data
        .quotas
        .get("hosting")
        .is_some_and(|q| q.contains_key("/subvol_b")));
    // A clone of a missing source fails before anything is made.
    let missing = Subvolume {
        dir: "/nothing".into(),
        ..source
    };
    assert!(subvolume::clone(
        &sim,
        &missing,
        "/subvol_c",
        ByteSize::gib(1),
        &bricks,
        &mut |_| {}
    )
    .await
    .is_err());
}

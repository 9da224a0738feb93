//! `CommandExecutor` against a fake transport that records every argv and answers with the
//! real glusterd answers of tests/fixtures/gluster-xml.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use gluster_exec::ops::*;
use gluster_exec::{
    Backend, CommandExecutor, CommandOutput, DirectoryMounts, ExecError, Executor, Transport,
};
use gluster_model::{BrickId, ByteSize, DeviceId, Durability};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/gluster-xml/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(stdout: &str) -> CommandOutput {
    CommandOutput {
        status: 0,
        stdout: stdout.to_string(),
        stderr: String::new(),
    }
}

fn exit(status: i32) -> CommandOutput {
    CommandOutput {
        status,
        ..CommandOutput::default()
    }
}

/// Answers each command with the first rule whose text the joined argv starts with (a rule
/// answers once when `once` is set, for "first fails, then..." sequences); records every
/// command. Unmatched commands succeed silently.
#[derive(Debug, Default)]
struct FakeTransport {
    rules: Mutex<Vec<(String, CommandOutput, bool)>>,
    calls: Mutex<Vec<(String, String)>>,
}

impl FakeTransport {
    fn on(self, prefix: &str, out: CommandOutput) -> Self {
        self.rules
            .lock()
            .unwrap()
            .push((prefix.to_string(), out, false));
        self
    }

    fn once(self, prefix: &str, out: CommandOutput) -> Self {
        self.rules
            .lock()
            .unwrap()
            .push((prefix.to_string(), out, true));
        self
    }

    fn xml(self, gluster_args: &str, fixture_name: &str) -> Self {
        let prefix = format!("gluster --mode=script --xml {gluster_args}");
        self.on(&prefix, ok(&fixture(fixture_name)))
    }

    fn commands(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(_, c)| c.clone())
            .collect()
    }
}

#[async_trait]
impl Transport for FakeTransport {
    async fn run(
        &self,
        host: &str,
        argv: &[String],
        _timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        let line = argv.join(" ");
        self.calls
            .lock()
            .unwrap()
            .push((host.to_string(), line.clone()));
        let mut rules = self.rules.lock().unwrap();
        match rules
            .iter()
            .position(|(p, _, _)| line.starts_with(p.as_str()))
        {
            Some(i) if rules[i].2 => Ok(rules.remove(i).1),
            Some(i) => Ok(rules[i].1.clone()),
            None => Ok(CommandOutput::default()),
        }
    }
}

fn lvm(t: FakeTransport) -> CommandExecutor<FakeTransport> {
    CommandExecutor::new(t, Backend::LvmThin)
}

const DEV: DeviceId = DeviceId::from_u128(0xd0);

fn brick() -> BrickCreate {
    let brick_id = BrickId::from_u128(0xb1);
    BrickCreate {
        host: "node1".into(),
        device_id: DEV,
        device: "/dev/sdb".into(),
        brick_id,
        size: ByteSize::gib(10),
        pool_size: ByteSize::gib(10),
        metadata_size: ByteSize::mib(52),
        arbiter: false,
        path: gluster_model::Brick::heketi_path("/var/lib/heketi/mounts", DEV, brick_id),
    }
}

fn rep3_create() -> VolumeCreate {
    VolumeCreate {
        host: "node0".into(),
        name: "rep3".into(),
        durability: Durability::replicate(3).unwrap(),
        bricks: (0..3)
            .map(|i| BrickAddress {
                host: format!("198.51.100.{}", 10 + i),
                path: "/bricks/d0/rep3/brick".into(),
            })
            .collect(),
        options: vec![("performance.readdir-ahead".into(), "off".into())],
    }
}

fn rep3() -> VolumeRef {
    VolumeRef {
        host: "node0".into(),
        name: "rep3".into(),
    }
}

#[tokio::test]
async fn lvm_brick_create_runs_every_step_on_a_fresh_device() {
    let t = FakeTransport::default()
        .on("lvs ", exit(5))
        .on("blkid ", exit(2))
        .on("mountpoint ", exit(1));
    let x = lvm(t);
    x.brick_create(&brick()).await.unwrap();
    let cmds = x.transport().commands();
    let programs: Vec<&str> = cmds.iter().map(|c| c.split(' ').next().unwrap()).collect();
    assert_eq!(
        programs,
        [
            "lvs",
            "lvcreate",
            "lvs",
            "lvcreate",
            "blkid",
            "mkfs.xfs",
            "mkdir",
            "mountpoint",
            "mount",
            "sh",
            "mkdir"
        ]
    );
    let calls = x.transport().calls.lock().unwrap().clone();
    assert!(calls.iter().all(|(h, _)| h == "node1"));
}

#[tokio::test]
async fn lvm_brick_create_again_skips_what_exists() {
    let x = lvm(FakeTransport::default());
    x.brick_create(&brick()).await.unwrap();
    let cmds = x.transport().commands();
    assert!(
        !cmds
            .iter()
            .any(|c| c.starts_with("lvcreate") || c.starts_with("mkfs") || c.starts_with("mount ")),
        "{cmds:#?}"
    );
}

#[tokio::test]
async fn lvm_brick_destroy_of_a_missing_brick_removes_nothing() {
    let t = FakeTransport::default()
        .on("lvs ", exit(5))
        .on("mountpoint ", exit(1))
        .on("test ", exit(1));
    let x = lvm(t);
    x.brick_destroy(&brick()).await.unwrap();
    let cmds = x.transport().commands();
    assert!(
        !cmds.iter().any(|c| c.starts_with("umount")
            || c.starts_with("lvremove")
            || c.starts_with("rmdir")),
        "{cmds:#?}"
    );
}

#[tokio::test]
async fn a_failing_step_is_command_failed_and_a_missing_program_unsupported() {
    let t = FakeTransport::default().on("lvs ", exit(5)).on(
        "lvcreate",
        CommandOutput {
            status: 5,
            stdout: String::new(),
            stderr: "  Insufficient free space\n".into(),
        },
    );
    let err = lvm(t).brick_create(&brick()).await.unwrap_err();
    assert!(
        matches!(&err, ExecError::CommandFailed { status: 5, stderr, command, .. }
            if stderr.contains("Insufficient") && command.starts_with("lvcreate --thin")),
        "{err:?}"
    );
    let t = FakeTransport::default()
        .on("lvs ", exit(127))
        .on("lvcreate", exit(127));
    assert!(matches!(
        lvm(t).brick_create(&brick()).await,
        Err(ExecError::Unsupported(_))
    ));
}

#[tokio::test]
async fn device_setup_then_info_parses_vgs() {
    let t = FakeTransport::default()
        .on("pvs ", exit(5))
        .on("vgs vg_", exit(5))
        .on("vgs --noheadings", ok("  1073737728:1069547520:4194304\n"));
    let x = lvm(t);
    let device = DeviceSetup {
        host: "node1".into(),
        device_id: DEV,
        device: "/dev/sdb".into(),
    };
    let info = x.device_setup(&device).await.unwrap();
    assert_eq!(info.extent, ByteSize::mib(4));
    let cmds = x.transport().commands();
    assert!(cmds
        .iter()
        .any(|c| c.starts_with("pvcreate --metadatasize=128M")));
    assert!(cmds.iter().any(|c| c.starts_with("vgcreate vg_")));
}

#[tokio::test]
async fn directory_backend_needs_the_device_mounted() {
    let t = FakeTransport::default()
        .on("findmnt", exit(1))
        .on("mountpoint", exit(1));
    let x = CommandExecutor::new(
        t,
        Backend::Directory(DirectoryMounts::under_root("/var/lib/heketi/mounts")),
    );
    let device = DeviceSetup {
        host: "node1".into(),
        device_id: DEV,
        device: "/dev/sdb".into(),
    };
    assert!(matches!(
        x.device_setup(&device).await,
        Err(ExecError::NotFound { .. })
    ));
    assert!(matches!(
        x.brick_create(&brick()).await,
        Err(ExecError::NotFound { .. })
    ));
    // Mounted: the brick is one mkdir -p, its destruction one rm -rf of exactly the brick.
    let x = CommandExecutor::new(
        FakeTransport::default(),
        Backend::Directory(DirectoryMounts::under_root("/var/lib/heketi/mounts")),
    );
    x.brick_create(&brick()).await.unwrap();
    x.brick_destroy(&brick()).await.unwrap();
    let cmds = x.transport().commands();
    assert!(cmds.contains(&format!("mkdir -p {}", brick().path)));
    assert!(cmds.contains(&format!("rm -rf --one-file-system -- {}", brick().path)));
}

/// A removal racing a creation still in flight (a crashed caller's `mkdir -p`) is tried
/// again; a removal that keeps failing, or fails otherwise, is an error at once.
#[tokio::test]
async fn a_brick_removal_that_raced_a_creation_is_tried_again() {
    let raced = |stderr: &str| CommandOutput {
        status: 1,
        stdout: String::new(),
        stderr: format!("rm: cannot remove '{}': {stderr}", brick().path),
    };
    let dir = || Backend::Directory(DirectoryMounts::under_root("/var/lib/heketi/mounts"));
    let rm = format!("rm -rf --one-file-system -- {}", brick().path);
    let t = FakeTransport::default()
        .once("rm -rf", raced("Is a directory"))
        .once("rm -rf", raced("Directory not empty"));
    let x = CommandExecutor::new(t, dir());
    x.brick_destroy(&brick()).await.unwrap();
    let tries = x
        .transport()
        .commands()
        .iter()
        .filter(|c| **c == rm)
        .count();
    assert_eq!(tries, 3);

    let x = CommandExecutor::new(
        FakeTransport::default().on("rm -rf", raced("Is a directory")),
        dir(),
    );
    assert!(matches!(
        x.brick_destroy(&brick()).await,
        Err(ExecError::CommandFailed { .. })
    ));
    let tries = x
        .transport()
        .commands()
        .iter()
        .filter(|c| **c == rm)
        .count();
    assert_eq!(tries, 6, "the first try and 5 more");

    let x = CommandExecutor::new(
        FakeTransport::default().once("rm -rf", raced("Permission denied")),
        dir(),
    );
    assert!(x.brick_destroy(&brick()).await.is_err());
    assert_eq!(
        x.transport()
            .commands()
            .iter()
            .filter(|c| **c == rm)
            .count(),
        1
    );
}

#[tokio::test]
async fn volume_create_then_options() {
    let t = FakeTransport::default()
        .xml("volume create", "volume-create-replica3.xml")
        .xml("volume set", "volume-set.xml");
    let x = lvm(t);
    x.volume_create(&rep3_create()).await.unwrap();
    assert_eq!(
        x.transport().commands(),
        [
            "gluster --mode=script --xml volume create rep3 replica 3 198.51.100.10:/bricks/d0/rep3/brick 198.51.100.11:/bricks/d0/rep3/brick 198.51.100.12:/bricks/d0/rep3/brick",
            "gluster --mode=script --xml volume set rep3 performance.readdir-ahead off",
        ]
    );
}

#[tokio::test]
async fn volume_create_of_an_existing_volume_is_ok_only_with_the_same_bricks() {
    let t = FakeTransport::default()
        .xml("volume create", "volume-create-fail-exists.xml")
        .xml("volume info", "volume-info-replica3-created.xml")
        .xml("volume set", "volume-set.xml");
    lvm(t).volume_create(&rep3_create()).await.unwrap();

    let t = FakeTransport::default()
        .xml("volume create", "volume-create-fail-exists.xml")
        .xml("volume info", "volume-info-replica3-created.xml");
    let mut other = rep3_create();
    other.bricks[2].host = "198.51.100.15".into();
    let err = lvm(t).volume_create(&other).await.unwrap_err();
    assert!(
        matches!(&err, ExecError::Gluster { message, operation, .. }
            if message == "Volume rep3 already exists" && operation == "volume create"),
        "{err:?}"
    );
}

#[tokio::test]
async fn volume_create_failures_carry_glusterds_message() {
    let t = FakeTransport::default().xml("volume create", "volume-create-fail-unknown-host.xml");
    let err = lvm(t).volume_create(&rep3_create()).await.unwrap_err();
    assert!(
        matches!(&err, ExecError::Gluster { host, errno: 30800, message, .. }
            if host == "node0" && message.contains("is not in 'Peer in Cluster' state")),
        "{err:?}"
    );
}

#[tokio::test]
async fn start_stop_delete_are_idempotent() {
    let t = FakeTransport::default()
        .xml("volume start", "volume-start-fail-already-started.xml")
        .xml("volume stop", "volume-stop-fail-not-started.xml")
        .xml("volume delete", "volume-delete-fail-missing.xml");
    let x = lvm(t);
    x.volume_start(&rep3()).await.unwrap();
    x.volume_stop(&rep3()).await.unwrap();
    x.volume_delete(&rep3()).await.unwrap();

    let t = FakeTransport::default()
        .xml("volume start", "volume-start.xml")
        .xml("volume stop", "volume-stop.xml")
        .xml("volume delete", "volume-delete.xml");
    let x = lvm(t);
    x.volume_start(&rep3()).await.unwrap();
    x.volume_stop(&rep3()).await.unwrap();
    x.volume_delete(&rep3()).await.unwrap();

    let t = FakeTransport::default().xml("volume delete", "volume-delete-fail-started.xml");
    let arb = VolumeRef {
        host: "node0".into(),
        name: "arb".into(),
    };
    assert!(matches!(
        lvm(t).volume_delete(&arb).await,
        Err(ExecError::Gluster { .. })
    ));
}

#[tokio::test]
async fn volume_info_and_heal_info_are_typed_and_missing_is_not_found() {
    let t = FakeTransport::default()
        .xml("volume info rep3", "volume-info-replica3.xml")
        .xml("volume info nosuchvol", "volume-info-fail-missing.xml")
        .xml(
            "volume heal rep3 info",
            "volume-heal-info-entries-node-down.xml",
        )
        .xml(
            "volume heal nosuchvol info",
            "volume-heal-info-fail-missing.xml",
        );
    let x = lvm(t);
    let info = x.volume_info(&rep3()).await.unwrap();
    assert_eq!((info.status, info.bricks.len()), (VolumeStatus::Started, 3));
    let heal = x.heal_info(&rep3()).await.unwrap();
    assert!(!heal.is_healed());
    let missing = VolumeRef {
        host: "node0".into(),
        name: "nosuchvol".into(),
    };
    assert!(matches!(
        x.volume_info(&missing).await,
        Err(ExecError::NotFound { what, .. }) if what == "volume nosuchvol"
    ));
    assert!(matches!(
        x.heal_info(&missing).await,
        Err(ExecError::NotFound { .. })
    ));
}

#[tokio::test]
async fn set_options_failures() {
    let t = FakeTransport::default()
        .xml("volume set rep3", "volume-set-fail-unknown-option.xml")
        .xml("volume set nosuchvol", "volume-set-fail-missing-volume.xml");
    let x = lvm(t);
    let set = |name: &str| SetOptions {
        host: "node0".into(),
        name: name.into(),
        options: vec![("no.such.option".into(), "on".into())],
    };
    assert!(matches!(
        x.set_options(&set("rep3")).await,
        Err(ExecError::Gluster { errno: 30800, .. })
    ));
    assert!(matches!(
        x.set_options(&set("nosuchvol")).await,
        Err(ExecError::NotFound { .. })
    ));
}

#[tokio::test]
async fn expand_and_replace_brick() {
    let new_set: Vec<BrickAddress> = (3..6)
        .map(|i| BrickAddress {
            host: format!("198.51.100.{}", 10 + i),
            path: "/bricks/d0/rep3/brick".into(),
        })
        .collect();
    let expand = VolumeExpand {
        host: "node0".into(),
        name: "rep3".into(),
        durability: Durability::replicate(3).unwrap(),
        bricks: new_set,
    };
    let t = FakeTransport::default().xml("volume add-brick", "volume-add-brick.xml");
    lvm(t).volume_expand(&expand).await.unwrap();
    // A retry after the bricks were added: the failure is ignored because info shows them.
    let t = FakeTransport::default()
        .xml("volume add-brick", "volume-add-brick-fail-count.xml")
        .xml("volume info", "volume-info-replica3-2x3.xml");
    lvm(t).volume_expand(&expand).await.unwrap();
    let t = FakeTransport::default()
        .xml("volume add-brick", "volume-add-brick-fail-count.xml")
        .xml("volume info", "volume-info-replica3.xml");
    assert!(lvm(t).volume_expand(&expand).await.is_err());

    let replace = ReplaceBrick {
        host: "node0".into(),
        name: "rep3".into(),
        old: BrickAddress {
            host: "198.51.100.15".into(),
            path: "/bricks/d0/nosuch/brick".into(),
        },
        new: BrickAddress {
            host: "198.51.100.15".into(),
            path: "/bricks/d0/rep3new2/brick".into(),
        },
    };
    let t = FakeTransport::default().xml("volume replace-brick", "volume-replace-brick.xml");
    lvm(t).replace_brick(&replace).await.unwrap();
    let t = FakeTransport::default()
        .xml(
            "volume replace-brick",
            "volume-replace-brick-fail-missing-brick.xml",
        )
        .xml("volume info", "volume-info-replica3-2x3.xml");
    let err = lvm(t).replace_brick(&replace).await.unwrap_err();
    assert!(
        matches!(&err, ExecError::Gluster { message, .. } if message.contains("does not exist in volume")),
        "{err:?}"
    );
}

#[tokio::test]
async fn peers_and_glusterd() {
    let t = FakeTransport::default()
        .xml(
            "peer probe 198.51.100.12",
            "peer-probe-already-in-cluster.xml",
        )
        .xml(
            "peer probe 198.51.100.99",
            "peer-probe-fail-unreachable.xml",
        )
        .xml("peer detach", "peer-detach-fail-has-bricks.xml")
        .xml("pool list", "pool-list.xml");
    let x = lvm(t);
    let peer = |p: &str| PeerRequest {
        host: "node0".into(),
        peer: p.into(),
    };
    x.peer_probe(&peer("198.51.100.12")).await.unwrap();
    assert!(matches!(
        x.peer_probe(&peer("198.51.100.99")).await,
        Err(ExecError::Gluster { errno: 107, .. })
    ));
    assert!(matches!(
        x.peer_detach(&peer("198.51.100.15")).await,
        Err(ExecError::Gluster { .. })
    ));
    x.check_glusterd("node0").await.unwrap();

    let down = FakeTransport::default().on(
        "gluster",
        CommandOutput {
            status: 1,
            stdout: "Connection failed. Please check if gluster daemon is operational.\n".into(),
            stderr: String::new(),
        },
    );
    let err = lvm(down).check_glusterd("node0").await.unwrap_err();
    assert!(matches!(err, ExecError::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn block_volumes_without_gluster_block_are_unsupported() {
    let create = BlockVolumeCreate {
        host: "node0".into(),
        hosting_volume: "hosting".into(),
        name: "blk1".into(),
        size: ByteSize::gib(1),
        ha_hosts: vec!["198.51.100.10".into()],
    };
    let t = FakeTransport::default().on("gluster-block", exit(127));
    assert!(matches!(
        lvm(t).block_volume_create(&create).await,
        Err(ExecError::Unsupported(_))
    ));
    let t = FakeTransport::default().once("gluster-block", ok("{\"RESULT\":\"SUCCESS\"}"));
    lvm(t).block_volume_create(&create).await.unwrap();
}

#[tokio::test]
async fn hostile_requests_run_nothing() {
    let x = lvm(FakeTransport::default());
    let mut c = rep3_create();
    c.name = "rep3;reboot".into();
    assert!(matches!(
        x.volume_create(&c).await,
        Err(ExecError::InvalidRequest(_))
    ));
    let mut b = brick();
    b.path = "/var/lib/../../etc".into();
    assert!(matches!(
        x.brick_destroy(&b).await,
        Err(ExecError::InvalidRequest(_))
    ));
    let mut b = brick();
    b.host = "$(reboot)".into();
    assert!(x.brick_create(&b).await.is_err());
    assert!(x.check_glusterd("-oProxyCommand=x").await.is_err());
    let bad_set = SetOptions {
        host: "node0".into(),
        name: "rep3".into(),
        options: vec![("k".into(), "v;reboot".into())],
    };
    assert!(x.set_options(&bad_set).await.is_err());
    assert!(x.transport().commands().is_empty());
}

#[test]
fn executors_are_send_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<CommandExecutor<gluster_exec::LocalTransport>>();
    assert_send_sync::<gluster_exec::SshTransport>();
    assert_send_sync::<gluster_exec::KubectlTransport>();
    assert_send_sync::<gluster_exec::PrefixTransport>();
    assert_send_sync::<Backend>();
}

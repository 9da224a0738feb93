//! Rendered commands against Heketi's LVM thin brick recipe, directory bricks and the gluster
//! and gluster-block command lines.

use gluster_exec::ops::*;
use gluster_exec::render::{self, block, directory, gluster, lvm, Backend, Guard, Step};
use gluster_exec::{DirectoryMounts, ExecError};
use gluster_model::{BrickId, ByteSize, DeviceId, Durability};

const DEV: DeviceId = DeviceId::from_u128(0xd0);
const BRICK: BrickId = BrickId::from_u128(0xb1);
const D: &str = "000000000000000000000000000000d0";
const B: &str = "000000000000000000000000000000b1";

fn argv(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn brick(arbiter: bool) -> BrickCreate {
    BrickCreate {
        host: "node1".into(),
        device_id: DEV,
        device: "/dev/sdb".into(),
        brick_id: BRICK,
        size: ByteSize::gib(100),
        pool_size: ByteSize::gib(100),
        metadata_size: ByteSize::mib(512),
        arbiter,
        path: format!("/var/lib/heketi/mounts/vg_{D}/brick_{B}/brick"),
    }
}

fn device() -> DeviceSetup {
    DeviceSetup {
        host: "node1".into(),
        device_id: DEV,
        device: "/dev/sdb".into(),
    }
}

fn commands(steps: &[Step]) -> Vec<Vec<String>> {
    steps.iter().map(|s| s.argv.clone()).collect()
}

#[test]
fn lvm_device_setup_is_pvcreate_then_vgcreate() {
    let steps = lvm::device_setup(&device()).unwrap();
    assert_eq!(
        commands(&steps),
        [
            argv("pvcreate --metadatasize=128M --dataalignment=256K /dev/sdb"),
            argv(&format!("vgcreate vg_{D} /dev/sdb")),
        ]
    );
    assert_eq!(steps[0].guard, Guard::SkipIfOk(argv("pvs /dev/sdb")));
    assert_eq!(
        commands(&lvm::device_teardown(&device()).unwrap()),
        [argv(&format!("vgremove vg_{D}")), argv("pvremove /dev/sdb")]
    );
}

#[test]
fn lvm_brick_follows_the_recipe() {
    let mount = format!("/var/lib/heketi/mounts/vg_{D}/brick_{B}");
    let lv = format!("/dev/vg_{D}/brick_{B}");
    let steps = lvm::brick_create(&brick(false)).unwrap();
    let cmds = commands(&steps);
    assert_eq!(
        cmds[..5],
        [
            argv(&format!(
                "lvcreate --thin vg_{D}/tp_{B} --size 104857600K --poolmetadatasize 524288K --chunksize 256K --zero n"
            )),
            argv(&format!(
                "lvcreate --thin --virtualsize 104857600K --name brick_{B} vg_{D}/tp_{B}"
            )),
            argv(&format!("mkfs.xfs -i size=512 -n size=8192 {lv}")),
            argv(&format!("mkdir -p {mount}")),
            argv(&format!("mount -o rw,inode64,noatime,nouuid {lv} {mount}")),
        ]
    );
    // fstab: a fixed script, the line passed as an argument.
    assert_eq!(cmds[5][..2], argv("sh -c"));
    assert!(!cmds[5][2].contains("vg_"), "data spliced into the script");
    assert_eq!(
        cmds[5][4],
        format!("{lv} {mount} xfs rw,inode64,noatime,nouuid 1 2")
    );
    assert_eq!(cmds[6], argv(&format!("mkdir -p {mount}/brick")));
    // Every step that is not idempotent itself has a probe.
    assert_eq!(
        steps[0].guard,
        Guard::SkipIfOk(argv(&format!("lvs vg_{D}/tp_{B}")))
    );
    assert_eq!(
        steps[4].guard,
        Guard::SkipIfOk(argv(&format!("mountpoint -q {mount}")))
    );

    let arbiter = commands(&lvm::brick_create(&brick(true)).unwrap());
    assert_eq!(
        arbiter[2],
        argv(&format!(
            "mkfs.xfs -i size=512,maxpct=100 -n size=8192 {lv}"
        ))
    );
}

#[test]
fn lvm_teardown_is_the_reverse() {
    let mount = format!("/var/lib/heketi/mounts/vg_{D}/brick_{B}");
    let steps = lvm::brick_destroy(&brick(false)).unwrap();
    let cmds = commands(&steps);
    assert_eq!(cmds[0], argv(&format!("umount {mount}")));
    assert_eq!(cmds[1][..2], argv("sh -c"));
    assert_eq!(cmds[2], argv(&format!("rmdir {mount}")));
    assert_eq!(cmds[3], argv(&format!("lvremove -f vg_{D}/brick_{B}")));
    assert_eq!(cmds[4], argv(&format!("lvremove -f vg_{D}/tp_{B}")));
    assert!(steps
        .iter()
        .all(|s| matches!(s.guard, Guard::OnlyIfOk(_) | Guard::Always)));
}

#[test]
fn lvm_grow_extends_metadata_pool_lv_then_the_filesystem() {
    let mount = format!("/var/lib/heketi/mounts/vg_{D}/brick_{B}");
    let grown = BrickCreate {
        size: ByteSize::gib(150),
        pool_size: ByteSize::gib(150),
        metadata_size: ByteSize::mib(768),
        ..brick(false)
    };
    let cmds = commands(&lvm::brick_grow(&grown).unwrap());
    assert_eq!(
        cmds,
        vec![
            argv(&format!(
                "lvextend --poolmetadatasize 786432K vg_{D}/tp_{B}"
            )),
            argv(&format!("lvextend --size 157286400K vg_{D}/tp_{B}")),
            argv(&format!("lvextend --size 157286400K vg_{D}/brick_{B}")),
            argv(&format!("xfs_growfs {mount}")),
        ]
    );
}

#[tokio::test]
async fn the_fstab_scripts_add_once_and_remove_exactly_the_line() {
    // Run the fixed scripts on a scratch copy (the path of /etc/fstab swapped for it).
    let dir = tempfile::tempdir().unwrap();
    let fstab = dir.path().join("fstab");
    std::fs::write(&fstab, "/dev/sda1 / ext4 defaults 0 1\n").unwrap();
    let fstab_s = fstab.display().to_string();
    let run = |step: &Step| {
        let mut a = step.argv.clone();
        a[2] = a[2].replace("/etc/fstab", &fstab_s);
        let out = std::process::Command::new(&a[0])
            .args(&a[1..])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let create = lvm::brick_create(&brick(false)).unwrap();
    let destroy = lvm::brick_destroy(&brick(false)).unwrap();
    run(&create[5]);
    run(&create[5]);
    let text = std::fs::read_to_string(&fstab).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .ends_with("xfs rw,inode64,noatime,nouuid 1 2"));
    run(&destroy[1]);
    run(&destroy[1]);
    assert_eq!(
        std::fs::read_to_string(&fstab).unwrap(),
        "/dev/sda1 / ext4 defaults 0 1\n"
    );
}

#[test]
fn directory_bricks_live_below_the_device_mount() {
    let mounts = DirectoryMounts::under_root("/bricks");
    let backend = Backend::Directory(mounts.clone());
    let mount = format!("/bricks/vg_{D}");
    let mut b = brick(false);
    b.path = format!("{mount}/brick_{B}/brick");
    assert_eq!(
        commands(&render::device_setup(&backend, &device()).unwrap()),
        [argv(&format!(
            "findmnt --noheadings --types xfs --mountpoint {mount}"
        ))]
    );
    assert!(render::device_teardown(&backend, &device())
        .unwrap()
        .is_empty());
    assert_eq!(
        commands(&render::brick_create(&backend, &b).unwrap()),
        [
            argv(&format!("mountpoint -q {mount}")),
            argv(&format!("mkdir -p {}", b.path))
        ]
    );
    let destroy = render::brick_destroy(&backend, &b).unwrap();
    assert_eq!(
        commands(&destroy),
        [
            argv(&format!("rm -rf --one-file-system -- {}", b.path)),
            argv(&format!(
                "rmdir --ignore-fail-on-non-empty -- {mount}/brick_{B}"
            )),
        ]
    );
    // Explicit mount points win over the root.
    let explicit = mounts.device(DEV, "/srv/disk1");
    assert_eq!(explicit.mount_of(DEV).unwrap(), "/srv/disk1");
    assert_eq!(
        directory::device_info("/srv/disk1", &device()).unwrap(),
        ["stat", "--file-system", "--format=%S %b %a", "/srv/disk1"]
    );
    let info = directory::parse_device_info("4096 131072 65536\n").unwrap();
    assert_eq!(
        (info.total, info.free, info.extent),
        (ByteSize::mib(512), ByteSize::mib(256), ByteSize::kib(4))
    );
}

#[test]
fn directory_bricks_outside_the_mount_are_refused() {
    let backend = Backend::Directory(DirectoryMounts::under_root("/bricks"));
    for path in [
        "/bricks".to_string(),
        format!("/bricks/vg_{D}"),
        format!("/bricks/vg_{D}x/brick"),
        "/etc/brick".to_string(),
        format!("/bricks/vg_{D}/../../etc"),
    ] {
        let mut b = brick(false);
        b.path = path.clone();
        assert!(
            matches!(
                render::brick_destroy(&backend, &b),
                Err(ExecError::InvalidRequest(_))
            ),
            "{path}"
        );
    }
    let none = Backend::Directory(DirectoryMounts::explicit());
    assert!(render::device_setup(&none, &device()).is_err());
}

#[test]
fn lvm_device_info_parses_vgs() {
    assert_eq!(
        lvm::device_info(&device()).unwrap(),
        argv(&format!(
            "vgs --noheadings --units b --nosuffix --separator : -o vg_size,vg_free,vg_extent_size vg_{D}"
        ))
    );
    let info = lvm::parse_device_info("  1073737728:1069547520:4194304\n").unwrap();
    assert_eq!(info.extent, ByteSize::mib(4));
    assert!(lvm::parse_device_info("garbage").is_none());
    assert!(lvm::parse_device_info("1:2:3:4").is_none());
}

fn bricks(n: usize) -> Vec<BrickAddress> {
    (0..n)
        .map(|i| BrickAddress {
            host: format!("198.51.100.{}", 10 + i),
            path: "/bricks/d0/v/brick".into(),
        })
        .collect()
}

fn create(durability: Durability, n: usize) -> VolumeCreate {
    VolumeCreate {
        host: "node0".into(),
        name: "v".into(),
        durability,
        bricks: bricks(n),
        options: vec![("performance.readdir-ahead".into(), "off".into())],
    }
}

#[test]
fn gluster_volume_create_layouts_match_the_captured_commands() {
    let b = |n: usize| {
        bricks(n)
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let cases = [
        (Durability::replicate(3).unwrap(), 3, "replica 3"),
        (Durability::Arbiter, 3, "replica 3 arbiter 1"),
        (
            Durability::disperse(4, 2).unwrap(),
            6,
            "disperse 6 redundancy 2",
        ),
        (Durability::None, 2, ""),
    ];
    for (durability, n, layout) in cases {
        let got = gluster::volume_create(&create(durability, n)).unwrap();
        let want = format!(
            "gluster --mode=script --xml volume create v {layout} {}",
            b(n)
        );
        assert_eq!(got, argv(&want));
    }
    assert!(matches!(
        gluster::volume_create(&create(Durability::Arbiter, 4)),
        Err(ExecError::InvalidRequest(_))
    ));
}

#[test]
fn gluster_volume_verbs_peer_and_block_commands() {
    let v = VolumeRef {
        host: "node0".into(),
        name: "rep3".into(),
    };
    let g = |s: &str| argv(&format!("gluster --mode=script --xml {s}"));
    assert_eq!(gluster::volume_start(&v).unwrap(), g("volume start rep3"));
    assert_eq!(gluster::volume_stop(&v).unwrap(), g("volume stop rep3"));
    assert_eq!(gluster::volume_delete(&v).unwrap(), g("volume delete rep3"));
    assert_eq!(gluster::volume_info(&v).unwrap(), g("volume info rep3"));
    assert_eq!(gluster::heal_info(&v).unwrap(), g("volume heal rep3 info"));
    assert_eq!(gluster::pool_list(), g("pool list"));
    let set = SetOptions {
        host: "node0".into(),
        name: "rep3".into(),
        options: vec![
            ("performance.readdir-ahead".into(), "off".into()),
            ("nfs.disable".into(), "on".into()),
        ],
    };
    assert_eq!(
        gluster::volume_set(&set).unwrap(),
        [
            g("volume set rep3 performance.readdir-ahead off"),
            g("volume set rep3 nfs.disable on")
        ]
    );
    let expand = VolumeExpand {
        host: "node0".into(),
        name: "rep3".into(),
        durability: Durability::replicate(3).unwrap(),
        bricks: bricks(3),
    };
    assert_eq!(
        gluster::volume_add_brick(&expand).unwrap(),
        g("volume add-brick rep3 replica 3 198.51.100.10:/bricks/d0/v/brick 198.51.100.11:/bricks/d0/v/brick 198.51.100.12:/bricks/d0/v/brick")
    );
    let replace = ReplaceBrick {
        host: "node0".into(),
        name: "rep3".into(),
        old: bricks(1)[0].clone(),
        new: BrickAddress {
            host: "198.51.100.15".into(),
            path: "/bricks/d0/new/brick".into(),
        },
    };
    assert_eq!(
        gluster::volume_replace_brick(&replace).unwrap(),
        g("volume replace-brick rep3 198.51.100.10:/bricks/d0/v/brick 198.51.100.15:/bricks/d0/new/brick commit force")
    );
    let peer = PeerRequest {
        host: "node0".into(),
        peer: "198.51.100.11".into(),
    };
    assert_eq!(
        gluster::peer_probe(&peer).unwrap(),
        g("peer probe 198.51.100.11")
    );
    assert_eq!(
        gluster::peer_detach(&peer).unwrap(),
        g("peer detach 198.51.100.11")
    );

    let bv = BlockVolumeCreate {
        host: "node0".into(),
        hosting_volume: "hosting".into(),
        name: "blk1".into(),
        size: ByteSize::gib(10),
        ha_hosts: vec!["198.51.100.10".into(), "198.51.100.11".into()],
    };
    assert_eq!(
        block::create(&bv).unwrap(),
        argv("gluster-block create hosting/blk1 ha 2 198.51.100.10,198.51.100.11 10GiB --json")
    );
    let del = BlockVolumeDelete {
        host: "node0".into(),
        hosting_volume: "hosting".into(),
        name: "blk1".into(),
    };
    assert_eq!(
        block::delete(&del).unwrap(),
        argv("gluster-block delete hosting/blk1 --json")
    );
}

#[test]
fn hostile_requests_render_nothing() {
    let mut c = create(Durability::replicate(3).unwrap(), 3);
    c.name = "v;reboot".into();
    assert!(gluster::volume_create(&c).is_err());
    let mut c = create(Durability::replicate(3).unwrap(), 3);
    c.bricks[1].path = "/bricks/$(reboot)".into();
    assert!(gluster::volume_create(&c).is_err());
    let mut c = create(Durability::replicate(3).unwrap(), 3);
    c.options = vec![("a".into(), "--force".into())];
    assert!(gluster::volume_create(&c).is_err());
    let mut b = brick(false);
    b.device = "/dev/sdb; reboot".into();
    assert!(lvm::brick_create(&b).is_err());
    let mut b = brick(false);
    b.host = "-oProxyCommand=reboot".into();
    assert!(lvm::brick_destroy(&b).is_err());
    let mut b = brick(false);
    b.path = "/".into();
    assert!(lvm::brick_create(&b).is_err());
    let peer = PeerRequest {
        host: "node0".into(),
        peer: "x y".into(),
    };
    assert!(gluster::peer_probe(&peer).is_err());
}

//! Snapshots, clones and subvolumes held by the model: capacity charged to thin pools and
//! hosting volumes, all-or-nothing operations, and the native document keeping them.

use gluster_model::data::{Snapshot, Subvolume, VolumeClone};
use gluster_model::*;

const ORIGIN: &str = "origin";

/// Three nodes with one 1 TiB device each and a replica-3 volume of 10 GiB whose thin
/// pools are `factor` x the brick.
fn model_with_volume(factor: f64) -> (Model, VolumeId) {
    let mut m = Model::new();
    let cluster = ClusterId::from_u128(1);
    m.add_cluster(Cluster {
        id: cluster,
        block: false,
        file: true,
    })
    .unwrap();
    let factor = SnapshotFactor::new(factor).unwrap();
    let volume = VolumeId::derived(&["vol", ORIGIN]);
    let size = ByteSize::gib(10);
    let space = BrickSpace::for_brick(size, factor, DEFAULT_EXTENT_SIZE).unwrap();
    let mut bricks = Vec::new();
    for n in 0..3u32 {
        let node = NodeId::derived(&["node", &n.to_string()]);
        m.add_node(Node {
            id: node,
            cluster,
            zone: Zone(n + 1),
            manage_hostname: format!("node{n}"),
            storage_hostname: format!("10.0.0.{n}"),
            tags: Tags::new(),
            state: EntityState::Online,
        })
        .unwrap();
        let device = DeviceId::derived(&["dev", &n.to_string()]);
        m.add_device(Device {
            id: device,
            node,
            name: "/dev/sdb".into(),
            total: ByteSize::tib(1),
            used: ByteSize::ZERO,
            extent_size: DEFAULT_EXTENT_SIZE,
            tags: Tags::new(),
            state: EntityState::Online,
        })
        .unwrap();
        let id = BrickId::derived(&["brick", &n.to_string()]);
        bricks.push(Brick {
            id,
            volume,
            node,
            device,
            size,
            pool_size: space.pool,
            metadata_size: space.metadata,
            role: BrickRole::Data,
            path: format!("/bricks/{n}"),
        });
    }
    m.commit_volume(VolumeCommit {
        volume: Volume {
            id: volume,
            cluster,
            name: ORIGIN.into(),
            size,
            durability: Durability::replicate(3).unwrap(),
            brick_sets: vec![bricks.iter().map(|b| b.id).collect()],
            options: Vec::new(),
            gid: 0,
            snapshot: SnapshotSettings {
                enabled: true,
                factor,
            },
            block_hosting: None,
        },
        bricks,
    })
    .unwrap();
    (m, volume)
}

fn bricks_of(m: &Model, v: VolumeId) -> Vec<BrickId> {
    m.volume(v).unwrap().brick_ids().collect()
}

fn snapshot(m: &Model, v: VolumeId, name: &str, charge: ByteSize) -> Snapshot {
    Snapshot {
        name: name.into(),
        volume: v,
        ready: false,
        charges: bricks_of(m, v).into_iter().map(|b| (b, charge)).collect(),
    }
}

/// The clone's commit: its bricks where the origin's are, taking no device space.
fn clone_commit(m: &Model, origin: VolumeId, name: &str) -> VolumeCommit {
    let o = m.volume(origin).unwrap();
    let volume = VolumeId::derived(&["vol", name]);
    let bricks: Vec<Brick> = o
        .brick_ids()
        .map(|b| {
            let ob = m.brick(b).unwrap();
            Brick {
                id: BrickId::derived(&["clone", name, &b.to_string()]),
                volume,
                pool_size: ByteSize::ZERO,
                metadata_size: ByteSize::ZERO,
                path: format!("{}-{name}", ob.path),
                ..ob.clone()
            }
        })
        .collect();
    VolumeCommit {
        volume: Volume {
            id: volume,
            name: name.into(),
            brick_sets: vec![bricks.iter().map(|b| b.id).collect()],
            ..o.clone()
        },
        bricks,
    }
}

#[test]
fn snapshot_charges_the_origin_pools_until_the_reserve_is_gone() {
    let (mut m, v) = model_with_volume(1.5);
    let before = m.clone();
    // The reserve is 5 GiB per pool: a 3 GiB charge fits once, not twice.
    m.add_snapshot(snapshot(&m, v, "s1", ByteSize::gib(3)))
        .unwrap();
    let b0 = bricks_of(&m, v)[0];
    assert_eq!(m.pool_charged(b0), ByteSize::gib(3));
    let after_one = m.clone();
    let err = m
        .add_snapshot(snapshot(&m, v, "s2", ByteSize::gib(3)))
        .unwrap_err();
    assert!(matches!(&err, ModelError::ThinPoolFull { bricks, .. } if bricks.len() == 3));
    let text = err.to_string();
    assert!(
        text.contains("snapshot s2") && text.contains(&b0.to_string()),
        "{text}"
    );
    assert_eq!(m, after_one, "a refused snapshot changes nothing");
    m.remove_snapshot("s1").unwrap();
    assert_eq!(m, before, "removing the snapshot returns its charges");
    m.add_snapshot(snapshot(&m, v, "s2", ByteSize::gib(3)))
        .unwrap();
}

#[test]
fn snapshot_of_a_volume_without_reserve_is_refused_naming_the_bricks() {
    let (mut m, v) = model_with_volume(1.0);
    let err = m
        .add_snapshot(snapshot(&m, v, "s", DEFAULT_EXTENT_SIZE))
        .unwrap_err();
    assert!(matches!(err, ModelError::ThinPoolFull { .. }), "{err}");
    assert_eq!(m.snapshots().len(), 0);
}

#[test]
fn snapshot_charges_must_cover_every_brick_once_and_names_are_unique() {
    let (mut m, v) = model_with_volume(2.0);
    let mut partial = snapshot(&m, v, "s", ByteSize::gib(1));
    partial.charges.pop();
    assert!(matches!(
        m.add_snapshot(partial),
        Err(ModelError::DataMismatch { .. })
    ));
    let mut unknown = snapshot(&m, v, "s", ByteSize::gib(1));
    unknown.volume = VolumeId::derived(&["nope"]);
    assert!(matches!(
        m.add_snapshot(unknown),
        Err(ModelError::UnknownVolume(_))
    ));
    m.add_snapshot(snapshot(&m, v, "s", ByteSize::gib(1)))
        .unwrap();
    assert!(matches!(
        m.add_snapshot(snapshot(&m, v, "s", ByteSize::gib(1))),
        Err(ModelError::DuplicateId { .. })
    ));
    m.set_snapshot_ready("s", true).unwrap();
    assert!(m.snapshot("s").unwrap().ready);
    assert!(m.set_snapshot_ready("t", true).is_err());
}

#[test]
fn snapshot_and_clone_keep_the_origin_and_its_bricks_in_place() {
    let (mut m, v) = model_with_volume(2.0);
    m.add_snapshot(snapshot(&m, v, "s", ByteSize::gib(1)))
        .unwrap();
    let err = m.delete_volume(v).unwrap_err();
    assert!(err.to_string().contains("snapshot s"), "{err}");
    let old = m.brick(bricks_of(&m, v)[0]).unwrap().clone();
    let new = Brick {
        id: BrickId::derived(&["new"]),
        ..old.clone()
    };
    let err = m.replace_brick(old.id, new).unwrap_err();
    assert!(matches!(err, ModelError::InUse { .. }), "{err}");
}

#[test]
fn clone_lives_in_the_origin_pools_and_is_charged_to_them() {
    let (mut m, v) = model_with_volume(2.0);
    m.add_snapshot(snapshot(&m, v, "s", ByteSize::gib(2)))
        .unwrap();
    let used: Vec<ByteSize> = m.devices().map(|d| d.used).collect();
    let commit = clone_commit(&m, v, "restored");
    let cv = commit.volume.id;
    let origin_bricks = bricks_of(&m, v);
    let record = |charge| VolumeClone {
        volume: cv,
        origin: v,
        snapshot: "s".into(),
        charges: origin_bricks.iter().map(|&b| (b, charge)).collect(),
    };
    // 10 GiB reserve, 2 GiB taken by the snapshot: a 9 GiB charge does not fit.
    let before = m.clone();
    let err = m
        .add_clone(commit.clone(), record(ByteSize::gib(9)))
        .unwrap_err();
    assert!(matches!(err, ModelError::ThinPoolFull { .. }), "{err}");
    assert_eq!(m, before);
    // A clone brick elsewhere than its origin brick is refused.
    let mut swapped = commit.clone();
    swapped.bricks[0].device = DeviceId::derived(&["dev", "2"]);
    assert!(m.add_clone(swapped, record(ByteSize::gib(1))).is_err());
    assert_eq!(m, before);

    m.add_clone(commit, record(ByteSize::gib(2))).unwrap();
    assert_eq!(m.clone_record(cv).unwrap().origin, v);
    assert_eq!(m.pool_charged(bricks_of(&m, v)[0]), ByteSize::gib(4));
    let now: Vec<ByteSize> = m.devices().map(|d| d.used).collect();
    assert_eq!(now, used, "clone bricks take no device space");
    assert!(m.check().is_empty(), "{:?}", m.check());
    // The snapshot may go; the origin may not while the clone lives.
    m.remove_snapshot("s").unwrap();
    let err = m.delete_volume(v).unwrap_err();
    assert!(err.to_string().contains("clone"), "{err}");
    m.delete_volume(cv).unwrap();
    assert_eq!(m.clones().len(), 0);
    assert_eq!(m.pool_charged(bricks_of(&m, v)[0]), ByteSize::ZERO);
    m.delete_volume(v).unwrap();
}

fn subvolume(name: &str, hosting: VolumeId, quota: ByteSize) -> Subvolume {
    Subvolume {
        name: name.into(),
        hosting,
        dir: format!("/{name}"),
        quota,
        clone_of: None,
    }
}

#[test]
fn subvolume_quotas_stay_within_the_overcommit_ratio() {
    let (mut m, v) = model_with_volume(1.0);
    for i in 0..10 {
        m.add_subvolume(subvolume(&format!("pvc-{i}"), v, ByteSize::gib(1)), 100)
            .unwrap();
    }
    assert_eq!(m.quota_committed(v), ByteSize::gib(10));
    let before = m.clone();
    let err = m
        .add_subvolume(subvolume("pvc-x", v, ByteSize::gib(1)), 100)
        .unwrap_err();
    assert!(matches!(err, ModelError::QuotaOvercommit { .. }), "{err}");
    assert_eq!(m, before);
    // 150 % over-commit leaves 5 GiB more.
    m.add_subvolume(subvolume("pvc-x", v, ByteSize::gib(5)), 150)
        .unwrap();
    assert!(m.resize_subvolume("pvc-x", ByteSize::gib(6), 150).is_err());
    m.resize_subvolume("pvc-x", ByteSize::gib(2), 100).unwrap();
    assert_eq!(m.subvolume("pvc-x").unwrap().quota, ByteSize::gib(2));
    let err = m.delete_volume(v).unwrap_err();
    assert!(err.to_string().contains("hosts subvolume"), "{err}");
}

#[test]
fn subvolume_names_dirs_and_clone_sources_are_checked() {
    let (mut m, v) = model_with_volume(1.0);
    m.add_subvolume(subvolume("a", v, ByteSize::gib(1)), 100)
        .unwrap();
    assert!(m
        .add_subvolume(subvolume("a", v, ByteSize::gib(1)), 100)
        .is_err());
    let mut same_dir = subvolume("b", v, ByteSize::gib(1));
    same_dir.dir = "/a".into();
    assert!(m.add_subvolume(same_dir, 100).is_err());
    let mut escape = subvolume("c", v, ByteSize::gib(1));
    escape.dir = "/../etc".into();
    assert!(m.add_subvolume(escape, 100).is_err());
    let mut clone = subvolume("a-clone", v, ByteSize::gib(1));
    clone.clone_of = Some("missing".into());
    assert!(matches!(
        m.add_subvolume(clone.clone(), 100),
        Err(ModelError::UnknownSubvolume(_))
    ));
    clone.clone_of = Some("a".into());
    m.add_subvolume(clone, 100).unwrap();
    m.remove_subvolume("a").unwrap();
    assert!(m.remove_subvolume("a").is_err());
    assert_eq!(m.subvolumes().len(), 1);
}

#[test]
fn snapshot_clone_and_subvolume_survive_the_native_document() {
    let (mut m, v) = model_with_volume(2.0);
    m.add_snapshot(snapshot(&m, v, "s", ByteSize::gib(1)))
        .unwrap();
    let commit = clone_commit(&m, v, "c");
    let cv = commit.volume.id;
    let charges = bricks_of(&m, v)
        .into_iter()
        .map(|b| (b, ByteSize::gib(1)))
        .collect();
    m.add_clone(
        commit,
        VolumeClone {
            volume: cv,
            origin: v,
            snapshot: "s".into(),
            charges,
        },
    )
    .unwrap();
    m.add_subvolume(subvolume("pvc", cv, ByteSize::gib(1)), 100)
        .unwrap();
    let json = to_native_json(&m);
    assert_eq!(from_native_json(&json).unwrap(), m);

    // A document written before data services (no such fields) loads with none.
    let (plain, _) = model_with_volume(2.0);
    let old = to_native_json(&plain);
    assert!(!old.contains("snapshots"), "empty lists are not written");
    let loaded = from_native_json(&old).unwrap();
    assert_eq!(loaded.snapshots().len() + loaded.subvolumes().len(), 0);

    // A stored snapshot whose charges exceed the reserve is refused, naming it.
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    doc["snapshots"][0]["charges"][0][1] = serde_json::json!(ByteSize::tib(1));
    let err = from_native_json(&doc.to_string()).unwrap_err();
    assert!(err.to_string().contains("snapshots[0]"), "{err}");
}

#[test]
fn resync_grows_a_device_and_refuses_one_that_shrank_below_its_bricks() {
    let (mut m, v) = model_with_volume(1.0);
    let dev = DeviceId::derived(&["dev", "0"]);
    let old = m.resize_device(dev, ByteSize::tib(2)).unwrap();
    assert_eq!(old.total, ByteSize::tib(1));
    assert_eq!(m.device(dev).unwrap().total, ByteSize::tib(2));
    let before = m.clone();
    let err = m.resize_device(dev, ByteSize::gib(5)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&dev.to_string()), "{text}");
    assert!(text.contains(&bricks_of(&m, v)[0].to_string()), "{text}");
    assert_eq!(m, before);
    // Shrinking to what the bricks take is still fine.
    let used = m.device(dev).unwrap().used;
    m.resize_device(dev, used).unwrap();
    assert!(m.check().is_empty());
    assert!(m
        .resize_device(DeviceId::derived(&["x"]), ByteSize::gib(1))
        .is_err());
}

//! Property tests: random sequences of model operations keep the model consistent, refused
//! operations change nothing, and the native format round-trips.

use gluster_model::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    AddNode {
        zone: u32,
    },
    AddDevice {
        node: usize,
        gib: u64,
    },
    NodeState {
        node: usize,
        state: u8,
    },
    DeviceState {
        device: usize,
        state: u8,
    },
    Commit {
        layout: u8,
        sets: usize,
        gib: u64,
        picks: Vec<usize>,
    },
    Delete {
        volume: usize,
    },
    Replace {
        brick: usize,
        device: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u32..4).prop_map(|zone| Op::AddNode { zone }),
        (0usize..8, 1u64..400).prop_map(|(node, gib)| Op::AddDevice { node, gib }),
        (0usize..8, 0u8..3).prop_map(|(node, state)| Op::NodeState { node, state }),
        (0usize..16, 0u8..3).prop_map(|(device, state)| Op::DeviceState { device, state }),
        (
            0u8..4,
            1usize..3,
            1u64..120,
            proptest::collection::vec(0usize..64, 12)
        )
            .prop_map(|(layout, sets, gib, picks)| Op::Commit {
                layout,
                sets,
                gib,
                picks
            }),
        (0usize..8).prop_map(|volume| Op::Delete { volume }),
        (0usize..32, 0usize..32).prop_map(|(brick, device)| Op::Replace { brick, device }),
    ]
}

fn state(i: u8) -> EntityState {
    [
        EntityState::Online,
        EntityState::Offline,
        EntityState::Failed,
    ][usize::from(i % 3)]
}

struct World {
    model: Model,
    cluster: ClusterId,
    next_id: u128,
}

impl World {
    fn new() -> Self {
        let mut model = Model::new();
        let cluster = ClusterId::from_u128(1);
        model
            .add_cluster(Cluster {
                id: cluster,
                block: true,
                file: true,
            })
            .unwrap();
        World {
            model,
            cluster,
            next_id: 100,
        }
    }

    fn id(&mut self) -> u128 {
        self.next_id += 1;
        self.next_id
    }

    fn brick(
        &mut self,
        volume: VolumeId,
        device: &Device,
        size: ByteSize,
        role: BrickRole,
    ) -> Brick {
        let space = BrickSpace::for_brick(size, SnapshotFactor::ONE, device.extent_size).unwrap();
        let id = BrickId::from_u128(self.id());
        Brick {
            id,
            volume,
            node: device.node,
            device: device.id,
            size,
            pool_size: space.pool,
            metadata_size: space.metadata,
            role,
            path: Brick::heketi_path("/mnt", device.id, id),
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), ModelError> {
        let nodes: Vec<Node> = self.model.nodes().cloned().collect();
        let devices: Vec<Device> = self.model.devices().cloned().collect();
        match op.clone() {
            Op::AddNode { zone } => {
                let id = self.id();
                self.model.add_node(Node {
                    id: NodeId::from_u128(id),
                    cluster: self.cluster,
                    zone: Zone(zone),
                    manage_hostname: format!("node{id}"),
                    storage_hostname: format!("storage-{id}"),
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
            }
            Op::AddDevice { node, gib } => {
                let Some(n) = nodes.get(node) else {
                    return Ok(());
                };
                let id = self.id();
                self.model.add_device(Device {
                    id: DeviceId::from_u128(id),
                    node: n.id,
                    name: format!("/dev/sd{id}"),
                    total: ByteSize::gib(gib),
                    used: ByteSize::ZERO,
                    extent_size: DEFAULT_EXTENT_SIZE,
                    tags: Tags::new(),
                    state: EntityState::Online,
                })
            }
            Op::NodeState { node, state: s } => match nodes.get(node) {
                Some(n) => self.model.set_node_state(n.id, state(s)),
                None => Ok(()),
            },
            Op::DeviceState { device, state: s } => match devices.get(device) {
                Some(d) => self.model.set_device_state(d.id, state(s)),
                None => Ok(()),
            },
            Op::Commit {
                layout,
                sets,
                gib,
                picks,
            } => {
                if devices.is_empty() {
                    return Ok(());
                }
                let durability = match layout {
                    0 => Durability::None,
                    1 => Durability::replicate(2).unwrap(),
                    2 => Durability::replicate(3).unwrap(),
                    _ => Durability::Arbiter,
                };
                let volume = VolumeId::from_u128(self.id());
                let size = ByteSize::gib(gib);
                let mut bricks = Vec::new();
                let mut brick_sets = Vec::new();
                let mut pick = picks.into_iter().cycle();
                for _ in 0..sets {
                    let mut set = Vec::new();
                    for position in 0..durability.set_size() {
                        let d = &devices[pick.next().unwrap_or(0) % devices.len()];
                        let role = durability.role_at(position);
                        let b = self.brick(volume, d, size, role);
                        set.push(b.id);
                        bricks.push(b);
                    }
                    brick_sets.push(set);
                }
                self.model.commit_volume(VolumeCommit {
                    volume: Volume {
                        id: volume,
                        cluster: self.cluster,
                        name: format!("vol{}", volume.as_u128()),
                        size,
                        durability,
                        brick_sets,
                        options: vec![],
                        gid: 0,
                        snapshot: SnapshotSettings::default(),
                        block_hosting: None,
                    },
                    bricks,
                })
            }
            Op::Delete { volume } => {
                let ids: Vec<VolumeId> = self.model.volumes().map(|v| v.id).collect();
                match ids.get(volume) {
                    Some(id) => self.model.delete_volume(*id).map(|_| ()),
                    None => Ok(()),
                }
            }
            Op::Replace { brick, device } => {
                let bricks: Vec<Brick> = self.model.bricks().cloned().collect();
                let (Some(old), Some(d)) = (bricks.get(brick), devices.get(device)) else {
                    return Ok(());
                };
                let new = self.brick(old.volume, d, old.size, old.role);
                self.model.replace_brick(old.id, new).map(|_| ())
            }
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(96)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn operations_keep_the_model_consistent(ops in proptest::collection::vec(op(), 1..60)) {
        let mut w = World::new();
        let mut committed = 0;
        for op in &ops {
            let before = w.model.clone();
            match w.apply(op) {
                Ok(()) => {
                    if matches!(op, Op::Commit { .. }) { committed += 1; }
                }
                Err(_) => prop_assert_eq!(&w.model, &before, "a refused {:?} changed the model", op),
            }
            let problems = w.model.check();
            prop_assert!(problems.is_empty(), "after {:?}: {:?}", op, problems);
            for d in w.model.devices() {
                prop_assert!(d.used <= d.total);
            }
        }
        let _ = committed;
        let saved = to_native_json(&w.model);
        prop_assert_eq!(from_native_json(&saved).unwrap(), w.model.clone());
    }

    #[test]
    fn sizes_round_trip_through_json(bytes in any::<u64>()) {
        let s = ByteSize::b(bytes);
        let json = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(serde_json::from_str::<ByteSize>(&json).unwrap(), s);
        let text = serde_json::to_string(&s.to_string()).unwrap();
        prop_assert_eq!(serde_json::from_str::<ByteSize>(&text).unwrap(), s);
    }
}

#[test]
fn deleting_every_volume_returns_every_byte() {
    let mut w = World::new();
    for zone in 1..=3 {
        w.apply(&Op::AddNode { zone }).unwrap();
    }
    for node in 0..3 {
        w.apply(&Op::AddDevice { node, gib: 500 }).unwrap();
    }
    for gib in [10, 20, 30] {
        w.apply(&Op::Commit {
            layout: 2,
            sets: 1,
            gib,
            picks: vec![0, 1, 2],
        })
        .unwrap();
    }
    assert!(w.model.devices().all(|d| d.used > ByteSize::ZERO));
    let ids: Vec<VolumeId> = w.model.volumes().map(|v| v.id).collect();
    for id in ids {
        w.model.delete_volume(id).unwrap();
    }
    assert!(w.model.devices().all(|d| d.used == ByteSize::ZERO));
    assert_eq!(w.model.bricks().len(), 0);
}

#[test]
fn overbooking_is_refused_and_changes_nothing() {
    let mut w = World::new();
    for zone in 1..=3 {
        w.apply(&Op::AddNode { zone }).unwrap();
    }
    for node in 0..3 {
        w.apply(&Op::AddDevice { node, gib: 100 }).unwrap();
    }
    let before = w.model.clone();
    // Two 50 GiB bricks of one volume on each device: 2 x (50 GiB + 256 MiB) > 100 GiB.
    let err = w
        .apply(&Op::Commit {
            layout: 2,
            sets: 2,
            gib: 50,
            picks: vec![0, 1, 2],
        })
        .unwrap_err();
    assert!(matches!(err, ModelError::Overbooked { .. }), "{err}");
    assert_eq!(w.model, before);
    // A set on one node is refused by name.
    let err = w
        .apply(&Op::Commit {
            layout: 2,
            sets: 1,
            gib: 1,
            picks: vec![0, 0, 1],
        })
        .unwrap_err();
    assert!(
        matches!(err, ModelError::SetOnOneNode { set: 0, .. }),
        "{err}"
    );
}

#[test]
fn bricks_go_only_on_online_devices() {
    let mut w = World::new();
    for zone in 1..=2 {
        w.apply(&Op::AddNode { zone }).unwrap();
    }
    for node in 0..2 {
        w.apply(&Op::AddDevice { node, gib: 100 }).unwrap();
    }
    w.apply(&Op::DeviceState {
        device: 1,
        state: 1,
    })
    .unwrap();
    let err = w
        .apply(&Op::Commit {
            layout: 1,
            sets: 1,
            gib: 1,
            picks: vec![0, 1],
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::NotOnline {
                entity: "device",
                ..
            }
        ),
        "{err}"
    );
    let err = w
        .apply(&Op::DeviceState {
            device: 0,
            state: 2,
        })
        .unwrap_err();
    assert!(err.to_string().contains("set it offline first"), "{err}");
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
    assert_send_sync::<ModelError>();
    assert_send_sync::<ImportError>();
    assert_send_sync::<Durability>();
    assert_send_sync::<ByteSize>();
}

//! Small hand-built clusters for the day-2 planner tests.
#![allow(dead_code)]

use gluster_model::*;
use gluster_placement::{PlacementSettings, Planner, VolumeRequest};

/// Space one brick of `size` takes (no snapshots, default extents).
pub fn space(size: ByteSize) -> ByteSize {
    BrickSpace::for_brick(size, SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE)
        .unwrap()
        .total()
        .unwrap()
}

pub struct Builder {
    pub model: Model,
    pub cluster: ClusterId,
    next: u128,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    pub fn new() -> Self {
        let mut model = Model::new();
        let cluster = ClusterId::from_u128(1);
        model
            .add_cluster(Cluster {
                id: cluster,
                block: true,
                file: true,
            })
            .unwrap();
        Builder {
            model,
            cluster,
            next: 1000,
        }
    }

    fn id(&mut self) -> u128 {
        self.next += 1;
        self.next
    }

    pub fn node(&mut self, zone: u32) -> NodeId {
        let id = NodeId::from_u128(self.id());
        let i = self.model.nodes().len();
        self.model
            .add_node(Node {
                id,
                cluster: self.cluster,
                zone: Zone(zone),
                manage_hostname: format!("node{i}"),
                storage_hostname: format!("10.0.0.{i}"),
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .unwrap();
        id
    }

    pub fn device(&mut self, node: NodeId, total: ByteSize) -> DeviceId {
        self.device_tagged(node, total, &[])
    }

    pub fn device_tagged(
        &mut self,
        node: NodeId,
        total: ByteSize,
        tags: &[(&str, &str)],
    ) -> DeviceId {
        let id = DeviceId::from_u128(self.id());
        let n = self.model.devices_of(node).count();
        self.model
            .add_device(Device {
                id,
                node,
                name: format!("/dev/sd{}", (b'b' + n as u8) as char),
                total,
                used: ByteSize::ZERO,
                extent_size: DEFAULT_EXTENT_SIZE,
                tags: tags
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                state: EntityState::Online,
            })
            .unwrap();
        id
    }

    /// A volume whose sets are given as device lists; every brick has `size`.
    pub fn volume(
        &mut self,
        durability: Durability,
        size: ByteSize,
        sets: &[Vec<DeviceId>],
    ) -> Result<VolumeId, ModelError> {
        let vid = VolumeId::from_u128(self.id());
        let mut bricks = Vec::new();
        let mut brick_sets = Vec::new();
        for set in sets {
            let mut ids = Vec::new();
            for (pos, dev) in set.iter().enumerate() {
                let role = durability.role_at(pos);
                let bsize = if role == BrickRole::Arbiter {
                    arbiter_brick_size(size, DEFAULT_AVERAGE_FILE_SIZE, MIN_ARBITER_BRICK)
                } else {
                    size
                };
                let sp =
                    BrickSpace::for_brick(bsize, SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE).unwrap();
                let bid = BrickId::from_u128(self.id());
                let node = self.model.device(*dev).unwrap().node;
                bricks.push(Brick {
                    id: bid,
                    volume: vid,
                    node,
                    device: *dev,
                    size: bsize,
                    pool_size: sp.pool,
                    metadata_size: sp.metadata,
                    role,
                    path: Brick::heketi_path("/var/lib/heketi/mounts", *dev, bid),
                });
                ids.push(bid);
            }
            brick_sets.push(ids);
        }
        let n = self.model.volumes().len();
        self.model.commit_volume(VolumeCommit {
            volume: Volume {
                id: vid,
                cluster: self.cluster,
                name: format!("vol{n}_{}", vid.as_u128()),
                size: size
                    .checked_mul((sets.len() * durability.data_share()) as u64)
                    .unwrap(),
                durability,
                brick_sets,
                options: vec![],
                gid: 0,
                snapshot: SnapshotSettings::default(),
                block_hosting: None,
            },
            bricks,
        })?;
        Ok(vid)
    }
}

/// Node separation per set, for every volume.
pub fn node_separation_holds(model: &Model) -> bool {
    model.volumes().all(|v| {
        v.brick_sets.iter().all(|set| {
            let mut nodes: Vec<NodeId> =
                set.iter().map(|b| model.brick(*b).unwrap().node).collect();
            nodes.sort();
            let n = nodes.len();
            nodes.dedup();
            nodes.len() == n
        })
    })
}

/// Distinct zones of a set.
pub fn set_zones(model: &Model, set: &[BrickId]) -> Vec<Zone> {
    let mut z: Vec<Zone> = set
        .iter()
        .map(|b| model.node(model.brick(*b).unwrap().node).unwrap().zone)
        .collect();
    z.sort();
    z.dedup();
    z
}

/// 3 zones x 2 nodes of 1 TiB filled with `volumes` 10 GiB replica-3 volumes (strict), then
/// one empty 1 TiB node added per zone: a cluster a rebalance has work on.
pub fn grown(volumes: u64) -> Model {
    let mut b = Builder::new();
    for z in 1..=3 {
        for _ in 0..2 {
            let n = b.node(z);
            b.device(n, ByteSize::tib(1));
        }
    }
    let mut model = b.model.clone();
    let mut planner = Planner::new(&model, &PlacementSettings::default());
    let request = VolumeRequest::new(ByteSize::gib(10), Durability::REPLICA_3)
        .with_zone_checking(ZoneChecking::Strict);
    for i in 0..volumes {
        let plan = planner.plan(&request, i).unwrap();
        planner.commit(&plan).unwrap();
        plan.commit_to(&mut model).unwrap();
    }
    b.model = model;
    for z in 1..=3 {
        let n = b.node(z);
        b.device(n, ByteSize::tib(1));
    }
    b.model
}

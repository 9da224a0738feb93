//! Fixtures of the day-2 benchmarks: a 10,000-device cluster whose first node holds 1,000
//! bricks, and a filled cluster that just received 10 % more capacity.

use gluster_model::*;
use gluster_placement::{PlacementSettings, Planner, VolumeRequest};

use crate::topology;

/// 10 zones x 100 nodes x 10 devices; 1,000 replica-3 volumes of one 10 GiB set, each with
/// its first brick on node 0 of zone 1 (100 per device) and the others spread over zones 2
/// to 10. Returns the model and that node.
pub fn node_with_1000_bricks() -> (Model, NodeId) {
    let mut model = topology::model(10, 100, 10);
    let nodes: Vec<(NodeId, Zone)> = model.nodes().map(|n| (n.id, n.zone)).collect();
    let devices_of =
        |m: &Model, n: NodeId| -> Vec<DeviceId> { m.devices_of(n).map(|d| d.id).collect() };
    let target = nodes
        .iter()
        .find(|(_, z)| *z == Zone(1))
        .map(|(n, _)| *n)
        .expect("zone 1");
    let target_devices = devices_of(&model, target);
    let others: Vec<NodeId> = nodes
        .iter()
        .filter(|(_, z)| *z != Zone(1))
        .map(|(n, _)| *n)
        .collect();
    let cluster = model.clusters().next().expect("cluster").id;
    let space = BrickSpace::for_brick(ByteSize::gib(10), SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE)
        .expect("brick space");
    for v in 0..1000usize {
        let id = VolumeId::derived(&["bench-volume", &v.to_string()]);
        // Two partner nodes in two distinct zones other than zone 1.
        let a = others[(v * 7) % others.len()];
        let mut b = others[(v * 13 + 450) % others.len()];
        let zone_of = |n: NodeId| model.node(n).map(|x| x.zone);
        if zone_of(a) == zone_of(b) {
            b = others[(v * 13 + 550) % others.len()];
        }
        let devs = [
            target_devices[v % target_devices.len()],
            devices_of(&model, a)[v % 10],
            devices_of(&model, b)[(v / 10) % 10],
        ];
        let mut bricks = Vec::new();
        for (p, d) in devs.iter().enumerate() {
            let bid = BrickId::derived(&["bench-brick", &v.to_string(), &p.to_string()]);
            bricks.push(Brick {
                id: bid,
                volume: id,
                node: model.device(*d).expect("device").node,
                device: *d,
                size: ByteSize::gib(10),
                pool_size: space.pool,
                metadata_size: space.metadata,
                role: BrickRole::Data,
                path: Brick::heketi_path("/var/lib/heketi/mounts", *d, bid),
            });
        }
        let commit = VolumeCommit {
            volume: Volume {
                id,
                cluster,
                name: format!("bench_{v}"),
                size: ByteSize::gib(10),
                durability: Durability::REPLICA_3,
                brick_sets: vec![bricks.iter().map(|b| b.id).collect()],
                options: Vec::new(),
                gid: 0,
                snapshot: SnapshotSettings::default(),
                block_hosting: None,
            },
            bricks,
        };
        model.commit_volume(commit).expect("volume fits");
    }
    (model, target)
}

/// 10 zones x 10 nodes x 4 devices of 1 TiB filled to about 60 % with 10 GiB replica-3
/// volumes (strict zones), then one empty node of 4 devices added per zone (+10 %).
pub fn filled_then_grown() -> Model {
    let mut model = topology::model(10, 10, 4);
    for d in model.devices().map(|d| d.id).collect::<Vec<_>>() {
        // topology::model makes 4 TiB devices; this cluster uses 1 TiB ones.
        let mut dev = model.device(d).expect("device").clone();
        model.remove_device(d).expect("empty device");
        dev.total = ByteSize::tib(1);
        model.add_device(dev).expect("device");
    }
    let settings = PlacementSettings::default();
    let mut planner = Planner::new(&model, &settings);
    let mut request = VolumeRequest::new(ByteSize::gib(10), Durability::replicate(3).expect("r3"));
    request.zone_checking = ZoneChecking::Strict;
    let raw: u64 = model.devices().map(|d| d.total.bytes()).sum();
    let volumes = raw * 6 / 10 / (3 * ByteSize::gib(10).bytes());
    for i in 0..volumes {
        let plan = planner.plan(&request, i).expect("room");
        planner.commit(&plan).expect("commit");
        plan.commit_to(&mut model).expect("apply");
    }
    let cluster = model.clusters().next().expect("cluster").id;
    for z in 1..=10u32 {
        let name = format!("added-z{z}");
        topology::add_node(&mut model, cluster, Zone(z), &name, 4, ByteSize::tib(1));
    }
    model
}

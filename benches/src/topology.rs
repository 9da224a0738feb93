//! Generated topologies: `zones x nodes_per_zone x devices_per_node` devices of 4 TiB, as a
//! model and as a Heketi topology load file.

use gluster_model::*;

/// Manage hostname of node `n` of zone `z`.
fn host(z: u32, n: u32) -> String {
    format!("z{z}-n{n}.example")
}

/// The model of the topology, every device 4 TiB and empty.
pub fn model(zones: u32, nodes_per_zone: u32, devices_per_node: u32) -> Model {
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: false,
            file: true,
        })
        .expect("cluster");
    for z in 1..=zones {
        for n in 0..nodes_per_zone {
            add_node(
                &mut model,
                cluster,
                Zone(z),
                &host(z, n),
                devices_per_node,
                ByteSize::tib(4),
            );
        }
    }
    model
}

/// Adds an online node named `name` (manage and storage) in `zone` with `devices` empty
/// devices `/dev/vd0..` of `size`; ids are derived from the names.
pub fn add_node(
    model: &mut Model,
    cluster: ClusterId,
    zone: Zone,
    name: &str,
    devices: u32,
    size: ByteSize,
) -> NodeId {
    let node = NodeId::derived(&[name]);
    model
        .add_node(Node {
            id: node,
            cluster,
            zone,
            manage_hostname: name.to_string(),
            storage_hostname: name.to_string(),
            tags: Tags::new(),
            state: EntityState::Online,
        })
        .expect("node");
    for d in 0..devices {
        model
            .add_device(Device {
                id: DeviceId::derived(&[name, &d.to_string()]),
                node,
                name: format!("/dev/vd{d}"),
                total: size,
                used: ByteSize::ZERO,
                extent_size: DEFAULT_EXTENT_SIZE,
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .expect("device");
    }
    node
}

/// The same topology as Heketi's load file (`heketi-cli topology load`), device sizes given
/// with the `size` extension.
pub fn heketi_load_json(zones: u32, nodes_per_zone: u32, devices_per_node: u32) -> String {
    let mut nodes = Vec::new();
    for z in 1..=zones {
        for n in 0..nodes_per_zone {
            let name = host(z, n);
            let devices: Vec<String> = (0..devices_per_node)
                .map(|d| format!(r#"{{"name":"/dev/vd{d}","destroydata":false,"size":"4TiB"}}"#))
                .collect();
            nodes.push(format!(
                r#"{{"node":{{"hostnames":{{"manage":["{name}"],"storage":["{name}"]}},"zone":{z}}},"devices":[{}]}}"#,
                devices.join(",")
            ));
        }
    }
    format!(r#"{{"clusters":[{{"nodes":[{}]}}]}}"#, nodes.join(","))
}

//! Removing nodes and clusters: refused while they hold something, all or nothing.

use gluster_model::*;

fn one_node_model() -> (Model, ClusterId, NodeId, DeviceId) {
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: false,
            file: true,
        })
        .unwrap();
    let node = NodeId::from_u128(2);
    model
        .add_node(Node {
            id: node,
            cluster,
            zone: Zone(1),
            manage_hostname: "a".into(),
            storage_hostname: "192.0.2.1".into(),
            tags: Tags::new(),
            state: EntityState::Online,
        })
        .unwrap();
    let device = DeviceId::from_u128(3);
    model
        .add_device(Device {
            id: device,
            node,
            name: "/dev/sdb".into(),
            total: ByteSize::gib(10),
            used: ByteSize::ZERO,
            extent_size: DEFAULT_EXTENT_SIZE,
            tags: Tags::new(),
            state: EntityState::Online,
        })
        .unwrap();
    (model, cluster, node, device)
}

#[test]
fn a_node_with_a_device_and_a_cluster_with_a_node_stay() {
    let (mut model, cluster, node, device) = one_node_model();
    let before = model.clone();
    assert!(matches!(
        model.remove_node(node),
        Err(ModelError::InUse { entity: "node", .. })
    ));
    assert!(matches!(
        model.remove_cluster(cluster),
        Err(ModelError::InUse {
            entity: "cluster",
            ..
        })
    ));
    assert_eq!(model, before);

    model.remove_device(device).unwrap();
    assert_eq!(model.remove_node(node).unwrap().id, node);
    assert!(model.node_by_hostname("a").is_none());
    assert_eq!(model.remove_cluster(cluster).unwrap().id, cluster);
    assert_eq!(model.clusters().len(), 0);
    assert!(model.check().is_empty());
}

#[test]
fn unknown_ids_are_errors() {
    let (mut model, ..) = one_node_model();
    assert!(matches!(
        model.remove_node(NodeId::from_u128(99)),
        Err(ModelError::UnknownNode(_))
    ));
    assert!(matches!(
        model.remove_cluster(ClusterId::from_u128(99)),
        Err(ModelError::UnknownCluster(_))
    ));
}

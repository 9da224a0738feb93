//! Capacity forecast: how many more volumes fit, and why the rest of the space is stranded.

use gluster_model::*;
use gluster_placement::{
    forecast, simulate, Forecast, PlacementSettings, StrandCause, VolumeRequest,
};

/// One node per zone; `sizes[z]` is the device size in zone z+1.
fn model(sizes: &[ByteSize]) -> Model {
    let mut model = Model::new();
    let cluster = ClusterId::from_u128(1);
    model
        .add_cluster(Cluster {
            id: cluster,
            block: false,
            file: true,
        })
        .unwrap();
    for (z, size) in sizes.iter().enumerate() {
        let node = NodeId::derived(&["node", &z.to_string()]);
        let mut tags = Tags::new();
        tags.insert("media".into(), if z == 0 { "hdd" } else { "ssd" }.into());
        model
            .add_node(Node {
                id: node,
                cluster,
                zone: Zone(z as u32 + 1),
                manage_hostname: format!("node{z}"),
                storage_hostname: format!("10.0.0.{z}"),
                tags,
                state: EntityState::Online,
            })
            .unwrap();
        model
            .add_device(Device {
                id: DeviceId::derived(&[&z.to_string(), "/dev/sdb"]),
                node,
                name: "/dev/sdb".into(),
                total: *size,
                used: ByteSize::ZERO,
                extent_size: DEFAULT_EXTENT_SIZE,
                tags: Tags::new(),
                state: EntityState::Online,
            })
            .unwrap();
    }
    model
}

fn replica3(size: ByteSize, zones: ZoneChecking) -> VolumeRequest {
    let mut r = VolumeRequest::new(size, Durability::replicate(3).unwrap());
    r.zone_checking = zones;
    r
}

fn run(model: &Model, request: &VolumeRequest) -> Forecast {
    let f = forecast(model, request, &PlacementSettings::default(), 1, None).unwrap();
    let sum: u64 = f.causes.iter().map(|c| c.bytes.bytes()).sum();
    assert_eq!(
        sum,
        f.stranded.bytes(),
        "causes add up to the stranded space: {f:#?}"
    );
    f
}

#[test]
fn fits_agrees_with_simulation_and_leftovers_are_fragments() {
    let model = model(&[ByteSize::tib(1); 3]);
    let request = replica3(ByteSize::gib(100), ZoneChecking::Strict);
    let f = run(&model, &request);
    let sim = simulate(&model, &request, &PlacementSettings::default(), 1, None).unwrap();
    assert_eq!(f.fits, sim.placed);
    assert_eq!(f.fits, 10);
    assert!(f.first_refusal.is_some());
    assert_eq!(f.causes.len(), 1, "{f:#?}");
    assert!(matches!(f.causes[0].cause, StrandCause::Fragments { .. }));
    assert_eq!(f.causes[0].devices, 3);
}

#[test]
fn zone_imbalance_is_named_with_the_zone_that_has_room() {
    let model = model(&[ByteSize::tib(1), ByteSize::tib(1), ByteSize::tib(4)]);
    let f = run(&model, &replica3(ByteSize::gib(100), ZoneChecking::Strict));
    let domains = f
        .causes
        .iter()
        .find_map(|c| match &c.cause {
            StrandCause::FailureDomains {
                zones_with_room, ..
            } => Some((zones_with_room.clone(), c.bytes)),
            _ => None,
        })
        .expect("failure domains strand zone 3's space");
    assert_eq!(domains.0, [Zone(3)]);
    assert!(domains.1 >= ByteSize::tib(3), "{}", domains.1);
}

#[test]
fn offline_and_excluded_devices_are_counted_apart() {
    let mut model = model(&[ByteSize::tib(1); 4]);
    let dev = model.devices().nth(3).unwrap().id;
    model.set_device_state(dev, EntityState::Offline).unwrap();
    let mut request = replica3(ByteSize::gib(100), ZoneChecking::None);
    request.device_tag_match = vec!["media=ssd".parse().unwrap()];
    let f = run(&model, &request);
    let bytes = |want: fn(&StrandCause) -> bool| {
        f.causes
            .iter()
            .filter(|c| want(&c.cause))
            .map(|c| c.bytes)
            .next()
    };
    assert_eq!(
        bytes(|c| matches!(c, StrandCause::Offline)),
        Some(ByteSize::tib(1))
    );
    assert_eq!(
        bytes(|c| matches!(c, StrandCause::Excluded)),
        Some(ByteSize::tib(1))
    );
    assert_eq!(f.free_before, ByteSize::tib(4));
}

#[test]
fn the_limit_stops_early_without_a_refusal() {
    let model = model(&[ByteSize::tib(1); 3]);
    let f = forecast(
        &model,
        &replica3(ByteSize::gib(100), ZoneChecking::Strict),
        &PlacementSettings::default(),
        1,
        Some(4),
    )
    .unwrap();
    assert_eq!(f.fits, 4);
    assert!(f.first_refusal.is_none());
    assert!(
        f.causes.iter().all(|c| c.cause == StrandCause::Room),
        "{f:#?}"
    );
}

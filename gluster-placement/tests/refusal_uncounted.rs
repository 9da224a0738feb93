//! Refusals name the free space they leave out: arbiter-only, offline and excluded devices.

use gluster_model::{
    import_heketi_load, ByteSize, Durability, EntityState, HeketiLoadOptions, ZoneChecking,
};
use gluster_placement::{plan_volume, PlacementSettings, Reason, Uncounted, VolumeRequest};

/// Three nodes in three zones; each has a data disk and an arbiter-only disk; zone 3 is
/// tagged `media=hdd`.
const TOPOLOGY: &str = r#"{"clusters":[{"nodes":[
 {"node":{"hostnames":{"manage":["n1"],"storage":["10.0.0.1"]},"zone":1},"devices":["/dev/sdb",{"name":"/dev/sdc","tags":{"arbiter":"required"}}]},
 {"node":{"hostnames":{"manage":["n2"],"storage":["10.0.0.2"]},"zone":2},"devices":["/dev/sdb",{"name":"/dev/sdc","tags":{"arbiter":"required"}}]},
 {"node":{"hostnames":{"manage":["n3"],"storage":["10.0.0.3"]},"zone":3,"tags":{"media":"hdd"}},"devices":["/dev/sdb",{"name":"/dev/sdc","tags":{"arbiter":"required"}}]}
]}]}"#;

fn uncounted(reasons: &[Reason]) -> Uncounted {
    reasons
        .iter()
        .find_map(|r| match r {
            Reason::Capacity { uncounted, .. } => Some(*uncounted),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no capacity reason: {reasons:?}"))
}

/// Issue 15 item 12.
#[test]
fn refusals_count_arbiter_only_offline_and_excluded_space() {
    let opts = HeketiLoadOptions::with_default_size(ByteSize::gib(100));
    let mut model = import_heketi_load(TOPOLOGY, &opts).unwrap();
    let mut request = VolumeRequest::new(ByteSize::gib(500), Durability::REPLICA_3);
    request.zone_checking = ZoneChecking::Prefer;
    let settings = PlacementSettings::default();
    let err = plan_volume(&model, &request, &settings, 0).unwrap_err();
    let u = uncounted(err.reasons());
    assert_eq!(u.arbiter_only, ByteSize::gib(300), "{err}");
    assert_eq!((u.offline, u.excluded), (ByteSize::ZERO, ByteSize::ZERO));
    assert!(
        err.to_string()
            .contains("300.00 GiB on arbiter-only devices"),
        "{err}"
    );

    // Excluded by a tag rule: node n3's two disks; arbiter-only: the other two.
    request.device_tag_match = vec!["media!=hdd".parse().unwrap()];
    let err = plan_volume(&model, &request, &settings, 0).unwrap_err();
    let u = uncounted(err.reasons());
    assert_eq!(
        (u.arbiter_only, u.excluded),
        (ByteSize::gib(200), ByteSize::gib(200))
    );

    // Offline: node n1's disks.
    request.device_tag_match.clear();
    let n1 = model.node_by_hostname("n1").unwrap().id;
    model.set_node_state(n1, EntityState::Offline).unwrap();
    let err = plan_volume(&model, &request, &settings, 0).unwrap_err();
    let u = uncounted(err.reasons());
    assert_eq!(
        (u.arbiter_only, u.offline),
        (ByteSize::gib(200), ByteSize::gib(200))
    );
}

//! Imports of the sample documents in Heketi's formats, and the refusals of bad ones.

use gluster_model::*;

const LOAD: &str = include_str!("data/heketi-topology-3zones.json");
const INFO: &str = include_str!("data/heketi-topology-info-3zones.json");

fn info_json() -> serde_json::Value {
    serde_json::from_str(INFO).unwrap()
}

#[test]
fn load_file_imports_with_default_size() {
    let m = import_heketi_load(
        LOAD,
        &HeketiLoadOptions::with_default_size(ByteSize::tib(2)),
    )
    .unwrap();
    assert_eq!(m.clusters().len(), 1);
    assert_eq!(m.nodes().len(), 6);
    assert_eq!(m.devices().len(), 18);
    let zones: std::collections::BTreeSet<u32> = m.nodes().map(|n| n.zone.0).collect();
    assert_eq!(zones.into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(m
        .devices()
        .all(|d| d.total == ByteSize::tib(2) && d.used == ByteSize::ZERO));
    let node = m.node_by_hostname("node-z1-0.storage.example").unwrap();
    assert_eq!(node.storage_hostname, "198.51.100.10");
    assert_eq!(node.tags["rack"], "r10");
    let sdd = m
        .devices_of(node.id)
        .find(|d| d.name == "/dev/sdd")
        .unwrap();
    assert_eq!(ArbiterTag::of(&node.tags, &sdd.tags), ArbiterTag::Required);
    // Same file, same ids.
    let again = import_heketi_load(
        LOAD,
        &HeketiLoadOptions::with_default_size(ByteSize::tib(2)),
    )
    .unwrap();
    assert_eq!(m, again);
}

#[test]
fn load_file_sizes_per_device_override_the_default() {
    let mut opts = HeketiLoadOptions::with_default_size(ByteSize::tib(1));
    opts.device_sizes
        .insert("/dev/sdd".into(), ByteSize::gib(200));
    opts.device_sizes.insert(
        "node-z1-0.storage.example:/dev/sdb".into(),
        ByteSize::tib(8),
    );
    let m = import_heketi_load(LOAD, &opts).unwrap();
    let n = m.node_by_hostname("node-z1-0.storage.example").unwrap();
    let size = |name: &str| m.devices_of(n.id).find(|d| d.name == name).unwrap().total;
    assert_eq!(size("/dev/sdb"), ByteSize::tib(8));
    assert_eq!(size("/dev/sdc"), ByteSize::tib(1));
    assert_eq!(size("/dev/sdd"), ByteSize::gib(200));
}

#[test]
fn load_file_without_sizes_names_the_device() {
    let err = import_heketi_load(LOAD, &HeketiLoadOptions::default())
        .unwrap_err()
        .in_file("topology.json");
    let msg = err.to_string();
    assert!(
        msg.starts_with("topology.json: clusters[0].nodes[0].devices[0]"),
        "{msg}"
    );
    assert!(msg.contains("/dev/sdb") && msg.contains("no size"), "{msg}");
}

#[test]
fn load_file_type_errors_name_the_json_path() {
    let bad = LOAD.replacen("\"zone\": 1", "\"zone\": \"one\"", 1);
    let msg = import_heketi_load(
        &bad,
        &HeketiLoadOptions::with_default_size(ByteSize::tib(1)),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.starts_with("clusters[0].nodes[0].node.zone:"), "{msg}");
}

#[test]
fn topology_info_imports_live_state() {
    let m = import_heketi_info(INFO).unwrap();
    assert_eq!(m.nodes().len(), 6);
    assert_eq!(m.devices().len(), 18);
    assert_eq!(m.volumes().len(), 4);
    assert_eq!(m.bricks().len(), 12);
    assert!(m.check().is_empty());
    let v = m
        .volume_by_name("vol_7b2478706b8386fe55ca6cb4b112e82c")
        .unwrap();
    assert_eq!(v.size, ByteSize::gib(50));
    assert_eq!(v.durability, Durability::REPLICA_3);
    assert_eq!(v.brick_sets.len(), 1);
    let dev: DeviceId = "95759f770cb5965ecc478f358a483a6b".parse().unwrap();
    let d = m.device(dev).unwrap();
    assert_eq!(d.used, ByteSize::kib(52_690_944));
    assert_eq!(d.total, ByteSize::kib(1_073_737_728));
    // Deleting a volume returns exactly its space.
    let mut m2 = m.clone();
    m2.delete_volume(v.id).unwrap();
    assert_eq!(m2.device(dev).unwrap().used, ByteSize::ZERO);
    assert!(m2.check().is_empty());
}

#[test]
fn topology_info_refuses_used_plus_free_not_total() {
    let mut j = info_json();
    j["clusters"][0]["nodes"][1]["devices"][1]["storage"]["free"] = 5.into();
    let msg = import_heketi_info(&j.to_string()).unwrap_err().to_string();
    assert!(
        msg.contains("clusters[0].nodes[1].devices[1].storage"),
        "{msg}"
    );
    assert!(msg.contains("b56e4b95c5737e00a4024a82e722eebc"), "{msg}");
    assert!(msg.contains("does not equal total"), "{msg}");
}

#[test]
fn topology_info_refuses_brick_on_unknown_device() {
    let mut j = info_json();
    j["clusters"][0]["volumes"][0]["bricks"][0]["device"] =
        "00000000000000000000000000000042".into();
    j["clusters"][0]["nodes"][0]["devices"][2]["bricks"] = serde_json::json!([]);
    let msg = import_heketi_info(&j.to_string()).unwrap_err().to_string();
    assert!(
        msg.contains("brick cfcdb6672adec3c8139e678b08eacd64"),
        "{msg}"
    );
    assert!(
        msg.contains("unknown device 00000000000000000000000000000042"),
        "{msg}"
    );
}

#[test]
fn topology_info_refuses_brick_of_unknown_volume() {
    let mut j = info_json();
    let brick = &mut j["clusters"][0]["nodes"][0]["devices"][1]["bricks"][0];
    brick["volume"] = "00000000000000000000000000000099".into();
    brick["id"] = "000000000000000000000000000000aa".into();
    let msg = import_heketi_info(&j.to_string()).unwrap_err().to_string();
    assert!(
        msg.contains("brick 000000000000000000000000000000aa"),
        "{msg}"
    );
    assert!(
        msg.contains("unknown volume 00000000000000000000000000000099"),
        "{msg}"
    );
}

#[test]
fn topology_info_refuses_used_that_bricks_do_not_explain() {
    let mut j = info_json();
    let s = &mut j["clusters"][0]["nodes"][0]["devices"][0]["storage"];
    s["used"] = 4096.into();
    s["free"] = (1_073_737_728u64 - 4096).into();
    let err = import_heketi_info(&j.to_string()).unwrap_err();
    assert!(matches!(err, ImportError::Inconsistent { .. }), "{err}");
    assert!(
        err.to_string().contains("a5306a127137d0cdc018f92858f471fa"),
        "{err}"
    );
}

#[test]
fn import_any_detects_formats() {
    let opts = HeketiLoadOptions::with_default_size(ByteSize::tib(1));
    assert_eq!(detect_format(LOAD).unwrap(), DocumentFormat::HeketiLoad);
    assert_eq!(detect_format(INFO).unwrap(), DocumentFormat::HeketiInfo);
    let m = import_any(INFO, &opts).unwrap();
    let native = to_native_json(&m);
    assert_eq!(detect_format(&native).unwrap(), DocumentFormat::Native);
    assert_eq!(import_any(&native, &opts).unwrap(), m);
    assert!(matches!(
        detect_format("{}"),
        Err(ImportError::UnknownFormat { .. })
    ));
    assert!(matches!(
        detect_format("[1,"),
        Err(ImportError::Syntax { .. })
    ));
}

#[test]
fn saved_model_with_a_set_on_one_node_is_refused() {
    let m = import_heketi_info(INFO).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&to_native_json(&m)).unwrap();
    // Move the second brick of volume d8988c... onto the node of its first brick.
    let vol = "d8988ccefa516f5b4e454f32147a7c4f";
    let bricks = doc["bricks"].as_array_mut().unwrap();
    let of_vol: Vec<usize> = (0..bricks.len())
        .filter(|&i| bricks[i]["volume"] == vol)
        .collect();
    let (node0, dev0) = (
        bricks[of_vol[0]]["node"].clone(),
        bricks[of_vol[0]]["device"].clone(),
    );
    bricks[of_vol[1]]["node"] = node0.clone();
    bricks[of_vol[1]]["device"] = dev0;
    let err = from_native_json(&doc.to_string()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "volume {vol}: brick set 0 has two bricks on node {}",
            node0.as_str().unwrap()
        )),
        "{msg}"
    );
}

#[test]
fn native_format_refuses_unknown_versions_and_fields() {
    let m = import_heketi_info(INFO).unwrap();
    let doc = to_native_json(&m);
    let newer = doc.replacen("\"version\": 1", "\"version\": 7", 1);
    let msg = from_native_json(&newer).unwrap_err().to_string();
    assert!(
        msg.starts_with("version:") && msg.contains("not supported"),
        "{msg}"
    );
    let extra = doc.replacen("\"version\": 1", "\"version\": 1, \"surprise\": true", 1);
    assert!(from_native_json(&extra)
        .unwrap_err()
        .to_string()
        .contains("surprise"));
    let bad_id = doc.replacen("db96497ebb09fffc5243a1ab85a96b4e", "not-an-id", 1);
    let msg = from_native_json(&bad_id).unwrap_err().to_string();
    assert!(
        msg.contains("clusters[0].id") && msg.contains("32 hexadecimal"),
        "{msg}"
    );
}

#[test]
fn the_check_reports_every_inconsistency_at_once() {
    let m = import_heketi_info(INFO).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&to_native_json(&m)).unwrap();
    // Three independent faults: a device's used space off by one byte, a brick on a device
    // that does not exist, and a device of a node that does not exist.
    let devices = doc["devices"].as_array_mut().unwrap();
    let used = devices[0]["used"].as_u64().unwrap();
    devices[0]["used"] = (used + 1).into();
    let device_of_node = devices[1]["id"].as_str().unwrap().to_string();
    devices[1]["node"] = "ffffffffffffffffffffffffffffffff".into();
    let bricks = doc["bricks"].as_array_mut().unwrap();
    bricks[0]["device"] = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee".into();

    let Err(ImportError::Inconsistent { problems, .. }) = from_native_json(&doc.to_string()) else {
        panic!("an inconsistent document must be refused with its problems");
    };
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"), "{text:#?}");
    assert!(has("ffffffffffffffffffffffffffffffff"), "{text:#?}");
    assert!(has(&device_of_node), "{text:#?}");
    assert!(problems.len() >= 3, "{text:#?}");
}

fn load_json() -> serde_json::Value {
    serde_json::from_str(LOAD).unwrap()
}

/// Issue 15 item 4: nodes sharing an address break node separation; every format refuses
/// them at load, naming both nodes and the JSON path.
#[test]
fn nodes_sharing_an_address_are_refused_in_every_format() {
    let opts = HeketiLoadOptions::with_default_size(ByteSize::tib(1));
    // Load format: the second node's storage address is the first's.
    let mut doc = load_json();
    let first = doc["clusters"][0]["nodes"][0]["node"]["hostnames"].clone();
    doc["clusters"][0]["nodes"][1]["node"]["hostnames"]["storage"] = first["storage"].clone();
    let err = import_heketi_load(&doc.to_string(), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("clusters[0].nodes[1].node.hostnames.storage"),
        "{err}"
    );
    assert!(err.contains(first["manage"][0].as_str().unwrap()), "{err}");
    assert!(err.contains("share the address"), "{err}");
    // Load format: a manage name that is another node's storage name.
    let mut doc = load_json();
    doc["clusters"][0]["nodes"][1]["node"]["hostnames"]["manage"] = first["storage"].clone();
    let err = import_heketi_load(&doc.to_string(), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("clusters[0].nodes[1].node.hostnames.manage"),
        "{err}"
    );
    // Topology info.
    let mut doc = info_json();
    let storage = doc["clusters"][0]["nodes"][0]["hostnames"]["storage"].clone();
    doc["clusters"][0]["nodes"][2]["hostnames"]["storage"] = storage;
    let err = import_heketi_info(&doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("clusters[0].nodes[2].hostnames.storage"),
        "{err}"
    );
    // Native format, and the model operation.
    let mut m = import_heketi_load(LOAD, &opts).unwrap();
    let mut native: serde_json::Value = serde_json::from_str(&to_native_json(&m)).unwrap();
    let storage = native["nodes"][0]["storage_hostname"].clone();
    native["nodes"][1]["storage_hostname"] = storage.clone();
    let err = from_native_json(&native.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("nodes[1].storage_hostname"), "{err}");
    let mut node = m.nodes().next().unwrap().clone();
    node.id = NodeId::derived(&["another"]);
    node.manage_hostname = "another".into();
    let err = m.add_node(node).unwrap_err();
    assert!(
        matches!(&err, ModelError::SharedAddress { address, .. } if *address == storage.as_str().unwrap()),
        "{err:?}"
    );
}

fn refused(result: Result<Model, ImportError>) -> String {
    result.map(|_| ()).unwrap_err().to_string()
}

/// Issue 15 item 7 (and the zone 0 and `arbiter: requird` of item 16): names and paths are
/// checked at load by the family's one rule set, naming the JSON path.
#[test]
fn names_and_paths_are_checked_at_load_with_their_json_path() {
    let opts = HeketiLoadOptions::with_default_size(ByteSize::tib(1));
    let load = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = load_json();
        edit(&mut doc);
        refused(import_heketi_load(&doc.to_string(), &opts))
    };
    let node = "clusters[0].nodes[0].node";
    let err = load(&|d| {
        d["clusters"][0]["nodes"][0]["node"]["hostnames"]["manage"][0] = "a;reboot".into()
    });
    assert!(
        err.contains(&format!("{node}.hostnames.manage")) && err.contains("hostname"),
        "{err}"
    );
    let err = load(&|d| d["clusters"][0]["nodes"][0]["node"]["zone"] = 0.into());
    assert!(
        err.contains(&format!("{node}.zone")) && err.contains("zone 0"),
        "{err}"
    );
    let err = load(&|d| d["clusters"][0]["nodes"][0]["devices"][0] = "/dev/../etc/passwd".into());
    assert!(
        err.contains("clusters[0].nodes[0].devices[0].name"),
        "{err}"
    );
    let err = load(&|d| {
        d["clusters"][0]["nodes"][0]["devices"][0] =
            serde_json::json!({"name": "/dev/sdb", "tags": {"arbiter": "requird"}})
    });
    assert!(
        err.contains("devices[0].tags.arbiter") && err.contains("requird"),
        "{err}"
    );
    let err =
        load(&|d| d["clusters"][0]["nodes"][0]["node"]["tags"] = serde_json::json!({"a b": "x"}));
    assert!(
        err.contains(&format!("{node}.tags")) && err.contains("tag key"),
        "{err}"
    );

    let info = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = info_json();
        edit(&mut doc);
        refused(import_heketi_info(&doc.to_string()))
    };
    let err = info(&|d| d["clusters"][0]["volumes"][0]["name"] = "-x".into());
    assert!(
        err.contains("clusters[0].volumes[0].name") && err.contains("must not start with -"),
        "{err}"
    );
    let err = info(&|d| d["clusters"][0]["volumes"][0]["bricks"][0]["path"] = "/a/../b".into());
    assert!(err.contains("bricks[0].path"), "{err}");

    let m = import_heketi_info(INFO).unwrap();
    let mut native: serde_json::Value = serde_json::from_str(&to_native_json(&m)).unwrap();
    native["volumes"][0]["name"] = "all".into();
    let err = refused(from_native_json(&native.to_string()));
    assert!(
        err.contains("volumes[0].name") && err.contains("reserved"),
        "{err}"
    );
}

/// Issue 15 item 9: a device size of zero (`--device-size 0`, the C ABI's `"0"`) is refused.
#[test]
fn a_zero_device_size_is_refused() {
    let err = refused(import_heketi_load(
        LOAD,
        &HeketiLoadOptions::with_default_size(ByteSize::ZERO),
    ));
    assert!(
        err.contains("clusters[0].nodes[0].devices[0].size") && err.contains("size 0"),
        "{err}"
    );
}

/// Issue 16: errors say what happened, not a neighbouring variant (a device added with space
/// used is not "used above a total of 0"; a shrink is not a mismatch of brick 0).
#[test]
fn refusals_use_the_variant_that_names_the_cause() {
    let mut m = import_heketi_info(INFO).unwrap();
    let mut device = m.devices().next().unwrap().clone();
    device.id = DeviceId::derived(&["new-device"]);
    device.name = "/dev/sdz".into();
    device.used = ByteSize::gib(1);
    let err = m.add_device(device).unwrap_err();
    assert!(
        matches!(err, ModelError::DeviceNotEmpty { used, .. } if used == ByteSize::gib(1)),
        "{err:?}"
    );
    let v = m.volumes().next().unwrap().clone();
    let smaller = v.size.saturating_sub(ByteSize::b(1));
    let err = m.grow_bricks(v.id, &[], smaller).unwrap_err();
    assert!(
        matches!(err, ModelError::VolumeShrinks { volume, .. } if volume == v.id),
        "{err:?}"
    );
}

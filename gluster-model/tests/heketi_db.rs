//! Importing a `heketi db export` document: entities, sizes, pending operations, and
//! errors that name the path in the export.

use gluster_model::*;
use serde_json::{json, Value};

fn id(prefix: char, n: u32) -> String {
    format!("{prefix}{n:031x}")
}

/// Three nodes in three zones, one 100 GiB device each, one 10 GiB replica-3 volume; with
/// `pending`, a second volume whose creation was interrupted.
fn export(pending: bool) -> Value {
    let cluster = id('c', 1);
    let (brick_kib, md_kib, total_kib) = (10_485_760u64, 53_248u64, 104_857_600u64);
    let mut nodes = serde_json::Map::new();
    let mut devices = serde_json::Map::new();
    let mut bricks = serde_json::Map::new();
    let mut volumes = serde_json::Map::new();
    let mut pending_ops = serde_json::Map::new();
    let vols: Vec<(String, &str)> = if pending {
        vec![(id('a', 1), ""), (id('a', 2), "p")]
    } else {
        vec![(id('a', 1), "")]
    };
    let pending_id = id('e', 1);
    for n in 0..3u32 {
        let (nid, did) = (id('b', n), id('d', n));
        let mut dev_bricks = Vec::new();
        for (v, (vid, p)) in vols.iter().enumerate() {
            let bid = id('f', n * 10 + v as u32);
            dev_bricks.push(json!(bid));
            bricks.insert(bid.clone(), json!({
                "Info": {"id": bid, "path": format!("/var/lib/heketi/mounts/vg_{did}/brick_{bid}/brick"),
                         "device": did, "node": nid, "volume": vid, "size": brick_kib},
                "TpSize": brick_kib, "PoolMetadataSize": md_kib,
                "Pending": {"Id": if p.is_empty() { String::new() } else { pending_id.clone() }},
                "LvmThinPool": format!("tp_{bid}"), "LvmLv": "", "SubType": 1
            }));
        }
        let used = (brick_kib + md_kib) * vols.len() as u64;
        devices.insert(did.clone(), json!({
            "State": "online",
            "Info": {"name": "/dev/sdb", "storage": {"total": total_kib, "free": total_kib - used, "used": used}, "id": did},
            "Bricks": dev_bricks, "NodeId": nid, "ExtentSize": 4096
        }));
        nodes.insert(nid.clone(), json!({
            "State": if n == 2 { "offline" } else { "online" },
            "Info": {"zone": n + 1, "hostnames": {"manage": [format!("node{n}")], "storage": [format!("192.0.2.{}", n + 1)]},
                     "cluster": cluster, "id": nid},
            "Devices": [did]
        }));
    }
    for (v, (vid, p)) in vols.iter().enumerate() {
        let vb: Vec<Value> = (0..3u32)
            .map(|n| json!(id('f', n * 10 + v as u32)))
            .collect();
        volumes.insert(vid.clone(), json!({
            "Info": {"size": 10, "name": format!("vol_{vid}"),
                     "durability": {"type": "replicate", "replicate": {"replica": 3}, "disperse": {"data": 4, "redundancy": 2}},
                     "snapshot": {"enable": false, "factor": 1}, "id": vid, "cluster": cluster,
                     "mount": {"glusterfs": {"hosts": ["192.0.2.1"], "device": "192.0.2.1:x", "options": {}}},
                     "blockinfo": {}},
            "Bricks": vb,
            "GlusterVolumeOptions": ["performance.cache-size 64MB", ""],
            "Pending": {"Id": if p.is_empty() { String::new() } else { pending_id.clone() }}
        }));
    }
    if pending {
        let mut actions = vec![json!({"Change": 2, "Id": id('a', 2)})];
        actions.extend((0..3u32).map(|n| json!({"Change": 1, "Id": id('f', n * 10 + 1)})));
        pending_ops.insert(
            pending_id.clone(),
            json!({"Id": pending_id, "Timestamp": 1, "Type": 1, "Actions": actions}),
        );
    }
    json!({
        "clusterentries": {cluster.clone(): {"Info": {"id": cluster, "nodes": nodes.keys().collect::<Vec<_>>(),
            "volumes": vols.iter().map(|(v, _)| v).collect::<Vec<_>>(), "block": true, "file": true, "blockvolumes": []}}},
        "volumeentries": volumes, "brickentries": bricks, "nodeentries": nodes, "deviceentries": devices,
        "blockvolumeentries": {},
        "dbattributeentries": {"DB_GENERATION_ID": {"Key": "DB_GENERATION_ID", "Value": "x"}},
        "pendingoperations": pending_ops
    })
}

#[test]
fn a_clean_export_becomes_the_same_model() {
    let imported = import_heketi_db(&export(false).to_string()).unwrap();
    let m = &imported.model;
    assert!(imported.pending.is_empty());
    assert_eq!(imported.skipped_block_volumes, 0);
    assert_eq!(m.clusters().len(), 1);
    assert_eq!(m.nodes().len(), 3);
    assert_eq!(m.devices().len(), 3);
    assert_eq!(m.volumes().len(), 1);
    assert_eq!(m.bricks().len(), 3);
    let v = m.volumes().next().unwrap();
    assert_eq!(v.durability, Durability::REPLICA_3);
    assert_eq!(v.size, ByteSize::gib(10));
    assert_eq!(
        v.options,
        vec![("performance.cache-size".to_string(), "64MB".to_string())]
    );
    assert_eq!(v.brick_sets.len(), 1);
    let d = m.devices().next().unwrap();
    assert_eq!(d.total, ByteSize::gib(100));
    assert_eq!(d.used, ByteSize::mib(10 * 1024 + 52));
    let offline = m.node_by_hostname("node2").unwrap();
    assert_eq!(offline.state, EntityState::Offline);
    assert_eq!(offline.zone, Zone(3));
    assert!(m.check().is_empty());
}

#[test]
fn pending_operations_are_reported_and_their_space_stays_taken() {
    let imported = import_heketi_db(&export(true).to_string()).unwrap();
    assert_eq!(imported.model.volumes().len(), 2);
    assert_eq!(imported.pending.len(), 1);
    let p = &imported.pending[0];
    assert_eq!(p.id, id('e', 1));
    assert_eq!(p.kind, 1);
    assert_eq!(p.changes[0], ("add volume".to_string(), id('a', 2)));
    assert_eq!(
        p.changes.iter().filter(|(c, _)| c == "add brick").count(),
        3
    );
    assert!(imported
        .model
        .devices()
        .all(|d| d.used == ByteSize::mib(2 * (10 * 1024 + 52))));
}

#[test]
fn errors_name_the_path_in_the_export() {
    let did = id('d', 1);
    let nid = id('b', 1);
    type Break = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Break, String)> = vec![
        (
            Box::new(|d: &mut Value| {
                d["nodeentries"][id('b', 1)]["Devices"][0] = json!(id('d', 9));
            }),
            format!("nodeentries.{nid}.Devices[0]"),
        ),
        (
            Box::new(|d: &mut Value| {
                d["deviceentries"][id('d', 1)]["Info"]["storage"]["free"] = json!(1);
            }),
            format!("deviceentries.{did}.Info.storage"),
        ),
        (
            Box::new(|d: &mut Value| {
                d["deviceentries"][id('d', 1)]["Info"]["id"] = json!(id('d', 7));
            }),
            format!("deviceentries.{did}.Info.id"),
        ),
        (
            Box::new(|d: &mut Value| {
                d["nodeentries"][id('b', 1)]["Info"]["zone"] = json!("one");
            }),
            format!("nodeentries.{nid}.Info.zone"),
        ),
        (
            Box::new(|d: &mut Value| {
                d["volumeentries"][id('a', 1)]["Pending"]["Id"] = json!(id('e', 5));
            }),
            format!("volumeentries.{}.Pending.Id", id('a', 1)),
        ),
        (
            Box::new(|d: &mut Value| {
                let c = id('c', 1);
                d["clusterentries"][&c]["Info"]["id"] = json!(id('c', 2));
            }),
            format!("clusterentries.{}.Info.id", id('c', 1)),
        ),
        (
            Box::new(|d: &mut Value| {
                d["clusterentries"] = json!([]);
            }),
            "clusterentries".to_string(),
        ),
    ];
    for (break_it, path) in cases {
        let mut doc = export(false);
        break_it(&mut doc);
        let err = import_heketi_db(&doc.to_string())
            .unwrap_err()
            .in_file("heketi-db.json");
        let text = err.to_string();
        assert!(text.starts_with("heketi-db.json: "), "{text}");
        assert!(text.contains(&path), "expected {path} in: {text}");
    }
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for doc in [
        "",
        "{}",
        "[]",
        "{\"clusterentries\":1}",
        "{\"clusterentries\":{\"x\":{}}}",
    ] {
        assert!(import_heketi_db(doc).is_err(), "{doc}");
    }
}

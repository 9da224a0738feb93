//! `gp_cluster_commit` trusts no plan JSON (issue 15 item 5): forged sizes, a brick on a
//! device whose `arbiter` tag forbids its role, names and paths with shell metacharacters
//! are refused with the field named, and the cluster is unchanged.

#![allow(clippy::multiple_unsafe_ops_per_block)]

mod common;

use std::ptr;

use common::*;
use gluster_placement_ffi::*;
use serde_json::{json, Value};

fn export(cluster: *mut gp_cluster) -> String {
    let mut out = ptr::null_mut();
    // SAFETY: live cluster, local out-pointer.
    let rc = unsafe { gp_cluster_export_json(cluster, &mut out) };
    assert_eq!(rc, gp_result::Ok);
    take(out)
}

#[test]
fn forged_plans_are_refused() {
    let cluster = sample_cluster();
    let (rc, made) = plan(cluster, r#"{"name":"vol-a","size":"1000GiB"}"#, 1);
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    let good: Value = serde_json::from_str(&made.unwrap()).unwrap();
    let before = export(cluster);
    // The sample's /dev/sdd disks are arbiter=required; find one on the node of brick 0.
    let (rc, arbiter) = plan(
        cluster,
        r#"{"name":"vol-arb","size":"100GiB","arbiter":true}"#,
        1,
    );
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    let arbiter: Value = serde_json::from_str(&arbiter.unwrap()).unwrap();
    let arb_brick = arbiter["bricks"][2].clone();

    type Forge = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(gp_result, &str, Forge)> = vec![
        // Pool of 1 byte for a 1000 GiB brick.
        (
            gp_result::InvalidPlan,
            "bricks[0].pool_bytes",
            Box::new(|p| p["bricks"][0]["pool_bytes"] = json!(1)),
        ),
        // A 1 PiB brick on a 1 TiB device, consistent in itself.
        (
            gp_result::ModelRefused,
            "bricks need",
            Box::new(|p| {
                let pib: u64 = 1 << 50;
                p["size_bytes"] = json!(pib);
                p["data_brick_bytes"] = json!(pib);
                for b in p["bricks"].as_array_mut().unwrap() {
                    b["size_bytes"] = json!(pib);
                    b["pool_bytes"] = json!(pib);
                    b["metadata_bytes"] = json!(16u64 << 30);
                }
            }),
        ),
        // A data brick on an arbiter=required device.
        (
            gp_result::InvalidPlan,
            "bricks[0].role",
            Box::new(move |p| {
                let b = &mut p["bricks"][0];
                for key in [
                    "node",
                    "node_id",
                    "storage_host",
                    "zone",
                    "device",
                    "device_id",
                ] {
                    b[key] = arb_brick[key].clone();
                }
                let id = b["id"].as_str().unwrap().to_string();
                let dev = arb_brick["device_id"].as_str().unwrap();
                b["path"] = json!(format!("/var/lib/heketi/mounts/vg_{dev}/brick_{id}/brick"));
            }),
        ),
        (
            gp_result::InvalidPlan,
            "volume_name",
            Box::new(|p| p["volume_name"] = json!("v; rm -rf /")),
        ),
        (
            gp_result::InvalidPlan,
            "volume_name",
            Box::new(|p| p["volume_name"] = json!("$(reboot)")),
        ),
        (
            gp_result::InvalidPlan,
            "bricks[1].path",
            Box::new(|p| {
                let path = p["bricks"][1]["path"]
                    .as_str()
                    .unwrap()
                    .replace("/var/lib", "/var/`id`");
                p["bricks"][1]["path"] = json!(path);
            }),
        ),
        (
            gp_result::InvalidPlan,
            "bricks[2].node",
            Box::new(|p| p["bricks"][2]["storage_host"] = json!("h;reboot")),
        ),
    ];
    for (code, field, forge) in cases {
        let mut forged = good.clone();
        forge(&mut forged);
        let rc = commit(cluster, &forged.to_string());
        assert_eq!(rc, code, "{field}: {}", last_message());
        assert!(
            last_message().contains(field),
            "{field}: {}",
            last_message()
        );
        assert_eq!(export(cluster), before, "{field}: refused but changed");
    }
    assert_eq!(
        commit(cluster, &good.to_string()),
        gp_result::Ok,
        "{}",
        last_message()
    );
    assert_eq!(free(cluster), gp_result::Ok);
}

//! Planning, committing and simulating through the C API on the sample topology (six nodes
//! in three zones, two data disks and one arbiter SSD each, 1 TiB devices). These need the
//! placement engine.

#![allow(clippy::multiple_unsafe_ops_per_block)]

mod common;

use std::collections::BTreeSet;
use std::ptr;

use common::*;
use gluster_placement_ffi::*;
use serde_json::Value;

fn parse(plan: &str) -> Value {
    serde_json::from_str(plan).unwrap()
}

fn zones(plan: &Value) -> BTreeSet<u64> {
    plan["bricks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["zone"].as_u64().unwrap())
        .collect()
}

#[test]
fn replica_3_and_arbiter_volumes_go_to_three_zones_and_commit() {
    let cluster = sample_cluster();
    let (rc, r3) = plan(
        cluster,
        r#"{"name":"vol-r3","size":"100GiB","volumetype":"replicate:3","zone_checking":"strict"}"#,
        1,
    );
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    let r3 = r3.unwrap();
    let v = parse(&r3);
    assert_eq!(v["volume_name"], "vol-r3");
    assert_eq!(v["bricks"].as_array().unwrap().len(), 3);
    assert_eq!(zones(&v), BTreeSet::from([1, 2, 3]));
    assert!(v["bricks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["role"] == "data"));
    assert_eq!(commit(cluster, &r3), gp_result::Ok, "{}", last_message());
    // Committing the same plan twice is refused: its volume exists now.
    assert_eq!(commit(cluster, &r3), gp_result::ModelRefused);
    assert!(!last_message().is_empty());

    let (rc, arb) = plan(
        cluster,
        r#"{"name":"vol-arbiter","size":"100GiB","arbiter":true,"zone_checking":"strict"}"#,
        2,
    );
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    let arb = arb.unwrap();
    let v = parse(&arb);
    let bricks = v["bricks"].as_array().unwrap();
    assert_eq!(bricks.len(), 3);
    assert_eq!(zones(&v).len(), 3);
    assert_eq!(bricks[2]["role"], "arbiter");
    assert_eq!(bricks[2]["device"], "/dev/sdd", "the arbiter SSD");
    assert_eq!(commit(cluster, &arb), gp_result::Ok, "{}", last_message());

    // Both volumes are in the exported state.
    let mut out = ptr::null_mut();
    // SAFETY: a live cluster and a local out-pointer.
    let rc = unsafe { gp_cluster_export_json(cluster, &mut out) };
    assert_eq!(rc, gp_result::Ok);
    let state = take(out);
    assert!(state.contains("vol-r3") && state.contains("vol-arbiter"));
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn plans_are_deterministic_under_a_seed() {
    let cluster = sample_cluster();
    let request = r#"{"size":"10GiB","volumetype":"replicate:3"}"#;
    let (_, a) = plan(cluster, request, 7);
    let (_, b) = plan(cluster, request, 7);
    assert!(a.is_some(), "{}", last_message());
    assert_eq!(a, b);
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn an_infeasible_request_explains_itself() {
    let cluster = sample_cluster();
    let (rc, out) = plan(
        cluster,
        r#"{"size":"10GiB","device_tag_match":["media=nvme"]}"#,
        1,
    );
    assert_eq!(rc, gp_result::Infeasible);
    assert!(out.is_none());
    assert_eq!(gp_last_error_code(), gp_result::Infeasible);
    let message = last_message();
    let lines: Vec<&str> = message.lines().collect();
    assert!(
        lines.len() >= 2,
        "a first line, then one reason per line: {message}"
    );
    let reasons = last_reasons();
    let reasons = reasons.as_array().unwrap();
    assert_eq!(reasons.len(), lines.len() - 1);
    assert!(
        reasons
            .iter()
            .any(|r| r["kind"] == "tag_rule" && r["rule"] == "media=nvme"),
        "{reasons:?}"
    );
    assert!(message.contains("media=nvme"), "{message}");

    // Strict zones with two allowed zones cannot hold a replica-3 set.
    let (rc, _) = plan(
        cluster,
        r#"{"size":"10GiB","zone_checking":"strict","allowed_zones":[1,2]}"#,
        1,
    );
    assert_eq!(rc, gp_result::Infeasible, "{}", last_message());
    assert!(!last_reasons().as_array().unwrap().is_empty());
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn simulation_counts_volumes_and_leaves_the_cluster_alone() {
    let cluster = sample_cluster();
    let request = c(r#"{"size":"200GiB","volumetype":"replicate:3"}"#);
    let mut out = ptr::null_mut();
    // SAFETY: a live cluster, a CString and a local out-pointer.
    let rc = unsafe { gp_simulate(cluster, request.as_ptr(), 1, 2, &mut out) };
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    let report: Value = serde_json::from_str(&take(out)).unwrap();
    assert_eq!(report["placed"], 2);

    // Until refusal: 12 data devices of 1 TiB hold five 200 GiB bricks (plus metadata) each,
    // so 20 replica-3 volumes at most.
    let mut out = ptr::null_mut();
    // SAFETY: as above.
    let rc = unsafe { gp_simulate(cluster, request.as_ptr(), 1, 0, &mut out) };
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    let report: Value = serde_json::from_str(&take(out)).unwrap();
    let placed = report["placed"].as_u64().unwrap();
    assert!((2..=20).contains(&placed), "{report}");
    assert!(report["first_refusal"]["reasons"].is_array());

    // The cluster itself has no volume.
    let mut out = ptr::null_mut();
    // SAFETY: as above.
    let rc = unsafe { gp_cluster_export_json(cluster, &mut out) };
    assert_eq!(rc, gp_result::Ok);
    let state: Value = serde_json::from_str(&take(out)).unwrap();
    assert!(
        state["volumes"].as_array().is_none_or(|v| v.is_empty()),
        "{state}"
    );
    assert_eq!(free(cluster), gp_result::Ok);
}

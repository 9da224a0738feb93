//! A brick budget in the request JSON (`brick_budget`, as in `PlacementSettings`) reaches
//! the engine behind the C ABI: plans stay within it and are refused, with the budget
//! named, once every node serves its maximum.

mod common;

use std::collections::BTreeSet;

use common::*;
use gluster_placement_ffi::gp_result;
use serde_json::Value;

/// One brick per node: no multiplexing, one brick process.
const ONE_BRICK: &str = r#"{"multiplex":false,"max_bricks_per_process":250,"max_processes":1}"#;

#[test]
fn a_budget_of_one_brick_per_node_spreads_volumes_then_refuses() {
    let cluster = sample_cluster();
    let mut nodes = BTreeSet::new();
    let mut placed = 0;
    let refused = loop {
        assert!(placed < 100, "the budget never refused a plan");
        let request =
            format!(r#"{{"size":"10GiB","name":"b{placed}","brick_budget":{ONE_BRICK}}}"#);
        let (rc, made) = plan(cluster, &request, placed);
        if rc != gp_result::Ok {
            break rc;
        }
        let made = made.unwrap();
        let p: Value = serde_json::from_str(&made).unwrap();
        for b in p["bricks"].as_array().unwrap() {
            let node = b["node_id"].as_str().unwrap().to_string();
            assert!(nodes.insert(node), "a second brick on one node: {made}");
        }
        assert_eq!(commit(cluster, &made), gp_result::Ok, "{}", last_message());
        placed += 1;
    };
    assert_eq!(refused, gp_result::Infeasible, "{}", last_message());
    assert!(placed >= 1, "no volume fit the budget at all");
    assert!(
        last_message().contains("brick budget"),
        "{}",
        last_message()
    );
    // The refusal is the budget's: the same request without it is placed.
    let (rc, _) = plan(cluster, r#"{"size":"10GiB","name":"free"}"#, 7);
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    // A budget field the settings do not know is an error naming it.
    let (rc, _) = plan(
        cluster,
        r#"{"size":"10GiB","brick_budget":{"max_procs":1}}"#,
        7,
    );
    assert_eq!(rc, gp_result::InvalidRequest);
    assert!(
        last_message().contains("brick_budget"),
        "{}",
        last_message()
    );
    assert_eq!(free(cluster), gp_result::Ok);
}

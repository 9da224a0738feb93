//! The `gluster-plan` program end to end: exit codes, JSON fields scripts rely on, messages.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use serde_json::Value;

const LOAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/heketi-topology-3zones.json"
);
const INFO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/heketi-topology-info-3zones.json"
);

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args(args)
        .output()
        .expect("gluster-plan runs")
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn sets(plan: &Value) -> Vec<Vec<Value>> {
    let bricks = plan["bricks"].as_array().expect("bricks array");
    let n = plan["set_count"].as_u64().expect("set_count") as usize;
    let mut sets = vec![Vec::new(); n];
    for b in bricks {
        sets[b["set"].as_u64().expect("set") as usize].push(b.clone());
    }
    sets
}

#[test]
fn plans_replica3_strict_on_the_built_in_example() {
    let out = run(&[
        "plan",
        "--size",
        "100GiB",
        "--volumetype",
        "replicate:3",
        "--zone-checking",
        "strict",
        "--output",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = stdout_json(&out);
    for set in sets(&plan) {
        assert_eq!(set.len(), 3);
        let zones: BTreeSet<u64> = set.iter().map(|b| b["zone"].as_u64().unwrap()).collect();
        let nodes: BTreeSet<&str> = set.iter().map(|b| b["node"].as_str().unwrap()).collect();
        assert_eq!(zones.len(), 3, "strict zones: {set:?}");
        assert_eq!(nodes.len(), 3);
        for b in &set {
            assert_eq!(b["role"], "data");
            assert!(b["device"].as_str().unwrap().starts_with("/dev/sd"));
            // Data bricks never land on arbiter=required devices (sdd in the example).
            assert_ne!(b["device"], "/dev/sdd");
            assert!(b["size_bytes"].as_u64().unwrap() >= 100 << 30);
        }
    }
}

#[test]
fn arbiter_is_the_third_brick_of_every_set_and_uses_dedicated_devices() {
    let out = run(&[
        "plan",
        "--topology",
        LOAD,
        "--device-size",
        "2TiB",
        "--size",
        "500GiB",
        "--volumetype",
        "replicate:3",
        "--arbiter",
        "--output",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = stdout_json(&out);
    assert_eq!(plan["durability"]["type"], "arbiter");
    for set in sets(&plan) {
        let roles: Vec<&str> = set.iter().map(|b| b["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["data", "data", "arbiter"]);
        assert_eq!(
            set[2]["device"], "/dev/sdd",
            "arbiter goes to the arbiter=required device"
        );
        assert!(set[2]["size_bytes"].as_u64() < set[0]["size_bytes"].as_u64());
    }
}

#[test]
fn plans_on_a_live_heketi_dump() {
    let out = run(&[
        "plan",
        "--topology",
        INFO,
        "--size",
        "20GiB",
        "--volumetype",
        "disperse:4:2",
        "--output",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = stdout_json(&out);
    for set in sets(&plan) {
        assert_eq!(set.len(), 6);
        let nodes: BTreeSet<&str> = set.iter().map(|b| b["node"].as_str().unwrap()).collect();
        assert_eq!(nodes.len(), 6);
    }
}

#[test]
fn same_seed_same_plan_and_table_output_works() {
    let args = [
        "plan",
        "--size",
        "300GiB",
        "--volumetype",
        "replicate:3",
        "--seed",
        "7",
        "--output",
        "json",
    ];
    let a = run(&args);
    let b = run(&args);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    let table = run(&["plan", "--size", "300GiB"]);
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("set") && text.contains("node-z"), "{text}");
}

#[test]
fn infeasible_exits_2_with_reasons() {
    let out = run(&[
        "plan",
        "--size",
        "100GiB",
        "--volumetype",
        "replicate:3",
        "--zone-checking",
        "strict",
        "--device-tag-match",
        "media=nvme",
        "--output",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("media=nvme"), "{stderr}");
    let doc = stdout_json(&out);
    assert_eq!(doc["error"], "infeasible");
    assert!(!doc["reasons"].as_array().unwrap().is_empty());
    assert!(!stderr.to_lowercase().contains("no space"), "{stderr}");
}

#[test]
fn bad_input_exits_1_naming_file_and_field() {
    let out = run(&[
        "plan",
        "--topology",
        "/nonexistent/topology.json",
        "--size",
        "1GiB",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/topology.json"));

    let dir = std::env::temp_dir().join(format!("gluster-plan-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        std::fs::read_to_string(LOAD)
            .unwrap()
            .replacen("\"zone\": 1", "\"zone\": \"x\"", 1),
    )
    .unwrap();
    let out = run(&[
        "plan",
        "--topology",
        bad.to_str().unwrap(),
        "--size",
        "1GiB",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.json") && stderr.contains("clusters[0].nodes[0].node.zone"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let out = run(&["plan", "--size", "1GiB", "--volumetype", "replicate:1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("volumetype"));
    let out = run(&["plan", "--size", "lots"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn simulate_reports_placed_and_devices() {
    let out = run(&[
        "simulate",
        "--size",
        "100GiB",
        "--volumetype",
        "replicate:3",
        "--zone-checking",
        "strict",
        "--output",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = stdout_json(&out);
    let placed = r["placed"].as_u64().unwrap();
    // 12 data devices of 1 TiB in 3 zones: 4 TiB per zone, ~100.5 GiB per brick -> 40 volumes.
    assert!((35..=40).contains(&placed), "placed {placed}");
    assert!(r["first_refusal"]["reasons"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    let devices = r["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 18);
    for d in devices {
        assert!(d["node"].is_string() && d["device"].is_string());
        assert!(d["used_bytes"].as_u64().unwrap() <= d["total_bytes"].as_u64().unwrap());
    }
    let counted = run(&[
        "simulate", "--size", "100GiB", "--count", "3", "--output", "json",
    ]);
    assert_eq!(stdout_json(&counted)["placed"], 3);
}

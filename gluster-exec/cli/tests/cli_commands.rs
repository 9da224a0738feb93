//! `gluster-plan commands`: the dry run of a plan, per host and in order.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args(args)
        .output()
        .expect("gluster-plan runs")
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Every command of the run, in `seq` order: (seq, host, operation, argv joined).
fn flatten(doc: &Value) -> Vec<(u64, String, String, String)> {
    let mut all = Vec::new();
    for host in doc["hosts"].as_array().unwrap() {
        let name = host["host"].as_str().unwrap();
        let mut last = 0;
        for c in host["commands"].as_array().unwrap() {
            let seq = c["seq"].as_u64().unwrap();
            assert!(seq > last, "per-host commands are in run order");
            last = seq;
            let argv: Vec<&str> = c["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            all.push((
                seq,
                name.to_string(),
                c["operation"].as_str().unwrap().to_string(),
                argv.join(" "),
            ));
        }
    }
    all.sort();
    all
}

#[test]
fn lvm_dry_run_of_a_replica3_plan() {
    let doc = json(&["commands", "--size", "100GiB", "--output", "json"]);
    assert_eq!(doc["backend"], "lvm");
    let all = flatten(&doc);
    let seqs: Vec<u64> = all.iter().map(|c| c.0).collect();
    assert_eq!(seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    // 3 bricks on 3 hosts, each with the recipe's commands.
    let brick_hosts: BTreeSet<&str> = all
        .iter()
        .filter(|c| c.2 == "brick_create")
        .map(|c| c.1.as_str())
        .collect();
    assert_eq!(brick_hosts.len(), 3);
    let count = |prefix: &str| all.iter().filter(|c| c.3.starts_with(prefix)).count();
    assert_eq!(
        count("pvcreate --metadatasize=128M --dataalignment=256K /dev/"),
        3
    );
    assert_eq!(count("lvcreate --thin vg_"), 3);
    assert_eq!(count("lvcreate --thin --virtualsize"), 3);
    assert_eq!(count("mkfs.xfs -i size=512 -n size=8192 /dev/vg_"), 3);
    assert_eq!(count("mount -o rw,inode64,noatime,nouuid"), 3);
    // The volume comes after every brick, then it starts.
    let n = all.len();
    assert_eq!(all[n - 1].2, "volume_start");
    let create = all.iter().position(|c| c.2 == "volume_create").unwrap();
    assert!(all[..create].iter().all(|c| c.2 != "volume_start"));
    assert!(all[create + 1..].iter().all(|c| c.2 != "brick_create"));
    assert!(all[create]
        .3
        .starts_with("gluster --mode=script --xml volume create vol_"));
    assert!(all[create].3.contains(" replica 3 "));
}

#[test]
fn directory_dry_run_has_no_lvm() {
    let doc = json(&[
        "commands",
        "--size",
        "20GiB",
        "--volumetype",
        "disperse:4:2",
        "--backend",
        "directory",
        "--brick-mount-root",
        "/bricks",
        "--output",
        "json",
    ]);
    let all = flatten(&doc);
    assert!(all
        .iter()
        .all(|c| !c.3.contains("lvcreate") && !c.3.contains("mkfs")));
    assert_eq!(
        all.iter()
            .filter(|c| c
                .3
                .starts_with("findmnt --noheadings --types xfs --mountpoint /bricks/vg_"))
            .count(),
        6
    );
    assert!(all
        .iter()
        .filter(|c| c.3.starts_with("mkdir -p "))
        .all(|c| c.3.starts_with("mkdir -p /bricks/vg_") && c.3.ends_with("/brick")));
    assert!(all.iter().any(|c| c.3.contains("disperse 6 redundancy 2")));
}

#[test]
fn table_output_groups_by_host_and_infeasible_exits_2() {
    let out = run(&["commands", "--size", "100GiB", "--arbiter"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("host ")).count(),
        3,
        "{text}"
    );
    assert!(text.contains("mkfs.xfs -i size=512,maxpct=100"), "{text}");
    let out = run(&[
        "commands",
        "--size",
        "100GiB",
        "--zone-checking",
        "strict",
        "--device-tag-match",
        "media=nvme",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["commands", "--size", "1GiB", "--brick-mount-root", "rel"]);
    assert_eq!(out.status.code(), Some(1));
}

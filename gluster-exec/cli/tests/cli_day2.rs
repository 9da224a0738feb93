//! `gluster-plan evacuate`, `expand` and `rebalance` on the sample `topology info` dump.

use std::process::{Command, Output};

use serde_json::Value;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/heketi-topology-info-3zones.json"
);

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
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn sample() -> Value {
    serde_json::from_str(&std::fs::read_to_string(SAMPLE).expect("sample")).expect("JSON")
}

#[test]
fn evacuating_a_node_moves_exactly_its_bricks_elsewhere() {
    let doc = sample();
    let node = &doc["clusters"][0]["nodes"][0];
    let host = node["hostnames"]["manage"][0].as_str().unwrap();
    let bricks: usize = node["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["bricks"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(bricks > 0, "the sample's first node holds bricks");
    let plan = json(&[
        "evacuate",
        "--topology",
        SAMPLE,
        "--node",
        host,
        "--output",
        "json",
    ]);
    let steps = plan["steps"].as_array().unwrap();
    assert_eq!(steps.len(), bricks);
    assert!(steps.iter().all(|s| s["new"]["node"] != host));
}

#[test]
fn bad_targets_are_named() {
    let out = run(&["evacuate", "--topology", SAMPLE, "--device", "nohost"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOST:DEVICE"));
    let out = run(&["evacuate", "--topology", SAMPLE, "--node", "ghost"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ghost"));
}

#[test]
fn expand_and_rebalance_print_their_plans() {
    let doc = sample();
    let volume = doc["clusters"][0]["volumes"][0]["name"].as_str().unwrap();
    let plan = json(&[
        "expand",
        "--topology",
        SAMPLE,
        "--volume",
        volume,
        "--size",
        "10GiB",
        "--output",
        "json",
    ]);
    assert!(plan["added_sets"].as_u64().unwrap() >= 1);
    assert_eq!(plan["volume_name"], volume);
    let grown = json(&[
        "expand",
        "--topology",
        SAMPLE,
        "--volume",
        volume,
        "--size",
        "10GiB",
        "--in-place",
        "--output",
        "json",
    ]);
    assert!(grown["new_size"].as_u64().unwrap() > grown["old_size"].as_u64().unwrap());
    let plan = json(&["rebalance", "--topology", SAMPLE, "--output", "json"]);
    assert!(plan["before"].as_f64().unwrap() >= plan["after"].as_f64().unwrap());
    assert!(plan["lower_bound_moves"].is_u64());
}

/// Issue 15 item 3: emptying one zone of a 3-zone cluster of replica-3 volumes can only
/// put bricks in zones their sets use; `--no-degraded` refuses that whatever the zone policy.
#[test]
fn no_degraded_refuses_a_degraded_evacuation_under_every_zone_policy() {
    let plan = json(&[
        "evacuate",
        "--topology",
        SAMPLE,
        "--zone",
        "1",
        "--output",
        "json",
    ]);
    assert!(plan["degraded"].as_u64().unwrap() > 0, "{plan}");
    for policy in ["prefer", "strict"] {
        let out = run(&[
            "evacuate",
            "--topology",
            SAMPLE,
            "--zone",
            "1",
            "--zone-checking",
            policy,
            "--no-degraded",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{policy}: {err}");
        assert!(err.contains("zone"), "{err}");
    }
}

fn table(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Issue 15 item 13: a rebalance cut by `--max-moves` says so; one with no valid move left
/// claims no lower bound for a target it cannot reach.
#[test]
fn rebalance_says_why_it_stopped() {
    let cut = table(&[
        "rebalance",
        "--topology",
        SAMPLE,
        "--target",
        "1.0",
        "--max-moves",
        "1",
    ]);
    let head = cut.lines().next().unwrap();
    assert!(head.contains("stopped at --max-moves 1"), "{head}");
    assert!(!head.contains("no valid move"), "{head}");
    let all = table(&["rebalance", "--topology", SAMPLE, "--target", "1.0"]);
    let head = all.lines().next().unwrap();
    assert!(head.contains("no valid move is left"), "{head}");
    assert!(!head.contains("at least"), "{head}");
    let plan = json(&[
        "rebalance",
        "--topology",
        SAMPLE,
        "--target",
        "1.0",
        "--max-moves",
        "1",
        "--output",
        "json",
    ]);
    assert_eq!(plan["stopped_at_max_moves"], true);
}

/// Issue 15 item 16: the evacuate table is aligned and speaks English ("1 wave", the solver
/// in lower case).
#[test]
fn the_evacuate_table_is_aligned() {
    let doc = sample();
    let host = doc["clusters"][0]["nodes"][0]["hostnames"]["manage"][0]
        .as_str()
        .unwrap()
        .to_string();
    let text = table(&["evacuate", "--topology", SAMPLE, "--node", &host]);
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    assert!(
        !head.contains("1 waves") && !head.contains("Greedy"),
        "{head}"
    );
    let columns: Vec<usize> = lines.map(|l| l.find(" -> ").expect("an arrow")).collect();
    assert!(columns.len() >= 2, "{text}");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
}

/// Issue 15 item 16: expanding past the brick limit is infeasible (exit 2), and the limit
/// is a flag.
#[test]
fn expand_past_the_brick_limit_exits_2() {
    let doc = sample();
    let volume = doc["clusters"][0]["volumes"][0]["name"].as_str().unwrap();
    let out = run(&[
        "expand",
        "--topology",
        SAMPLE,
        "--volume",
        volume,
        "--size",
        "10GiB",
        "--max-bricks",
        "3",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--max-bricks"), "{err}");
}

/// Issue 15 item 15: the progress bars are for a terminal; with stderr piped (as here)
/// the long commands say nothing of their progress.
#[test]
fn long_commands_show_no_progress_when_stderr_is_not_a_terminal() {
    let runs: [&[&str]; 4] = [
        &["simulate", "--size", "10GiB", "--count", "20"],
        &["forecast", "--size", "10GiB", "--limit", "20"],
        &["rebalance", "--topology", SAMPLE],
        &["evacuate", "--topology", SAMPLE, "--zone", "1"],
    ];
    for args in runs {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.code().is_some(), "{args:?}");
        for word in ["volumes (", "moves (", "stages (", "\u{1b}["] {
            assert!(!err.contains(word), "{args:?} printed {word:?}: {err}");
        }
    }
}

/// Issue 16: the rebalance request checks its target (a number of at least 1) and "no
/// limit" is never spelled 0: `--max-moves 0` is refused.
#[test]
fn rebalance_refuses_a_bad_target_and_zero_moves() {
    for args in [
        &["--target", "nan"][..],
        &["--target", "0.5"],
        &["--target", "inf"],
        &["--max-moves", "0"],
    ] {
        let mut all = vec!["rebalance", "--topology", SAMPLE];
        all.extend_from_slice(args);
        let out = run(&all);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(args[0]), "{args:?}: {err}");
    }
}

//! What `gluster-plan` says, and how it survives where its output goes: closed pipes,
//! refusals that name their cause, sizes a reader can read.

use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args(args)
        .output()
        .expect("gluster-plan runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Issue 15 item 11: writing into a closed pipe ends quietly with the command's own status.
/// The pipe's reading end belongs to a `true` that has exited, so every write fails.
#[test]
fn a_closed_pipe_on_stdout_does_not_panic() {
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("true runs");
    let write_end = reader.stdin.take().expect("a pipe");
    reader.wait().expect("true exits");
    let out = Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args(["simulate", "--size", "10GiB", "--count", "3"])
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::piped())
        .output()
        .expect("gluster-plan runs");
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// Issue 15 item 12: on the built-in example, whose `/dev/sdd` disks are `arbiter=required`,
/// refusals name the free space they did not count and why.
#[test]
fn refusals_name_arbiter_only_and_excluded_space() {
    let out = run(&["simulate", "--size", "100GiB"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("6.00 TiB on arbiter-only devices"), "{text}");

    let out = run(&[
        "plan",
        "--size",
        "100GiB",
        "--device-tag-match",
        "media=ssd",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("arbiter-only"), "{err}");
    assert!(
        err.contains("excluded by allowed zones or tag rules"),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let capacity = doc["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "capacity")
        .expect("a capacity reason");
    assert_eq!(capacity["uncounted"]["arbiter_only"], 6u64 << 40);
    assert_eq!(capacity["uncounted"]["excluded"], 12u64 << 40);
}

/// Issue 15 item 9: decimal units are decimal, a bare number is bytes and says so, zero and
/// negative sizes are refused (exit 1).
#[test]
fn sizes_are_read_as_written() {
    let out = run(&["plan", "--size", "10GB", "--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["size_bytes"], 10_000_000_000u64);

    let out = run(&["plan", "--size", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("10 bytes: did you mean 10GiB?"),
        "{}",
        stderr(&out)
    );
    let out = run(&["plan", "--size=-1GiB"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("negative"), "{}", stderr(&out));
    let out = run(&["plan", "--size", "10G"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ambiguous"), "{}", stderr(&out));
    let out = run(&["plan", "--size", "10GiB", "--device-size", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("greater than zero"),
        "{}",
        stderr(&out)
    );
}

const LOAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/heketi-topology-3zones.json"
);

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gluster-plan runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Issue 15 item 16: simulate's count 0 means "until refused" (as the C ABI's); a request
/// that fits not once exits 2.
#[test]
fn simulate_count_zero_and_nothing_placed() {
    let out = run(&[
        "simulate", "--size", "100GiB", "--count", "0", "--output", "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["placed"], 40, "{doc}");
    let out = run(&["simulate", "--size", "10TiB"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Issue 15 item 16: bad numbers of apply are refused; `--output json` prints a bad-input
/// error as JSON too; the arbiter flag's message speaks of the flag.
#[test]
fn bad_flags_are_refused_and_json_errors_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let j = journal.to_str().unwrap();
    let out = run(&[
        "apply",
        "--size",
        "10GiB",
        "--journal",
        j,
        "--host-limit",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(&[
        "apply",
        "--size",
        "10GiB",
        "--journal",
        j,
        "--simulate-failure-at",
        "999",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing failed"), "{}", stderr(&out));

    let out = run(&["plan", "--size", "10GiB", "--name=-bad", "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["error"], "invalid");
    assert!(doc["message"].as_str().unwrap().contains("name"), "{doc}");

    let out = run(&[
        "plan",
        "--size",
        "10GiB",
        "--arbiter",
        "--volumetype",
        "replicate:2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("user.heketi"), "{}", stderr(&out));
}

/// Issue 15 item 16: `--topology -` reads stdin; a byte order mark is skipped; a load file
/// says what size it gave devices; options and gid reach the plan.
#[test]
fn topology_from_stdin_with_a_bom_and_options() {
    let mut text = b"\xef\xbb\xbf".to_vec();
    text.extend(std::fs::read(LOAD).unwrap());
    let out = run_with_stdin(
        &[
            "plan",
            "--topology",
            "-",
            "--size",
            "10GiB",
            "--option",
            "performance.cache-size=64MB",
            "--gid",
            "2000",
            "--output",
            "json",
        ],
        &text,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("every device counts as 1TiB"),
        "{}",
        stderr(&out)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["gid"], 2000);
    assert!(
        plan["options"]
            .to_string()
            .contains("performance.cache-size"),
        "{plan}"
    );
    let out = run(&["plan", "--size", "10GiB", "--option", "a=$(reboot)"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("options[0]"), "{}", stderr(&out));
}

/// Issue 15 item 16: the top-level help describes the program.
#[test]
fn top_level_help_describes_the_program() {
    let out = run(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Plan GlusterFS volumes"), "{text}");
}

/// Issue 15 item 14: tables print sizes with the largest unit and two decimals, and the
/// device table is sorted by zone, node, device.
#[test]
fn tables_print_readable_sizes_sorted_by_zone() {
    let out = run(&["simulate", "--size", "100GiB", "--topology", LOAD]);
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip_while(|l| !l.starts_with("node "))
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 18, "{text}");
    assert!(
        rows.iter().all(|r| r[3] == "1.00" && r[4] == "TiB"),
        "{text}"
    );
    let keys: Vec<(u32, &str, &str)> = rows
        .iter()
        .map(|r| (r[2].parse().unwrap(), r[0], r[1]))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "{text}");
    let plan = run(&["plan", "--size", "10292MiB"]);
    let head = String::from_utf8_lossy(&plan.stdout);
    assert!(head.lines().next().unwrap().contains("10.05 GiB"), "{head}");
}

/// Issue 15 item 15: progress goes to a terminal's stderr only; piped, stderr stays clean
/// (a terminal cannot be had in a test: the spinner itself is not covered here).
#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let out = run(&["simulate", "--size", "100GiB", "--output", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

//! Runs `run-examples.sh` (C example, Python example, valgrind run) against the library this
//! test run built, and checks what the examples print. Needs gcc, python3 and valgrind, and
//! the placement engine. The libraries are built into `target/tmp/ffi-libs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Builds the static and shared libraries and returns the directory that holds them.
fn lib_dir() -> PathBuf {
    // `cargo test` builds only the rlib and holds the lock on the workspace's target
    // directory, so the C libraries are built into a target directory of their own.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ffi-libs");
    let status = Command::new(env!("CARGO"))
        .args(["build", "-p", "gluster-placement-ffi", "--target-dir"])
        .arg(&target)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .status()
        .expect("run cargo build");
    assert!(
        status.success(),
        "cargo build -p gluster-placement-ffi failed"
    );
    target.join("debug")
}

/// Lines of one section of the runner's output (between `== <title>` and the next `==`).
fn section<'a>(out: &'a str, title: &str) -> Vec<&'a str> {
    out.lines()
        .skip_while(|l| *l != format!("== {title}"))
        .skip(1)
        .take_while(|l| !l.starts_with("== "))
        .collect()
}

fn plan_line(lines: &[&str], name: &str) -> Value {
    let prefix = format!("PLAN {name} ");
    let json = lines
        .iter()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} line in {lines:#?}"));
    serde_json::from_str(json).unwrap()
}

fn check_example_output(lines: &[&str], language: &str) {
    let version = format!(
        "VERSION gluster-placement-ffi/{}",
        env!("CARGO_PKG_VERSION")
    );
    assert!(lines.contains(&version.as_str()), "{language}: {lines:#?}");

    let r3 = plan_line(lines, "vol-r3");
    let bricks = r3["bricks"].as_array().unwrap();
    assert_eq!(bricks.len(), 3, "{language}");
    let zones: BTreeSet<u64> = bricks.iter().map(|b| b["zone"].as_u64().unwrap()).collect();
    assert_eq!(zones, BTreeSet::from([1, 2, 3]), "{language}");
    assert!(lines.contains(&"COMMITTED vol-r3"), "{language}");

    let arbiter = plan_line(lines, "vol-arbiter");
    let bricks = arbiter["bricks"].as_array().unwrap();
    assert_eq!(bricks.len(), 3, "{language}");
    assert_eq!(bricks[2]["role"], "arbiter", "{language}");
    assert!(lines.contains(&"COMMITTED vol-arbiter"), "{language}");

    assert!(
        lines.contains(&"FAILED vol-nvme GP_RESULT_INFEASIBLE"),
        "{language}: {lines:#?}"
    );
    let reasons: Value = serde_json::from_str(
        lines
            .iter()
            .skip_while(|l| !l.starts_with("FAILED vol-nvme"))
            .find_map(|l| l.strip_prefix("REASONS "))
            .expect("reasons of vol-nvme"),
    )
    .unwrap();
    assert!(
        reasons
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "tag_rule" && r["rule"] == "media=nvme"),
        "{language}: {reasons}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("MESSAGE ") && l.contains("media=nvme")),
        "{language}"
    );

    assert!(lines.contains(&"FAILED vol-typo GP_RESULT_INVALID_REQUEST"));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("MESSAGE ") && l.contains("unknown field `replicas`")),
        "{language}"
    );
    assert_eq!(lines.last(), Some(&"OK"), "{language}");
}

#[test]
fn the_examples_run_clean_and_print_the_expected_plans() {
    let dir = lib_dir();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("run-examples.sh");
    let output = Command::new("bash")
        .arg(&script)
        .env("GP_NO_BUILD", "1")
        .env("GP_LIB_DIR", &dir)
        .output()
        .expect("run run-examples.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "run-examples.sh failed ({}):\n{stdout}\n{stderr}",
        output.status
    );

    check_example_output(&section(&stdout, "C example"), "C");
    let python = section(&stdout, "Python example");
    check_example_output(&python, "Python");
    assert!(
        python.iter().any(|l| l.starts_with("SIMULATE placed=")),
        "{python:#?}"
    );
    if std::env::var_os("GP_NO_VALGRIND").is_none() {
        assert!(stdout.contains("valgrind: no errors, no leaks"), "{stdout}");
    }
    assert!(stdout.contains("== all examples passed"));
}

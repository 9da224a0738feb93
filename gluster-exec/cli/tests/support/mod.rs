//! Running the built `gluster-plan` and reading its output: what the data-service CLI tests
//! share (each test file uses some of it).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Run the binary with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args(args)
        .output()
        .expect("gluster-plan runs")
}

/// Run it, require exit 0, and return stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run it with `--output json`, require exit 0, and parse stdout.
pub fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--output", "json"]);
    serde_json::from_str(&ok(&all)).expect("stdout is JSON")
}

/// The `commands` of a JSON answer, each argv joined by spaces.
pub fn argvs(doc: &Value) -> Vec<String> {
    doc["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let argv: Vec<&str> = c["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            argv.join(" ")
        })
        .collect()
}

/// `dir/name` as a string argument.
pub fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

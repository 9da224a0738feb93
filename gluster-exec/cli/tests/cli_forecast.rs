//! `gluster-plan forecast`: how many more volumes fit and why the rest is stranded.

use std::process::Command;

use serde_json::Value;

fn forecast(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .arg("forecast")
        .args(args)
        .args(["--output", "json"])
        .output()
        .expect("gluster-plan runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_builtin_example_forecast_adds_up_and_agrees_with_simulate() {
    let doc = forecast(&["--size", "100GiB", "--zone-checking", "strict"]);
    let fits = doc["fits"].as_u64().unwrap();
    assert!(fits > 0);
    assert!(doc["first_refusal"].is_object(), "{doc}");
    let causes = doc["causes"].as_array().unwrap();
    let sum: u64 = causes.iter().map(|c| c["bytes"].as_u64().unwrap()).sum();
    assert_eq!(sum, doc["stranded"].as_u64().unwrap());
    // The built-in example has a device per node tagged arbiter=required.
    assert!(causes.iter().any(|c| c["cause"] == "arbiter_only"), "{doc}");

    let sim = Command::new(env!("CARGO_BIN_EXE_gluster-plan"))
        .args([
            "simulate",
            "--size",
            "100GiB",
            "--zone-checking",
            "strict",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    let sim: Value = serde_json::from_slice(&sim.stdout).unwrap();
    assert_eq!(sim["placed"].as_u64().unwrap(), fits);
}

/// Issue 16: "no limit" has one meaning: `--limit 0` is until refused, as `simulate
/// --count 0` is, and a limit stops there.
#[test]
fn limit_zero_is_until_refused_like_count_zero() {
    let args = ["--size", "100GiB", "--zone-checking", "strict"];
    let unlimited = forecast(&args);
    let zero = forecast(&[&args[..], &["--limit", "0"]].concat());
    assert_eq!(zero["fits"], unlimited["fits"]);
    assert!(unlimited["fits"].as_u64().unwrap() > 2);
    let two = forecast(&[&args[..], &["--limit", "2"]].concat());
    assert_eq!(two["fits"], 2);
}

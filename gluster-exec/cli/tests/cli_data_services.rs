//! `gluster-plan snapshot`, `subvolume` and `resync`, run as the built binary and chained
//! through `--save`: what each decides, the commands it prints, and its refusals.

mod support;

use support::{argvs, json, p, run};

use serde_json::Value;

/// A subvolume on the built-in example plans its hosting volume first; a snapshot of it is
/// charged and printed as `snapshot create ... no-timestamp` and `activate`; a clone
/// restores it; a further snapshot the pools cannot carry is refused (exit 2).
#[test]
fn cli_snapshot_create_clone_delete_and_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let s1 = p(dir.path(), "s1.json");
    let doc = json(&[
        "subvolume",
        "create",
        "--name",
        "pvc-1",
        "--size",
        "1GiB",
        "--snapshot-factor",
        "1.5",
        "--save",
        &s1,
    ]);
    assert_eq!(doc["result"]["hosting_volume"], "subvols_1");
    let s2 = p(dir.path(), "s2.json");
    let doc = json(&[
        "snapshot",
        "create",
        "--topology",
        &s1,
        "--volume",
        "subvols_1",
        "--name",
        "snap1",
        "--data-used",
        "10GiB",
        "--save",
        &s2,
    ]);
    let cmds = argvs(&doc);
    assert!(
        cmds[0].ends_with("snapshot create snap1 subvols_1 no-timestamp"),
        "{cmds:?}"
    );
    assert!(cmds[1].ends_with("snapshot activate snap1"), "{cmds:?}");
    for c in doc["result"]["snapshot"]["charges"].as_array().unwrap() {
        assert_eq!(c[1], 10u64 << 30);
    }
    let s3 = p(dir.path(), "s3.json");
    let doc = json(&[
        "snapshot",
        "clone",
        "--topology",
        &s2,
        "--snapshot",
        "snap1",
        "--name",
        "restored",
        "--data-used",
        "10GiB",
        "--save",
        &s3,
    ]);
    assert!(argvs(&doc)[0].ends_with("snapshot clone restored snap1"));
    let saved = std::fs::read_to_string(&s3).unwrap();
    assert!(saved.contains("\"restored\"") && saved.contains("\"clones\""));
    // Unmeasured bricks count as full: 512 GiB each, more than the reserve left.
    let out = run(&[
        "snapshot",
        "create",
        "--topology",
        &s3,
        "--volume",
        "subvols_1",
        "--name",
        "snap2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("snapshot snap2") && err.contains("snapshot reserve"),
        "{err}"
    );
    let doc = json(&["snapshot", "delete", "--topology", &s3, "--name", "snap1"]);
    assert!(argvs(&doc)[1].ends_with("snapshot delete snap1"));
    // Deleting an unknown snapshot is bad input.
    assert_eq!(
        run(&["snapshot", "delete", "--topology", &s3, "--name", "nope"])
            .status
            .code(),
        Some(1)
    );
}

/// Subvolumes: quota commands, expand within the ratio, a refused expansion (exit 2),
/// clone with its own quota, delete removing the quota before the directory.
#[test]
fn cli_subvolume_create_expand_clone_delete() {
    let dir = tempfile::tempdir().unwrap();
    let s1 = p(dir.path(), "s1.json");
    let doc = json(&[
        "subvolume",
        "create",
        "--name",
        "pvc-1",
        "--size",
        "600GiB",
        "--save",
        &s1,
    ]);
    let cmds = argvs(&doc);
    assert!(
        cmds.iter()
            .any(|c| c.ends_with("volume quota subvols_1 enable")),
        "{cmds:?}"
    );
    assert!(
        cmds.last()
            .unwrap()
            .ends_with("limit-usage /pvc-1 644245094400"),
        "{cmds:?}"
    );
    let s2 = p(dir.path(), "s2.json");
    json(&[
        "subvolume",
        "expand",
        "--topology",
        &s1,
        "--name",
        "pvc-1",
        "--size",
        "700GiB",
        "--save",
        &s2,
    ]);
    let out = run(&[
        "subvolume",
        "expand",
        "--topology",
        &s2,
        "--name",
        "pvc-1",
        "--size",
        "2TiB",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("over-commit"));
    // 700 GiB of 1 TiB committed: a clone of it does not fit at 100 %, it does at 200 %.
    let out = run(&[
        "subvolume",
        "clone",
        "--topology",
        &s2,
        "--source",
        "pvc-1",
        "--name",
        "pvc-2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let s3 = p(dir.path(), "s3.json");
    let doc = json(&[
        "subvolume",
        "create",
        "--topology",
        &s2,
        "--name",
        "pvc-3",
        "--size",
        "100GiB",
        "--save",
        &s3,
    ]);
    assert_eq!(doc["result"]["hosting_volume"], "subvols_1");
    let doc = json(&["subvolume", "delete", "--topology", &s3, "--name", "pvc-3"]);
    let cmds = argvs(&doc);
    assert!(
        cmds[0].contains("quota subvols_1 remove /pvc-3"),
        "{cmds:?}"
    );
}

/// Resync: a grown device is recorded at its new size; one shrunk below its bricks is
/// refused naming the device.
#[test]
fn cli_resync_grown_and_shrunk_device() {
    let dir = tempfile::tempdir().unwrap();
    let s1 = p(dir.path(), "s1.json");
    json(&[
        "subvolume",
        "create",
        "--name",
        "pvc-1",
        "--size",
        "1GiB",
        "--save",
        &s1,
    ]);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&s1).unwrap()).unwrap();
    let brick = &saved["bricks"][0];
    let dev = saved["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == brick["device"])
        .unwrap();
    let node = saved["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == dev["node"])
        .unwrap();
    let spec = format!(
        "{}:{}",
        node["manage_hostname"].as_str().unwrap(),
        dev["name"].as_str().unwrap()
    );
    let s2 = p(dir.path(), "s2.json");
    let doc = json(&[
        "resync",
        "--topology",
        &s1,
        "--device",
        &spec,
        "--size",
        "2TiB",
        "--save",
        &s2,
    ]);
    assert_eq!(doc["result"]["to"], 2u64 << 40);
    let grown = std::fs::read_to_string(&s2).unwrap();
    assert!(grown.contains(&(2u64 << 40).to_string()));
    let out = run(&[
        "resync",
        "--topology",
        &s2,
        "--device",
        &spec,
        "--size",
        "1GiB",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shrank"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

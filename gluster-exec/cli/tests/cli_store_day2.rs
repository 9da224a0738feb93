//! `recover`, `expand` and `evacuate` with `--store`: recovery of what a crashed run left
//! pending, an expansion kept for the next run, and day-2 plans on the stored state.

mod common;
use common::leave_a_create_pending;

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gluster-plan");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("gluster-plan runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    let text = stdout(o);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text} / {}", stderr(o)))
}

/// The devices' used bytes, the stored volumes (name, size, bricks) and the pending
/// operations, read while no gluster-plan holds the file.
fn stored(path: &Path) -> (u64, Vec<(String, u64, usize)>, usize) {
    use gluster_store::{Kind, RedbStore, Store};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = RedbStore::open(path).await.unwrap();
        let used = store
            .list(Kind::Device)
            .await
            .unwrap()
            .iter()
            .map(|e| {
                serde_json::from_slice::<gluster_model::Device>(&e.value)
                    .unwrap()
                    .used
                    .bytes()
            })
            .sum();
        let mut volumes: Vec<(String, u64, usize)> = store
            .list(Kind::Volume)
            .await
            .unwrap()
            .iter()
            .map(|e| {
                let v: gluster_model::Volume = serde_json::from_slice(&e.value).unwrap();
                let bricks = v.brick_sets.iter().map(|s| s.len()).sum();
                (v.name, v.size.bytes(), bricks)
            })
            .collect();
        volumes.sort();
        (
            used,
            volumes,
            store.list(Kind::Pending).await.unwrap().len(),
        )
    })
}

fn imported(dir: &Path) -> std::path::PathBuf {
    let store = dir.join("state.redb");
    let out = run(&["import", "--store", store.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    store
}

#[test]
fn recover_store_rolls_back_a_create_left_pending_then_has_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let store = imported(dir.path());
    let s = store.to_str().unwrap();
    leave_a_create_pending(&store);
    let (used, volumes, pending) = stored(&store);
    assert!(used > 0 && volumes.len() == 1 && pending == 1, "reserved");

    let out = run(&["recover", "--store", s]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("left-pending") && stdout(&out).contains("rolled back"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        stored(&store),
        (0, vec![], 0),
        "nothing reserved or pending"
    );

    let again = run(&["recover", "--store", s]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(stdout(&again).is_empty(), "{}", stdout(&again));
    assert!(stderr(&again).contains("nothing to recover"));
}

#[test]
fn recover_store_finish_completes_the_create_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = imported(dir.path());
    leave_a_create_pending(&store);
    let (used, _, _) = stored(&store);

    let out = run(&["recover", "--store", store.to_str().unwrap(), "--finish"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("finished"), "{}", stdout(&out));
    let (after, volumes, pending) = stored(&store);
    assert_eq!((after, pending), (used, 0));
    assert_eq!(volumes.len(), 1);
}

#[test]
fn recover_store_refuses_a_journal_or_topology_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = imported(dir.path());
    let s = store.to_str().unwrap();
    for extra in [["--journal", "j.log"], ["--topology", "t.json"]] {
        let mut args = vec!["recover", "--store", s];
        args.extend(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn expand_store_apply_grows_the_stored_volume_and_a_plan_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = imported(dir.path());
    let s = store.to_str().unwrap();
    let made = run(&[
        "apply", "--store", s, "--size", "10GiB", "--name", "alpha", "--output", "json",
    ]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let (used_one, volumes, _) = stored(&store);
    assert_eq!(volumes.len(), 1);
    let (_, size_one, bricks_one) = volumes[0].clone();

    // A plan alone changes nothing.
    let plan = run(&[
        "expand", "--store", s, "--volume", "alpha", "--size", "10GiB", "--output", "json",
    ]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert_eq!(json(&plan)["volume_name"], "alpha");
    assert_eq!(stored(&store).0, used_one);

    // A host call fails: rolled back (exit 3), nothing taken.
    let failed = run(&[
        "expand",
        "--store",
        s,
        "--volume",
        "alpha",
        "--size",
        "10GiB",
        "--apply",
        "--simulate-failure-at",
        "2",
    ]);
    assert_eq!(failed.status.code(), Some(3), "{}", stderr(&failed));
    assert_eq!(stored(&store), (used_one, volumes.clone(), 0));

    let grown = run(&[
        "expand", "--store", s, "--volume", "alpha", "--size", "10GiB", "--apply", "--output",
        "json",
    ]);
    assert_eq!(grown.status.code(), Some(0), "{}", stderr(&grown));
    let grown = json(&grown);
    let (used_two, volumes, pending) = stored(&store);
    assert_eq!(pending, 0);
    let (_, size_two, bricks_two) = volumes[0].clone();
    assert_eq!(grown["size"], size_two);
    assert!(
        size_two >= size_one + 10 * (1 << 30),
        "{size_one} -> {size_two}"
    );
    assert_eq!(bricks_two, 2 * bricks_one, "one more set");
    assert!(used_two > used_one);

    // The next run sees the grown volume: a plan now adds to the larger volume.
    let refused = run(&[
        "expand", "--store", s, "--volume", "alpha", "--size", "1PiB", "--apply",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_eq!(stored(&store), (used_two, volumes, 0), "nothing taken");

    let missing = run(&[
        "expand", "--store", s, "--volume", "nope", "--size", "1GiB", "--apply",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no volume named"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn expand_apply_needs_a_store() {
    let out = run(&["expand", "--volume", "v", "--size", "1GiB", "--apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--store"), "{}", stderr(&out));
}

#[test]
fn evacuate_store_plans_on_the_stored_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let store = imported(dir.path());
    let s = store.to_str().unwrap();
    let host = "node-z1-0.storage.example";
    let empty = run(&["evacuate", "--store", s, "--node", host, "--output", "json"]);
    assert_eq!(empty.status.code(), Some(0), "{}", stderr(&empty));
    assert_eq!(json(&empty)["steps"].as_array().map(Vec::len), Some(0));
    for name in ["a", "b", "c"] {
        let made = run(&["apply", "--store", s, "--size", "10GiB", "--name", name]);
        assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    }
    let out = run(&["evacuate", "--store", s, "--node", host, "--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let steps = json(&out)["steps"].as_array().cloned().unwrap_or_default();
    assert!(
        !steps.is_empty(),
        "the stored volumes have bricks on {host}"
    );
    for step in &steps {
        assert_ne!(step["new"]["node"], step["old"]["node"]);
    }
}

#[test]
fn evacuate_store_apply_moves_the_bricks_and_keeps_them_moved() {
    let dir = tempfile::tempdir().unwrap();
    let store = imported(dir.path());
    let s = store.to_str().unwrap();
    let host = "node-z1-0.storage.example";
    for name in ["a", "b", "c"] {
        let made = run(&["apply", "--store", s, "--size", "10GiB", "--name", name]);
        assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    }
    let before = stored(&store);
    let planned = |s: &str| {
        let out = run(&["evacuate", "--store", s, "--node", host, "--output", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        json(&out)["steps"].as_array().map_or(0, Vec::len)
    };
    let steps = planned(s);
    assert!(steps > 0, "the volumes have bricks on {host}");

    // A host call fails on the first step: rolled back (exit 3), nothing left pending.
    let failed = run(&[
        "evacuate",
        "--store",
        s,
        "--node",
        host,
        "--apply",
        "--simulate-failure-at",
        "1",
    ]);
    assert_eq!(failed.status.code(), Some(3), "{}", stderr(&failed));
    assert!(stderr(&failed).contains("0 of"), "{}", stderr(&failed));
    assert_eq!(stored(&store), before);
    assert_eq!(planned(s), steps, "nothing moved");

    let out = run(&[
        "evacuate", "--store", s, "--node", host, "--apply", "--output", "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["steps"].as_array().map(Vec::len), Some(steps));
    // Same volumes and space (a moved brick has its old one's size), nothing pending.
    assert_eq!(stored(&store), before);
    // The next run reads the moved bricks: nothing left on the node, and a new volume
    // does not land on it (its devices are offline).
    assert_eq!(planned(s), 0);
    let made = run(&["apply", "--store", s, "--size", "10GiB", "--name", "d"]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    assert_eq!(planned(s), 0);
}

#[test]
fn evacuate_apply_needs_a_store() {
    let out = run(&["evacuate", "--node", "n", "--apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--store"), "{}", stderr(&out));
}

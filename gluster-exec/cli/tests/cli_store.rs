//! `gluster-plan import --store`, then `plan` and `apply` with `--store`: the state is
//! kept between runs (a retried apply with the same `--name` answers the same volume).

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

fn json(o: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text} / {}", stderr(o)))
}

/// The stored volumes' names, the devices' used bytes, and the pending operations.
fn stored(path: &Path) -> (Vec<String>, u64, usize) {
    use gluster_store::{Kind, RedbStore, Store};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = RedbStore::open(path).await.unwrap();
        let mut names: Vec<String> = store
            .list(Kind::Volume)
            .await
            .unwrap()
            .iter()
            .map(|e| {
                serde_json::from_slice::<gluster_model::Volume>(&e.value)
                    .unwrap()
                    .name
            })
            .collect();
        names.sort();
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
        (names, used, store.list(Kind::Pending).await.unwrap().len())
    })
}

#[test]
fn import_then_apply_and_plan_keep_state_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("state.redb");
    let s = store.to_str().unwrap();

    let imported = run(&["import", "--store", s]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    assert!(stderr(&imported).contains("imported 1 cluster(s)"));
    let again = run(&["import", "--store", s]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already holds 1 cluster(s)"),
        "{}",
        stderr(&again)
    );
    assert_eq!(stored(&store), (vec![], 0, 0));

    let apply = |name: &str| {
        run(&[
            "apply", "--store", s, "--size", "10GiB", "--name", name, "--output", "json",
        ])
    };
    let a = apply("alpha");
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let a = json(&a);
    assert_eq!(a["new"], true);
    assert_eq!(a["name"], "alpha");
    let (names, used_one, _) = stored(&store);
    assert_eq!(names, vec!["alpha"]);
    assert!(used_one > 0);

    // The same request again: the same volume, nothing more reserved.
    let retried = apply("alpha");
    assert_eq!(retried.status.code(), Some(0), "{}", stderr(&retried));
    let retried = json(&retried);
    assert_eq!(retried["new"], false);
    assert_eq!(retried["volume"], a["volume"]);
    assert_eq!(stored(&store).1, used_one);

    let b = apply("beta");
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_ne!(json(&b)["volume"], a["volume"]);
    let (names, used_two, pending) = stored(&store);
    assert_eq!(names, vec!["alpha", "beta"]);
    assert_eq!(used_two, 2 * used_one);
    assert_eq!(pending, 0);

    // plan reads the stored state: the same name is taken now.
    let plan = run(&["plan", "--store", s, "--size", "10GiB", "--output", "json"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let refused = run(&["apply", "--store", s, "--size", "1PiB", "--output", "json"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_eq!(
        stored(&store),
        (vec!["alpha".into(), "beta".into()], used_two, 0)
    );

    let both = run(&["plan", "--store", s, "--topology", s, "--size", "1GiB"]);
    assert_eq!(both.status.code(), Some(1));
}

#[test]
fn plan_on_a_store_that_is_not_one_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("state.redb");
    std::fs::write(&store, b"garbage, not redb").unwrap();
    let out = run(&["plan", "--store", store.to_str().unwrap(), "--size", "1GiB"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(store.to_str().unwrap()),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

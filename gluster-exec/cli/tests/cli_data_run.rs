//! `--run`: the data-service commands carried out on the hosts through `--transport`
//! (here the simulated hosts, rebuilt from the topology), the state saved only after.

use std::path::Path;
mod support;

use support::{ok, p, run};

#[test]
fn cli_snapshot_and_subvolume_run_on_the_simulated_transport() {
    let dir = tempfile::tempdir().unwrap();
    let s1 = p(dir.path(), "s1.json");
    // A new hosting volume must be applied first: --run says so, and saves nothing.
    let first = ["subvolume", "create", "--name", "pvc-1", "--size", "1GiB"];
    let out = run(&[
        &first[..],
        &["--snapshot-factor", "1.5", "--run", "--save", &s1],
    ]
    .concat());
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must exist first"));
    assert!(!Path::new(&s1).exists());
    ok(&[&first[..], &["--snapshot-factor", "1.5", "--save", &s1]].concat());

    // Into the existing hosting volume: carried out on hosts rebuilt from s1.
    let s2 = p(dir.path(), "s2.json");
    let out = ok(&[
        "subvolume",
        "create",
        "--topology",
        &s1,
        "--name",
        "pvc-2",
        "--size",
        "1GiB",
        "--run",
        "--save",
        &s2,
    ]);
    assert!(
        out.contains("carried out on the hosts (--transport simulated)"),
        "{out}"
    );
    assert!(out.contains("commands (carried out):"), "{out}");
    let out = ok(&[
        "subvolume",
        "expand",
        "--topology",
        &s2,
        "--name",
        "pvc-2",
        "--size",
        "2GiB",
        "--run",
    ]);
    assert!(out.contains("carried out"), "{out}");

    // Snapshot, then a clone of it from the saved state (the hosts get the snapshot back).
    let s3 = p(dir.path(), "s3.json");
    ok(&[
        "snapshot",
        "create",
        "--topology",
        &s2,
        "--volume",
        "subvols_1",
        "--name",
        "snap1",
        "--data-used",
        "10GiB",
        "--run",
        "--save",
        &s3,
    ]);
    let out = ok(&[
        "snapshot",
        "clone",
        "--topology",
        &s3,
        "--snapshot",
        "snap1",
        "--name",
        "restored",
        "--data-used",
        "10GiB",
        "--run",
    ]);
    assert!(out.contains("carried out"), "{out}");
    ok(&[
        "snapshot",
        "delete",
        "--topology",
        &s3,
        "--name",
        "snap1",
        "--run",
    ]);

    // A failure on the hosts is reported and nothing is saved.
    let s4 = p(dir.path(), "s4.json");
    let out = run(&[
        "subvolume",
        "delete",
        "--topology",
        &s2,
        "--name",
        "pvc-2",
        "--run",
        "--simulate-failure-at",
        "1",
        "--save",
        &s4,
    ]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("on the hosts") && err.contains("nothing saved"),
        "{err}"
    );
    assert!(!Path::new(&s4).exists());
}

//! `resync` renders the re-read of the chosen brick backend, and without `--size` re-reads
//! the device on its host through `--transport` (here the simulated hosts).

mod support;

use support::{argvs, json, run};

const DEVICE: &str = "node-z1-0.storage.example:/dev/sdb";

#[test]
fn cli_resync_renders_the_backend_s_reread() {
    let lvm = json(&["resync", "--device", DEVICE, "--size", "2TiB"]);
    let cmds = argvs(&lvm);
    assert!(cmds[0].starts_with("pvresize /dev/sdb"), "{cmds:?}");
    assert!(cmds[1].starts_with("vgs "), "{cmds:?}");
    let dir = json(&[
        "resync",
        "--device",
        DEVICE,
        "--size",
        "2TiB",
        "--backend",
        "directory",
        "--brick-mount-root",
        "/srv/bricks",
    ]);
    let cmds = argvs(&dir);
    assert!(cmds[0].starts_with("xfs_growfs /srv/bricks/"), "{cmds:?}");
    assert!(cmds[1].starts_with("stat --file-system"), "{cmds:?}");
    assert!(
        cmds.iter()
            .all(|c| !c.contains("pvresize") && !c.contains("vgs")),
        "{cmds:?}"
    );
    assert_eq!(dir["result"]["to"], 2u64 << 40);
    assert_eq!(dir["result"]["reread"], false);
}

#[test]
fn cli_resync_without_a_size_rereads_through_the_transport() {
    for backend in ["lvm", "directory"] {
        let doc = json(&["resync", "--device", DEVICE, "--backend", backend]);
        assert_eq!(doc["result"]["reread"], true, "{doc}");
        // The simulated hosts hold the device at the size the topology says.
        assert_eq!(doc["result"]["to"], doc["result"]["from"], "{doc}");
        assert!(doc["result"]["to"].as_u64().unwrap() > 0);
    }
    // A failed re-read is reported and changes nothing.
    let out = run(&["resync", "--device", DEVICE, "--simulate-failure-at", "1"]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("resync node-z1-0.storage.example:/dev/sdb"),
        "{err}"
    );
    // ssh needs nothing more than apply's flags; a node that does not resolve fails clearly.
    let out = run(&[
        "resync",
        "--device",
        DEVICE,
        "--transport",
        "ssh",
        "--ssh-control-dir",
        std::env::temp_dir().to_str().unwrap(),
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("resync"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

//! The gluster XML parsers on real answers captured from glusterd 10.3
//! (tests/fixtures/gluster-xml, see its README).

use gluster_exec::ops::VolumeStatus;
use gluster_exec::xml::{
    parse_cli_output, parse_heal_info, parse_peer_status, parse_volume_info, parse_volume_list,
    XmlError,
};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/gluster-xml/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn failed(name: &str) -> (i32, i32, String) {
    let out = parse_cli_output(&fixture(name)).unwrap();
    assert!(!out.success(), "{name} should be a failure");
    match out.check() {
        Err(XmlError::Failed {
            op_ret,
            op_errno,
            message,
        }) => (op_ret, op_errno, message),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn every_fixture_parses_its_outcome() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gluster-xml");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let out = parse_cli_output(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(out.success(), !name.contains("-fail"), "{name}");
            n += 1;
        }
    }
    assert!(n >= 50, "only {n} fixtures");
}

#[test]
fn successes_with_messages_and_errnos() {
    let replaced = parse_cli_output(&fixture("volume-replace-brick.xml")).unwrap();
    assert!(replaced.success());
    assert_eq!(
        replaced.op_errstr,
        "replace-brick commit force operation successful"
    );
    let again = parse_cli_output(&fixture("peer-probe-already-in-cluster.xml")).unwrap();
    assert!(again.success());
    assert_eq!(again.op_errno, 2);
    assert_eq!(
        again.output.as_deref(),
        Some("Host 198.51.100.12 port 24007 already in peer list")
    );
    assert!(parse_cli_output(&fixture("peer-probe-localhost.xml"))
        .unwrap()
        .success());
}

#[test]
fn failures_keep_ret_errno_and_message() {
    assert_eq!(
        failed("volume-create-fail-exists.xml"),
        (-1, 0, "Volume rep3 already exists".into())
    );
    assert_eq!(
        failed("peer-probe-fail-unreachable.xml"),
        (
            -1,
            107,
            "Probe returned with Transport endpoint is not connected".into()
        )
    );
    let (ret, errno, msg) = failed("peer-detach-fail-has-bricks.xml");
    assert_eq!((ret, errno), (1, 3));
    assert!(msg.starts_with("Peer 198.51.100.15 hosts one or more bricks"));
    let (_, errno, msg) = failed("volume-set-fail-unknown-option.xml");
    assert_eq!(errno, 30800);
    assert!(
        msg.contains("no.such.option does not exist\nDid you mean"),
        "{msg}"
    );
    assert_eq!(
        failed("volume-start-fail-already-started.xml").2,
        "Volume rep3 already started"
    );
    assert_eq!(
        failed("volume-heal-info-fail-missing.xml"),
        (-1, 2, "Volume nosuchvol does not exist".into())
    );
    assert!(failed("volume-create-fail-missing-parent-dir.xml")
        .2
        .contains("Failed to create brick directory"));
}

#[test]
fn volume_info_replica3_arbiter_disperse_distribute() {
    let rep3 = parse_volume_info(&fixture("volume-info-replica3.xml")).unwrap();
    assert_eq!(rep3.len(), 1);
    let v = &rep3[0];
    assert_eq!(
        (v.name.as_str(), v.status, v.type_name.as_str()),
        ("rep3", VolumeStatus::Started, "Replicate")
    );
    assert_eq!((v.replica_count, v.arbiter_count), (3, 0));
    let hosts: Vec<String> = v.bricks.iter().map(|b| b.address.to_string()).collect();
    assert_eq!(
        hosts,
        [
            "198.51.100.10:/bricks/d0/rep3/brick",
            "198.51.100.11:/bricks/d0/rep3/brick",
            "198.51.100.12:/bricks/d0/rep3/brick"
        ]
    );
    assert!(v.bricks.iter().all(|b| !b.arbiter));

    let created = parse_volume_info(&fixture("volume-info-replica3-created.xml")).unwrap();
    assert_eq!(created[0].status, VolumeStatus::Created);

    let arb = &parse_volume_info(&fixture("volume-info-arbiter.xml")).unwrap()[0];
    assert_eq!((arb.replica_count, arb.arbiter_count), (3, 1));
    let arbiters: Vec<bool> = arb.bricks.iter().map(|b| b.arbiter).collect();
    assert_eq!(arbiters, [false, false, true]);
    assert!(arb
        .options
        .contains(&("nfs.disable".to_string(), "on".to_string())));
    assert_eq!(arb.options.len(), 5);

    let disp = &parse_volume_info(&fixture("volume-info-disperse.xml")).unwrap()[0];
    assert_eq!(
        (
            disp.disperse_count,
            disp.redundancy_count,
            disp.bricks.len()
        ),
        (6, 2, 6)
    );
    assert_eq!(disp.type_name, "Disperse");

    let dist = &parse_volume_info(&fixture("volume-info-distribute.xml")).unwrap()[0];
    assert_eq!((dist.replica_count, dist.bricks.len()), (1, 2));
    assert_eq!(dist.status, VolumeStatus::Created);

    let two_sets = &parse_volume_info(&fixture("volume-info-replica3-2x3.xml")).unwrap()[0];
    assert_eq!(two_sets.bricks.len(), 6);
    assert_eq!(two_sets.type_name, "Distributed-Replicate");

    let all = parse_volume_info(&fixture("volume-info-all.xml")).unwrap();
    let names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["arb", "disp", "dist", "rep3"]);
}

#[test]
fn volume_info_of_a_missing_volume_is_a_failure() {
    let err = parse_volume_info(&fixture("volume-info-fail-missing.xml")).unwrap_err();
    assert_eq!(
        err,
        XmlError::Failed {
            op_ret: -1,
            op_errno: 30806,
            message: "Volume does not exist".into()
        }
    );
}

#[test]
fn heal_info_clean_pending_and_node_down() {
    let clean = parse_heal_info(&fixture("volume-heal-info-clean.xml")).unwrap();
    assert_eq!(clean.bricks.len(), 3);
    assert!(clean.is_healed());

    let down = parse_heal_info(&fixture("volume-heal-info-entries-node-down.xml")).unwrap();
    let state: Vec<(bool, Option<u64>)> = down
        .bricks
        .iter()
        .map(|b| (b.connected, b.pending))
        .collect();
    assert_eq!(state, [(true, Some(6)), (true, Some(6)), (false, None)]);
    assert!(!down.is_healed());
    assert_eq!(down.bricks[2].address.host, "198.51.100.12");

    let summary = parse_heal_info(&fixture("volume-heal-info-summary-node-down.xml")).unwrap();
    assert_eq!(summary.bricks[0].pending, Some(6));
    assert!(!summary.bricks[2].connected);

    assert!(parse_heal_info(&fixture("volume-heal-info-healed.xml"))
        .unwrap()
        .is_healed());
    assert!(matches!(
        parse_heal_info(&fixture("volume-heal-info-fail-missing.xml")),
        Err(XmlError::Failed { op_errno: 2, .. })
    ));
}

#[test]
fn peer_status_pool_list_and_volume_list() {
    let peers = parse_peer_status(&fixture("peer-status.xml")).unwrap();
    assert_eq!(peers.len(), 5);
    assert!(peers.iter().all(|p| p.connected));
    assert_eq!(peers[0].state.as_deref(), Some("Peer in Cluster"));

    let down = parse_peer_status(&fixture("peer-status-node-down.xml")).unwrap();
    let disconnected: Vec<&str> = down
        .iter()
        .filter(|p| !p.connected)
        .map(|p| p.hostname.as_str())
        .collect();
    assert_eq!(disconnected, ["198.51.100.12"]);

    let pool = parse_peer_status(&fixture("pool-list.xml")).unwrap();
    assert_eq!(pool.len(), 6);
    let local = pool.last().unwrap();
    assert_eq!(
        (local.hostname.as_str(), local.state.as_deref()),
        ("localhost", None)
    );
    assert!(local.hostnames.is_empty());

    assert_eq!(
        parse_volume_list(&fixture("volume-list.xml")).unwrap(),
        ["arb", "disp", "dist"]
    );
}

#[test]
fn garbage_and_wrong_documents_are_errors_not_panics() {
    let inputs = [
        String::new(),
        "Connection failed. Please check if gluster daemon is operational.".to_string(),
        "<cliOutput>".to_string(),
        "<other><opRet>0</opRet></other>".to_string(),
        "<cliOutput><opRet>x</opRet></cliOutput>".to_string(),
        "<cliOutput><opRet>0</opRet></cliOutput>".to_string(),
        "<cliOutput><opRet>0</opRet><volInfo><volumes><volume><name>v</name></volume></volumes></volInfo></cliOutput>".to_string(),
        "<cliOutput><opRet>0</opRet><healInfo><bricks><brick><name>nohost</name></brick></bricks></healInfo></cliOutput>".to_string(),
        fixture("volume-info-replica3.xml").replace("</cliOutput>", ""),
        fixture("volume-info-replica3.xml")[..200].to_string(),
    ];
    for input in &inputs {
        assert!(parse_volume_info(input).is_err(), "{input:?}");
        assert!(parse_heal_info(input).is_err(), "{input:?}");
        assert!(parse_peer_status(input).is_err(), "{input:?}");
        assert!(parse_volume_list(input).is_err(), "{input:?}");
    }
    // Every prefix of a real answer: an error or a result, never a panic.
    let text = fixture("volume-heal-info-entries-node-down.xml");
    for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = parse_heal_info(&text[..end]);
        let _ = parse_volume_info(&text[..end]);
    }
}

#[test]
fn mutated_answers_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gluster-xml");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let bytes = text.as_bytes();
        for i in (0..bytes.len()).step_by(23) {
            for replacement in [&b"<"[..], b"&", b"", b"<x>"] {
                let mut mutated = bytes[..i].to_vec();
                mutated.extend_from_slice(replacement);
                mutated.extend_from_slice(&bytes[i + 1..]);
                let Ok(s) = String::from_utf8(mutated) else {
                    continue;
                };
                let _ = parse_volume_info(&s);
                let _ = parse_heal_info(&s);
            }
        }
    }
}

//! `gluster-plan serve --store FILE`: the state and the queue live in the store, so a
//! volume and its queue entry survive a SIGKILL of the server; the topology is imported
//! only into an empty store; a damaged store is refused with its path named. The same on a
//! real etcd (`--etcd`): a second server on the same etcd finds the volume and the queue.

mod common;
use common::leave_a_create_pending;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_gluster-plan");

/// A running `serve`, its address and what it printed before listening.
struct Server {
    child: Child,
    addr: String,
    banner: Vec<String>,
}

impl Server {
    fn start(store: &Path, extra: &[&str]) -> Server {
        let store = store.to_str().expect("a UTF-8 path");
        let mut args = vec!["--store", store];
        args.extend(extra);
        Server::start_with(&args)
    }

    /// `serve` with `args` after the listen address and `--no-auth`.
    fn start_with(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--no-auth"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gluster-plan starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut banner = Vec::new();
        let addr = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("serve exited before listening: {banner:?}"))
                .expect("stderr readable");
            if let Some(url) = line.strip_prefix("gluster-plan serve: listening on http://") {
                break url.to_string();
            }
            banner.push(line);
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server {
            child,
            addr,
            banner,
        }
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A bare HTTP/1.1 request (no client crate needed), body without a Content-Type as
/// Heketi's clients send it.
fn http(addr: &str, method: &str, path: &str, body: &str) -> Answer {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {out}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The volume ids `GET /volumes` lists.
fn volumes(addr: &str) -> Vec<String> {
    let list = http(addr, "GET", "/volumes", "");
    assert_eq!(list.status, 200, "{}", list.body);
    list.json()["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_volume_and_its_queue_entry_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("state.redb");
    let server = Server::start(&store, &[]);
    assert!(
        server.banner.iter().any(|l| l.contains("imported")),
        "an empty store takes the topology: {:?}",
        server.banner
    );
    assert!(store.exists(), "the store file is created");
    let clusters = http(&server.addr, "GET", "/clusters", "").json()["clusters"].clone();
    assert_eq!(clusters.as_array().unwrap().len(), 1);

    let accepted = http(
        &server.addr,
        "POST",
        "/volumes",
        r#"{"size":1,"name":"kept"}"#,
    );
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let queue = accepted.header("location").expect("Location").to_string();
    assert!(queue.starts_with("/queue/"), "{queue}");
    // Wait for the volume without reading the queue (reading its end drops the entry).
    let mut listed = Vec::new();
    for _ in 0..1000 {
        listed = volumes(&server.addr);
        if !listed.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(listed.len(), 1, "the create ended");
    let id = listed[0].clone();
    let before = http(&server.addr, "GET", &format!("/volumes/{id}"), "");
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(!before.json()["bricks"].as_array().unwrap().is_empty());
    server.kill();

    // Restart on the same store: the topology given now is ignored, with a note.
    let server = Server::start(&store, &["--topology", "/nonexistent/topology.json"]);
    assert!(
        server.banner.iter().any(|l| l.contains("is ignored")),
        "{:?}",
        server.banner
    );
    let clusters = http(&server.addr, "GET", "/clusters", "").json()["clusters"].clone();
    assert_eq!(clusters.as_array().unwrap().len(), 1, "not imported twice");
    assert_eq!(volumes(&server.addr), vec![id.clone()]);
    let info = http(&server.addr, "GET", &format!("/volumes/{id}"), "");
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.json()["name"], "kept");
    assert_eq!(
        info.json(),
        before.json(),
        "the same volume, bricks and all"
    );
    let end = http(&server.addr, "GET", &queue, "");
    assert_eq!(end.status, 303, "{}", end.body);
    assert_eq!(
        end.header("location"),
        Some(format!("/volumes/{id}").as_str())
    );
    // Read once, the entry is gone (also from the store).
    assert_eq!(http(&server.addr, "GET", &queue, "").status, 404);
    server.kill();
    let server = Server::start(&store, &[]);
    assert_eq!(http(&server.addr, "GET", &queue, "").status, 404);
    assert_eq!(volumes(&server.addr), vec![id]);
}

#[test]
fn a_damaged_store_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("state.redb");
    std::fs::write(&store, b"this is not a redb file, it is far too short").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-auth", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(store.to_str().unwrap()), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        std::fs::read(&store).unwrap(),
        b"this is not a redb file, it is far too short",
        "left as it was"
    );
}

/// The stored devices' used space and the pending operations, read with the server down.
fn stored(path: &Path) -> (u64, usize, usize) {
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
        let volumes = store.list(Kind::Volume).await.unwrap().len();
        (
            used,
            volumes,
            store.list(Kind::Pending).await.unwrap().len(),
        )
    })
}

#[test]
fn recovery_rolls_back_a_create_left_pending_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("state.redb");
    Server::start(&store, &[]).kill(); // imports the built-in topology
    leave_a_create_pending(&store);
    let (used, stored_volumes, pending) = stored(&store);
    assert!(
        used > 0 && stored_volumes == 1 && pending == 1,
        "reserved, pending"
    );

    let server = Server::start(&store, &[]);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("recovery: rolled back") && l.contains("left-pending")),
        "{:?}",
        server.banner
    );
    assert!(volumes(&server.addr).is_empty());
    server.kill();
    assert_eq!(
        stored(&store),
        (0, 0, 0),
        "nothing reserved, nothing pending"
    );
}

/// Waits until `GET /volumes` lists one volume (without reading the queue, whose end would
/// drop the entry); its id.
fn the_one_volume(addr: &str) -> String {
    for _ in 0..1000 {
        let listed = volumes(addr);
        if !listed.is_empty() {
            assert_eq!(listed.len(), 1, "{listed:?}");
            return listed[0].clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the create did not end");
}

#[test]
fn on_etcd_a_second_server_finds_the_volume_and_queue_after_a_sigkill() {
    let Some(etcd) = gluster_store::etcd_server::EtcdServer::start() else {
        return; // skipped loudly outside CI (no etcd binary)
    };
    let url = etcd.endpoints().join(",");
    let server = Server::start_with(&["--etcd", &url]);
    assert!(
        server.banner.iter().any(|l| l.contains("imported")),
        "an empty etcd takes the topology: {:?}",
        server.banner
    );
    let accepted = http(
        &server.addr,
        "POST",
        "/volumes",
        r#"{"size":1,"name":"on-etcd"}"#,
    );
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let queue = accepted.header("location").expect("Location").to_string();
    let id = the_one_volume(&server.addr);
    let before = http(&server.addr, "GET", &format!("/volumes/{id}"), "");
    assert_eq!(before.status, 200, "{}", before.body);
    server.kill();

    let second = Server::start_with(&["--etcd", &url]);
    assert!(
        !second.banner.iter().any(|l| l.contains("imported")),
        "not imported twice: {:?}",
        second.banner
    );
    let clusters = http(&second.addr, "GET", "/clusters", "").json()["clusters"].clone();
    assert_eq!(clusters.as_array().unwrap().len(), 1);
    assert_eq!(volumes(&second.addr), vec![id.clone()]);
    let info = http(&second.addr, "GET", &format!("/volumes/{id}"), "");
    assert_eq!(
        info.json(),
        before.json(),
        "the same volume, bricks and all"
    );
    let end = http(&second.addr, "GET", &queue, "");
    assert_eq!(end.status, 303, "{}", end.body);
    assert_eq!(
        end.header("location"),
        Some(format!("/volumes/{id}").as_str())
    );
    assert_eq!(http(&second.addr, "GET", &queue, "").status, 404);
}

//! A real etcd server for tests (feature `testing`): Debian's `etcd` binary on 127.0.0.1 at
//! free ports with a temporary data directory, stopped when dropped (also on panic).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running etcd; killed and its data removed on drop.
#[derive(Debug)]
pub struct EtcdServer {
    child: Child,
    dir: PathBuf,
    binary: PathBuf,
    ports: (u16, u16),
    /// The client URL, e.g. `http://127.0.0.1:40123`.
    pub endpoint: String,
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn find_etcd() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("etcd"))
        .find(|p| p.is_file())
}

fn spawn(binary: &Path, dir: &Path, (client, peer): (u16, u16)) -> Child {
    let endpoint = format!("http://127.0.0.1:{client}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    Command::new(binary)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["--listen-client-urls", &endpoint])
        .args(["--advertise-client-urls", &endpoint])
        .args(["--listen-peer-urls", &peer_url])
        .args(["--initial-advertise-peer-urls", &peer_url])
        .args(["--initial-cluster", &format!("default={peer_url}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start etcd")
}

impl EtcdServer {
    /// Start etcd and wait until it answers. `None` when the binary is missing and `CI` is
    /// not `true` (a loud message says the etcd tests were skipped); in CI a missing binary
    /// panics, so the tests fail.
    pub fn start() -> Option<EtcdServer> {
        let Some(binary) = find_etcd() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the etcd binary is missing: install Debian's etcd-server (CI=true)");
            }
            eprintln!(
                "!!!!! SKIPPING etcd tests: no `etcd` binary on PATH (apt-get install etcd-server) !!!!!"
            );
            return None;
        };
        let ports = (free_port().expect("port"), free_port().expect("port"));
        let dir = std::env::temp_dir().join(format!(
            "gluster-store-etcd-{}-{}",
            std::process::id(),
            ports.0
        ));
        std::fs::create_dir_all(&dir).expect("etcd data dir");
        let child = spawn(&binary, &dir, ports);
        let mut server = EtcdServer {
            child,
            dir,
            binary,
            ports,
            endpoint: format!("http://127.0.0.1:{}", ports.0),
        };
        server.wait_ready();
        Some(server)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.ports.0)).is_err() {
            assert!(Instant::now() < deadline, "etcd did not start in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The endpoints, for [`crate::EtcdStore::connect`].
    pub fn endpoints(&self) -> Vec<String> {
        vec![self.endpoint.clone()]
    }

    /// Kill the server now (etcd "going away"); drop still cleans up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Start it again after [`EtcdServer::kill`], on the same data and ports.
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn(&self.binary, &self.dir, self.ports);
        self.wait_ready();
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

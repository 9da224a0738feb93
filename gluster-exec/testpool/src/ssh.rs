//! A real OpenSSH server in every node, for driving the pool over ssh as Heketi did outside
//! Kubernetes: key authentication only, and strict host-key checking against a known-hosts
//! file written from the nodes' own host keys.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use gluster_exec::SshTransport;

use super::cmd::{poll, run, run_any};
use super::node::Node;
use super::PoolError;

/// What a client needs to reach the pool's nodes over ssh.
#[derive(Debug, Clone)]
pub struct SshAccess {
    /// The client configuration: one `Host` block per node (manage name and address) with its
    /// address, user, key and known-hosts file.
    pub config: PathBuf,
    /// The client's private key (its public half is every node's only authorized key).
    pub identity: PathBuf,
    /// The known-hosts file with every node's host key.
    pub known_hosts: PathBuf,
    /// A private directory for connection-sharing sockets.
    pub control_dir: PathBuf,
}

impl SshAccess {
    /// An ssh transport that reaches the nodes by manage name or address, with strict host-key
    /// checking.
    pub fn transport(&self) -> SshTransport {
        SshTransport::new(&self.control_dir)
            .config_file(&self.config)
            .option("StrictHostKeyChecking=yes")
    }
}

/// Checks that OpenSSH's server and key generator are installed.
pub(crate) fn check_installed() -> Result<(), PoolError> {
    for program in ["/usr/sbin/sshd", "ssh-keygen", "ssh"] {
        let found = if program.starts_with('/') {
            Path::new(program).exists()
        } else {
            run_any(&["sh", "-c", &format!("command -v {program}")]).is_ok_and(|r| r.status == 0)
        };
        if !found {
            return Err(PoolError::Prerequisites(vec![format!(
                "no {program}: install Debian's openssh-server and openssh-client"
            )]));
        }
    }
    Ok(())
}

/// Makes a key pair at `path` (ed25519, no passphrase); returns the public key line.
fn keygen(path: &Path) -> Result<String, PoolError> {
    let _ = fs::remove_file(path);
    let _ = fs::remove_file(path.with_extension("pub"));
    run(&[
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        "gluster-testpool",
        "-f",
        &path.display().to_string(),
    ])?;
    let public = pub_path(path);
    let line = fs::read_to_string(&public).map_err(|e| io("read", &public, e))?;
    Ok(line.trim().to_string())
}

fn pub_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

/// Starts sshd in every node and writes the client side into `dir`.
pub(crate) fn enable(nodes: &mut [Node], dir: &Path) -> Result<SshAccess, PoolError> {
    check_installed()?;
    let ssh_dir = dir.join("ssh");
    let control_dir = ssh_dir.join("control");
    fs::create_dir_all(&control_dir).map_err(|e| io("create", &control_dir, e))?;
    set_private(&ssh_dir)?;
    set_private(&control_dir)?;
    let identity = ssh_dir.join("id_ed25519");
    let client_key = keygen(&identity)?;
    let authorized = ssh_dir.join("authorized_keys");
    fs::write(&authorized, format!("{client_key}\n")).map_err(|e| io("write", &authorized, e))?;
    let known_hosts = ssh_dir.join("known_hosts");
    let mut known = String::new();
    let mut config = String::new();
    for node in nodes.iter_mut() {
        let host_key = node.dir.join("ssh_host_ed25519_key");
        let public = keygen(&host_key)?;
        // `type base64 comment`: known_hosts wants `names type base64`.
        let mut parts = public.split_whitespace();
        let (kind, key) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        known.push_str(&format!("{},{} {kind} {key}\n", node.name, node.address));
        config.push_str(&format!(
            "Host {name} {address}\n  HostName {address}\n  User root\n  IdentityFile {id}\n  \
             IdentitiesOnly yes\n  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n  \
             StrictHostKeyChecking yes\n  ConnectTimeout 5\n",
            name = node.name,
            address = node.address,
            id = identity.display(),
            known = known_hosts.display(),
        ));
        start_sshd(node, &host_key, &authorized)?;
    }
    fs::write(&known_hosts, known).map_err(|e| io("write", &known_hosts, e))?;
    let config_path = ssh_dir.join("config");
    fs::write(&config_path, config).map_err(|e| io("write", &config_path, e))?;
    Ok(SshAccess {
        config: config_path,
        identity,
        known_hosts,
        control_dir,
    })
}

/// Runs sshd in the node's namespaces, listening on the node's address only.
fn start_sshd(node: &mut Node, host_key: &Path, authorized: &Path) -> Result<(), PoolError> {
    let config = node.dir.join("sshd_config");
    let text = format!(
        "ListenAddress {address}\nPort 22\nHostKey {key}\nPidFile {pid}\n\
         AuthorizedKeysFile {authorized}\nPermitRootLogin prohibit-password\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
         StrictModes no\nPrintMotd no\nMaxStartups 100\nMaxSessions 100\n\
         Subsystem sftp internal-sftp\n",
        address = node.address,
        key = host_key.display(),
        pid = node.dir.join("sshd.pid").display(),
        authorized = authorized.display(),
    );
    fs::write(&config, text).map_err(|e| io("write", &config, e))?;
    // The node's /run is a private tmpfs: sshd's privilege-separation directory lives there.
    node.exec(&["mkdir", "-p", "-m", "0755", "/run/sshd"])?;
    let argv = node.nsenter_argv(&[
        "/usr/sbin/sshd",
        "-D",
        "-e",
        "-f",
        &config.display().to_string(),
    ])?;
    let out = node.dir.join("sshd.out");
    let log = fs::File::options()
        .create(true)
        .append(true)
        .open(&out)
        .map_err(|e| io("open", &out, e))?;
    let log2 = log.try_clone().map_err(|e| io("open", &out, e))?;
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| PoolError::Io(format!("cannot start sshd on {}: {e}", node.name)))?;
    node.sshd = Some(child);
    let probe = node.nsenter_argv(&["sh", "-c", "ss -ltn | grep -q ':22 '"])?;
    let probe: Vec<&str> = probe.iter().map(String::as_str).collect();
    poll(
        &format!("sshd on {}", node.name),
        Duration::from_secs(10),
        || run_any(&probe).is_ok_and(|r| r.status == 0).then_some(()),
    )
    .map_err(|e| {
        let text = fs::read_to_string(&out).unwrap_or_default();
        PoolError::Io(format!("{e}; {}:\n{text}", out.display()))
    })
}

fn set_private(dir: &Path) -> Result<(), PoolError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| io("chmod", dir, e))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> PoolError {
    PoolError::Io(format!("cannot {what} {}: {e}", path.display()))
}

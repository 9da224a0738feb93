//! `gluster-plan serve`: the Heketi-compatible REST service (crate `gluster-service`) on a
//! topology, driving the hosts through a transport. This file only parses flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use gluster_exec::{CommandExecutor, Executor, KubectlTransport, LocalTransport, SshTransport};
use gluster_model::ByteSize;
use gluster_placement::PlacementSettings;
use gluster_service::{
    AuthConfig, ClusterBackend, InProcessBackend, MemoryQueue, QueueStore, ServiceConfig,
};

use super::apply::{backend, mount_root};
use super::args::{BackendArg, TransportArg};
use super::serve_store::{self, RecoverArg, StoreAt};
use super::topology;

/// Environment variable holding the `admin` key.
const ADMIN_KEY_ENV: &str = "GLUSTER_PLAN_ADMIN_KEY";
/// Environment variable holding the `user` key.
const USER_KEY_ENV: &str = "GLUSTER_PLAN_USER_KEY";

/// Flags of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed on stderr).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Embedded store file (redb; created when absent): state and queue survive a restart.
    #[arg(long, value_name = "FILE", conflicts_with = "etcd")]
    pub(crate) store: Option<PathBuf>,
    /// etcd endpoints: the state is kept there (several replicas may share it).
    #[arg(long, value_name = "URL[,URL...]")]
    pub(crate) etcd: Option<String>,
    /// etcd: the prefix of every key.
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "/gluster-plan/",
        requires = "etcd"
    )]
    pub(crate) etcd_prefix: String,
    /// With a store: what recovery does on start with operations an earlier run left
    /// pending.
    #[arg(long, value_enum, default_value = "roll-back")]
    pub(crate) recover: RecoverArg,
    /// Topology the service starts with (any format `plan` reads); default: the built-in
    /// example. With a store, imported only when the store is empty.
    #[arg(long, value_name = "FILE")]
    pub(crate) topology: Option<PathBuf>,
    /// Heketi database to take over, as `heketi db export` writes it (instead of
    /// --topology); its pending operations are reported.
    #[arg(long, value_name = "FILE", conflicts_with = "topology")]
    pub(crate) heketi_db: Option<PathBuf>,
    /// Size of every device of a Heketi load file, and of disks added later on the
    /// simulated transport (default 1TiB).
    #[arg(long)]
    pub(crate) device_size: Option<ByteSize>,
    /// How to reach the hosts.
    #[arg(long, value_enum, default_value = "simulated")]
    pub(crate) transport: TransportArg,
    /// How bricks are made.
    #[arg(long, value_enum, default_value = "lvm")]
    pub(crate) backend: BackendArg,
    /// Root of brick mounts (default /var/lib/heketi/mounts).
    #[arg(long, value_name = "ROOT")]
    pub(crate) brick_mount_root: Option<String>,
    /// Most steps at a time on one host.
    #[arg(long, default_value_t = 4)]
    pub(crate) host_limit: usize,
    /// ssh: remote user.
    #[arg(long)]
    pub(crate) ssh_user: Option<String>,
    /// ssh: private key file.
    #[arg(long, value_name = "FILE")]
    pub(crate) ssh_identity: Option<PathBuf>,
    /// ssh: client configuration file (`ssh -F`): per-host address, user, key, known hosts.
    #[arg(long, value_name = "FILE")]
    pub(crate) ssh_config: Option<PathBuf>,
    /// ssh: directory of connection-reuse sockets (default: the temp directory).
    #[arg(long, value_name = "DIR")]
    pub(crate) ssh_control_dir: Option<PathBuf>,
    /// kubectl: namespace of the glusterfs pods.
    #[arg(long)]
    pub(crate) kubectl_namespace: Option<String>,
    /// kubectl: container that runs gluster and LVM commands.
    #[arg(long, default_value = "glusterfs")]
    pub(crate) kubectl_container: String,
    /// File holding the `admin` JWT key (else env GLUSTER_PLAN_ADMIN_KEY).
    #[arg(long, value_name = "FILE")]
    pub(crate) admin_key_file: Option<PathBuf>,
    /// File holding the `user` JWT key (else env GLUSTER_PLAN_USER_KEY).
    #[arg(long, value_name = "FILE")]
    pub(crate) user_key_file: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (with `--tls-key`).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The PEM private key of `--tls-cert`.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Serve without authentication (must be explicit).
    #[arg(long, conflicts_with_all = ["admin_key_file", "user_key_file"])]
    pub(crate) no_auth: bool,
    /// Long operations at once before answering 429.
    #[arg(long, default_value_t = 1024)]
    pub(crate) max_in_flight: usize,
    /// Seconds a request may take (reading its body included) before 408.
    #[arg(long, default_value_t = 30)]
    pub(crate) request_timeout: u64,
}

/// A key from a file (trailing newline dropped) or the environment; empty is absent.
fn key(file: &Option<PathBuf>, env: &str) -> Result<Option<Vec<u8>>, String> {
    let raw = match file {
        Some(path) => {
            let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            if text.iter().all(u8::is_ascii_whitespace) {
                return Err(format!("{}: the key file is empty", path.display()));
            }
            text
        }
        None => std::env::var_os(env)
            .map(|v| v.into_encoded_bytes())
            .unwrap_or_default(),
    };
    let trimmed = raw.trim_ascii_end().to_vec();
    Ok((!trimmed.is_empty()).then_some(trimmed))
}

fn auth(args: &ServeArgs) -> Result<AuthConfig, String> {
    if args.no_auth {
        return Ok(AuthConfig::Disabled);
    }
    let admin = key(&args.admin_key_file, ADMIN_KEY_ENV)?;
    let user = key(&args.user_key_file, USER_KEY_ENV)?;
    match admin {
        Some(admin) => Ok(AuthConfig::Keys { admin, user }),
        None => Err(format!(
            "serve: no admin key: give --admin-key-file or {ADMIN_KEY_ENV} (and optionally \
             --user-key-file or {USER_KEY_ENV}), or --no-auth to serve without authentication"
        )),
    }
}

fn executor(args: &ServeArgs, root: &str) -> Result<Arc<dyn Executor>, String> {
    let backend = backend(args.backend, root);
    Ok(match args.transport {
        TransportArg::Simulated => {
            return Err("the simulated transport builds its own executor".into())
        }
        TransportArg::Local => Arc::new(CommandExecutor::new(LocalTransport::new(), backend)),
        TransportArg::Ssh => {
            let dir = args
                .ssh_control_dir
                .clone()
                .unwrap_or_else(std::env::temp_dir);
            let mut ssh = SshTransport::new(dir);
            if let Some(user) = &args.ssh_user {
                ssh = ssh.user(user.clone());
            }
            if let Some(key) = &args.ssh_identity {
                ssh = ssh.identity(key.clone());
            }
            if let Some(config) = &args.ssh_config {
                ssh = ssh.config_file(config.clone());
            }
            Arc::new(CommandExecutor::new(ssh, backend))
        }
        TransportArg::Kubectl => {
            let namespace = args
                .kubectl_namespace
                .clone()
                .ok_or_else(|| "--transport kubectl needs --kubectl-namespace".to_string())?;
            let kubectl = KubectlTransport::new(namespace, args.kubectl_container.clone());
            Arc::new(CommandExecutor::new(kubectl, backend))
        }
    })
}

/// The model of a Heketi database export; pending operations are listed on stderr.
fn heketi_db(path: &std::path::Path) -> Result<gluster_model::Model, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let imported = gluster_model::import_heketi_db(&text)
        .map_err(|e| e.in_file(path.display().to_string()).to_string())?;
    let m = &imported.model;
    eprintln!(
        "gluster-plan serve: {}: {} cluster(s), {} node(s), {} device(s), {} volume(s)",
        path.display(),
        m.clusters().len(),
        m.nodes().len(),
        m.devices().len(),
        m.volumes().len()
    );
    if imported.skipped_block_volumes > 0 {
        eprintln!(
            "gluster-plan serve: {} block volume entries not imported",
            imported.skipped_block_volumes
        );
    }
    for p in &imported.pending {
        let changes: Vec<String> = p
            .changes
            .iter()
            .map(|(c, id)| format!("{c} {id}"))
            .collect();
        eprintln!(
            "gluster-plan serve: pending operation {} (type {}): {}; kept as it was, its space \
             reserved (recovery needs the store)",
            p.id,
            p.kind,
            changes.join(", ")
        );
    }
    Ok(imported.model)
}

/// Waits for SIGTERM (its handler is `term`, installed before the listener is announced, so
/// that a SIGTERM right after "listening on" is graceful too) or Ctrl-C.
async fn shutdown_signal(term: Option<tokio::signal::unix::Signal>) {
    let term = async {
        match term {
            Some(mut s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    eprintln!("gluster-plan serve: shutting down; waiting for operations in flight");
}

/// Where `--store` or `--etcd` keep the state, if given.
fn store_at(args: &ServeArgs) -> Result<Option<StoreAt<'_>>, String> {
    if let Some(path) = &args.store {
        return Ok(Some(StoreAt::File(path)));
    }
    let Some(urls) = &args.etcd else {
        return Ok(None);
    };
    let endpoints: Vec<String> = urls
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect();
    if endpoints.is_empty() {
        return Err(format!("--etcd {urls:?}: no endpoint"));
    }
    Ok(Some(StoreAt::Etcd(endpoints, &args.etcd_prefix)))
}

/// The initial model: the Heketi database or the topology.
fn initial_model(args: &ServeArgs) -> Result<gluster_model::Model, String> {
    match &args.heketi_db {
        Some(path) => heketi_db(path),
        None => topology::load(args.topology.as_deref(), args.device_size),
    }
}

/// The backend and queue: on the store when one is given, else in memory.
async fn app_parts(
    args: &ServeArgs,
    root: &str,
    settings: PlacementSettings,
) -> Result<(Arc<dyn ClusterBackend>, Arc<dyn QueueStore>), String> {
    let new_disk_size = args.device_size.unwrap_or(ByteSize::tib(1));
    let executor = match args.transport {
        TransportArg::Simulated => None,
        _ => Some(executor(args, root)?),
    };
    let Some(at) = store_at(args)? else {
        let model = initial_model(args)?;
        let backend = match executor {
            None => InProcessBackend::simulated(model, settings, new_disk_size),
            Some(ex) => InProcessBackend::new(model, ex, settings, args.host_limit),
        };
        return Ok((Arc::new(backend), Arc::new(MemoryQueue::new())));
    };
    let store = serve_store::open(&at).await?;
    let given = if args.heketi_db.is_some() {
        Some("--heketi-db")
    } else if args.topology.is_some() {
        Some("--topology")
    } else {
        None
    };
    serve_store::seed(store.as_ref(), given, || initial_model(args)).await?;
    let (backend, queue) = serve_store::backend(
        store,
        executor,
        new_disk_size,
        settings,
        args.host_limit,
        args.recover.into(),
    )
    .await?;
    Ok((Arc::new(backend), Arc::new(queue)))
}

pub(crate) fn run(args: &ServeArgs) -> Result<i32, String> {
    let auth = auth(args)?;
    let root = mount_root(&args.brick_mount_root)?;
    let settings = PlacementSettings {
        brick_mount_root: root.clone(),
        ..PlacementSettings::default()
    };
    let mut config = ServiceConfig::new(auth);
    config.max_in_flight = args.max_in_flight.max(1);
    config.request_timeout = Duration::from_secs(args.request_timeout.max(1));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        // A bad certificate or key is refused before anything else is opened.
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(gluster_service::tls_acceptor(cert, key)?),
            _ => None,
        };
        // Recovery (with a store) runs here, before the listener opens.
        let (backend, queue) = app_parts(args, &root, settings).await?;
        let app = gluster_service::App::new(backend, queue, config);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("--listen {}: {e}", args.listen))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        eprintln!("gluster-plan serve: listening on {scheme}://{local}");
        let served = match tls {
            Some(tls) => {
                gluster_service::serve_tls(listener, app, shutdown_signal(term), tls).await
            }
            None => gluster_service::serve(listener, app, shutdown_signal(term)).await,
        };
        let drained = served.map_err(|e| format!("serve: {e}"))?;
        if !drained {
            eprintln!("gluster-plan serve: operations still in flight were abandoned");
        }
        Ok(0)
    })
}

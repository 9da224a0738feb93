//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use gluster_model::{ByteSize, TagRule, ZoneChecking};
use gluster_placement::RequestSpec;

/// A size flag: a `ByteSize`, but a bare number too small to be meant as bytes is refused
/// with a hint, and zero is refused.
fn parse_size(s: &str) -> Result<ByteSize, String> {
    let size: ByteSize = s.parse().map_err(|e| format!("{e}"))?;
    let bare = !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit());
    if size == ByteSize::ZERO {
        return Err("must be greater than zero".into());
    }
    if bare && size < ByteSize::mib(1) {
        return Err(format!(
            "{} bytes: did you mean {}GiB? (a number without a unit is bytes)",
            s.trim(),
            s.trim()
        ));
    }
    Ok(size)
}

/// `--option KEY=VALUE`.
fn parse_option(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .ok_or_else(|| format!("{s:?}: expected KEY=VALUE, e.g. performance.cache-size=64MB"))
}

/// Plan GlusterFS volumes: choose devices for every brick, zone-aware and balanced.
#[derive(Debug, Parser)]
#[command(
    name = "gluster-plan",
    version,
    about = "Plan GlusterFS volumes on a topology (zone-aware, capacity-balanced, deterministic), rehearse or carry them out, and recover interrupted runs"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Plan one volume and print where every brick goes.
    Plan(PlacementArgs),
    /// Place the same request again and again and report how many fit and device use.
    Simulate(SimulateArgs),
    /// How many more volumes of this request fit, and why the space left is stranded.
    Forecast(ForecastArgs),
    /// Plan moving every brick off a device, a node or a zone (replace-brick waves).
    Evacuate(EvacuateArgs),
    /// Plan growing a volume by whole brick sets of its brick size (add-brick).
    Expand(ExpandArgs),
    /// Plan the fewest brick moves that bring max/mean device utilization under a target.
    Rebalance(RebalanceArgs),
    /// Plan one volume and print, per host and in order, every command carrying it out would
    /// run (a dry run: nothing runs).
    Commands(CommandsArgs),
    /// Plan one volume and carry it out: bricks in parallel across hosts, then the volume,
    /// journaled so that `recover` can finish or undo it after a crash; progress on stderr.
    Apply(ApplyArgs),
    /// Finish (`--finish`) or roll back every run a journal shows unfinished.
    Recover(RecoverArgs),
    /// Serve Heketi's REST API (JWT auth, 202 + /queue, /metrics) on a topology, carrying
    /// operations out through a transport.
    Serve(crate::serve::ServeArgs),
    /// Import a topology into an empty store file, so `plan`, `apply` and `serve` with
    /// `--store` keep their state between runs.
    Import(crate::store_cmd::ImportArgs),
    /// Snapshots of volumes and clones from them (printed with their commands).
    #[command(subcommand)]
    Snapshot(crate::data::SnapshotCommand),
    /// Subvolumes: quota-limited directories of hosting volumes.
    #[command(subcommand)]
    Subvolume(crate::data::SubvolumeCommand),
    /// A device re-read at a new size (Heketi's device resync).
    Resync(crate::data::ResyncArgs),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Human-readable table.
    Table,
    /// JSON for scripts.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ZoneCheckingArg {
    Strict,
    Prefer,
    None,
}

/// Flags shared by `plan` and `simulate`.
#[derive(Debug, Args)]
pub(crate) struct PlacementArgs {
    /// Topology: Heketi load file, `heketi-cli topology info --json` output, or this
    /// project's JSON. Without it, the built-in example (6 nodes in 3 zones, 3 devices each).
    #[arg(long, value_name = "FILE")]
    pub(crate) topology: Option<PathBuf>,
    /// Store file (see `import`) to plan on instead of a topology; `apply` records its
    /// volume there.
    #[arg(long, value_name = "FILE", conflicts_with = "topology")]
    pub(crate) store: Option<PathBuf>,
    /// Usable volume size, e.g. 100GiB.
    #[arg(long, value_parser = parse_size)]
    pub(crate) size: ByteSize,
    /// StorageClass volumetype: none, replicate:N, disperse:DATA:REDUNDANCY.
    #[arg(long, default_value = "replicate:3")]
    pub(crate) volumetype: String,
    /// Replica 3 with an arbiter as the 3rd brick of every set.
    #[arg(long)]
    pub(crate) arbiter: bool,
    /// Zone policy for the bricks of one set.
    #[arg(long, value_enum, default_value = "prefer")]
    pub(crate) zone_checking: ZoneCheckingArg,
    /// Device tag rule key=value or key!=value (repeatable).
    #[arg(long = "device-tag-match", value_name = "RULE")]
    pub(crate) device_tag_match: Vec<TagRule>,
    /// Thin pool reserve factor for snapshots (1 to 100).
    #[arg(long)]
    pub(crate) snapshot_factor: Option<f64>,
    /// Size of every device of a Heketi load file (which has none); default 1TiB.
    #[arg(long, value_parser = parse_size)]
    pub(crate) device_size: Option<ByteSize>,
    /// Smallest data brick (default 1GiB).
    #[arg(long, value_parser = parse_size)]
    pub(crate) min_brick_size: Option<ByteSize>,
    /// Largest data brick (default 4TiB).
    #[arg(long, value_parser = parse_size)]
    pub(crate) max_brick_size: Option<ByteSize>,
    /// Most bricks per volume (default 32).
    #[arg(long)]
    pub(crate) max_bricks: Option<usize>,
    /// Thousandths of every device to keep free (default 0).
    #[arg(long)]
    pub(crate) reserve_per_mille: Option<u32>,
    /// Zone bricks may go to (repeatable; default every zone).
    #[arg(long = "allowed-zone", value_name = "ZONE")]
    pub(crate) allowed_zones: Vec<u32>,
    /// Zone to favour (repeatable, in order).
    #[arg(long = "preferred-zone", value_name = "ZONE")]
    pub(crate) preferred_zones: Vec<u32>,
    /// Volume name (default vol_ID).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Gluster volume option KEY=VALUE, set after create (repeatable).
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_option)]
    pub(crate) options: Vec<(String, String)>,
    /// Group id of the volume root (0: none).
    #[arg(long, default_value_t = 0)]
    pub(crate) gid: u64,
    /// Seed for tie-breaking: the same topology, request and seed give the same plan.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) output: OutputFormat,
}

/// Flags of `simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    #[command(flatten)]
    pub(crate) placement: PlacementArgs,
    /// Volumes to place (default, or 0: until the first refusal, as the C ABI's 0).
    #[arg(long)]
    pub(crate) count: Option<usize>,
}

/// Brick backend of `commands`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BackendArg {
    /// LVM thin pool, XFS and mount per brick.
    Lvm,
    /// Directories on an XFS filesystem already mounted per device at ROOT/vg_DEVICE-ID.
    Directory,
}

/// Flags of `commands`.
#[derive(Debug, Args)]
pub(crate) struct CommandsArgs {
    #[command(flatten)]
    pub(crate) placement: PlacementArgs,
    /// How bricks are made.
    #[arg(long, value_enum, default_value = "lvm")]
    pub(crate) backend: BackendArg,
    /// Root of brick mounts (default /var/lib/heketi/mounts); the directory backend expects
    /// each device's XFS filesystem mounted at ROOT/vg_DEVICE-ID.
    #[arg(long, value_name = "ROOT")]
    pub(crate) brick_mount_root: Option<String>,
}

impl PlacementArgs {
    /// The request these flags describe.
    pub(crate) fn spec(&self) -> RequestSpec {
        let mut spec = RequestSpec::new(self.size, &self.volumetype);
        spec.arbiter = self.arbiter;
        spec.zone_checking = Some(self.zone_checking.into());
        spec.device_tag_match = self.device_tag_match.clone();
        spec.snapshot_factor = self.snapshot_factor;
        spec.min_brick_size = self.min_brick_size;
        spec.max_brick_size = self.max_brick_size;
        spec.max_bricks = self.max_bricks;
        spec.device_reserve_per_mille = self.reserve_per_mille;
        spec.name = self.name.clone();
        spec.allowed_zones = self.allowed_zones.clone();
        spec.preferred_zones = self.preferred_zones.clone();
        spec.options = self.options.clone();
        spec.gid = self.gid;
        spec
    }
}

/// How `apply` and `recover` reach the hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TransportArg {
    /// In-memory hosts built from the topology (a rehearsal: nothing leaves this process).
    Simulated,
    /// Processes on this machine, whatever host a step names (single-node setups).
    Local,
    /// OpenSSH to each node's manage hostname (batch mode, connection reuse).
    Ssh,
    /// `kubectl exec` into the pod named after each node's manage hostname.
    Kubectl,
}

/// Flags shared by `apply` and `recover`.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// Journal file (created if missing, appended to): intent before each step, outcome after.
    /// Required, except for `apply --store` (the store keeps the runs).
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: Option<PathBuf>,
    /// How to reach the hosts.
    #[arg(long, value_enum, default_value = "simulated")]
    pub(crate) transport: TransportArg,
    /// How bricks are made.
    #[arg(long, value_enum, default_value = "lvm")]
    pub(crate) backend: BackendArg,
    /// Root of brick mounts (default /var/lib/heketi/mounts).
    #[arg(long, value_name = "ROOT")]
    pub(crate) brick_mount_root: Option<String>,
    /// Most steps at a time on one host (at least 1).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) host_limit: u16,
    /// ssh: remote user.
    #[arg(long)]
    pub(crate) ssh_user: Option<String>,
    /// ssh: private key file.
    #[arg(long, value_name = "FILE")]
    pub(crate) ssh_identity: Option<PathBuf>,
    /// ssh: directory of connection-reuse sockets (default: the temp directory).
    #[arg(long, value_name = "DIR")]
    pub(crate) ssh_control_dir: Option<PathBuf>,
    /// kubectl: namespace of the glusterfs pods.
    #[arg(long)]
    pub(crate) kubectl_namespace: Option<String>,
    /// kubectl: container that runs gluster and LVM commands.
    #[arg(long, default_value = "glusterfs")]
    pub(crate) kubectl_container: String,
    /// simulated: fail the Nth changing call (from 1), to watch a rollback.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) simulate_failure_at: Option<u16>,
}

/// Flags of `apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub(crate) placement: PlacementArgs,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
}

/// Flags of `recover`.
#[derive(Debug, Args)]
pub(crate) struct RecoverArgs {
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
    /// Finish unfinished runs (every step is idempotent) instead of rolling them back.
    #[arg(long)]
    pub(crate) finish: bool,
    /// Topology (for `--transport simulated`, which needs the hosts); default: the built-in
    /// example.
    #[arg(long, value_name = "FILE")]
    pub(crate) topology: Option<PathBuf>,
    /// Size of every device of a Heketi load file.
    #[arg(long, value_parser = parse_size)]
    pub(crate) device_size: Option<ByteSize>,
    /// Recover the pending operations kept in this store file instead of a journal's runs.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["topology", "journal"])]
    pub(crate) store: Option<PathBuf>,
}

/// Flags of `forecast`.
#[derive(Debug, Args)]
pub(crate) struct ForecastArgs {
    #[command(flatten)]
    pub(crate) placement: PlacementArgs,
    /// Stop after this many volumes (0 or none: until the first refusal).
    #[arg(long)]
    pub(crate) limit: Option<usize>,
}

impl From<ZoneCheckingArg> for ZoneChecking {
    fn from(z: ZoneCheckingArg) -> ZoneChecking {
        match z {
            ZoneCheckingArg::Strict => ZoneChecking::Strict,
            ZoneCheckingArg::Prefer => ZoneChecking::Prefer,
            ZoneCheckingArg::None => ZoneChecking::None,
        }
    }
}

/// Flags shared by the day-2 planners.
#[derive(Debug, Args)]
pub(crate) struct Day2Args {
    /// Topology with volumes: `heketi-cli topology info --json` output or this project's
    /// JSON (a load file has no volumes). Without it, the built-in example.
    #[arg(long, value_name = "FILE", conflicts_with = "store")]
    pub(crate) topology: Option<PathBuf>,
    /// Size of every device of a Heketi load file.
    #[arg(long, value_parser = parse_size)]
    pub(crate) device_size: Option<ByteSize>,
    /// Plan on the state kept in this store file (made by `import`) instead of a topology.
    #[arg(long, value_name = "FILE")]
    pub(crate) store: Option<PathBuf>,
    /// Zone policy of the volumes (the model does not store it).
    #[arg(long, value_enum, default_value = "prefer")]
    pub(crate) zone_checking: ZoneCheckingArg,
    /// Device tag rule of the volumes, key=value or key!=value (repeatable).
    #[arg(long = "device-tag-match", value_name = "RULE")]
    pub(crate) device_tag_match: Vec<TagRule>,
    /// Never put a brick in a zone its set already uses: refuse (exit 2) a plan that must,
    /// whatever the zone policy.
    #[arg(long)]
    pub(crate) no_degraded: bool,
    /// Seed for tie-breaking.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) output: OutputFormat,
}

/// Flags of `evacuate`.
#[derive(Debug, Args)]
pub(crate) struct EvacuateArgs {
    #[command(flatten)]
    pub(crate) common: Day2Args,
    /// The device to empty, as MANAGE_HOST:DEVICE (e.g. node1:/dev/sdb).
    #[arg(long, value_name = "HOST:DEVICE", conflicts_with_all = ["node", "zone"])]
    pub(crate) device: Option<String>,
    /// The node to empty (manage hostname).
    #[arg(long, value_name = "HOST", conflicts_with = "zone")]
    pub(crate) node: Option<String>,
    /// The zone to empty.
    #[arg(long, value_name = "N")]
    pub(crate) zone: Option<u32>,
    /// Carry the evacuation out through the store's provisioner (needs `--store`): the
    /// moved bricks, and the target's devices offline, are kept in the store.
    #[arg(long, requires = "store")]
    pub(crate) apply: bool,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
}

/// Flags of `expand`.
#[derive(Debug, Args)]
pub(crate) struct ExpandArgs {
    #[command(flatten)]
    pub(crate) common: Day2Args,
    /// The volume to grow (name).
    #[arg(long)]
    pub(crate) volume: String,
    /// Usable size to add (rounded up to whole sets).
    #[arg(long, value_parser = parse_size)]
    pub(crate) size: ByteSize,
    /// Grow every brick in place (pools, LVs, filesystems) instead of adding sets.
    #[arg(long)]
    pub(crate) in_place: bool,
    /// Most bricks the volume may have after growing (default 32).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_bricks: Option<u16>,
    /// Carry the expansion out through the store's provisioner (needs `--store`; adds
    /// sets, not with `--in-place`): the grown volume is kept in the store for the next run.
    #[arg(long, requires = "store", conflicts_with = "in_place")]
    pub(crate) apply: bool,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
}

/// Flags of `rebalance`.
#[derive(Debug, Args)]
pub(crate) struct RebalanceArgs {
    #[command(flatten)]
    pub(crate) common: Day2Args,
    /// Target max/mean device utilization.
    #[arg(long, default_value_t = 1.10)]
    pub(crate) target: f64,
    /// Most moves to propose.
    #[arg(long, default_value = "1000")]
    pub(crate) max_moves: std::num::NonZeroUsize,
}

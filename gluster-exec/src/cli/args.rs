//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use gluster_model::{ByteSize, TagRule, ZoneChecking};
use gluster_placement::RequestSpec;

/// Plan GlusterFS volumes: choose devices for every brick, zone-aware and balanced.
#[derive(Debug, Parser)]
#[command(name = "gluster-plan", version, about)]
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
    /// Plan one volume and print, per host and in order, every command carrying it out would
    /// run (a dry run: nothing runs).
    Commands(CommandsArgs),
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
    /// Usable volume size, e.g. 100GiB.
    #[arg(long)]
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
    #[arg(long)]
    pub(crate) device_size: Option<ByteSize>,
    /// Smallest data brick (default 1GiB).
    #[arg(long)]
    pub(crate) min_brick_size: Option<ByteSize>,
    /// Largest data brick (default 4TiB).
    #[arg(long)]
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
    /// Volume name (default vol_<id>).
    #[arg(long)]
    pub(crate) name: Option<String>,
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
    /// Volumes to place (default: until the first refusal).
    #[arg(long)]
    pub(crate) count: Option<usize>,
}

/// Brick backend of `commands`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BackendArg {
    /// LVM thin pool, XFS and mount per brick.
    Lvm,
    /// Directories on an XFS filesystem already mounted per device at ROOT/vg_<device-id>.
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
    /// each device's XFS filesystem mounted at ROOT/vg_<device-id>.
    #[arg(long, value_name = "ROOT")]
    pub(crate) brick_mount_root: Option<String>,
}

impl PlacementArgs {
    /// The request these flags describe.
    pub(crate) fn spec(&self) -> RequestSpec {
        let mut spec = RequestSpec::new(self.size, &self.volumetype);
        spec.arbiter = self.arbiter;
        spec.zone_checking = Some(match self.zone_checking {
            ZoneCheckingArg::Strict => ZoneChecking::Strict,
            ZoneCheckingArg::Prefer => ZoneChecking::Prefer,
            ZoneCheckingArg::None => ZoneChecking::None,
        });
        spec.device_tag_match = self.device_tag_match.clone();
        spec.snapshot_factor = self.snapshot_factor;
        spec.min_brick_size = self.min_brick_size;
        spec.max_brick_size = self.max_brick_size;
        spec.max_bricks = self.max_bricks;
        spec.device_reserve_per_mille = self.reserve_per_mille;
        spec.name = self.name.clone();
        spec.allowed_zones = self.allowed_zones.clone();
        spec.preferred_zones = self.preferred_zones.clone();
        spec
    }
}

//! Executors that carry out GlusterFS placement plans.
//!
//! - [`Executor`]: the operations on hosts (devices, bricks, volumes, peers, block volumes),
//!   with typed requests in [`ops`] and one error type, [`ExecError`].
//! - [`Transport`]: how a command executor reaches a host: [`LocalTransport`],
//!   [`SshTransport`] (OpenSSH, batch mode, connection reuse), [`KubectlTransport`]
//!   (`kubectl exec`) and [`PrefixTransport`] (`ip netns exec`, `nsenter`), or your own.
//! - [`CommandExecutor`]: the [`Executor`] that runs real commands over a transport, making
//!   bricks with a [`Backend`] (LVM thin, or directories on mounted XFS).
//! - [`Runner`]: applies a plan as journaled steps, bricks in parallel across hosts under
//!   [`HostLimits`], with progress, cancellation, rollback and [`Runner::recover`]; the
//!   [`journal`] ([`MemoryJournal`], [`FileJournal`]) records intent before each step.
//! - [`simulated`]: an in-memory executor with fault injection; `conformance` (feature
//!   `testing`): the suite every executor must pass.
//! - [`csi`]: snapshots the way a CSI driver needs them (idempotent by name, ready flag,
//!   restore as a clone); [`subvolume`]: quota-limited directories of a hosting volume.
//! - [`render`]: pure functions from requests to argv vectors; [`xml`]: parsers for
//!   `gluster --xml` answers; [`validate`]: the name and path checks every request passes
//!   first; [`dry_run`]: every command a plan would run.
//!
//! The key decision: commands are argv vectors, never shell strings built from data, and every
//! name and path is validated before a command is built, so no request can inject a command.
//! Every operation is idempotent (probes before storage steps, glusterd's answers read for
//! "already exists" and "does not exist"), so a runner may retry and recovery may replay.
//!
//! ```
//! use gluster_exec::ops::VolumeRef;
//! use gluster_exec::render::gluster;
//!
//! let start = gluster::volume_start(&VolumeRef { host: "node1".into(), name: "vol_1".into() })?;
//! assert_eq!(start.join(" "), "gluster --mode=script --xml volume start vol_1");
//!
//! // Hostile names never reach a command.
//! let evil = VolumeRef { host: "node1".into(), name: "vol;reboot".into() };
//! assert!(gluster::volume_start(&evil).is_err());
//! # Ok::<(), gluster_exec::ExecError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod command;
pub mod csi;
pub mod day2;
pub mod dry_run;
mod error;
mod executor;
pub mod journal;
pub mod ops;
pub mod render;
pub mod runner;
pub mod simulated;
pub mod subvolume;
pub mod transport;
pub mod validate;
pub mod xml;

pub use command::{CommandExecutor, Timeouts};
pub use error::ExecError;
pub use executor::Executor;
pub use journal::{FileJournal, Journal, MemoryJournal};
pub use render::{Backend, DirectoryMounts};
pub use runner::{Applied, ApplyError, Cancel, HostLimits, Progress, RecoveryPolicy, Runner};
pub use transport::{
    CommandOutput, KubectlTransport, LocalTransport, PrefixTransport, SshTransport, Transport,
};

#[cfg(feature = "testing")]
pub mod conformance;

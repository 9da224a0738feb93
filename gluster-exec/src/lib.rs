//! Executors that carry out GlusterFS placement plans.
//!
//! - [`Executor`]: the operations on hosts (devices, bricks, volumes, peers, block volumes),
//!   with typed requests in [`ops`] and one error type, [`ExecError`].
//! - [`Transport`]: how a command executor reaches a host (local, ssh, kubectl, a prefix).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod command;
pub mod dry_run;
mod error;
mod executor;
pub mod ops;
pub mod render;
pub mod transport;
pub mod validate;
pub mod xml;

pub use command::{CommandExecutor, Timeouts};
pub use error::ExecError;
pub use executor::Executor;
pub use render::{Backend, DirectoryMounts};
pub use transport::{
    CommandOutput, KubectlTransport, LocalTransport, PrefixTransport, SshTransport, Transport,
};

#[cfg(feature = "cli")]
pub mod cli;

//! Executors that carry out GlusterFS placement plans.
//!
//! - [`Executor`]: the operations on hosts (devices, bricks, volumes, peers, block volumes),
//!   with typed requests in [`ops`] and one error type, [`ExecError`].
//! - [`Transport`]: how a command executor reaches a host (local, ssh, kubectl, a prefix).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod executor;
pub mod ops;
mod transport;

pub use error::ExecError;
pub use executor::Executor;
pub use transport::{CommandOutput, Transport};

#[cfg(feature = "cli")]
pub mod cli;

#[cfg(feature = "testpool")]
pub mod testpool;

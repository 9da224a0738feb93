//! Executors that carry out GlusterFS placement plans.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;

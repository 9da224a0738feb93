//! Shared fixtures for the benchmarks.

pub mod concurrency;

//! Shared fixtures for the benchmarks: generated topologies, Heketi's ring allocator as a
//! baseline, and the executor concurrency setup.

pub mod concurrency;
pub mod heketi_ring;
pub mod topology;

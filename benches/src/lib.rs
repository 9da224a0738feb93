//! Shared fixtures for the benchmarks: generated topologies, Heketi's ring allocator as a
//! baseline, day-2 clusters, and the executor concurrency setup.

pub mod concurrency;
pub mod day2;
pub mod heketi_ring;
pub mod topology;

//! 100 volumes applied at once on the simulated executor, 50 ms per command, 6 hosts: the
//! wall time follows the per-host limit (commands per host / limit x 50 ms), not the number
//! of volumes (Heketi ran one command batch per host at a time: 100 creates took 20 minutes).
//!
//! `cargo bench -p gluster-benches --bench executor_concurrency`

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gluster_benches::concurrency::{apply_all, plans, six_host_model};

const LATENCY: Duration = Duration::from_millis(50);

fn concurrency(c: &mut Criterion) {
    let model = six_host_model();
    let plans = Arc::new(plans(&model, 100));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("apply_100_volumes_6_hosts_50ms");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    for limit in [4usize, 16, 64] {
        let (_, calls) = runtime.block_on(apply_all(&model, &plans, limit, LATENCY));
        let busiest = calls.iter().max().copied().unwrap_or(0);
        eprintln!(
            "per-host limit {limit}: busiest host makes {busiest} calls -> bound {:.2} s",
            (busiest as f64 / limit as f64).ceil() * LATENCY.as_secs_f64()
        );
        group.bench_with_input(BenchmarkId::from_parameter(limit), &limit, |b, &limit| {
            b.iter(|| runtime.block_on(apply_all(&model, &plans, limit, LATENCY)))
        });
    }
    group.finish();
}

criterion_group!(benches, concurrency);
criterion_main!(benches);

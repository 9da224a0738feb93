//! A loop for `perf record` and quick timing: plans one set many times.
//!
//! `cargo run --release -p gluster-benches --example profile_plan -- replica3|arbiter|disperse|ingest [nodes_per_zone] [iterations]`
use std::time::Instant;

use gluster_benches::topology::{heketi_load_json, model};
use gluster_model::{import_heketi_load, ByteSize, Durability, HeketiLoadOptions};
use gluster_placement::{PlacementSettings, Planner, VolumeRequest};

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "replica3".into());
    let nodes: u32 = args
        .next()
        .map_or(100, |a| a.parse().expect("nodes per zone"));
    let iterations: u64 = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("iterations"));
    if kind == "ingest" {
        let json = heketi_load_json(10, nodes, 10);
        let start = Instant::now();
        for _ in 0..iterations {
            let model = import_heketi_load(&json, &HeketiLoadOptions::default()).expect("load");
            std::hint::black_box(Planner::new(&model, &PlacementSettings::default()));
        }
        let elapsed = start.elapsed();
        println!(
            "ingest of {} devices: {:.0} us per load",
            10 * nodes * 10,
            elapsed.as_micros() as f64 / iterations as f64
        );
        return;
    }
    let durability = match kind.as_str() {
        "arbiter" => Durability::Arbiter,
        "disperse" => Durability::disperse(4, 2).expect("4+2"),
        _ => Durability::replicate(3).expect("replica 3"),
    };
    let model = model(10, nodes, 10);
    let mut planner = Planner::new(&model, &PlacementSettings::default());
    let request = VolumeRequest::new(
        ByteSize::gib(10 * durability.data_share() as u64),
        durability,
    );
    let mut bricks = 0usize;
    let start = Instant::now();
    for seed in 0..iterations {
        bricks += planner.plan(&request, seed).expect("plan").bricks.len();
    }
    let elapsed = start.elapsed();
    println!(
        "{kind} on {} devices: {:.0} ns per plan ({bricks} bricks)",
        10 * nodes * 10,
        elapsed.as_nanos() as f64 / iterations as f64
    );
}

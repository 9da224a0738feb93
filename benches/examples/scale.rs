//! Memory and scale figures of the engine (see benches/README.md).
//!
//! - `write PATH ZONES NODES_PER_ZONE DEVICES_PER_NODE`: writes a Heketi load file.
//! - `load PATH`: loads it, indexes it (`Engine::new`) and plans a first volume, printing
//!   the time of each step; run under `/usr/bin/time -v` for the peak resident size.
//! - `memory [NODES_PER_ZONE] [VOLUMES]`: on 10 zones x NODES x 10 devices, commits VOLUMES
//!   replica-3 volumes and prints the resident bytes per committed brick.
//!
//! `cargo run --release -p gluster-benches --example scale -- memory 1000 1000000`
use std::time::Instant;

use gluster_benches::topology::{heketi_load_json, model};
use gluster_model::{import_any, ByteSize, Durability, HeketiLoadOptions};
use gluster_placement::{Engine, PlacementSettings, VolumeRequest};

/// The resident size of this process in bytes (Linux `/proc/self/statm`; 0 elsewhere).
fn resident() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).map_or(default, |a| a.parse().expect("number"));
    match args.first().map(String::as_str) {
        Some("write") => {
            let json =
                heketi_load_json(arg(2, 10) as u32, arg(3, 10_000) as u32, arg(4, 10) as u32);
            std::fs::write(&args[1], json).expect("write");
        }
        Some("load") => {
            let start = Instant::now();
            let json = std::fs::read_to_string(&args[1]).expect("read");
            let read = start.elapsed();
            let model = import_any(&json, &HeketiLoadOptions::default()).expect("load");
            drop(json);
            let loaded = start.elapsed();
            let devices = model.devices().len();
            let mut engine = Engine::new(model, PlacementSettings::default());
            let indexed = start.elapsed();
            let request =
                VolumeRequest::new(ByteSize::gib(100), Durability::replicate(3).expect("r3"));
            let plan = engine.plan(&request, 1).expect("plan");
            let planned = start.elapsed();
            println!(
                "{devices} devices: read {:.0} ms, parsed {:.0} ms, indexed {:.0} ms, first plan ({} bricks) {:.0} ms total; resident {} MB",
                read.as_secs_f64() * 1e3,
                (loaded - read).as_secs_f64() * 1e3,
                (indexed - loaded).as_secs_f64() * 1e3,
                plan.bricks.len(),
                planned.as_secs_f64() * 1e3,
                resident() / 1_000_000
            );
        }
        Some("memory") | None => {
            let (nodes, volumes) = (arg(1, 1000) as u32, arg(2, 1_000_000));
            let mut engine = Engine::new(model(10, nodes, 10), PlacementSettings::default());
            let request =
                VolumeRequest::new(ByteSize::gib(1), Durability::replicate(3).expect("r3"));
            let before = resident();
            let mut bricks = 0usize;
            for seed in 0..volumes {
                let plan = engine.plan(&request, seed).expect("plan");
                bricks += plan.bricks.len();
                engine.commit(&plan).expect("commit");
            }
            let after = resident();
            println!(
                "{} devices, {volumes} volumes, {bricks} bricks: engine {} MB before, {} MB after: {:.0} bytes per committed brick (model and index)",
                engine.model().devices().len(),
                before / 1_000_000,
                after / 1_000_000,
                (after - before) as f64 / bricks as f64
            );
        }
        Some(other) => panic!("unknown mode {other}"),
    }
}

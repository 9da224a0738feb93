//! A loop for `perf record` and quick timing of the engine's commit and delete paths: plan
//! and commit replica-3 volumes of 1 GiB on 10 zones x 100 nodes x 10 devices while they
//! accumulate, then delete them (`engine`: into the model and the index); or plan and
//! commit them into a snapshot, the loop of `simulate` (`snapshot`); or the engine's steps
//! timed one by one with a `Planner` and a `Model` side by side (`split`).
//!
//! `cargo run --release -p gluster-benches --example profile_engine -- engine|snapshot|split [volumes] [nodes_per_zone]`
use std::time::{Duration, Instant};

use gluster_benches::topology::model;
use gluster_model::{ByteSize, Durability};
use gluster_placement::{Engine, PlacementSettings, Planner, VolumeRequest};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "engine".into());
    let volumes: u64 = args.next().map_or(300_000, |a| a.parse().expect("volumes"));
    let nodes: u32 = args
        .next()
        .map_or(100, |a| a.parse().expect("nodes per zone"));
    let request = VolumeRequest::new(ByteSize::gib(1), Durability::replicate(3).expect("r3"));
    if mode == "split" {
        split(model(10, nodes, 10), &request, volumes);
        return;
    }
    let mut engine = Engine::new(model(10, nodes, 10), PlacementSettings::default());
    if mode == "snapshot" {
        let mut snapshot = engine.snapshot();
        let start = Instant::now();
        for seed in 0..volumes {
            let plan = snapshot.plan(&request, seed).expect("plan");
            snapshot.commit(&plan).expect("commit");
        }
        let ns = start.elapsed().as_nanos() as f64 / volumes as f64;
        println!("snapshot plan + commit of {volumes} volumes: {ns:.0} ns per volume");
        return;
    }
    let mut ids = Vec::with_capacity(volumes as usize);
    let step = volumes / 4;
    let mut start = Instant::now();
    let mut planning = std::time::Duration::ZERO;
    for seed in 0..volumes {
        let t = Instant::now();
        let plan = engine.plan(&request, seed).expect("plan");
        planning += t.elapsed();
        ids.push(plan.volume_id);
        engine.commit(&plan).expect("commit");
        if (seed + 1) % step == 0 {
            let ns = start.elapsed().as_nanos() as f64 / step as f64;
            let plan_ns = planning.as_nanos() as f64 / step as f64;
            println!(
                "plan + commit, volumes {:>7}..{:>7}: {ns:.0} ns per volume ({plan_ns:.0} ns of it planning)",
                seed + 1 - step,
                seed + 1
            );
            start = Instant::now();
            planning = std::time::Duration::ZERO;
        }
    }
    // Delete in a scattered order (every 7th, by stride), as a service would.
    let n = ids.len();
    let start = Instant::now();
    for k in 0..n {
        let id = ids[(k * 7919) % n];
        engine.delete_volume(id).expect("delete");
    }
    println!(
        "delete of {n} volumes: {:.0} ns per volume",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}

/// The engine's commit and delete, step by step: plan, the plan's model form, the model's
/// commit, the index's commit; then the model's delete.
fn split(mut model: gluster_model::Model, request: &VolumeRequest, volumes: u64) {
    let mut planner = Planner::new(&model, &PlacementSettings::default());
    let mut spent = [Duration::ZERO; 5];
    let mut ids = Vec::with_capacity(volumes as usize);
    for seed in 0..volumes {
        let t = Instant::now();
        let plan = planner.plan(request, seed).expect("plan");
        let t1 = Instant::now();
        let commit = plan.to_commit();
        let t2 = Instant::now();
        model.commit_volume(commit).expect("model commit");
        let t3 = Instant::now();
        planner.commit(&plan).expect("index commit");
        let t4 = Instant::now();
        for (s, d) in spent.iter_mut().zip([t1 - t, t2 - t1, t3 - t2, t4 - t3]) {
            *s += d;
        }
        ids.push(plan.volume_id);
    }
    let n = ids.len();
    let t = Instant::now();
    for k in 0..n {
        model.delete_volume(ids[(k * 7919) % n]).expect("delete");
    }
    spent[4] = t.elapsed();
    let per = |d: Duration| d.as_nanos() as f64 / volumes as f64;
    println!(
        "{volumes} volumes, ns per volume: plan {:.0}, to_commit {:.0}, model commit {:.0}, index commit {:.0}; model delete {:.0}",
        per(spent[0]),
        per(spent[1]),
        per(spent[2]),
        per(spent[3]),
        per(spent[4])
    );
}

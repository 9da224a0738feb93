//! Fill quality, through simulation: small bricks fill a uniform cluster to 99 % of raw
//! capacity; equal bricks on equal devices stay within ceil(mean)+1 bricks per device at
//! every step; mixed device sizes (1, 2, 4, 8 TiB) fill evenly (Heketi 1825: devices from
//! 27 % to 99 % used).

mod common;

use common::*;
use gluster_model::*;
use gluster_placement::{simulate, PlacementSettings, Planner, VolumeRequest};

fn replica3(size: ByteSize) -> VolumeRequest {
    let mut r = VolumeRequest::new(size, Durability::replicate(3).unwrap());
    r.zone_checking = ZoneChecking::Strict;
    r
}

#[test]
fn small_bricks_fill_a_uniform_cluster_to_99_percent() {
    let model = uniform(3, 2, 2, ByteSize::gib(100));
    let report = simulate(
        &model,
        &replica3(ByteSize::gib(1)),
        &PlacementSettings::default(),
        7,
        None,
    )
    .unwrap();
    assert!(report.first_refusal.is_some());
    eprintln!(
        "uniform, 1 GiB bricks: raw fill {:.4} after {} volumes",
        report.utilization.raw, report.placed
    );
    assert!(
        report.utilization.raw >= 0.99,
        "raw fill {:.4} after {} volumes",
        report.utilization.raw,
        report.placed
    );
}

#[test]
fn equal_bricks_never_pile_up_on_a_device() {
    let model = uniform(3, 3, 3, ByteSize::gib(200));
    let settings = PlacementSettings::default();
    let mut planner = Planner::new(&model, &settings);
    let mut bricks: std::collections::BTreeMap<DeviceId, usize> =
        model.devices().map(|d| (d.id, 0)).collect();
    let request = replica3(ByteSize::gib(5));
    let mut placed = 0;
    while let Ok(plan) = planner.plan(&request, placed as u64) {
        planner.commit(&plan).unwrap();
        for b in &plan.bricks {
            *bricks.get_mut(&b.device_id).unwrap() += 1;
        }
        placed += 1;
        let total: usize = bricks.values().sum();
        let mean_ceil = total.div_ceil(bricks.len());
        let max = *bricks.values().max().unwrap();
        assert!(
            max <= mean_ceil + 1,
            "after {placed} volumes: {max} bricks on one device, ceil(mean) {mean_ceil}"
        );
    }
    assert!(
        placed > 300,
        "the cluster takes hundreds of volumes, took {placed}"
    );
}

#[test]
fn mixed_device_sizes_fill_evenly_at_half() {
    let sizes = [
        ByteSize::tib(1),
        ByteSize::tib(2),
        ByteSize::tib(4),
        ByteSize::tib(8),
    ];
    let nodes: Vec<NodeSpec> = (0..6)
        .map(|i| NodeSpec {
            zone: i % 3 + 1,
            state: EntityState::Online,
            tags: Tags::new(),
            devices: sizes
                .iter()
                .map(|&total| DeviceSpec {
                    total,
                    state: EntityState::Online,
                    tags: Tags::new(),
                })
                .collect(),
        })
        .collect();
    let model = build(&nodes);
    let raw: u64 = model.devices().map(|d| d.total.bytes()).sum();
    let request = replica3(ByteSize::gib(100));
    // Volumes until half the raw capacity is used (each takes 3 bricks of ~100.5 GiB).
    let count = (raw / 2) / (3 * ByteSize::gib(100).bytes() * 1005 / 1000);
    let report = simulate(
        &model,
        &request,
        &PlacementSettings::default(),
        3,
        Some(count as usize),
    )
    .unwrap();
    assert_eq!(report.placed as u64, count);
    let u = report.utilization;
    eprintln!(
        "mixed 1/2/4/8 TiB at {:.3} raw: max/mean {:.4} (min {:.3}, max {:.3})",
        u.raw, u.max_over_mean, u.min, u.max
    );
    assert!(u.raw >= 0.49, "raw {:.3}", u.raw);
    assert!(
        u.max_over_mean <= 1.05,
        "max/mean {:.4} (min {:.3}, mean {:.3}, max {:.3})",
        u.max_over_mean,
        u.min,
        u.mean,
        u.max
    );
}

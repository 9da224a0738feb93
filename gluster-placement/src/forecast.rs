//! Capacity forecast: how many more volumes of one request fit, and where the free space
//! that is left then sits and why no further volume can use it.

use std::collections::BTreeSet;

use gluster_model::{ArbiterTag, ByteSize, Durability, Model, Zone};
use serde::{Deserialize, Serialize};

use crate::error::{Infeasible, PlacementError};
use crate::planner::Planner;
use crate::progress::{self, Progress, VolumeCount};
use crate::request::{PlacementSettings, VolumeRequest};
use crate::usage::Utilization;

/// Why free space is stranded once the next volume is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum StrandCause {
    /// On devices or nodes that are not online.
    Offline,
    /// On devices the request may not use (another cluster, a zone not allowed, a tag rule).
    Excluded,
    /// On devices tagged `arbiter: required`, which take only arbiter bricks.
    ArbiterOnly,
    /// In pieces smaller than the smallest brick of the request (device sizes and brick
    /// sizes that do not divide evenly).
    Fragments {
        /// Space the smallest brick needs (pool and metadata).
        smallest_brick: ByteSize,
    },
    /// Space that can still take bricks: the forecast stopped at its limit, not on a refusal.
    Room,
    /// Room for bricks, but on too few zones (strict) or nodes to form a set: zone or node
    /// imbalance.
    FailureDomains {
        /// Bricks per set.
        set_size: usize,
        /// Zones that still have room for a brick.
        zones_with_room: Vec<Zone>,
        /// Nodes that still have room for a brick.
        nodes_with_room: usize,
    },
}

/// Free space of one cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stranded {
    /// Why it is stranded.
    #[serde(flatten)]
    pub cause: StrandCause,
    /// How much.
    pub bytes: ByteSize,
    /// On how many devices.
    pub devices: usize,
}

/// What [`forecast`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// More volumes of the request that fit.
    pub fits: usize,
    /// Why the next one does not.
    pub first_refusal: Option<Infeasible>,
    /// Free space on every device before.
    pub free_before: ByteSize,
    /// Free space on every device at the end: the stranded capacity when the forecast ended
    /// on a refusal.
    pub stranded: ByteSize,
    /// The stranded capacity by cause (causes with no space left out).
    pub causes: Vec<Stranded>,
    /// Device utilization once no more fit.
    pub utilization: Utilization,
}

/// Place `request` into `model` until refused (at most `limit` times; `None`: no limit, as
/// [`crate::simulate`]'s count) and explain the free
/// space left. Deterministic like every plan: the same inputs give the same forecast.
pub fn forecast(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    seed: u64,
    limit: Option<usize>,
) -> Result<Forecast, PlacementError> {
    run(Planner::new(model, settings), request, seed, limit)
}

/// The forecast on a planner of its own (a fresh index or an engine's snapshot).
pub(crate) fn run(
    planner: Planner,
    request: &VolumeRequest,
    seed: u64,
    limit: Option<usize>,
) -> Result<Forecast, PlacementError> {
    run_with_progress(planner, request, seed, limit, &mut progress::ignore)
}

/// [`run`], reporting each volume placed to `progress` (see [`crate::Progress`]).
pub(crate) fn run_with_progress(
    mut planner: Planner,
    request: &VolumeRequest,
    seed: u64,
    limit: Option<usize>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Forecast, PlacementError> {
    let mut counter = VolumeCount::new(&planner, limit);
    let free_before = free_total(&planner);
    let mut request = request.clone();
    let base = request.name.clone();
    let (mut fits, mut first_refusal, mut smallest) = (0, None, None::<u64>);
    while limit.is_none_or(|l| fits < l) {
        if let Some(name) = &base {
            request.name = Some(format!("{name}-{}", fits + 1));
        }
        match planner.plan(&request, seed.wrapping_add(fits as u64)) {
            Ok(plan) => {
                let brick = plan
                    .bricks
                    .iter()
                    .filter_map(|b| b.space())
                    .map(ByteSize::bytes)
                    .min();
                smallest = smallest.min(brick).or(brick);
                planner.commit(&plan)?;
                fits += 1;
                counter.placed(progress::raw_bytes(&plan), progress);
            }
            Err(PlacementError::Infeasible(inf)) => {
                if smallest.is_none() {
                    smallest = inf.reasons.iter().find_map(|r| match r {
                        crate::Reason::FailureDomains { need_per_brick, .. } => {
                            Some(need_per_brick.bytes())
                        }
                        _ => None,
                    });
                }
                first_refusal = Some(inf);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    counter.finish(progress);
    let refused = first_refusal.is_some();
    let causes = classify(&planner, &request, smallest.unwrap_or(0), refused);
    Ok(Forecast {
        fits,
        first_refusal,
        free_before,
        stranded: free_total(&planner),
        causes,
        utilization: Utilization::of_devices(planner.online_usage()),
    })
}

fn free_total(planner: &Planner) -> ByteSize {
    ByteSize::b(
        planner
            .index
            .devs
            .iter()
            .map(|d| d.total.saturating_sub(d.used))
            .sum(),
    )
}

/// Sort every device's free space into one cause.
fn classify(
    planner: &Planner,
    request: &VolumeRequest,
    smallest: u64,
    refused: bool,
) -> Vec<Stranded> {
    let index = &planner.index;
    let allowed_nodes: BTreeSet<u32> = index
        .clusters
        .iter()
        .filter(|c| request.cluster.is_none_or(|id| id == c.id))
        .flat_map(|c| c.nodes.iter().map(|n| n.0))
        .collect();
    let arbiter = matches!(request.durability, Durability::Arbiter);
    // (cause index, bytes, devices) in a fixed order; failure domains filled in below.
    let mut sums = [(0u64, 0usize); 5];
    let mut zones_with_room = BTreeSet::new();
    let mut nodes_with_room = BTreeSet::new();
    for d in &index.devs {
        let free = d.total.saturating_sub(d.used);
        if free == 0 {
            continue;
        }
        let node = &index.nodes[d.node.ix()];
        let zone = index.zones[d.zone.ix()].zone;
        let excluded = !allowed_nodes.contains(&d.node.0)
            || (!request.allowed_zones.is_empty() && !request.allowed_zones.contains(&zone))
            || !request
                .device_tag_match
                .iter()
                .all(|rule| rule.matches(&node.tags, &d.tags));
        let cause = if !d.online {
            0
        } else if excluded {
            1
        } else if d.arbiter == ArbiterTag::Required && !arbiter {
            2
        } else if d.room() < smallest {
            3
        } else {
            zones_with_room.insert(zone);
            nodes_with_room.insert(d.node.0);
            4
        };
        sums[cause].0 += free;
        sums[cause].1 += 1;
    }
    let causes = [
        StrandCause::Offline,
        StrandCause::Excluded,
        StrandCause::ArbiterOnly,
        StrandCause::Fragments {
            smallest_brick: ByteSize::b(smallest),
        },
        if refused {
            StrandCause::FailureDomains {
                set_size: request.durability.set_size(),
                zones_with_room: zones_with_room.into_iter().collect(),
                nodes_with_room: nodes_with_room.len(),
            }
        } else {
            StrandCause::Room
        },
    ];
    causes
        .into_iter()
        .zip(sums)
        .filter(|(_, (bytes, _))| *bytes > 0)
        .map(|(cause, (bytes, devices))| Stranded {
            cause,
            bytes: ByteSize::b(bytes),
            devices,
        })
        .collect()
}

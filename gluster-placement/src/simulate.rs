//! Simulation: place a sequence of requests into one evolving snapshot.

use serde::{Deserialize, Serialize};

use gluster_model::{ByteSize, Zone};

use crate::error::{Infeasible, PlacementError};
use crate::planner::Planner;
use crate::progress::{self, Progress, VolumeCount};
use crate::request::VolumeRequest;

/// Use of one device after a simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceUsage {
    /// Manage hostname of the node.
    pub node: String,
    /// Device name.
    pub device: String,
    /// Zone of the node.
    pub zone: Zone,
    /// Device size.
    pub total_bytes: ByteSize,
    /// Space taken by bricks.
    pub used_bytes: ByteSize,
}

/// Spread of device utilization (used / total) over online devices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Least used device, 0..=1.
    pub min: f64,
    /// Most used device, 0..=1.
    pub max: f64,
    /// Mean over devices, 0..=1.
    pub mean: f64,
    /// Used bytes over total bytes, 0..=1.
    pub raw: f64,
    /// `max / mean` (1 when nothing is used).
    pub max_over_mean: f64,
}

/// What a simulation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// Volumes placed.
    pub placed: usize,
    /// Why the next one did not fit, when the simulation stopped on a refusal.
    pub first_refusal: Option<Infeasible>,
    /// Every device after the simulation.
    pub devices: Vec<DeviceUsage>,
    /// Utilization spread after the simulation.
    pub utilization: Utilization,
}

/// Runs a simulation on a planner (see [`crate::simulate`]).
pub(crate) fn run(
    planner: &mut Planner,
    request: &VolumeRequest,
    seed: u64,
    count: Option<usize>,
) -> Result<SimulationReport, PlacementError> {
    run_with_progress(planner, request, seed, count, &mut progress::ignore)
}

/// [`run`], reporting each volume placed to `progress` (see [`crate::Progress`]).
pub(crate) fn run_with_progress(
    planner: &mut Planner,
    request: &VolumeRequest,
    seed: u64,
    count: Option<usize>,
    progress: &mut dyn FnMut(Progress),
) -> Result<SimulationReport, PlacementError> {
    let mut counter = VolumeCount::new(planner, count);
    let mut placed = 0usize;
    let mut first_refusal = None;
    let mut request = request.clone();
    let base_name = request.name.clone();
    while count.is_none_or(|c| placed < c) {
        if let Some(name) = &base_name {
            if placed > 0 {
                request.name = Some(format!("{name}-{}", placed + 1));
            }
        }
        match planner.plan(&request, seed.wrapping_add(placed as u64)) {
            Ok(plan) => {
                planner.commit(&plan)?;
                placed += 1;
                counter.placed(progress::raw_bytes(&plan), progress);
            }
            Err(PlacementError::Infeasible(inf)) => {
                first_refusal = Some(inf);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    counter.finish(progress);
    Ok(SimulationReport {
        placed,
        first_refusal,
        devices: planner.device_usage(),
        utilization: Utilization::of_devices(planner.online_usage()),
    })
}

impl Utilization {
    /// The spread over devices given as `(used, total)` bytes; devices of size zero are
    /// left out.
    pub fn of_devices(devices: impl IntoIterator<Item = (ByteSize, ByteSize)>) -> Utilization {
        let (mut used_sum, mut total_sum) = (0u128, 0u128);
        let mut fractions = Vec::new();
        for (used, total) in devices {
            if total == ByteSize::ZERO {
                continue;
            }
            used_sum += u128::from(used.bytes());
            total_sum += u128::from(total.bytes());
            fractions.push(used.bytes() as f64 / total.bytes() as f64);
        }
        if fractions.is_empty() {
            return Utilization {
                min: 0.0,
                max: 0.0,
                mean: 0.0,
                raw: 0.0,
                max_over_mean: 1.0,
            };
        }
        let min = fractions.iter().copied().fold(f64::INFINITY, f64::min);
        let max = fractions.iter().copied().fold(0.0, f64::max);
        let mean = fractions.iter().sum::<f64>() / fractions.len() as f64;
        Utilization {
            min,
            max,
            mean,
            raw: used_sum as f64 / total_sum as f64,
            max_over_mean: if mean > 0.0 { max / mean } else { 1.0 },
        }
    }
}

//! Simulation: place a sequence of requests into one evolving snapshot.

use serde::{Deserialize, Serialize};

use crate::error::{Infeasible, PlacementError};
use crate::planner::Planner;
use crate::progress::{self, Progress, VolumeCount};
use crate::request::VolumeRequest;
use crate::usage::{DeviceUsage, Utilization};

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

//! Zone-aware, capacity-balanced, deterministic brick placement for GlusterFS volumes.
//!
//! (Work in progress: the API contract is fixed, the engine lands next.)

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod day2;
mod error;
mod plan;
mod request;
mod request_spec;
mod simulate;

pub use error::{Infeasible, PlacementError, Reason};
pub use plan::{Plan, PlanNote, PlannedBrick};
pub use request::{PlacementSettings, VolumeRequest};
pub use request_spec::RequestSpec;
pub use simulate::{DeviceUsage, SimulationReport, Utilization};

use gluster_model::Model;

/// Plans one volume on a model snapshot. The same model, request, settings and seed always
/// give the same plan, byte for byte.
pub fn plan_volume(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    seed: u64,
) -> Result<Plan, PlacementError> {
    let _ = (model, request, settings, seed);
    Err(PlacementError::InvalidRequest(
        "engine not implemented yet".into(),
    ))
}

/// Places `request` again and again into one evolving copy of `model` (each plan committed
/// before the next, seeds `seed`, `seed + 1`, ...) until `count` volumes are placed or one
/// is refused (`count: None` means until the first refusal).
pub fn simulate(
    model: &Model,
    request: &VolumeRequest,
    settings: &PlacementSettings,
    seed: u64,
    count: Option<usize>,
) -> Result<SimulationReport, PlacementError> {
    let _ = (model, request, settings, seed, count);
    Err(PlacementError::InvalidRequest(
        "engine not implemented yet".into(),
    ))
}

//! The engine's what-if questions with a progress callback (see [`crate::Progress`]).

use crate::engine::Engine;
use crate::error::PlacementError;
use crate::forecast::Forecast;
use crate::progress::Progress;
use crate::request::VolumeRequest;
use crate::simulate::SimulationReport;

impl Engine {
    /// [`Engine::simulate`], reporting volumes placed of an estimate of how many fit (the
    /// `count` when it is smaller) to `progress` after each volume.
    pub fn simulate_with_progress(
        &self,
        request: &VolumeRequest,
        seed: u64,
        count: Option<usize>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SimulationReport, PlacementError> {
        crate::simulate::run_with_progress(&mut self.snapshot(), request, seed, count, progress)
    }

    /// [`Engine::forecast`], reporting volumes placed of an estimate of how many fit (the
    /// `limit` when it is smaller) to `progress` after each volume.
    pub fn forecast_with_progress(
        &self,
        request: &VolumeRequest,
        seed: u64,
        limit: Option<usize>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Forecast, PlacementError> {
        crate::forecast::run_with_progress(self.snapshot(), request, seed, limit, progress)
    }
}

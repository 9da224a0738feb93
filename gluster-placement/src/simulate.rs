//! Simulation: place a sequence of requests into one evolving snapshot.

use serde::{Deserialize, Serialize};

use gluster_model::{ByteSize, Zone};

use crate::error::Infeasible;

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

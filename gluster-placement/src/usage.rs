//! Device use as the planner and the what-if reports give it: per device, and the spread
//! over devices. Its own module so that the planner (which reports it) and the simulation
//! (which uses the planner) do not depend on each other.

use serde::{Deserialize, Serialize};

use gluster_model::{ByteSize, Zone};

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
